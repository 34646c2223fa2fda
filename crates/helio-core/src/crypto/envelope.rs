//! Envelope encryption of data keys under the key-encryption key (CR-4).
//!
//! A data key is 256 random bits. The database stores it only wrapped: AES-256-GCM under the
//! KEK, with the key's version as associated data, so a wrapped key cannot be relabelled as
//! another version, and a database without the KEK yields nothing usable.

use aes_gcm::aead::Aead as _;
use aes_gcm::{Aes256Gcm, KeyInit as _, Nonce};
use zeroize::Zeroizing;

use super::random_bytes;
use crate::keys::{KeyVersion, MASTER_KEY_LEN, MasterKey, WrappedDataKey};
use crate::time::Timestamp;

const NONCE_LEN: usize = 12;
const AAD_PREFIX: &[u8] = b"helio/data-key/v1/";

/// A data key in the clear, for encrypting personal-data fields. Zeroised on drop; its `Debug`
/// shows only the version.
pub struct DataKey {
    version: KeyVersion,
    bytes: Zeroizing<[u8; MASTER_KEY_LEN]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A wrapped key that does not unwrap: wrong KEK, wrong version, or tampered bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the data key does not unwrap under this key-encryption key")]
pub struct UnwrapError;

impl DataKey {
    /// A fresh random data key for `version`.
    #[must_use]
    pub fn generate(version: KeyVersion) -> Self {
        Self {
            version,
            bytes: Zeroizing::new(random_bytes()),
        }
    }

    /// Which version this key is.
    #[must_use]
    pub fn version(&self) -> KeyVersion {
        self.version
    }

    pub(crate) fn expose(&self) -> &[u8; MASTER_KEY_LEN] {
        &self.bytes
    }

    /// Encrypts this key under the KEK for storage.
    #[must_use]
    pub fn wrap(&self, kek: &MasterKey, created_at: Timestamp) -> WrappedDataKey {
        let nonce_bytes: [u8; NONCE_LEN] = random_bytes();
        let cipher = kek_cipher(kek);
        let payload = aes_gcm::aead::Payload {
            msg: self.bytes.as_slice(),
            aad: &aad(self.version),
        };
        let sealed = match cipher.encrypt(&Nonce::from(nonce_bytes), payload) {
            Ok(sealed) => sealed,
            Err(_) => unreachable_encrypt(),
        };
        let mut wrapped = Vec::with_capacity(NONCE_LEN + sealed.len());
        wrapped.extend_from_slice(&nonce_bytes);
        wrapped.extend_from_slice(&sealed);
        WrappedDataKey {
            version: self.version,
            wrapped,
            created_at,
        }
    }

    /// Recovers a data key from its stored form.
    pub fn unwrap_with(kek: &MasterKey, stored: &WrappedDataKey) -> Result<Self, UnwrapError> {
        let (nonce, sealed) = stored
            .wrapped
            .split_at_checked(NONCE_LEN)
            .ok_or(UnwrapError)?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| UnwrapError)?;
        let payload = aes_gcm::aead::Payload {
            msg: sealed,
            aad: &aad(stored.version),
        };
        let opened = Zeroizing::new(
            kek_cipher(kek)
                .decrypt(&Nonce::from(nonce), payload)
                .map_err(|_| UnwrapError)?,
        );
        let bytes: [u8; MASTER_KEY_LEN] = opened.as_slice().try_into().map_err(|_| UnwrapError)?;
        Ok(Self {
            version: stored.version,
            bytes: Zeroizing::new(bytes),
        })
    }
}

/// What re-wrapping one stored data key under a new key-encryption key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrap {
    /// It already unwraps under the new KEK (an earlier run got this far): nothing to write.
    AlreadyNew,
    /// It unwrapped under the old KEK; this is the same data key wrapped under the new one,
    /// with its version and creation time kept, so retirement's age check is unchanged.
    Rewrapped(WrappedDataKey),
}

/// Moves one stored data key from the old KEK to the new one (KEK rotation, CR-4). The data
/// key itself is unchanged, so no personal-data ciphertext needs touching. A key that unwraps
/// under neither is refused: writing anything for it would lose it for good.
pub fn rewrap(
    stored: &WrappedDataKey,
    old_kek: &MasterKey,
    new_kek: &MasterKey,
) -> Result<Rewrap, UnwrapError> {
    if DataKey::unwrap_with(new_kek, stored).is_ok() {
        return Ok(Rewrap::AlreadyNew);
    }
    let key = DataKey::unwrap_with(old_kek, stored)?;
    Ok(Rewrap::Rewrapped(key.wrap(new_kek, stored.created_at)))
}

