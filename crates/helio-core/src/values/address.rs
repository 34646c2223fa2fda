//! Postal addresses of homes where panels are installed.

use std::fmt;

use super::{FieldError, clean_text};

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses two ASCII letters.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let upper = raw.trim().to_ascii_uppercase();
        match upper.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(Self([*a, *b])),
            _ => Err(FieldError {
                field: "country",
                message: "Choose a country (two-letter code, like ES).",
            }),
        }
    }

    /// The two letters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// A home address. The city is kept apart because sales may see it while the street may not
/// be shown to them (AC-3).
#[derive(Clone, PartialEq, Eq)]
pub struct Address {
    street: String,
    postal_code: String,
    city: String,
    country: CountryCode,
}

impl Address {
    /// Parses the parts of a typed address.
    pub fn parse(
        street: &str,
        postal_code: &str,
        city: &str,
        country: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let street = clean_text("street", street, 200);
        let postal_code = clean_text("postal_code", postal_code, 16).and_then(|code| {
            if code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
            {
                Ok(code.to_ascii_uppercase())
            } else {
                Err(FieldError {
                    field: "postal_code",
                    message: "A postal code holds only letters, digits, spaces and dashes.",
                })
            }
        });
        let city = clean_text("city", city, 100);
        let country = CountryCode::parse(country);
        match (street, postal_code, city, country) {
            (Ok(street), Ok(postal_code), Ok(city), Ok(country)) => Ok(Self {
                street,
                postal_code,
                city,
                country,
            }),
            (street, postal_code, city, country) => {
                Err([street.err(), postal_code.err(), city.err(), country.err()]
                    .into_iter()
                    .flatten()
                    .collect())
            }
        }
    }

    /// Street and number.
    #[must_use]
    pub fn street(&self) -> &str {
        &self.street
    }

    /// Postal code, upper case.
    #[must_use]
    pub fn postal_code(&self) -> &str {
        &self.postal_code
    }

    /// City.
    #[must_use]
    pub fn city(&self) -> &str {
        &self.city
    }

    /// Country.
    #[must_use]
    pub fn country(&self) -> CountryCode {
        self.country
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Address([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_2_a_complete_address_parses() {
        let address = Address::parse("Calle Mayor 1, 3º B", "28013", "Madrid", "es").unwrap();
        assert_eq!(address.city(), "Madrid");
        assert_eq!(address.country().as_str(), "ES");
        assert_eq!(
            Address::parse("1 High St", "sw1a 1aa", "London", "GB")
                .unwrap()
                .postal_code(),
            "SW1A 1AA"
        );
    }

    #[test]
    fn in_2_every_bad_part_is_named_at_once() {
        let errors = Address::parse("", "28013;DROP", "", "Spain").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["street", "postal_code", "city", "country"]);
    }
}
