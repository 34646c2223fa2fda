//! Session lifetimes by role (SM-8): staff sessions are shorter because a hijacked staff
//! session reaches many customers' data.
//!
//! The operator may shorten them; lengthening them past the ceilings below is refused, so a
//! configuration mistake cannot leave sessions open for days.

use std::fmt;
use std::time::Duration;

use crate::role::Role;

/// How long a session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle: Duration,
    /// Ends this long after login, however active.
    pub absolute: Duration,
}

/// The lifetimes of every role's sessions: staff, and everyone else (customers, installers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Support, sales, engineers and admins.
    pub staff: SessionPolicy,
    /// Customers and installers.
    pub others: SessionPolicy,
}

/// The shortest idle limit accepted: below this a person cannot finish reading a page.
pub const MIN_IDLE: Duration = Duration::from_secs(10);
/// The longest idle limit for staff (ASVS 4.0.3 V3.3.2 at level 3: 15 minutes).
pub const MAX_STAFF_IDLE: Duration = Duration::from_secs(15 * 60);
/// The longest idle limit for everyone else (ASVS 4.0.3 V3.3.2 at level 2: 30 minutes).
pub const MAX_IDLE: Duration = Duration::from_secs(30 * 60);
/// The longest absolute lifetime for anyone (ASVS 4.0.3 V3.3.2: 12 hours).
pub const MAX_ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);

/// Why a set of limits is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitProblem {
    /// An idle limit below [`MIN_IDLE`].
    IdleTooShort {
        /// Whose.
        staff: bool,
    },
    /// An idle limit above the role's ceiling.
    IdleTooLong {
        /// Whose.
        staff: bool,
    },
    /// An absolute lifetime above [`MAX_ABSOLUTE`].
    AbsoluteTooLong {
        /// Whose.
        staff: bool,
    },
    /// An absolute lifetime shorter than the idle limit.
    AbsoluteBelowIdle {
        /// Whose.
        staff: bool,
    },
}

impl fmt::Display for LimitProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whose, staff) = match *self {
            Self::IdleTooShort { staff }
            | Self::IdleTooLong { staff }
            | Self::AbsoluteTooLong { staff }
            | Self::AbsoluteBelowIdle { staff } => (
                if staff {
                    "staff"
                } else {
                    "customer and installer"
                },
                staff,
            ),
        };
        match self {
            Self::IdleTooShort { .. } => write!(
                f,
                "the {whose} idle limit must be at least {} seconds",
                MIN_IDLE.as_secs()
            ),
            Self::IdleTooLong { .. } => write!(
                f,
                "the {whose} idle limit may be at most {} seconds",
                if staff { MAX_STAFF_IDLE } else { MAX_IDLE }.as_secs()
            ),
            Self::AbsoluteTooLong { .. } => write!(
                f,
                "the {whose} absolute lifetime may be at most {} seconds",
                MAX_ABSOLUTE.as_secs()
            ),
            Self::AbsoluteBelowIdle { .. } => write!(
                f,
                "the {whose} absolute lifetime must not be shorter than its idle limit"
            ),
        }
    }
}

impl SessionLimits {
    /// The defaults: staff 15 minutes idle and 8 hours absolute; customers and installers
    /// 30 minutes and 12 hours.
    pub const DEFAULT: Self = Self {
        staff: SessionPolicy {
            idle: Duration::from_secs(15 * 60),
            absolute: Duration::from_secs(8 * 60 * 60),
        },
        others: SessionPolicy {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 60 * 60),
        },
    };

    /// The lifetimes of `role`'s sessions.
    #[must_use]
    pub const fn for_role(&self, role: Role) -> SessionPolicy {
        if role.is_staff() {
            self.staff
        } else {
            self.others
        }
    }

    /// Every way these limits break the floors and ceilings.
    #[must_use]
    pub fn problems(&self) -> Vec<LimitProblem> {
        let mut problems = Vec::new();
        for (staff, policy, max_idle) in [
            (true, self.staff, MAX_STAFF_IDLE),
            (false, self.others, MAX_IDLE),
        ] {
            if policy.idle < MIN_IDLE {
                problems.push(LimitProblem::IdleTooShort { staff });
            }
            if policy.idle > max_idle {
                problems.push(LimitProblem::IdleTooLong { staff });
            }
            if policy.absolute > MAX_ABSOLUTE {
                problems.push(LimitProblem::AbsoluteTooLong { staff });
            }
            if policy.absolute < policy.idle {
                problems.push(LimitProblem::AbsoluteBelowIdle { staff });
            }
        }
        problems
    }
}