fn kek_cipher(kek: &MasterKey) -> Aes256Gcm {
    Aes256Gcm::new(&(*kek.expose()).into())
}

fn aad(version: KeyVersion) -> Vec<u8> {
    let mut aad = AAD_PREFIX.to_vec();
    aad.extend_from_slice(&version.get().to_be_bytes());
    aad
}

/// AES-GCM encryption fails only for inputs beyond 64 GiB; a 32-byte key never is.
#[expect(clippy::panic, reason = "unreachable for fixed 32-byte inputs")]
fn unreachable_encrypt() -> ! {
    panic!("AES-GCM refused a 32-byte plaintext")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek(byte: u8) -> MasterKey {
        MasterKey::from_bytes([byte; MASTER_KEY_LEN])
    }

    fn v(n: u32) -> KeyVersion {
        KeyVersion::new(n).unwrap()
    }

    #[test]
    fn cr_4_a_wrapped_key_unwraps_to_the_same_key() {
        let key = DataKey::generate(v(3));
        let stored = key.wrap(&kek(1), Timestamp::from_unix_micros(5));
        assert_eq!(stored.wrapped.len(), NONCE_LEN + MASTER_KEY_LEN + 16);
        assert!(
            !stored
                .wrapped
                .windows(8)
                .any(|w| key.expose().windows(8).any(|k| k == w))
        );
        let back = DataKey::unwrap_with(&kek(1), &stored).unwrap();
        assert_eq!(back.expose(), key.expose());
        assert_eq!(back.version(), v(3));
    }

    #[test]
    fn cr_4_the_wrong_kek_relabelled_or_tampered_keys_are_refused() {
        let stored = DataKey::generate(v(1)).wrap(&kek(1), Timestamp::from_unix_micros(5));
        assert_eq!(
            DataKey::unwrap_with(&kek(2), &stored).unwrap_err(),
            UnwrapError
        );
        let mut relabelled = stored.clone();
        relabelled.version = v(2);
        assert!(DataKey::unwrap_with(&kek(1), &relabelled).is_err());
        let mut flipped = stored.clone();
        flipped.wrapped[20] ^= 1;
        assert!(DataKey::unwrap_with(&kek(1), &flipped).is_err());
        let mut short = stored;
        short.wrapped.truncate(5);
        assert!(DataKey::unwrap_with(&kek(1), &short).is_err());
    }

    #[test]
    fn cr_4_a_rewrapped_key_is_the_same_key_under_the_new_kek_only() {
        let key = DataKey::generate(v(4));
        let stored = key.wrap(&kek(1), Timestamp::from_unix_micros(9));
        let Rewrap::Rewrapped(moved) = rewrap(&stored, &kek(1), &kek(2)).unwrap() else {
            panic!("a key under the old KEK is re-wrapped");
        };
        assert_eq!((moved.version, moved.created_at), (v(4), stored.created_at));
        assert_ne!(moved.wrapped, stored.wrapped);
        assert!(DataKey::unwrap_with(&kek(1), &moved).is_err());
        let back = DataKey::unwrap_with(&kek(2), &moved).unwrap();
        assert_eq!(back.expose(), key.expose());
        assert_eq!(rewrap(&moved, &kek(1), &kek(2)), Ok(Rewrap::AlreadyNew));
    }

    #[test]
    fn cr_4_a_key_under_neither_kek_is_refused_not_rewrapped() {
        let stored = DataKey::generate(v(1)).wrap(&kek(3), Timestamp::from_unix_micros(9));
        assert_eq!(rewrap(&stored, &kek(1), &kek(2)), Err(UnwrapError));
        let mut tampered = DataKey::generate(v(1)).wrap(&kek(1), Timestamp::from_unix_micros(9));
        tampered.wrapped[15] ^= 1;
        assert_eq!(rewrap(&tampered, &kek(1), &kek(2)), Err(UnwrapError));
    }

    #[test]
    fn debug_shows_no_key_material() {
        let shown = format!("{:?}", DataKey::generate(v(1)));
        assert!(!shown.contains("bytes"), "{shown}");
    }
}
