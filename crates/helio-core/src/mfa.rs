//! Second factors (AU-1): TOTP (RFC 6238) and single-use recovery codes.
//!
//! TOTP codes are checked with a one-step window either side and each time step is accepted
//! once per account (the caller stores the last step used): a code seen over a shoulder or
//! replayed from a log cannot be used again. Recovery codes are ten random 10-character codes
//! shown once; only their keyed hash is kept.

use std::fmt;

use totp_rs::{Algorithm, Builder, Totp};
use zeroize::Zeroizing;

use crate::crypto::random_bytes;
use crate::time::Timestamp;

/// TOTP secrets are 160 bits, the RFC 4226 recommendation.
pub const SECRET_LEN: usize = 20;
/// How many recovery codes an enrolment issues.
pub const RECOVERY_CODES: usize = 10;
/// Recovery codes avoid look-alike characters (no 0/o, 1/l/i).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A TOTP secret. `Debug` never shows it; wiped on drop.
pub struct TotpSecret(Zeroizing<[u8; SECRET_LEN]>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// The secret could not be used (wrong length when read back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the TOTP secret is malformed")]
pub struct MalformedSecret;

impl TotpSecret {
    /// A fresh secret from the OS generator.
    #[must_use]
    pub fn generate() -> Self {
        Self(Zeroizing::new(random_bytes()))
    }

    /// From its stored (decrypted) bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MalformedSecret> {
        let array: [u8; SECRET_LEN] = bytes.try_into().map_err(|_| MalformedSecret)?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// Reads a secret typed or shown in base32 (as an authenticator app would).
    pub fn from_base32(text: &str) -> Result<Self, MalformedSecret> {
        let bytes = totp_rs::Secret::try_from_base32(text.trim()).map_err(|_| MalformedSecret)?;
        Self::from_bytes(bytes.as_ref())
    }

    /// The raw bytes, for encrypting at rest.
    #[must_use]
    pub fn expose(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    fn totp(&self, label: &str) -> Result<Totp, MalformedSecret> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(self.0.to_vec())
            .with_issuer(Some("Helio"))
            .with_account_name(label.replace(':', " "))
            .build()
            .map_err(|_| MalformedSecret)
    }

    /// The `otpauth://` URI an authenticator app scans (shown as a QR code).
    pub fn provisioning_uri(&self, label: &str) -> Result<String, MalformedSecret> {
        self.totp(label)?.to_url().map_err(|_| MalformedSecret)
    }

    /// The secret in base32, for typing into an app by hand.
    pub fn base32(&self) -> Result<String, MalformedSecret> {
        Ok(self.totp("x")?.secret().to_base32())
    }

    /// The time step a code matches at `now` (±1 step), if it is newer than `last_used`.
    /// `None` for a wrong, stale or replayed code.
    #[must_use]
    pub fn check(&self, code: &str, now: Timestamp, last_used: Option<u64>) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let seconds = u64::try_from(now.unix_micros() / 1_000_000).ok()?;
        let step = self.totp("x").ok()?.check(&code, seconds)?;
        last_used.is_none_or(|last| step > last).then_some(step)
    }

    /// The code for `now`, for tests and for showing that enrolment works.
    pub fn code_at(&self, now: Timestamp) -> Result<String, MalformedSecret> {
        let seconds = u64::try_from(now.unix_micros() / 1_000_000).map_err(|_| MalformedSecret)?;
        Ok(self.totp("x")?.generate(seconds).to_string())
    }
}

/// A recovery code as shown to the person (`abcde-fghjk`), wiped on drop.
pub struct RecoveryCode(Zeroizing<String>);

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode([redacted])")
    }
}

impl RecoveryCode {
    /// Ten fresh codes.
    #[must_use]
    pub fn generate_set() -> Vec<Self> {
        (0..RECOVERY_CODES).map(|_| Self::generate()).collect()
    }

    fn generate() -> Self {
        let raw: [u8; 10] = random_bytes();
        let mut text = String::with_capacity(11);
        for (i, byte) in raw.iter().enumerate() {
            if i == 5 {
                text.push('-');
            }
            let index = usize::from(*byte) % RECOVERY_ALPHABET.len();
            text.push(char::from(
                RECOVERY_ALPHABET.get(index).copied().unwrap_or(b'a'),
            ));
        }
        Self(Zeroizing::new(text))
    }

    /// The code as shown.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The canonical form that is hashed: lower case, without separators. `None` when what
    /// was typed cannot be a recovery code.
    #[must_use]
    pub fn normalise(typed: &str) -> Option<String> {
        let canonical: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        (canonical.len() == 10 && canonical.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
            .then_some(canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const T0: Timestamp = Timestamp::from_unix_micros(1_800_000_000_000_000);

    #[test]
    fn au_1_codes_are_accepted_within_one_step_either_way() {
        let secret = TotpSecret::generate();
        let code = secret.code_at(T0).unwrap();
        assert!(secret.check(&code, T0, None).is_some());
        assert!(
            secret
                .check(&code, T0.saturating_add(Duration::from_secs(30)), None)
                .is_some()
        );
        assert!(
            secret
                .check(&code, T0.saturating_add(Duration::from_secs(90)), None)
                .is_none()
        );
        assert!(secret.check("000000x", T0, None).is_none());
        assert!(secret.check("", T0, None).is_none());
    }

    #[test]
    fn au_1_a_used_step_is_never_accepted_again() {
        let secret = TotpSecret::generate();
        let code = secret.code_at(T0).unwrap();
        let step = secret.check(&code, T0, None).unwrap();
        assert_eq!(secret.check(&code, T0, Some(step)), None, "replay refused");
        let later = T0.saturating_add(Duration::from_secs(60));
        let next = secret.code_at(later).unwrap();
        assert!(secret.check(&next, later, Some(step)).is_some());
    }

    #[test]
    fn au_1_the_uri_names_helio_and_round_trips_the_secret() {
        let secret = TotpSecret::generate();
        let uri = secret.provisioning_uri("ana@example.com").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Helio:ana%40example.com?"),
            "{uri}"
        );
        assert!(uri.contains(&secret.base32().unwrap()));
        assert_eq!(
            TotpSecret::from_bytes(secret.expose()).unwrap().expose(),
            secret.expose()
        );
        assert!(TotpSecret::from_bytes(&[1, 2, 3]).is_err());
        assert!(!format!("{secret:?}").contains(&secret.base32().unwrap()));
    }

    #[test]
    fn au_3_recovery_codes_are_distinct_and_normalise() {
        let codes = RecoveryCode::generate_set();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut texts: Vec<&str> = codes.iter().map(RecoveryCode::expose).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), RECOVERY_CODES);
        let shown = codes[0].expose();
        assert_eq!(shown.len(), 11);
        let normal = RecoveryCode::normalise(shown).unwrap();
        assert_eq!(
            RecoveryCode::normalise(&format!(" {} ", shown.to_uppercase())),
            Some(normal)
        );
        assert_eq!(
            RecoveryCode::normalise("abcde-fghj0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(RecoveryCode::normalise("abc"), None);
    }
}
