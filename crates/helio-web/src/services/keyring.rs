//! Loading the data keys at start, creating the first one on a fresh database (CR-4).

use std::sync::{Arc, RwLock};

use helio_core::crypto::envelope::{DataKey, UnwrapError};
use helio_core::crypto::field::{FieldCipher, FieldContext, FieldError};
use helio_core::keys::{KeyVersion, MasterKey};
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::time::Timestamp;
use helio_store::{Store, StoreError};
use zeroize::Zeroizing;

use super::security_log;

/// Why the keyring could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// The database failed.
    #[error("cannot read the data keys")]
    Store(#[from] StoreError),
    /// Version numbers are used up (four billion rotations).
    #[error("no data key version is left")]
    Exhausted,
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

/// How often a running process reloads the data keys, so that even a replica that only
/// writes (and so never meets a newer ciphertext) moves to a new version within a minute.
pub const KEY_REFRESH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Reloads `keys` every [`KEY_REFRESH_INTERVAL`] for as long as the process runs. A failed
/// reload keeps the keys already loaded and is tried again at the next tick.
pub async fn run_refresher(keys: Arc<Keyring>) {
    let mut ticks = tokio::time::interval(KEY_REFRESH_INTERVAL);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(error) = keys.refresh().await {
            tracing::warn!(%error, "data keys could not be reloaded; keeping the loaded ones");
        }
    }
}

/// The data keys of a running process, refreshed from the database when a ciphertext names a
/// version this process has not loaded yet (another replica or `helio keys rotate` created
/// it). Rotation therefore needs no restart and no coordination between replicas (CR-4).
#[derive(Debug)]
pub struct Keyring {
    store: Store,
    kek: MasterKey,
    cipher: RwLock<Arc<FieldCipher>>,
}

impl Keyring {
    /// Loads every data key (creating the first on a fresh database).
    pub async fn load(store: Store, kek: MasterKey) -> Result<Arc<Self>, KeyringError> {
        let cipher = load_or_create(&store, &kek).await?;
        Ok(Arc::new(Self {
            store,
            kek,
            cipher: RwLock::new(Arc::new(cipher)),
        }))
    }

    /// The keys as loaded now; new values are encrypted under its newest version.
    #[must_use]
    pub fn current(&self) -> Arc<FieldCipher> {
        match self.cipher.read() {
            Ok(cipher) => Arc::clone(&cipher),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Reloads the keys from the database.
    pub async fn refresh(&self) -> Result<(), KeyringError> {
        let fresh = Arc::new(load_or_create(&self.store, &self.kek).await?);
        match self.cipher.write() {
            Ok(mut cipher) => *cipher = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// Opens a stored text field, reloading the keys once if it names an unknown version.
    pub async fn decrypt(
        &self,
        stored: &[u8],
        context: FieldContext<'_>,
    ) -> Result<Zeroizing<String>, FieldError> {
        match self.current().decrypt(stored, context) {
            Err(FieldError::UnknownKey) => {
                self.refresh().await.map_err(|_| FieldError::UnknownKey)?;
                self.current().decrypt(stored, context)
            }
            other => other,
        }
    }

    /// Opens a stored binary field, reloading the keys once if it names an unknown version.
    pub async fn decrypt_bytes(
        &self,
        stored: &[u8],
        context: FieldContext<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, FieldError> {
        match self.current().decrypt_bytes(stored, context) {
            Err(FieldError::UnknownKey) => {
                self.refresh().await.map_err(|_| FieldError::UnknownKey)?;
                self.current().decrypt_bytes(stored, context)
            }
            other => other,
        }
    }

    /// Creates the next data key version and loads it; returns the version now current. If
    /// another process rotated at the same moment, its version is used instead.
    pub async fn add_version(&self) -> Result<KeyVersion, KeyringError> {
        self.refresh().await?;
        let next = self
            .current()
            .current_version()
            .next()
            .ok_or(KeyringError::Exhausted)?;
        let wrapped = DataKey::generate(next).wrap(&self.kek, Timestamp::now());
        match self.store.data_keys().insert(&wrapped).await {
            Ok(()) | Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
        self.refresh().await?;
        let current = self.current().current_version();
        security_log::record(
            &self.store,
            Timestamp::now(),
            SecurityEvent::bare(EventName::KeyRotated)
                .because("data")
                .counting(u64::from(current.get())),
        )
        .await?;
        Ok(current)
    }
}
