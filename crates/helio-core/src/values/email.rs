//! Email addresses.

use std::fmt;

use super::FieldError;

/// A syntactically valid email address, normalised to lower case so that one mailbox has one
/// account and one blind index.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

const FIELD: &str = "email";

fn error(message: &'static str) -> FieldError {
    FieldError {
        field: FIELD,
        message,
    }
}

impl Email {
    /// Parses what a person typed. ASCII addresses only (internationalised domains in their
    /// `xn--` form); at most 254 characters, a 64-character local part, a dotted domain.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim().to_ascii_lowercase();
        if text.is_empty() {
            return Err(error("Enter your email address."));
        }
        if text.len() > 254 || !text.is_ascii() {
            return Err(error("Enter a valid email address."));
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(error("An email address needs an @ sign."));
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| {
                tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
            });
        if !(local_ok && domain_ok) {
            return Err(error("Enter a valid email address, like name@example.com."));
        }
        Ok(Self(text))
    }

    /// The normalised address: what is indexed, stored (encrypted) and mailed.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    /// Personal data: never written out whole by `Debug`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn in_2_valid_addresses_are_normalised() {
        assert_eq!(
            Email::parse("  Ana.Perez+solar@Example.COM ")
                .unwrap()
                .as_str(),
            "ana.perez+solar@example.com"
        );
        assert_eq!(
            Email::parse("x@sub.example.es").unwrap().as_str(),
            "x@sub.example.es"
        );
    }

    #[test]
    fn in_2_invalid_addresses_are_refused_with_the_field_named() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "ana@",
            "ana@example",
            "ana@@example.com",
            "ana@.example.com",
            "ana..b@example.com",
            ".ana@example.com",
            "ana@exa mple.com",
            "ana@example.c",
            "añá@example.com",
            "ana\n@example.com",
            "<script>@example.com",
            "a@-x.com",
        ] {
            let error = Email::parse(bad).unwrap_err();
            assert_eq!(error.field, "email", "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
        assert!(Email::parse(&format!("a@{}.com", "b".repeat(250))).is_err());
    }

    #[test]
    fn debug_hides_the_address() {
        assert!(!format!("{:?}", Email::parse("ana@example.com").unwrap()).contains("ana"));
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_is_idempotent(raw in ".{0,300}") {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email);
            }
        }
    }
}
