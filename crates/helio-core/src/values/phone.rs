//! Phone numbers.

use std::fmt;

use super::FieldError;

/// A phone number in international E.164 form (`+` and 8 to 15 digits), so one number has one
/// blind index however it was typed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses a number typed with its country code (`+34 600 12 34 56`, `0034-600-123-456`);
    /// spaces, dots, dashes and parentheses are ignored.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let error = |message| FieldError {
            field: "phone",
            message,
        };
        let text = raw.trim();
        if text.is_empty() {
            return Err(error("Enter your phone number."));
        }
        if text.len() > 32 {
            return Err(error("Enter a valid phone number."));
        }
        let rest = if let Some(rest) = text.strip_prefix('+') {
            rest
        } else if let Some(rest) = text.strip_prefix("00") {
            rest
        } else {
            return Err(error("Include your country code, like +34 600 123 456."));
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => {
                    return Err(error(
                        "A phone number holds only digits, spaces and dashes.",
                    ));
                }
            }
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(error("Enter a valid phone number with its country code."));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The E.164 form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, for masked display (`***-***-1234`).
    #[must_use]
    pub fn last_four(&self) -> &str {
        self.0.get(self.0.len().saturating_sub(4)..).unwrap_or("")
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Phone([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn in_2_international_numbers_normalise_to_e164() {
        for typed in [
            "+34 600 12 34 56",
            "0034-600-123-456",
            "+34 (600) 123.456",
            "+34600123456",
        ] {
            assert_eq!(
                Phone::parse(typed).unwrap().as_str(),
                "+34600123456",
                "{typed}"
            );
        }
        assert_eq!(Phone::parse("+34600123456").unwrap().last_four(), "3456");
    }

    #[test]
    fn in_2_bad_numbers_are_refused() {
        for bad in [
            "",
            "600123456",
            "+34",
            "+0034600123456",
            "+34 600 123 456 789 0123",
            "+34-abc-123",
            "+34 600\n123456",
        ] {
            assert_eq!(Phone::parse(bad).unwrap_err().field, "phone", "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_is_idempotent(raw in ".{0,40}") {
            if let Ok(phone) = Phone::parse(&raw) {
                prop_assert_eq!(Phone::parse(phone.as_str()).unwrap(), phone);
            }
        }
    }
}
