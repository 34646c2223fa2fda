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
    /// Corrected a customer's email address or phone number.
    ContactDataCorrected,
    /// Asked for break-glass access to one customer's record.
    BreakGlassRequested,
    /// Approved a break-glass request (someone else's).
    BreakGlassApproved,
    /// Refused a break-glass request.
    BreakGlassRefused,
    /// Opened a customer's record under a break-glass grant.
    BreakGlassRecordViewed,
    /// Ended a break-glass grant before its expiry.
    BreakGlassEnded,
    /// Invited a new staff member.
    StaffInvited,
    /// Changed a staff member's role.
    StaffRoleChanged,
    /// Disabled a staff account.
    StaffDisabled,
    /// Enabled a disabled staff account again.
    StaffEnabled,
    /// Opened the access review report (every staff account and its state).
    AccessReviewed,
    /// Opened the sales pipeline (aggregates only).
    PipelineViewed,
    /// Cancelled a customer's order.
    OrderCancelled,
    /// Gave a discount on a priced order.
    DiscountGiven,
    /// Freed an order's booked day so the customer books another.
    OrderRescheduled,
    /// Signed an installation's inspection off.
    OrderInspected,
    /// An installer opened the full address of a job their crew took.
    JobSiteViewed,
    /// Asked for a refund of an order.
    RefundRequested,
    /// Approved a refund above the limit (someone else's request).
    RefundApproved,
    /// Refused a refund above the limit.
    RefundRefused,
    /// A payment, refund or price change of at least the configured high value.
    HighValueTransaction,
    /// Took an accepted job from its crew; it goes to the next crew.
    OrderReassigned,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [Self; 29] = [
        Self::CustomersSearched,
        Self::CustomerViewed,
        Self::PersonalDataRevealed,
        Self::AccountLocked,
        Self::AccountUnlocked,
        Self::SessionsEnded,
        Self::SecondFactorsReset,
        Self::ContactDataCorrected,
        Self::BreakGlassRequested,
        Self::BreakGlassApproved,
        Self::BreakGlassRefused,
        Self::BreakGlassRecordViewed,
        Self::BreakGlassEnded,
        Self::StaffInvited,
        Self::StaffRoleChanged,
        Self::StaffDisabled,
        Self::StaffEnabled,
        Self::AccessReviewed,
        Self::PipelineViewed,
        Self::OrderCancelled,
        Self::DiscountGiven,
        Self::OrderRescheduled,
        Self::OrderInspected,
        Self::JobSiteViewed,
        Self::RefundRequested,
        Self::RefundApproved,
        Self::RefundRefused,
        Self::HighValueTransaction,
        Self::OrderReassigned,
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
            Self::ContactDataCorrected => "contact_data_corrected",
            Self::BreakGlassRequested => "break_glass_requested",
            Self::BreakGlassApproved => "break_glass_approved",
            Self::BreakGlassRefused => "break_glass_refused",
            Self::BreakGlassRecordViewed => "break_glass_record_viewed",
            Self::BreakGlassEnded => "break_glass_ended",
            Self::StaffInvited => "staff_invited",
            Self::StaffRoleChanged => "staff_role_changed",
            Self::StaffDisabled => "staff_disabled",
            Self::StaffEnabled => "staff_enabled",
            Self::AccessReviewed => "access_reviewed",
            Self::PipelineViewed => "pipeline_viewed",
            Self::OrderCancelled => "order_cancelled",
            Self::DiscountGiven => "discount_given",
            Self::OrderRescheduled => "order_rescheduled",
            Self::OrderInspected => "order_inspected",
            Self::JobSiteViewed => "job_site_viewed",
            Self::RefundRequested => "refund_requested",
            Self::RefundApproved => "refund_approved",
            Self::RefundRefused => "refund_refused",
            Self::HighValueTransaction => "high_value_transaction",
            Self::OrderReassigned => "order_reassigned",
        }
    }

    /// Parses a stored name; unknown names are refused.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == stored)
    }

    /// Whether the action needs a reason from the person doing it. Looking is justified by
    /// the task at hand (and audited); changing, revealing and granting need a stated why.
    /// A break-glass view carries the reason of its grant.
    #[must_use]
    pub const fn needs_reason(self) -> bool {
        !matches!(
            self,
            Self::CustomersSearched
                | Self::CustomerViewed
                | Self::BreakGlassApproved
                | Self::AccessReviewed
                | Self::PipelineViewed
                | Self::JobSiteViewed
                | Self::RefundApproved
                | Self::HighValueTransaction
        )
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
            assert!(action.as_str().len() <= 48, "fits the column");
        }
        assert!(Reason::parse("ticket 4711").is_some());
        for bad in ["", "  ", "ab", "two\nlines", "tab\there", &"x".repeat(201)] {
            assert_eq!(Reason::parse(bad), None, "{bad:?}");
        }
        assert!(AuditAction::PersonalDataRevealed.needs_reason());
        assert!(!AuditAction::CustomerViewed.needs_reason());
    }
}
