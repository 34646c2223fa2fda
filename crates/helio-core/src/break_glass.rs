//! Break-glass access (AC-4, AC-5): an engineer who must see one customer's record asks for
//! it with a reason; an admin who is not the requester approves; the grant lasts at most an
//! hour from approval and then ends by itself. These are the rules; the store keeps the
//! request and the web layer checks [`GrantStatus::allows_access`] on every request.

use std::time::Duration;

use crate::account::AccountId;
use crate::time::Timestamp;

crate::random_id!(
    /// A break-glass request, from its asking to its end.
    GrantId
);

/// The longest a grant may last (the brief: at most one hour).
pub const MAX_GRANT: Duration = Duration::from_secs(60 * 60);

/// The shortest grant that can be asked for.
pub const MIN_GRANT: Duration = Duration::from_secs(5 * 60);

/// How long a request waits for an admin before it lapses: an approval hours later is for a
/// different situation and needs a fresh reason.
pub const PENDING_LAPSE: Duration = Duration::from_secs(4 * 60 * 60);

/// How long a requested grant lasts once approved: whole minutes from 5 to 60.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantLength(u32);

impl GrantLength {
    /// Parses the minutes asked for; `None` outside 5..=60.
    #[must_use]
    pub fn from_minutes(minutes: u32) -> Option<Self> {
        let asked = Duration::from_secs(u64::from(minutes) * 60);
        (MIN_GRANT..=MAX_GRANT)
            .contains(&asked)
            .then_some(Self(minutes))
    }

    /// The minutes asked for.
    #[must_use]
    pub const fn minutes(self) -> u32 {
        self.0
    }

    /// As a duration.
    #[must_use]
    pub fn duration(self) -> Duration {
        Duration::from_secs(u64::from(self.0) * 60)
    }
}

/// Where a request stands as stored: what people decided. Time does the rest
/// ([`GrantStatus`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantDecision {
    /// Waiting for an admin.
    Pending,
    /// Approved, until its expiry.
    Approved,
    /// Refused by an admin.
    Refused,
    /// Ended early by the requester or an admin.
    Ended,
}

impl GrantDecision {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Refused => "refused",
            Self::Ended => "ended",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Refused, Self::Ended]
            .into_iter()
            .find(|decision| decision.as_str() == stored)
    }
}

/// A request as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The engineer asking.
    pub requester: AccountId,
    /// The customer whose record it opens.
    pub subject: AccountId,
    /// What was decided.
    pub decision: GrantDecision,
    /// When it was asked for.
    pub requested_at: Timestamp,
    /// When it ends, once approved.
    pub expires_at: Option<Timestamp>,
}

/// Where a request stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    /// Waiting for an admin.
    Pending,
    /// Not decided in time ([`PENDING_LAPSE`]).
    Lapsed,
    /// Open until the given moment.
    Active(Timestamp),
    /// Its hour (or less) is over.
    Expired,
    /// Refused.
    Refused,
    /// Ended early.
    Ended,
}

impl GrantStatus {
    /// Whether the requester may open the record now.
    #[must_use]
    pub const fn allows_access(self) -> bool {
        matches!(self, Self::Active(_))
    }

    /// A word for pages.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Pending => "waiting for approval",
            Self::Lapsed => "lapsed without a decision",
            Self::Active(_) => "open",
            Self::Expired => "expired",
            Self::Refused => "refused",
            Self::Ended => "ended",
        }
    }
}

/// Why a decision on a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionRefused {
    /// The approver is the requester (maker-checker, AC-5).
    OwnRequest,
    /// The request is no longer waiting (decided, lapsed).
    NotPending,
}

impl Grant {
    /// Where the request stands at `now`. An approved grant is open strictly before its
    /// expiry; one without an expiry is treated as expired (fail closed).
    #[must_use]
    pub fn status(&self, now: Timestamp) -> GrantStatus {
        match self.decision {
            GrantDecision::Pending => {
                if now < self.requested_at.saturating_add(PENDING_LAPSE) {
                    GrantStatus::Pending
                } else {
                    GrantStatus::Lapsed
                }
            }
            GrantDecision::Approved => match self.expires_at {
                Some(until) if now < until => GrantStatus::Active(until),
                _ => GrantStatus::Expired,
            },
            GrantDecision::Refused => GrantStatus::Refused,
            GrantDecision::Ended => GrantStatus::Ended,
        }
    }

