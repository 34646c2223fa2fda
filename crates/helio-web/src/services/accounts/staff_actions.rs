//! What staff do to a customer's or installer's sessions (SM-16): end every one of them, with
//! a reason, recorded in the audit trail (never in the log line) and in the account's own activity. Operators reach
//! it through `helio sessions end-all`; [Access]'s support pages will call the same method.

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::audit::Reason;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::session::EndReason;
use helio_core::values::{Email, FieldError};
use helio_store::ActivityOrigin;

use super::security_log;
use super::{AccountError, Accounts};

fn invalid(field: &'static str, message: &'static str) -> AccountError {
    AccountError::Invalid(vec![FieldError { field, message }])
}

impl Accounts {
    /// Ends every session (browsers and apps) of the account at `email`, for `reason` (what
    /// support was asked or saw; kept in the security log as a field, never in a message).
    /// Returns the account and how many sessions ended.
    pub async fn end_sessions_by_staff(
        &self,
        email: &str,
        reason: &str,
    ) -> Result<(AccountId, u64), AccountError> {
        let Some(reason) = Reason::parse(reason) else {
            return Err(invalid(
                "reason",
                "Give a reason of 3 to 200 characters, on one line: it is kept in the audit trail.",
            ));
        };
        let email = Email::parse(email).map_err(|error| AccountError::Invalid(vec![error]))?;
        let Some(record) = self
            .store
            .accounts()
            .by_email_index(&self.email_index(&email))
            .await?
        else {
            return Err(invalid(
                "email",
                "There is no account with this email address.",
            ));
        };
        let ended = self
            .store
            .sessions()
            .end_all(
                record.id,
                EndReason::EndedByStaff.as_str(),
                self.clock.now(),
            )
            .await?;
        security_log::record_because(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::SessionsEndedByStaff, record.id).counting(ended),
            &reason,
        )
        .await?;
        self.activity
            .record(
                record.id,
                ActivityKind::SessionsEndedByStaff,
                ActivityOrigin::default(),
            )
            .await?;
        Ok((record.id, ended))
    }
}
