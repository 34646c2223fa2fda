//! Rotating the key-encryption key (CR-4): every stored data key re-wrapped under a new KEK
//! in one transaction. The data keys themselves do not change, so no personal-data ciphertext
//! is touched and running replicas keep serving with the keys they have loaded; they need the
//! new KEK only to load a data key created after the change.

use helio_core::crypto::envelope::{DataKey, Rewrap, rewrap};
use helio_core::keys::MasterKey;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::time::Timestamp;
use helio_store::{Store, StoreError};

use super::security_log;

/// Why the KEK could not be rotated. In every case but [`KekRotationError::Incomplete`],
/// nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum KekRotationError {
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// The new KEK is the current one: rotating to it would change nothing and prove nothing.
    #[error("the new key-encryption key is the current one")]
    SameKek,
    /// A stored data key opens under neither KEK: the current KEK is not the one in use, or
    /// the row was tampered with.
    #[error(
        "data key version {version} unwraps under neither the current nor the new key-encryption key; nothing was changed"
    )]
    Unwrappable {
        /// The version that failed.
        version: u32,
    },
    /// A data key changed between reading and writing (a rotation at the same moment).
    #[error("the data keys changed during the run; nothing was changed, run it again")]
    Raced,
    /// After the change, a data key still does not open under the new KEK: a version was
    /// created under the old one meanwhile. Running again moves it too.
    #[error(
        "data key version {version} was created under the old key-encryption key during the run; run it again"
    )]
    Incomplete {
        /// The version that is not under the new KEK.
        version: u32,
    },
}

/// What a KEK rotation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KekRotation {
    /// Versions moved from the old KEK to the new one.
    pub rewrapped: usize,
    /// Versions already under the new KEK (an earlier run), left as they were.
    pub already: usize,
}

/// Re-wraps every data key from `old_kek` to `new_kek`, all or none, then reads them back to
/// prove each opens under `new_kek`. Safe to run again: versions already moved are skipped.
pub async fn rotate_kek(
    store: &Store,
    old_kek: &MasterKey,
    new_kek: &MasterKey,
    now: Timestamp,
) -> Result<KekRotation, KekRotationError> {
    if old_kek.same_as(new_kek) {
        return Err(KekRotationError::SameKek);
    }
    let stored = store.data_keys().all().await?;
    let mut changes = Vec::new();
    let mut already = 0;
    for key in &stored {
        match rewrap(key, old_kek, new_kek) {
            Ok(Rewrap::AlreadyNew) => already += 1,
            Ok(Rewrap::Rewrapped(moved)) => changes.push((key.clone(), moved)),
            Err(_) => {
                return Err(KekRotationError::Unwrappable {
                    version: key.version.get(),
                });
            }
        }
    }
    if !changes.is_empty() {
        match store.data_keys().rewrap(&changes).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(KekRotationError::Raced),
            Err(other) => return Err(other.into()),
        }
        security_log::record(
            store,
            now,
            SecurityEvent::bare(EventName::KekRotated)
                .because("kek")
                .counting(u64::try_from(changes.len()).unwrap_or(u64::MAX)),
        )
        .await?;
    }
    if let Some(left) = store
        .data_keys()
        .all()
        .await?
        .iter()
        .find(|key| DataKey::unwrap_with(new_kek, key).is_err())
    {
        return Err(KekRotationError::Incomplete {
            version: left.version.get(),
        });
    }
    Ok(KekRotation {
        rewrapped: changes.len(),
        already,
    })
}
