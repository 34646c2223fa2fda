//! Accounts as the domain sees them: identifiers, lifecycle states and single-use token kinds.

crate::random_id!(
    /// An account's public identifier; its 16 bytes are also the row identity bound into
    /// field ciphertexts.
    AccountId
);

/// Where an account is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// Signed up; the email address is not yet proved. Cannot log in.
    Unverified,
    /// In use.
    Active,
    /// Switched off by staff. Cannot log in.
    Disabled,
}

impl AccountStatus {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    /// Parses a stored name; anything else is corruption, not a default.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Unverified, Self::Active, Self::Disabled]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// What a single-use token is for; a token for one purpose never works for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// Proves the holder reads the account's mailbox (24 hours).
    VerifyEmail,
    /// Lets the holder set a new password (30 minutes).
    ResetPassword,
    /// Lets an invited staff member or installer set their first password (72 hours).
    Invite,
}

impl TokenPurpose {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::Invite => "invite",
        }
    }

    /// How long a token of this purpose stays valid.
    #[must_use]
    pub const fn lifetime(self) -> std::time::Duration {
        match self {
            Self::VerifyEmail => std::time::Duration::from_secs(24 * 60 * 60),
            Self::ResetPassword => std::time::Duration::from_secs(30 * 60),
            Self::Invite => std::time::Duration::from_secs(72 * 60 * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_round_trip() {
        let id = AccountId::random();
        assert_ne!(id, AccountId::random());
        assert_eq!(AccountId::from_bytes(*id.as_bytes()), id);
    }

    #[test]
    fn statuses_round_trip_and_unknown_is_refused() {
        for status in [
            AccountStatus::Unverified,
            AccountStatus::Active,
            AccountStatus::Disabled,
        ] {
            assert_eq!(AccountStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(AccountStatus::parse("admin"), None);
    }

    #[test]
    fn token_lifetimes_match_the_policy() {
        assert_eq!(TokenPurpose::VerifyEmail.lifetime().as_secs(), 86_400);
        assert_eq!(TokenPurpose::ResetPassword.lifetime().as_secs(), 1_800);
    }
}
