//! Partner installer companies and their crews: the organisations installer accounts belong
//! to. A crew is the unit jobs are offered to ([Marketplace]); an installer is a member of
//! exactly one crew, and so of one company.

use crate::random_id;
use crate::values::{FieldError, clean_text};

random_id!(
    /// A partner company's identifier: 128 random bits.
    CompanyId
);
random_id!(
    /// A crew's identifier: 128 random bits.
    CrewId
);

/// The name of a company or crew: 1 to 120 characters of any script, no control characters.
/// Business names, not personal data, so they are stored as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    /// Parses a typed name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        clean_text("name", raw, 120).map(Self)
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse_back_and_junk_is_refused() {
        let id = CrewId::random();
        assert_eq!(CrewId::parse(&id.to_string()), Some(id));
        assert_ne!(CrewId::random(), id);
        for junk in ["", "crew-1", "1", "'; DROP TABLE crews; --"] {
            assert_eq!(CompanyId::parse(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn in_2_org_names_are_cleaned_and_bounded() {
        assert_eq!(
            OrgName::parse("  Sol y Tejado S.L. ").unwrap().as_str(),
            "Sol y Tejado S.L."
        );
        assert!(OrgName::parse("").is_err());
        assert!(OrgName::parse("Crew\nOne").is_err());
        assert!(OrgName::parse(&"x".repeat(121)).is_err());
        assert!(OrgName::parse(&"x".repeat(120)).is_ok());
    }
}
