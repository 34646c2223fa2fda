//! What the audit trail records (AC-3, AC-4, LM-1): every staff action and every access to a
//! customer's personal data, as one of a closed set of actions. [Audit] makes the trail
//! tamper-evident; here each action has its stable name.

/// One kind of audited staff action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// Searched customers (the query is not kept: it may be personal data).
    CustomersSearched,
    /// Opened a customer's record (contact data masked, or name and city only).
    CustomerViewed,
    /// Revealed a customer's full personal data for one view.
    PersonalDataRevealed,
    /// Locked a customer's account (its sessions ended).
    AccountLocked,
    /// Unlocked a customer's account.
    AccountUnlocked,
    /// Ended every session of a customer's account.
    SessionsEnded,
    /// Removed every second factor of a customer's account.
    SecondFactorsReset,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [Self; 7] = [
        Self::CustomersSearched,
        Self::CustomerViewed,
        Self::PersonalDataRevealed,
        Self::AccountLocked,
        Self::AccountUnlocked,
        Self::SessionsEnded,
        Self::SecondFactorsReset,
    ];

    /// The stored name; stable across releases.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CustomersSearched => "customers_searched",
            Self::CustomerViewed => "customer_viewed",
            Self::PersonalDataRevealed => "personal_data_revealed",
            Self::AccountLocked => "account_locked",
            Self::AccountUnlocked => "account_unlocked",
            Self::SessionsEnded => "sessions_ended",
            Self::SecondFactorsReset => "second_factors_reset",
        }
    }

    /// Parses a stored name; unknown names are refused.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == stored)
    }

    /// Whether the action needs a reason from the person doing it.
    #[must_use]
    pub const fn needs_reason(self) -> bool {
        !matches!(self, Self::CustomersSearched | Self::CustomerViewed)
    }
}

/// Why a staff member did something: one line of plain text, 3 to 200 characters (a ticket
/// number, what the customer asked). Kept in the audit trail as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    /// Parses what was typed; `None` when empty, too long, or not one line.
    #[must_use]
    pub fn parse(typed: &str) -> Option<Self> {
        let text = typed.trim();
        let chars = text.chars().count();
        ((3..=200).contains(&chars) && !text.chars().any(char::is_control))
            .then(|| Self(text.to_owned()))
    }

    /// The reason as typed (trimmed).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_reasons_are_one_short_line() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert!(Reason::parse("ticket 4711").is_some());
        for bad in ["", "  ", "ab", "two\nlines", "tab\there", &"x".repeat(201)] {
            assert_eq!(Reason::parse(bad), None, "{bad:?}");
        }
        assert!(AuditAction::PersonalDataRevealed.needs_reason());
        assert!(!AuditAction::CustomerViewed.needs_reason());
    }
}
