//! What happened to an account, as its owner sees it on the account page (SM-16, SM-18):
//! logins and failures, session ends and expiries, changes to how the account logs in, and
//! what staff did to it. A closed set: every entry is one of these, with a fixed wording, so
//! nothing a person typed ever becomes part of the list.

/// One kind of entry in an account's security activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    /// The password (or a passkey) was accepted from a device already known.
    LoginSucceeded,
    /// The password (or a passkey) was accepted from a device never seen before.
    LoginFromNewDevice,
    /// A wrong password was typed for this account.
    LoginFailed,
    /// A wrong second-step code was entered, or a passkey refused.
    SecondFactorFailed,
    /// Logins from one source were locked after repeated failures.
    LoginLocked,
    /// The owner logged out.
    LoggedOut,
    /// A session ended after sitting idle (on the server, or by its page's timer).
    SessionIdleEnded,
    /// A session reached its absolute lifetime.
    SessionLifetimeEnded,
    /// A session ended because its last page was closed.
    SessionClosed,
    /// The owner ended one of their sessions from the list.
    SessionEndedByOwner,
    /// The owner ended every other session.
    OtherSessionsEnded,
    /// Helio staff ended every session of the account.
    SessionsEndedByStaff,
    /// An app's refresh token was used twice, so that app session was ended.
    AppTokenReused,
    /// The owner changed the password; every other session ended.
    PasswordChanged,
    /// The password was set through an emailed link; every session ended.
    PasswordReset,
    /// The owner reported a login that was not theirs; every session ended and the password
    /// must be reset.
    LoginDisowned,
    /// An authenticator app was added.
    AuthenticatorAdded,
    /// The authenticator app was removed.
    AuthenticatorRemoved,
    /// A passkey was added.
    PasskeyAdded,
    /// A passkey was removed.
    PasskeyRemoved,
    /// New recovery codes replaced the old ones.
    RecoveryCodesReplaced,
    /// A recovery code was used to log in.
    RecoveryCodeUsed,
    /// An administrator changed the account's role; every session ended.
    RoleChanged,
    /// Helio support locked the account; every session ended.
    AccountLockedByStaff,
    /// Helio support unlocked the account.
    AccountUnlockedByStaff,
    /// Helio support removed every second factor; every session ended.
    SecondFactorsResetByStaff,
    /// Helio support corrected the email address or phone number.
    ContactCorrectedByStaff,
    /// An admin disabled the (staff) account; every session ended.
    DisabledByAdmin,
    /// An admin enabled the (staff) account again.
    EnabledByAdmin,
}

impl ActivityKind {
    /// Every kind.
    pub const ALL: [Self; 29] = [
        Self::LoginSucceeded,
        Self::LoginFromNewDevice,
        Self::LoginFailed,
        Self::SecondFactorFailed,
        Self::LoginLocked,
        Self::LoggedOut,
        Self::SessionIdleEnded,
        Self::SessionLifetimeEnded,
        Self::SessionClosed,
        Self::SessionEndedByOwner,
        Self::OtherSessionsEnded,
        Self::SessionsEndedByStaff,
        Self::AppTokenReused,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::LoginDisowned,
        Self::AuthenticatorAdded,
        Self::AuthenticatorRemoved,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
        Self::RecoveryCodesReplaced,
        Self::RecoveryCodeUsed,
        Self::RoleChanged,
        Self::AccountLockedByStaff,
        Self::AccountUnlockedByStaff,
        Self::SecondFactorsResetByStaff,
        Self::ContactCorrectedByStaff,
        Self::DisabledByAdmin,
        Self::EnabledByAdmin,
    ];

