//! The catalogue of security events (LM-1, LM-2, [Audit]): every security-relevant thing
//! Helio notices has a stable name, a severity and typed fields. Fields hold IDs, roles,
//! counts, flags and names chosen by the code (`&'static str`), never text a user typed, so an
//! event can neither carry personal data nor be used to forge a log line. The web layer's one
//! writer sends each event to the JSON log and to the audit trail.

use crate::account::AccountId;
use crate::audit::AuditAction;
use crate::role::Role;

/// How much an event matters to whoever watches the logs and the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Normal operation, kept for the record (a login, a session ended).
    Info,
    /// Normal but worth a look when investigating (a failed login, a factor removed).
    Notice,
    /// A control refused something or tightened (lockouts, budgets spent, access denied).
    Warning,
    /// Somebody must act now (the audit trail is broken, a stuffing attack, a bad config).
    Critical,
}

impl Severity {
    /// The stored and logged name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

macro_rules! catalogue {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal, $severity:ident;)*) => {
        /// One kind of security event (staff actions are the other kind: [`AuditAction`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventName {
            $($(#[doc = $doc])* $variant,)*
        }

        impl EventName {
            /// Every event, in catalogue order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The logged and stored name; stable across releases (alerts match on it).
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// How much it matters.
            #[must_use]
            pub const fn severity(self) -> Severity {
                match self {
                    $(Self::$variant => Severity::$severity,)*
                }
            }

            /// What it means, in one sentence (the log line's message).
            #[must_use]
            pub const fn summary(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!($($doc),*).trim_ascii_start(),)*
                }
            }
        }
    };
}

