//! Per-session CSRF tokens (DS-3), masked per response against BREACH-style compression
//! attacks.
//!
//! The secret is derived from the session ID with the MAC master key, so it needs no storage,
//! changes whenever the session ID does, and cannot be computed by anyone who lacks the key or
//! the session cookie. Each page gets it masked with fresh random bytes:
//! base64url(mask || mask XOR secret), so no two responses carry the same token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use super::random_bytes;
use crate::keys::MasterKey;

const LABEL: &[u8] = b"helio/csrf/v1";
const SECRET_LEN: usize = 32;
/// Length of a masked token as text: 64 bytes in base64url without padding.
const TOKEN_TEXT_LEN: usize = 86;

/// Issues and checks CSRF tokens with the MAC master key.
pub struct CsrfTokens {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for CsrfTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfTokens([redacted])")
    }
}

impl CsrfTokens {
    /// Keyed with the MAC master key (a label keeps its outputs apart from device cookies).
    #[must_use]
    pub fn new(key: &MasterKey) -> Self {
        Self {
            mac: super::hmac_sha256(key),
        }
    }

    fn secret(&self, session_id: &str) -> [u8; SECRET_LEN] {
        let mut mac = self.mac.clone();
        mac.update(LABEL);
        mac.update(session_id.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A freshly masked token for the session whose cookie value is `session_id`.
    #[must_use]
    pub fn issue(&self, session_id: &str) -> String {
        let secret = self.secret(session_id);
        let mask: [u8; SECRET_LEN] = random_bytes();
        let mut raw = mask.to_vec();
        raw.extend(mask.iter().zip(secret).map(|(m, s)| m ^ s));
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Whether `presented` is a token of this session (checked in constant time).
    #[must_use]
    pub fn verify(&self, session_id: &str, presented: &str) -> bool {
        if presented.len() != TOKEN_TEXT_LEN {
            return false;
        }
        let Ok(raw) = URL_SAFE_NO_PAD.decode(presented) else {
            return false;
        };
        let Some((mask, masked)) = raw.split_at_checked(SECRET_LEN) else {
            return false;
        };
        if masked.len() != SECRET_LEN {
            return false;
        }
        let unmasked: Vec<u8> = mask.iter().zip(masked).map(|(m, x)| m ^ x).collect();
        unmasked.ct_eq(&self.secret(session_id)).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> CsrfTokens {
        CsrfTokens::new(&MasterKey::from_bytes([7; 32]))
    }

    #[test]
    fn ds_3_a_token_works_for_its_session_only_and_is_masked_per_response() {
        let csrf = tokens();
        let first = csrf.issue("session-a");
        let second = csrf.issue("session-a");
        assert_ne!(first, second, "masked afresh each time (BREACH)");
        assert_eq!(first.len(), TOKEN_TEXT_LEN);
        assert!(csrf.verify("session-a", &first) && csrf.verify("session-a", &second));
        assert!(!csrf.verify("session-b", &first), "bound to the session");
        let other_key = CsrfTokens::new(&MasterKey::from_bytes([8; 32]));
        assert!(!other_key.verify("session-a", &first), "bound to the key");
    }

    #[test]
    fn ds_3_malformed_or_altered_tokens_are_refused() {
        let csrf = tokens();
        let token = csrf.issue("s");
        let mut altered = token.clone().into_bytes();
        altered[50] = if altered[50] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        for bad in [
            "",
            "x",
            &token[..85],
            &format!("{token}A"),
            &altered,
            &"=".repeat(86),
        ] {
            assert!(!csrf.verify("s", bad), "{bad:?}");
        }
    }

    #[test]
    fn debug_shows_no_key() {
        assert_eq!(format!("{:?}", tokens()), "CsrfTokens([redacted])");
    }
}
