//! Session lifetimes by role (SM-8): staff sessions are shorter because a hijacked staff
//! session reaches many customers' data.

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

impl SessionPolicy {
    /// The defaults: staff 15 minutes idle and 8 hours absolute; customers and installers
    /// 30 minutes and 12 hours.
    #[must_use]
    pub const fn for_role(role: Role) -> Self {
        if role.is_staff() {
            Self {
                idle: Duration::from_secs(15 * 60),
                absolute: Duration::from_secs(8 * 60 * 60),
            }
        } else {
            Self {
                idle: Duration::from_secs(30 * 60),
                absolute: Duration::from_secs(12 * 60 * 60),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm_8_staff_sessions_are_shorter() {
        let staff = SessionPolicy::for_role(Role::Support);
        let customer = SessionPolicy::for_role(Role::Customer);
        assert_eq!(staff.idle.as_secs(), 900);
        assert_eq!(customer.absolute.as_secs(), 43_200);
        assert!(staff.idle < customer.idle && staff.absolute < customer.absolute);
    }
}