catalogue! {
    /// A customer signed up (the account exists, unverified).
    AccountCreated => "account_created", Info;
    /// An email address was proved by its link.
    EmailVerified => "email_verified", Info;
    /// Someone signed up with an email address that has an account (they get a mail, not an
    /// answer that tells them so).
    SignupExistingEmail => "signup_existing_email", Notice;
    /// A login passed its first factor.
    LoginSucceeded => "login_succeeded", Info;
    /// A login was refused; `reason` says why.
    LoginFailed => "login_failed", Notice;
    /// A login was refused unchecked: the source or account is throttled.
    LoginThrottled => "login_throttled", Warning;
    /// A source address was locked out after repeated failed logins (lockout).
    SourceLocked => "source_locked", Warning;
    /// Logins to one account from unknown sources were locked out (lockout).
    AccountSourceLocked => "account_source_locked", Warning;
    /// One source failed logins to many different accounts: credential stuffing. The
    /// source's login budget is tightened.
    CredentialStuffingSuspected => "credential_stuffing_suspected", Critical;
    /// The owner reported a login as not theirs: sessions ended, password voided.
    LoginDisowned => "login_disowned", Warning;
    /// A login from a new device was told to the owner.
    NewDeviceNoticeSent => "new_device_notice_sent", Info;
    /// An owner changed their password (every session ended).
    PasswordChanged => "password_changed", Notice;
    /// Password changes were refused after repeated wrong current passwords.
    PasswordChangeThrottled => "password_change_throttled", Warning;
    /// A password reset link was asked for.
    PasswordResetRequested => "password_reset_requested", Info;
    /// A password was set through a one-time link (reset or invitation).
    PasswordReset => "password_set_by_link", Notice;
    /// A stored password hash was upgraded to the current parameters.
    PasswordRehashed => "password_rehashed", Info;
    /// A staff invitation link was issued.
    StaffInvitationIssued => "staff_invitation_issued", Notice;
    /// An installer account was created for a crew.
    InstallerInvited => "installer_invited", Notice;
    /// An invitation was sent again; the earlier link is void.
    InvitationRenewed => "invitation_renewed", Info;
    /// A second factor was enrolled.
    MfaEnrolled => "mfa_enrolled", Notice;
    /// A second factor passed.
    MfaSucceeded => "mfa_succeeded", Info;
    /// A second factor failed.
    MfaFailed => "mfa_failed", Notice;
    /// Second factors were refused after repeated failures.
    MfaThrottled => "mfa_throttled", Warning;
    /// The owner removed a second factor.
    MfaRemoved => "mfa_removed", Notice;
    /// A recovery code was spent.
    RecoveryCodeUsed => "recovery_code_used", Notice;
    /// Recovery codes were replaced.
    RecoveryCodesReplaced => "recovery_codes_replaced", Notice;
    /// A passkey was registered.
    PasskeyAdded => "passkey_added", Notice;
    /// A passkey was removed.
    PasskeyRemoved => "passkey_removed", Notice;
    /// A passkey registration was refused.
    PasskeyRegistrationRefused => "passkey_registration_refused", Notice;
    /// A session was created.
    SessionCreated => "session_created", Info;
    /// An app session's tokens were rotated.
    SessionRotated => "session_refreshed", Info;
    /// A browser session was kept alive by its page.
    SessionKeptAlive => "session_kept_alive", Info;
    /// A page of a session closed; the session ends unless another request comes.
    SessionClosing => "session_closing", Info;
    /// A session ended; `reason` says why.
    SessionEnded => "session_ended", Info;
    /// The owner ended their other sessions.
    OtherSessionsEnded => "other_sessions_ended", Notice;
    /// A session passed its idle or absolute limit.
    SessionExpired => "session_expired", Info;
    /// A spent refresh token was presented again: the token family is revoked.
    TokenFamilyRevoked => "refresh_token_reused", Warning;
    /// Staff ended every session of an account.
    SessionsEndedByStaff => "sessions_ended_by_staff", Warning;
    /// A staff member's role was changed; their sessions ended.
    RoleChanged => "role_changed", Warning;
    /// An admin tried to change their own account.
    SelfChangeRefused => "self_change_refused", Warning;
    /// An admin tried to decide their own break-glass request.
    SelfApprovalRefused => "self_approval_refused", Warning;
    /// A break-glass grant was used after its expiry and refused.
    BreakGlassExpired => "break_glass_expired", Notice;
    /// A signed-in account asked for what its role does not hold.
    AccessDenied => "access_denied", Warning;
    /// A cross-origin form post was refused (CSRF).
    CrossOriginPostRefused => "cross_origin_post_refused", Warning;
    /// A source's or account's budget for something is spent; `budget` says which.
    BudgetSpent => "budget_spent", Warning;
    /// A new data key version was made current (key rotation).
    KeyRotated => "data_key_created", Notice;
    /// Older data key versions were deleted after re-encryption.
    KeysRetired => "data_keys_retired", Notice;
    /// Every data key was re-wrapped under a new key-encryption key; `count` is how many.
    KekRotated => "kek_rotated", Warning;
    /// Start-up refused the configuration.
    ConfigurationRefused => "configuration_refused", Critical;
    /// The audit chain's head was signed.
    AuditCheckpointSigned => "audit_checkpoint_signed", Info;
    /// The audit trail verified intact.
    AuditVerified => "audit_verified", Info;
    /// The audit trail failed verification.
    AuditVerificationFailed => "audit_verification_failed", Critical;
    /// The audit trail was exported.
    AuditExported => "audit_exported", Notice;
    /// A backup file was written; `count` is its rows.
    BackupCreated => "backup_created", Notice;
    /// A backup was restored into this database; `count` is its rows.
    BackupRestored => "backup_restored", Warning;
}

impl EventName {
    /// Parses a stored name; unknown names are refused.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.as_str() == stored)
    }
}

