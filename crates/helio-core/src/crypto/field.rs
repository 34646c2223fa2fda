//! Encryption of personal-data fields at rest (CR-3).
//!
//! Each value is sealed with AES-256-GCM under the current data key, with a fresh random nonce,
//! and with the table, column and row ID (and the key version) as associated data. So:
//! - a stolen database shows only ciphertext;
//! - a ciphertext copied into another row or column does not decrypt (no swapping a victim's
//!   phone number into the attacker's row);
//! - each ciphertext names its key version, so old rows stay readable during rotation.
//!
//! Stored layout: `[format 1][key version u32 BE][nonce 12][ciphertext + tag 16]`.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead as _, Payload};
use aes_gcm::{Aes256Gcm, KeyInit as _, Nonce};
use zeroize::Zeroizing;

use super::envelope::DataKey;
use super::random_bytes;
use crate::keys::KeyVersion;

const FORMAT: u8 = 1;
const HEADER_LEN: usize = 1 + 4 + 12;
const AAD_PREFIX: &[u8] = b"helio/field/v1";

/// Where a value lives: the associated data that binds a ciphertext to its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldContext<'a> {
    /// Table name, e.g. `accounts`.
    pub table: &'static str,
    /// Column name, e.g. `phone`.
    pub column: &'static str,
    /// The row's public ID (16 bytes of a UUID).
    pub row: &'a [u8; 16],
}

impl FieldContext<'_> {
    fn aad(&self, version: KeyVersion) -> Vec<u8> {
        let mut aad = AAD_PREFIX.to_vec();
        for part in [self.table.as_bytes(), self.column.as_bytes()] {
            aad.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            aad.extend_from_slice(part);
        }
        aad.extend_from_slice(self.row);
        aad.extend_from_slice(&version.get().to_be_bytes());
        aad
    }
}

/// Why a stored field could not be opened. Deliberately uninformative beyond the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The bytes are not a field ciphertext of a known format.
    #[error("stored field is malformed")]
    Malformed,
    /// The ciphertext names a key version this keyring does not hold.
    #[error("stored field names an unknown key version")]
    UnknownKey,
    /// Authentication failed: tampered, or moved from another row, column or table.
    #[error("stored field failed authentication")]
    Forged,
    /// The plaintext is not UTF-8 (only possible if the writer was broken).
    #[error("stored field is not text")]
    NotText,
}

/// All data keys this process knows, and which one encrypts new values.
#[derive(Debug)]
pub struct FieldCipher {
    keys: BTreeMap<KeyVersion, DataKey>,
    current: KeyVersion,
}

impl FieldCipher {
    /// A keyring whose newest version encrypts new values. `None` when `keys` is empty.
    #[must_use]
    pub fn new(keys: impl IntoIterator<Item = DataKey>) -> Option<Self> {
        let keys: BTreeMap<_, _> = keys.into_iter().map(|k| (k.version(), k)).collect();
        let current = *keys.keys().next_back()?;
        Some(Self { keys, current })
    }

    /// The version new values are encrypted under.
    #[must_use]
    pub fn current_version(&self) -> KeyVersion {
        self.current
    }

    /// The version a stored value was encrypted under, without decrypting it (rotation uses
    /// this to find rows still on an old key).
    pub fn version_of(stored: &[u8]) -> Result<KeyVersion, FieldError> {
        let header = stored.get(..HEADER_LEN).ok_or(FieldError::Malformed)?;
        if header.first() != Some(&FORMAT) {
            return Err(FieldError::Malformed);
        }
        let version = header
            .get(1..5)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
            .ok_or(FieldError::Malformed)?;
        KeyVersion::new(version).map_err(|_| FieldError::Malformed)
    }

    /// Seals `plaintext` for the place `context` names, under the current key.
    #[must_use]
    pub fn encrypt(&self, plaintext: &str, context: FieldContext<'_>) -> Vec<u8> {
        self.encrypt_bytes(plaintext.as_bytes(), context)
    }

    /// Seals binary `plaintext` (a TOTP secret) like [`Self::encrypt`].
    #[must_use]
    pub fn encrypt_bytes(&self, plaintext: &[u8], context: FieldContext<'_>) -> Vec<u8> {
        let version = self.current;
        let Some(key) = self.keys.get(&version) else {
            unreachable_current();
        };
        let nonce: [u8; 12] = random_bytes();
        let sealed = match cipher(key).encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &context.aad(version),
            },
        ) {
            Ok(sealed) => sealed,
            Err(_) => unreachable_encrypt(),
        };
        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.push(FORMAT);
        out.extend_from_slice(&version.get().to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a stored value, checking it belongs to the place `context` names.
    pub fn decrypt(
        &self,
        stored: &[u8],
        context: FieldContext<'_>,
    ) -> Result<Zeroizing<String>, FieldError> {
        let opened = self.decrypt_bytes(stored, context)?;
        String::from_utf8(opened.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| FieldError::NotText)
    }

    /// Opens a stored binary value, checking it belongs to the place `context` names.
    pub fn decrypt_bytes(
        &self,
        stored: &[u8],
        context: FieldContext<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, FieldError> {
        let version = Self::version_of(stored)?;
        let key = self.keys.get(&version).ok_or(FieldError::UnknownKey)?;
        let nonce: [u8; 12] = stored
            .get(5..HEADER_LEN)
            .and_then(|n| n.try_into().ok())
            .ok_or(FieldError::Malformed)?;
        let sealed = stored.get(HEADER_LEN..).ok_or(FieldError::Malformed)?;
        let opened = cipher(key)
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: &context.aad(version),
                },
            )
            .map_err(|_| FieldError::Forged)?;
        Ok(Zeroizing::new(opened))
    }
}

