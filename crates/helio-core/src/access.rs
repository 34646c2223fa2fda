//! Who may reach an entry point. Deny by default: a route exists only together with its rule.
//!
//! The web layer cannot register a route without one of these values, so a test can walk every
//! route and every rule (AC-1). Later capabilities extend this enum; nothing defaults to "open".

use serde::Serialize;

/// The access rule attached to an entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Reachable without an account: landing page, static assets, health probes.
    Public,
    /// Any signed-in account, for its own things (its account page, logging out).
    SignedIn,
    /// Half-way through login: the password is done and the second factor is asked for.
    MfaChallenge,
    /// Setting up a second factor: forced after the password for roles that need one, or
    /// chosen from the account page.
    MfaEnrolment,
    /// Any half-finished login (to abandon it).
    LoginInProgress,
}

impl Access {
    /// Whether an anonymous visitor may reach an entry point with this rule.
    #[must_use]
    pub fn allows_anonymous(self) -> bool {
        match self {
            Self::Public => true,
            Self::SignedIn | Self::MfaChallenge | Self::MfaEnrolment | Self::LoginInProgress => {
                false
            }
        }
    }
}