impl EventName {
    /// Whether the event is appended to the audit trail as well as logged. Left out: what an
    /// anonymous flood can trigger once per request (cross-origin posts, spent budgets: one
    /// entry each would let anyone grow the trail; they are logged and counted in metrics),
    /// a checkpoint being signed (kept in `audit_checkpoints`: an entry for it would be
    /// a new head to sign, and so on forever), and a backup being written (the backup job's
    /// database user reads only).
    #[must_use]
    pub const fn kept_in_trail(self) -> bool {
        !matches!(
            self,
            Self::CrossOriginPostRefused
                | Self::BudgetSpent
                | Self::AuditCheckpointSigned
                | Self::BackupCreated
        )
    }
}

impl AuditAction {
    /// How much a staff action matters: reveals, grants, role changes, refunds and high
    /// values are warnings; the rest notices.
    #[must_use]
    pub const fn severity(self) -> Severity {
        match self {
            Self::PersonalDataRevealed
            | Self::BreakGlassRequested
            | Self::BreakGlassApproved
            | Self::BreakGlassRecordViewed
            | Self::StaffRoleChanged
            | Self::StaffDisabled
            | Self::SecondFactorsReset
            | Self::RefundApproved
            | Self::HighValueTransaction => Severity::Warning,
            _ => Severity::Notice,
        }
    }
}

/// How a login was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMethod {
    /// Email and password.
    Password,
    /// A passkey.
    Passkey,
}

impl LoginMethod {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Passkey => "passkey",
        }
    }
}

/// A second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// An authenticator app (TOTP).
    Totp,
    /// A passkey.
    Passkey,
    /// A recovery code.
    RecoveryCode,
}

impl Factor {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Passkey => "passkey",
            Self::RecoveryCode => "recovery_code",
        }
    }
}

/// A budget that can be spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Mail to one address per hour.
    Mail,
    /// Orders per customer per hour.
    Orders,
    /// Orders per source per hour.
    SourceOrders,
    /// Cancellations per customer per hour.
    Cancellations,
    /// Cancellations per source per hour.
    SourceCancellations,
    /// A request budget of a source (the name of the counter).
    Requests(&'static str),
}

impl Budget {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Mail => "mail",
            Self::Orders => "orders",
            Self::SourceOrders => "source_orders",
            Self::Cancellations => "cancellations",
            Self::SourceCancellations => "source_cancellations",
            Self::Requests(name) => name,
        }
    }
}

/// The typed fields an event may carry; each constructor sets the ones its event has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventFields {
    /// The account the event is about.
    pub account: Option<AccountId>,
    /// That account's role (for a role change, the new one).
    pub role: Option<Role>,
    /// The role before a change.
    pub previous_role: Option<Role>,
    /// The staff member who did it, when not the account itself.
    pub by: Option<AccountId>,
    /// Browser or app.
    pub client: Option<&'static str>,
    /// How a login was tried.
    pub method: Option<&'static str>,
    /// Which second factor.
    pub factor: Option<&'static str>,
    /// Why (a name chosen by the code).
    pub reason: Option<&'static str>,
    /// The capability an access check asked for.
    pub capability: Option<&'static str>,
    /// The budget that was spent.
    pub budget: Option<&'static str>,
    /// How many (sessions ended, entries verified, accounts tried, the key version...).
    pub count: Option<u64>,
    /// Whether the login came from a device the account knows.
    pub known_device: Option<bool>,
    /// Whether the failure locked something.
    pub locked: Option<bool>,
}

impl serde::Serialize for EventFields {
    /// In field order, absent fields left out, accounts as their UUIDs and roles by name: the
    /// same fields always give the same JSON (the trail hashes it).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        if let Some(account) = self.account {
            map.serialize_entry("account", &account.to_string())?;
        }
        if let Some(role) = self.role {
            map.serialize_entry("role", role.as_str())?;
        }
        if let Some(role) = self.previous_role {
            map.serialize_entry("previous_role", role.as_str())?;
        }
        if let Some(by) = self.by {
            map.serialize_entry("by", &by.to_string())?;
        }
        for (key, value) in [
            ("client", self.client),
            ("method", self.method),
            ("factor", self.factor),
            ("reason", self.reason),
            ("capability", self.capability),
            ("budget", self.budget),
        ] {
            if let Some(value) = value {
                map.serialize_entry(key, value)?;
            }
        }
        if let Some(count) = self.count {
            map.serialize_entry("count", &count)?;
        }
        if let Some(known) = self.known_device {
            map.serialize_entry("known_device", &known)?;
        }
        if let Some(locked) = self.locked {
            map.serialize_entry("locked", &locked)?;
        }
        map.end()
    }
}

