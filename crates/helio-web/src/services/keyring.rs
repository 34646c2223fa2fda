//! Loading the data keys at start, creating the first one on a fresh database (CR-4).

use helio_core::crypto::envelope::{DataKey, UnwrapError};
use helio_core::crypto::field::FieldCipher;
use helio_core::keys::{KeyVersion, MasterKey};
use helio_core::time::Timestamp;
use helio_store::{Store, StoreError};

/// Why the keyring could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// The database failed.
    #[error("cannot read the data keys")]
    Store(#[from] StoreError),
    /// A stored data key does not unwrap: the KEK is not the one these keys were made with.
    #[error("data key version {version} does not unwrap with this key-encryption key")]
    WrongKek {
        /// The version that failed.
        version: u32,
        /// The failure.
        #[source]
        source: UnwrapError,
    },
}

/// Every stored data key, unwrapped. On a database with none, creates version 1 first. Two
/// replicas starting together cannot both create it: the second insert conflicts and reloads.
pub async fn load_or_create(store: &Store, kek: &MasterKey) -> Result<FieldCipher, KeyringError> {
    loop {
        let stored = store.data_keys().all().await?;
        let keys = stored
            .iter()
            .map(|wrapped| {
                DataKey::unwrap_with(kek, wrapped).map_err(|source| KeyringError::WrongKek {
                    version: wrapped.version.get(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(cipher) = FieldCipher::new(keys) {
            return Ok(cipher);
        }
        let first = DataKey::generate(KeyVersion::FIRST).wrap(kek, Timestamp::now());
        match store.data_keys().insert(&first).await {
            Ok(()) => tracing::info!(key_version = 1, "created the first data key"),
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
}