/// How stale a session's "last seen" may get before a request writes it again. Writing it
/// on every request would make each read a database write; coalescing them means a session
/// may end up to this much before its idle limit (never after), so pages end their timers
/// this much earlier too. A twentieth of the idle limit, at most 15 seconds.
#[must_use]
pub fn touch_granularity(idle: Duration) -> Duration {
    (idle / 20).min(Duration::from_secs(15))
}

/// Why a session ended before its time: recorded with it, and in the security log (SM-18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The person logged out.
    Logout,
    /// The page's inactivity timer ran out and logged out (SM-9).
    InactivityLogout,
    /// The page's timer reached the absolute lifetime and logged out.
    LifetimeLogout,
    /// A new login in the same browser replaced it (SM-15).
    ReplacedByLogin,
    /// The second step finished; a full session under a new ID replaced it (SM-4).
    Promoted,
    /// The owner ended it from the session list (SM-16).
    EndedByOwner,
    /// A password reset or an accepted invitation set the password (SM-17).
    PasswordReset,
    /// The owner changed the password (SM-17).
    PasswordChanged,
    /// The owner reported a login that was not theirs.
    LoginDisowned,
    /// An administrator changed the account's role (SM-4).
    RoleChanged,
    /// Helio staff ended every session of the account (SM-16).
    EndedByStaff,
}

impl EndReason {
    /// The stored and logged name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::InactivityLogout => "inactivity_logout",
            Self::LifetimeLogout => "lifetime_logout",
            Self::ReplacedByLogin => "replaced_by_login",
            Self::Promoted => "promoted",
            Self::EndedByOwner => "ended_by_owner",
            Self::PasswordReset => "password_reset",
            Self::PasswordChanged => "password_changed",
            Self::LoginDisowned => "login_disowned",
            Self::RoleChanged => "role_changed",
            Self::EndedByStaff => "ended_by_staff",
        }
    }
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm_8_staff_sessions_are_shorter() {
        let limits = SessionLimits::DEFAULT;
        let staff = limits.for_role(Role::Support);
        let customer = limits.for_role(Role::Customer);
        assert_eq!(staff.idle.as_secs(), 900);
        assert_eq!(customer.absolute.as_secs(), 43_200);
        assert_eq!(limits.for_role(Role::Installer), customer);
        assert!(staff.idle < customer.idle && staff.absolute < customer.absolute);
        assert!(limits.problems().is_empty());
    }

    #[test]
    fn sm_8_last_seen_is_coarse_only_within_a_small_part_of_the_idle_limit() {
        assert_eq!(touch_granularity(Duration::from_secs(1800)).as_secs(), 15);
        assert_eq!(touch_granularity(Duration::from_secs(20)).as_secs(), 1);
        assert_eq!(touch_granularity(Duration::from_secs(10)).as_millis(), 500);
    }

    #[test]
    fn sm_8_limits_past_the_ceilings_are_refused() {
        let mut limits = SessionLimits::DEFAULT;
        limits.staff.idle = Duration::from_secs(16 * 60);
        limits.others.absolute = Duration::from_secs(13 * 60 * 60);
        assert_eq!(
            limits.problems(),
            [
                LimitProblem::IdleTooLong { staff: true },
                LimitProblem::AbsoluteTooLong { staff: false }
            ]
        );
        let mut limits = SessionLimits::DEFAULT;
        limits.others.idle = Duration::from_secs(5);
        limits.staff.absolute = Duration::from_secs(60);
        assert_eq!(
            limits.problems(),
            [
                LimitProblem::AbsoluteBelowIdle { staff: true },
                LimitProblem::IdleTooShort { staff: false }
            ]
        );
        assert!(
            LimitProblem::IdleTooLong { staff: true }
                .to_string()
                .contains("900")
        );
    }
}
