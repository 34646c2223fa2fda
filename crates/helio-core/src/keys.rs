//! Key material: the master keys Helio is started with and the versioned data keys they wrap.
//!
//! Personal data is encrypted under *data keys*; data keys are stored in the database only in
//! wrapped (encrypted) form under the *key-encryption key*, which never touches the database.
//! A stolen database therefore yields ciphertext and wrapped keys, nothing readable (CR-3, CR-4).

use std::fmt;

use serde::Serialize;
use subtle::ConstantTimeEq as _;
use thiserror::Error;
use zeroize::Zeroize;

/// Length in bytes of every master key (256 bits).
pub const MASTER_KEY_LEN: usize = 32;

/// The master keys a running Helio needs, each with a single purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MasterKeyId {
    /// Wraps the versioned data keys that encrypt personal data at rest.
    Kek,
    /// Keys the HMAC blind indexes that make encrypted email and phone findable.
    BlindIndex,
    /// Signs values handed to clients that must come back unmodified (device cookies, tokens).
    Mac,
    /// Seed of the Ed25519 key that signs audit-trail checkpoints.
    AuditSigning,
    /// Encrypts backup files. Held by the backup job and the restore drill, not the service.
    Backup,
    /// Seed of the Ed25519 key that signs backup files. Held where [`Self::Backup`] is.
    BackupSigning,
}

impl MasterKeyId {
    /// Every master key the service runs with, in a fixed order.
    pub const ALL: [Self; 4] = [Self::Kek, Self::BlindIndex, Self::Mac, Self::AuditSigning];

    /// The keys of `helio backup` and `helio restore`; the service never loads them, so a
    /// compromised replica can neither read nor forge a backup.
    pub const BACKUP: [Self; 2] = [Self::Backup, Self::BackupSigning];

    /// The key's file name inside the key directory.
    #[must_use]
    pub const fn file_name(self) -> &'static str {
        match self {
            Self::Kek => "kek.key",
            Self::BlindIndex => "blind-index.key",
            Self::Mac => "mac.key",
            Self::AuditSigning => "audit-signing.key",
            Self::Backup => "backup.key",
            Self::BackupSigning => "backup-signing.key",
        }
    }
}

impl fmt::Display for MasterKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// 256 bits of secret key material. Its `Debug` never shows the bytes, and they are wiped on drop.
pub struct MasterKey(Box<[u8; MASTER_KEY_LEN]>);

impl MasterKey {
    /// Wraps raw key bytes; the caller's copy should be zeroised by the caller.
    #[must_use]
    pub fn from_bytes(bytes: [u8; MASTER_KEY_LEN]) -> Self {
        Self(Box::new(bytes))
    }

    /// The raw bytes, for handing to a cryptographic primitive and nothing else.
    #[must_use]
    pub fn expose(&self) -> &[u8; MASTER_KEY_LEN] {
        &self.0
    }

    /// Whether two keys are the same bytes, compared in constant time: the answer says
    /// nothing about how much of a secret key matched.
    #[must_use]
    pub fn same_as(&self, other: &Self) -> bool {
        bool::from(self.0.ct_eq(&*other.0))
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

/// The complete set of master keys; constructing it proves none is missing.
#[derive(Debug)]
pub struct MasterKeys {
    /// See [`MasterKeyId::Kek`].
    pub kek: MasterKey,
    /// See [`MasterKeyId::BlindIndex`].
    pub blind_index: MasterKey,
    /// See [`MasterKeyId::Mac`].
    pub mac: MasterKey,
    /// See [`MasterKeyId::AuditSigning`].
    pub audit_signing: MasterKey,
}

/// The version number of a data key. Ciphertexts name the version that decrypts them, so old
/// versions stay readable while rotation re-encrypts rows under the newest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct KeyVersion(u32);

/// A key version outside the accepted range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("key versions start at 1")]
pub struct InvalidKeyVersion;

impl KeyVersion {
    /// The first version a fresh installation creates.
    pub const FIRST: Self = Self(1);

    /// Parses a stored or configured version; zero is reserved as "no version".
    pub fn new(version: u32) -> Result<Self, InvalidKeyVersion> {
        if version == 0 {
            Err(InvalidKeyVersion)
        } else {
            Ok(Self(version))
        }
    }

    /// The version as a number.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The version after this one, or `None` when the space is exhausted.
    #[must_use]
    pub fn next(self) -> Option<Self> {
        self.0.checked_add(1).map(Self)
    }
}

/// A data key as the database holds it: encrypted under the key-encryption key.
///
/// The bytes are opaque to the store; only core's key management can unwrap them.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedDataKey {
    /// Which version this key is.
    pub version: KeyVersion,
    /// The data key encrypted under the key-encryption key (nonce and tag included).
    pub wrapped: Vec<u8>,
    /// When the version was created.
    pub created_at: crate::time::Timestamp,
}

impl fmt::Debug for WrappedDataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedDataKey")
            .field("version", &self.version)
            .field("wrapped", &format_args!("[{} bytes]", self.wrapped.len()))
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn master_key_debug_hides_the_bytes() {
        let key = MasterKey::from_bytes([0xAB; MASTER_KEY_LEN]);
        let shown = format!("{key:?}");
        assert!(!shown.contains("171"), "{shown}");
        assert!(!shown.to_lowercase().contains("ab, ab"), "{shown}");
        assert_eq!(shown, "MasterKey([redacted])");
    }

    #[test]
    fn wrapped_key_debug_shows_only_the_length() {
        let key = WrappedDataKey {
            version: KeyVersion::FIRST,
            wrapped: vec![7; 60],
            created_at: crate::time::Timestamp::from_unix_micros(1),
        };
        let shown = format!("{key:?}");
        assert!(shown.contains("[60 bytes]"), "{shown}");
        assert!(!shown.contains("7, 7"), "{shown}");
    }

    #[test]
    fn keys_are_the_same_only_when_every_byte_is() {
        let key = MasterKey::from_bytes([7; MASTER_KEY_LEN]);
        assert!(key.same_as(&MasterKey::from_bytes([7; MASTER_KEY_LEN])));
        let mut last = [7; MASTER_KEY_LEN];
        last[MASTER_KEY_LEN - 1] = 8;
        assert!(!key.same_as(&MasterKey::from_bytes(last)));
    }

    #[test]
    fn version_zero_is_refused() {
        assert_eq!(KeyVersion::new(0), Err(InvalidKeyVersion));
        assert_eq!(KeyVersion::new(1), Ok(KeyVersion::FIRST));
        assert_eq!(KeyVersion::new(u32::MAX).map(KeyVersion::next), Ok(None));
    }

    #[test]
    fn key_files_have_distinct_names() {
        let mut names: Vec<_> = MasterKeyId::ALL.iter().map(|k| k.file_name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), MasterKeyId::ALL.len());
    }

    proptest! {
        #[test]
        fn next_version_is_greater(v in 1u32..u32::MAX) {
            let version = KeyVersion::new(v).unwrap();
            prop_assert!(version.next().unwrap() > version);
        }
    }
}