/// One security event: what happened and its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityEvent {
    name: EventName,
    fields: EventFields,
}

impl SecurityEvent {
    /// An event with no fields.
    #[must_use]
    pub const fn bare(name: EventName) -> Self {
        Self {
            name,
            fields: EventFields {
                account: None,
                role: None,
                previous_role: None,
                by: None,
                client: None,
                method: None,
                factor: None,
                reason: None,
                capability: None,
                budget: None,
                count: None,
                known_device: None,
                locked: None,
            },
        }
    }

    /// An event about `account`.
    #[must_use]
    pub const fn about(name: EventName, account: AccountId) -> Self {
        Self::bare(name).with_account(Some(account))
    }

    /// The same event, about `account` if known.
    #[must_use]
    pub const fn with_account(mut self, account: Option<AccountId>) -> Self {
        self.fields.account = account;
        self
    }

    /// The same event, counting `count`.
    #[must_use]
    pub const fn counting(mut self, count: u64) -> Self {
        self.fields.count = Some(count);
        self
    }

    /// The same event, for `reason`.
    #[must_use]
    pub const fn because(mut self, reason: &'static str) -> Self {
        self.fields.reason = Some(reason);
        self
    }

    /// The same event, on `client` ("browser" or "app").
    #[must_use]
    pub const fn on_client(mut self, client: &'static str) -> Self {
        self.fields.client = Some(client);
        self
    }

    /// The same event, done by staff member `by`.
    #[must_use]
    pub const fn done_by(mut self, by: AccountId) -> Self {
        self.fields.by = Some(by);
        self
    }

    /// The same event, for second factor `factor`.
    #[must_use]
    pub const fn with_factor(mut self, factor: Factor) -> Self {
        self.fields.factor = Some(factor.as_str());
        self
    }

    /// A login that passed its first factor.
    #[must_use]
    pub const fn login_succeeded(
        account: AccountId,
        role: Role,
        method: LoginMethod,
        known_device: bool,
    ) -> Self {
        let mut event = Self::about(EventName::LoginSucceeded, account);
        event.fields.role = Some(role);
        event.fields.method = Some(method.as_str());
        event.fields.known_device = Some(known_device);
        event
    }

    /// A refused login, `reason` being the code's name for why.
    #[must_use]
    pub const fn login_failed(
        method: LoginMethod,
        reason: &'static str,
        account: Option<AccountId>,
    ) -> Self {
        let mut event = Self::bare(EventName::LoginFailed).with_account(account);
        event.fields.method = Some(method.as_str());
        event.fields.reason = Some(reason);
        event
    }

    /// Logins to `account` from unknown sources locked.
    #[must_use]
    pub const fn account_source_locked(account: Option<AccountId>) -> Self {
        Self::bare(EventName::AccountSourceLocked).with_account(account)
    }

    /// A failed second factor; `locked` when it locked the factor.
    #[must_use]
    pub const fn mfa_failed(account: AccountId, factor: Factor, locked: bool) -> Self {
        let mut event = Self::about(EventName::MfaFailed, account).with_factor(factor);
        event.fields.locked = Some(locked);
        event
    }

    /// An account created with `role`.
    #[must_use]
    pub const fn account_with_role(name: EventName, account: AccountId, role: Role) -> Self {
        let mut event = Self::about(name, account);
        event.fields.role = Some(role);
        event
    }