fn cipher(key: &DataKey) -> Aes256Gcm {
    Aes256Gcm::new(&(*key.expose()).into())
}

#[expect(
    clippy::panic,
    reason = "the constructor guarantees the current key exists"
)]
fn unreachable_current() -> ! {
    panic!("the current data key is missing from the keyring")
}

#[expect(clippy::panic, reason = "AES-GCM refuses only inputs beyond 64 GiB")]
fn unreachable_encrypt() -> ! {
    panic!("AES-GCM refused a field value")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(n: u32) -> KeyVersion {
        KeyVersion::new(n).unwrap()
    }

    const ROW_A: [u8; 16] = [1; 16];
    const ROW_B: [u8; 16] = [2; 16];

    fn phone(row: &[u8; 16]) -> FieldContext<'_> {
        FieldContext {
            table: "accounts",
            column: "phone",
            row,
        }
    }

    #[test]
    fn cr_3_ciphertext_hides_the_value_and_differs_every_time() {
        let keys = FieldCipher::new([DataKey::generate(v(1))]).unwrap();
        let a = keys.encrypt("+34 600 123 456", phone(&ROW_A));
        let b = keys.encrypt("+34 600 123 456", phone(&ROW_A));
        assert_ne!(a, b, "fresh nonce per value");
        assert!(!a.windows(6).any(|w| w == b"600 12"));
        assert_eq!(
            &*keys.decrypt(&a, phone(&ROW_A)).unwrap(),
            "+34 600 123 456"
        );
    }

    #[test]
    fn cr_3_a_ciphertext_moved_to_another_row_or_column_is_refused() {
        let keys = FieldCipher::new([DataKey::generate(v(1))]).unwrap();
        let sealed = keys.encrypt(
            "victim@example.com",
            FieldContext {
                table: "accounts",
                column: "email",
                row: &ROW_A,
            },
        );
        let other_row = FieldContext {
            table: "accounts",
            column: "email",
            row: &ROW_B,
        };
        let other_column = FieldContext {
            table: "accounts",
            column: "phone",
            row: &ROW_A,
        };
        let other_table = FieldContext {
            table: "orders",
            column: "email",
            row: &ROW_A,
        };
        for context in [other_row, other_column, other_table] {
            assert_eq!(
                keys.decrypt(&sealed, context).unwrap_err(),
                FieldError::Forged
            );
        }
    }

    #[test]
    fn cr_3_tampering_and_garbage_are_refused() {
        let keys = FieldCipher::new([DataKey::generate(v(1))]).unwrap();
        let sealed = keys.encrypt("Calle Mayor 1", phone(&ROW_A));
        for index in [HEADER_LEN, sealed.len() - 1, 7] {
            let mut bad = sealed.clone();
            bad[index] ^= 0x40;
            assert!(keys.decrypt(&bad, phone(&ROW_A)).is_err(), "byte {index}");
        }
        assert_eq!(
            keys.decrypt(&[], phone(&ROW_A)).unwrap_err(),
            FieldError::Malformed
        );
        assert_eq!(
            keys.decrypt(&[9; 40], phone(&ROW_A)).unwrap_err(),
            FieldError::Malformed
        );
    }

    #[test]
    fn cr_4_old_versions_stay_readable_and_new_values_use_the_newest() {
        let old = DataKey::generate(v(1));
        let old_copy = DataKey::unwrap_with(
            &crate::keys::MasterKey::from_bytes([3; 32]),
            &old.wrap(
                &crate::keys::MasterKey::from_bytes([3; 32]),
                crate::time::Timestamp::now(),
            ),
        )
        .unwrap();
        let before = FieldCipher::new([old]).unwrap();
        let sealed_old = before.encrypt("Ana", phone(&ROW_A));
        let after = FieldCipher::new([old_copy, DataKey::generate(v(2))]).unwrap();
        assert_eq!(after.current_version(), v(2));
        assert_eq!(&*after.decrypt(&sealed_old, phone(&ROW_A)).unwrap(), "Ana");
        let sealed_new = after.encrypt("Ana", phone(&ROW_A));
        assert_eq!(FieldCipher::version_of(&sealed_new), Ok(v(2)));
        assert_eq!(
            before.decrypt(&sealed_new, phone(&ROW_A)).unwrap_err(),
            FieldError::UnknownKey
        );
    }

    #[test]
    fn cr_3_a_relabelled_key_version_is_refused() {
        let keys = FieldCipher::new([DataKey::generate(v(1)), DataKey::generate(v(2))]).unwrap();
        let mut sealed = keys.encrypt("x", phone(&ROW_A));
        sealed[4] = 1;
        assert!(keys.decrypt(&sealed, phone(&ROW_A)).is_err());
    }

    #[test]
    fn an_empty_keyring_is_not_a_cipher() {
        assert!(FieldCipher::new([]).is_none());
    }

    proptest! {
        #[test]
        fn any_text_round_trips(text in ".{0,200}") {
            let keys = FieldCipher::new([DataKey::generate(v(1))]).unwrap();
            let sealed = keys.encrypt(&text, phone(&ROW_B));
            prop_assert_eq!(&*keys.decrypt(&sealed, phone(&ROW_B)).unwrap(), &text);
        }
    }
}