    /// The stored name; stable across releases.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFromNewDevice => "login_new_device",
            Self::LoginFailed => "login_failed",
            Self::SecondFactorFailed => "second_factor_failed",
            Self::LoginLocked => "login_locked",
            Self::LoggedOut => "logged_out",
            Self::SessionIdleEnded => "session_idle_ended",
            Self::SessionLifetimeEnded => "session_lifetime_ended",
            Self::SessionClosed => "session_closed",
            Self::SessionEndedByOwner => "session_ended_by_owner",
            Self::OtherSessionsEnded => "other_sessions_ended",
            Self::SessionsEndedByStaff => "sessions_ended_by_staff",
            Self::AppTokenReused => "app_token_reused",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::LoginDisowned => "login_disowned",
            Self::AuthenticatorAdded => "authenticator_added",
            Self::AuthenticatorRemoved => "authenticator_removed",
            Self::PasskeyAdded => "passkey_added",
            Self::PasskeyRemoved => "passkey_removed",
            Self::RecoveryCodesReplaced => "recovery_codes_replaced",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::RoleChanged => "role_changed",
            Self::AccountLockedByStaff => "account_locked_by_staff",
            Self::AccountUnlockedByStaff => "account_unlocked_by_staff",
            Self::SecondFactorsResetByStaff => "second_factors_reset_by_staff",
            Self::ContactCorrectedByStaff => "contact_corrected_by_staff",
            Self::DisabledByAdmin => "disabled_by_admin",
            Self::EnabledByAdmin => "enabled_by_admin",
        }
    }

    /// Parses a stored name; unknown names are refused.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == stored)
    }

    /// What the owner reads.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "Logged in",
            Self::LoginFromNewDevice => "Logged in from a new device",
            Self::LoginFailed => "Wrong password entered",
            Self::SecondFactorFailed => "Second step failed (wrong code or passkey)",
            Self::LoginLocked => "Logins paused after repeated wrong passwords",
            Self::LoggedOut => "Logged out",
            Self::SessionIdleEnded => "Signed out after a time without activity",
            Self::SessionLifetimeEnded => "Signed out: the session reached its time limit",
            Self::SessionClosed => "Signed out when the window was closed",
            Self::SessionEndedByOwner => "A session was signed out from this page",
            Self::OtherSessionsEnded => "Every other session was signed out",
            Self::SessionsEndedByStaff => "Helio support signed out every session",
            Self::AppTokenReused => "An app session was ended: its sign-in token was used twice",
            Self::PasswordChanged => "Password changed; other sessions signed out",
            Self::PasswordReset => "Password set by email link; every session signed out",
            Self::LoginDisowned => "You reported a login that wasn't you; every session signed out",
            Self::AuthenticatorAdded => "Authenticator app added",
            Self::AuthenticatorRemoved => "Authenticator app removed",
            Self::PasskeyAdded => "Passkey added",
            Self::PasskeyRemoved => "Passkey removed",
            Self::RecoveryCodesReplaced => "New recovery codes made",
            Self::RecoveryCodeUsed => "Recovery code used",
            Self::RoleChanged => {
                "Account type changed by an administrator; every session signed out"
            }
            Self::AccountLockedByStaff => {
                "Helio support locked the account; every session signed out"
            }
            Self::AccountUnlockedByStaff => "Helio support unlocked the account",
            Self::SecondFactorsResetByStaff => {
                "Helio support removed your second step (app, passkeys, recovery codes)"
            }
            Self::ContactCorrectedByStaff => "Helio support corrected your email or phone",
            Self::DisabledByAdmin => "An administrator disabled the account",
            Self::EnabledByAdmin => "An administrator enabled the account again",
        }
    }

    /// Whether the owner should look twice: something that may mean someone else is trying.
    #[must_use]
    pub const fn is_warning(self) -> bool {
        matches!(
            self,
            Self::LoginFromNewDevice
                | Self::LoginFailed
                | Self::SecondFactorFailed
                | Self::LoginLocked
                | Self::AppTokenReused
                | Self::LoginDisowned
                | Self::SecondFactorsResetByStaff
                | Self::ContactCorrectedByStaff
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn sm_18_every_kind_has_one_stable_name_and_its_own_wording() {
        let names: HashSet<_> = ActivityKind::ALL.iter().map(|k| k.as_str()).collect();
        let wordings: HashSet<_> = ActivityKind::ALL.iter().map(|k| k.describe()).collect();
        assert_eq!(names.len(), ActivityKind::ALL.len());
        assert_eq!(wordings.len(), ActivityKind::ALL.len());
        for kind in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
            assert!(kind.as_str().len() <= 40);
        }
        assert_eq!(ActivityKind::parse("login_succeeded "), None);
    }
}
