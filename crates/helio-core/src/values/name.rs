//! Names of people.

use std::fmt;

use super::{FieldError, clean_text};

/// A person's name as they write it: any script, 1 to 100 characters, no control characters.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// Parses a typed name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        clean_text("name", raw, 100).map(Self)
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_2_names_of_any_script_are_accepted_and_trimmed() {
        for name in [
            "María José García-Núñez",
            "李小龍",
            "O'Brien",
            "Ngũgĩ wa Thiong'o",
        ] {
            assert_eq!(
                PersonName::parse(&format!("  {name} ")).unwrap().as_str(),
                name
            );
        }
    }

    #[test]
    fn in_2_empty_overlong_and_control_characters_are_refused() {
        for bad in ["", "   ", "Ana\nBcc: x", "Ana\u{0}", "Ana\u{1b}[31m"] {
            assert_eq!(PersonName::parse(bad).unwrap_err().field, "name", "{bad:?}");
        }
        assert!(PersonName::parse(&"a".repeat(101)).is_err());
    }
}
