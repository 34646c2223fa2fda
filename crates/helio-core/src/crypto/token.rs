//! Single-use secrets handed to people or clients (verification links, reset links, session
//! IDs): 256 random bits, shown once, stored only as their SHA-256.
//!
//! Because only the hash is stored, a database reader cannot use a pending token; because the
//! token has 256 bits of entropy, a fast hash is enough (no guessing is feasible).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use super::random_bytes;

const TOKEN_BYTES: usize = 32;
/// Length of a token's text form (base64url of 32 bytes, no padding).
pub const TOKEN_TEXT_LEN: usize = 43;

/// A secret token. Its text is what the holder presents; its `Debug` never shows it.
pub struct SecretToken(Zeroizing<String>);

impl std::fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretToken([redacted])")
    }
}

/// The stored form of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// Compares in constant time, for when a hash is checked rather than looked up.
    #[must_use]
    pub fn matches(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl SecretToken {
    /// A fresh token from the OS generator.
    #[must_use]
    pub fn generate() -> Self {
        let bytes = Zeroizing::new(random_bytes::<TOKEN_BYTES>());
        Self(Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_slice())))
    }

    /// Parses a presented token, checking its format before anything is looked up (SM-2):
    /// exactly 43 base64url characters that decode to 32 bytes.
    #[must_use]
    pub fn parse(presented: &str) -> Option<Self> {
        if presented.len() != TOKEN_TEXT_LEN {
            return None;
        }
        let decoded = Zeroizing::new(URL_SAFE_NO_PAD.decode(presented).ok()?);
        (decoded.len() == TOKEN_BYTES).then(|| Self(Zeroizing::new(presented.to_owned())))
    }

    /// The text to hand to the holder (in a link, a cookie, a response body), once.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form to store and look up.
    #[must_use]
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_unique_and_parse_back() {
        let token = SecretToken::generate();
        assert_eq!(token.expose().len(), TOKEN_TEXT_LEN);
        assert_ne!(token.expose(), SecretToken::generate().expose());
        let parsed = SecretToken::parse(token.expose()).unwrap();
        assert_eq!(parsed.hash(), token.hash());
        assert!(parsed.hash().matches(&token.hash()));
    }

    #[test]
    fn malformed_tokens_are_refused_before_lookup() {
        let good = SecretToken::generate();
        for bad in [
            "",
            "short",
            &format!("{}=", &good.expose()[..42]),
            &"!".repeat(43),
        ] {
            assert!(SecretToken::parse(bad).is_none(), "{bad}");
        }
        assert!(!format!("{good:?}").contains(good.expose()));
    }
}
