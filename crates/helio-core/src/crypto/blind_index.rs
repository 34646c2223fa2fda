//! Blind indexes: finding an encrypted value without decrypting the table (CR-3).
//!
//! The index of a value is HMAC-SHA-256 of its normalised form under the blind-index key (a key
//! separate from every encryption key), with the purpose mixed in so an email's index can never
//! equal a phone's. Without the key, an index reveals nothing and cannot be brute-forced
//! offline from a stolen database.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::keys::MasterKey;

/// What kind of value is indexed; part of the MAC input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexPurpose {
    /// A normalised email address (login, sign-up uniqueness, support search).
    Email,
    /// A normalised phone number (support search).
    Phone,
    /// A failed-login counter key: account and source.
    ThrottleAccount,
    /// A failed-login counter key: source address.
    ThrottleSource,
    /// A recovery code (keyed, so a stolen table cannot be brute-forced offline).
    RecoveryCode,
}

impl IndexPurpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Email => b"email",
            Self::Phone => b"phone",
            Self::ThrottleAccount => b"throttle-account",
            Self::ThrottleSource => b"throttle-source",
            Self::RecoveryCode => b"recovery-code",
        }
    }
}

/// Computes blind indexes under one key.
pub struct BlindIndexer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for BlindIndexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndexer([redacted])")
    }
}

impl BlindIndexer {
    /// An indexer keyed with the blind-index master key.
    #[must_use]
    pub fn new(key: &MasterKey) -> Self {
        Self {
            mac: super::hmac_sha256(key),
        }
    }

    /// The 32-byte index of an already normalised value.
    #[must_use]
    pub fn index(&self, purpose: IndexPurpose, normalised: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(b"helio/blind-index/v1/");
        mac.update(purpose.label());
        mac.update(&[0]);
        mac.update(normalised.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MASTER_KEY_LEN;

    fn indexer(byte: u8) -> BlindIndexer {
        BlindIndexer::new(&MasterKey::from_bytes([byte; MASTER_KEY_LEN]))
    }

    #[test]
    fn cr_3_same_value_same_index_and_nothing_else_collides() {
        let one = indexer(1);
        let a = one.index(IndexPurpose::Email, "ana@example.com");
        assert_eq!(a, one.index(IndexPurpose::Email, "ana@example.com"));
        assert_ne!(a, one.index(IndexPurpose::Email, "ana@example.org"));
        assert_ne!(a, one.index(IndexPurpose::Phone, "ana@example.com"));
        assert_ne!(a, indexer(2).index(IndexPurpose::Email, "ana@example.com"));
    }
}
