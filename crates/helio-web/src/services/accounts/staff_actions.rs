//! What staff do to a customer's or installer's sessions (SM-16): end every one of them, with
//! a reason, recorded in the security log and in the account's own activity. Operators reach
//! it through `helio sessions end-all`; [Access]'s support pages will call the same method.

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::session::EndReason;
use helio_core::values::{Email, FieldError};
use helio_store::ActivityOrigin;

use super::{AccountError, Accounts};

/// The longest reason accepted.
const MAX_REASON_CHARS: usize = 200;

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
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(invalid(
                "reason",
                "Give a reason of 1 to 200 characters: it is kept in the security log.",
            ));
        }
        if reason.chars().any(char::is_control) {
            return Err(invalid(
                "reason",
                "The reason must be one line of plain text.",
            ));
        }
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
        tracing::warn!(target: "helio::security", event = "sessions_ended_by_staff", account = %record.id, count = ended, staff_reason = reason, "staff ended every session of an account");
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
