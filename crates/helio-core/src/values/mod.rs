//! Validated values: parsed once at the edge, so the rest of the code cannot hold an invalid
//! email, phone number, name or address (IN-2). Each parser says, per field, what is wrong.

mod address;
mod email;
mod name;
mod phone;

pub use address::{Address, CountryCode};
pub use email::Email;
pub use name::PersonName;
pub use phone::Phone;

use std::fmt;

/// A field that did not parse, with a message a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    /// The form or JSON field name.
    pub field: &'static str,
    /// What to fix.
    pub message: &'static str,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Text a person typed: trimmed, NFKC-normalised, with no control characters.
pub(crate) fn clean_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, FieldError> {
    use unicode_normalization::UnicodeNormalization as _;
    let text: String = raw.trim().nfkc().collect();
    if text.is_empty() {
        return Err(FieldError {
            field,
            message: "This field is required.",
        });
    }
    if text.chars().count() > max_chars {
        return Err(FieldError {
            field,
            message: "This is longer than we accept.",
        });
    }
    if text
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Err(FieldError {
            field,
            message: "This contains characters we cannot accept (line breaks or control characters).",
        });
    }
    Ok(text)
}