    /// A staff role changed from `from` to `to`.
    #[must_use]
    pub const fn role_changed(account: AccountId, from: Role, to: Role) -> Self {
        let mut event = Self::account_with_role(EventName::RoleChanged, account, to);
        event.fields.previous_role = Some(from);
        event
    }

    /// A signed-in account with `role` refused `capability`.
    #[must_use]
    pub const fn access_denied(account: AccountId, role: Role, capability: &'static str) -> Self {
        let mut event = Self::account_with_role(EventName::AccessDenied, account, role);
        event.fields.capability = Some(capability);
        event
    }

    /// `budget` is spent (for `account`, when it is an account's).
    #[must_use]
    pub const fn budget_spent(budget: Budget, account: Option<AccountId>) -> Self {
        let mut event = Self::bare(EventName::BudgetSpent).with_account(account);
        event.fields.budget = Some(budget.as_str());
        event
    }

    /// A failed audit verification: `finding` names the kind of break, at entry `seq`.
    #[must_use]
    pub const fn audit_verification_failed(finding: &'static str, seq: u64) -> Self {
        Self::bare(EventName::AuditVerificationFailed)
            .because(finding)
            .counting(seq)
    }

    /// The event's kind.
    #[must_use]
    pub const fn name(&self) -> EventName {
        self.name
    }

    /// How much it matters.
    #[must_use]
    pub const fn severity(&self) -> Severity {
        self.name.severity()
    }

    /// Its fields.
    #[must_use]
    pub const fn fields(&self) -> &EventFields {
        &self.fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_stable_and_fit_the_trail() {
        let mut seen = std::collections::HashSet::new();
        for event in EventName::ALL {
            assert!(seen.insert(event.as_str()), "{} twice", event.as_str());
            assert_eq!(EventName::parse(event.as_str()), Some(*event));
            assert!(event.as_str().len() <= 48, "fits the action column");
            assert!(
                event
                    .as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
        for action in AuditAction::ALL {
            assert!(
                !seen.contains(action.as_str()),
                "{} is a staff action and an event",
                action.as_str()
            );
        }
        assert_eq!(EventName::parse("nothing_like_it"), None);
        assert_eq!(
            EventName::LoginFailed.summary(),
            "A login was refused; `reason` says why."
        );
    }

    /// docs/security/events.md lists every event and staff action with its severity and
    /// where it is kept, so the catalogue and its documentation cannot drift apart.
    #[test]
    fn lm_1_the_catalogue_document_lists_every_event() {
        let doc = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/security/events.md"
        ))
        .unwrap();
        for event in EventName::ALL {
            let kept = if event.kept_in_trail() {
                "log and trail"
            } else {
                "log only"
            };
            let row = format!(
                "| `{}` | {} | {kept} |",
                event.as_str(),
                event.severity().as_str()
            );
            assert!(doc.contains(&row), "{row} missing from events.md");
        }
        for action in AuditAction::ALL {
            let row = format!("| `{}` | {} |", action.as_str(), action.severity().as_str());
            assert!(doc.contains(&row), "{row} missing from events.md");
        }
    }

    #[test]
    fn constructors_set_only_their_fields() {
        let account = AccountId::random();
        let failed = SecurityEvent::login_failed(LoginMethod::Password, "wrong_password", None);
        assert_eq!(failed.name(), EventName::LoginFailed);
        assert_eq!(failed.severity(), Severity::Notice);
        assert_eq!(failed.fields().reason, Some("wrong_password"));
        assert_eq!(failed.fields().method, Some("password"));
        assert_eq!(failed.fields().account, None);
        let changed = SecurityEvent::role_changed(account, Role::Support, Role::Admin);
        assert_eq!(changed.fields().previous_role, Some(Role::Support));
        assert_eq!(changed.fields().role, Some(Role::Admin));
        assert_eq!(
            SecurityEvent::audit_verification_failed("edited", 7).severity(),
            Severity::Critical
        );
        assert!(Severity::Warning > Severity::Notice);
    }
}
