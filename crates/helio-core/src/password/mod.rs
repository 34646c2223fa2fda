//! Passwords as Helio accepts them (NIST SP 800-63B-4): length over composition, any Unicode,
//! normalised (NFKC) so the same password typed on two keyboards is the same password, and
//! refused when common, breached, trivially padded or built from the user's own details.

mod common;
mod policy;

use std::fmt;

use unicode_normalization::UnicodeNormalization as _;
use zeroize::Zeroizing;

pub use policy::{NewPassword, PasswordRejection, PersonalDetails};

/// Shortest password accepted at sign-up or change: the rule for a password that may be the
/// only factor.
pub const MIN_CHARS: usize = 15;
/// Longest password accepted, in characters after normalisation.
pub const MAX_CHARS: usize = 128;

/// A password as typed, normalised, with no judgement on its strength: what a login checks
/// against a stored hash. Its `Debug` never shows it and it is wiped on drop.
pub struct PlainPassword(Zeroizing<String>);

impl PlainPassword {
    /// Normalises a typed password. `None` when empty or over [`MAX_CHARS`] characters (such a
    /// password can never have been set, so it needs no hashing to be refused).
    #[must_use]
    pub fn new(typed: &str) -> Option<Self> {
        let normalised = Zeroizing::new(typed.nfkc().collect::<String>());
        let chars = normalised.chars().count();
        (1..=MAX_CHARS).contains(&chars).then(|| Self(normalised))
    }

    /// The normalised text, for the password hash and nothing else.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub(crate) fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for PlainPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainPassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_makes_equivalent_input_equal() {
        let composed = PlainPassword::new("contraseña segura de verdad").unwrap();
        let decomposed = PlainPassword::new("contrasen\u{303}a segura de verdad").unwrap();
        assert_eq!(composed.expose(), decomposed.expose());
        let fullwidth = PlainPassword::new("ＡＢＣ").unwrap();
        assert_eq!(fullwidth.expose(), "ABC");
    }

    #[test]
    fn empty_and_overlong_are_not_passwords() {
        assert!(PlainPassword::new("").is_none());
        assert!(PlainPassword::new(&"x".repeat(MAX_CHARS + 1)).is_none());
        assert!(PlainPassword::new(&"é".repeat(MAX_CHARS)).is_some());
    }

    #[test]
    fn debug_hides_the_password() {
        let shown = format!("{:?}", PlainPassword::new("correct horse battery").unwrap());
        assert!(!shown.contains("horse"));
    }
}