    /// Whether `approver` may decide this request at `now`: never the requester, and only
    /// while it waits.
    ///
    /// # Errors
    /// Why the decision is refused.
    pub fn check_decision(
        &self,
        approver: AccountId,
        now: Timestamp,
    ) -> Result<(), DecisionRefused> {
        if approver == self.requester {
            return Err(DecisionRefused::OwnRequest);
        }
        if self.status(now) == GrantStatus::Pending {
            Ok(())
        } else {
            Err(DecisionRefused::NotPending)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_unix_micros(secs * 1_000_000)
    }

    fn grant(decision: GrantDecision, expires_at: Option<Timestamp>) -> Grant {
        Grant {
            requester: AccountId::random(),
            subject: AccountId::random(),
            decision,
            requested_at: at(1_000),
            expires_at,
        }
    }

    #[test]
    fn ac_5_grants_last_five_to_sixty_minutes() {
        assert_eq!(GrantLength::from_minutes(4), None);
        assert_eq!(GrantLength::from_minutes(61), None);
        assert_eq!(GrantLength::from_minutes(0), None);
        assert_eq!(GrantLength::from_minutes(u32::MAX), None);
        assert_eq!(
            GrantLength::from_minutes(60).map(GrantLength::duration),
            Some(MAX_GRANT)
        );
        assert_eq!(
            GrantLength::from_minutes(5).map(GrantLength::minutes),
            Some(5)
        );
    }

    #[test]
    fn ac_5_nobody_approves_their_own_request() {
        let request = grant(GrantDecision::Pending, None);
        assert_eq!(
            request.check_decision(request.requester, at(1_001)),
            Err(DecisionRefused::OwnRequest)
        );
        assert_eq!(
            request.check_decision(AccountId::random(), at(1_001)),
            Ok(())
        );
    }

    #[test]
    fn ac_5_only_waiting_requests_are_decided_and_they_lapse() {
        let request = grant(GrantDecision::Pending, None);
        let lapse = 1_000 + i64::try_from(PENDING_LAPSE.as_secs()).unwrap_or(i64::MAX);
        assert_eq!(request.status(at(lapse - 1)), GrantStatus::Pending);
        assert_eq!(request.status(at(lapse)), GrantStatus::Lapsed);
        assert_eq!(
            request.check_decision(AccountId::random(), at(lapse)),
            Err(DecisionRefused::NotPending)
        );
        for decided in [
            GrantDecision::Approved,
            GrantDecision::Refused,
            GrantDecision::Ended,
        ] {
            assert_eq!(
                grant(decided, Some(at(5_000))).check_decision(AccountId::random(), at(1_001)),
                Err(DecisionRefused::NotPending)
            );
        }
    }

    #[test]
    fn ac_4_access_only_while_approved_and_unexpired() {
        let open = grant(GrantDecision::Approved, Some(at(2_000)));
        assert_eq!(open.status(at(1_999)), GrantStatus::Active(at(2_000)));
        assert!(open.status(at(1_999)).allows_access());
        assert_eq!(open.status(at(2_000)), GrantStatus::Expired);
        assert!(
            !grant(GrantDecision::Approved, None)
                .status(at(0))
                .allows_access()
        );
        for closed in [
            GrantDecision::Pending,
            GrantDecision::Refused,
            GrantDecision::Ended,
        ] {
            assert!(
                !grant(closed, Some(at(2_000)))
                    .status(at(1_500))
                    .allows_access()
            );
        }
    }

    proptest! {
        #[test]
        fn ac_4_no_moment_after_expiry_allows_access(after in 0_i64..1_000_000_000) {
            let open = grant(GrantDecision::Approved, Some(at(2_000)));
            prop_assert!(!open.status(at(2_000 + after)).allows_access());
        }
    }

    #[test]
    fn decisions_round_trip() {
        for decision in [
            GrantDecision::Pending,
            GrantDecision::Approved,
            GrantDecision::Refused,
            GrantDecision::Ended,
        ] {
            assert_eq!(GrantDecision::parse(decision.as_str()), Some(decision));
        }
        assert_eq!(GrantDecision::parse("open"), None);
    }
}
