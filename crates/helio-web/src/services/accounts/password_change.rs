//! Changing the password from a signed-in session (SM-17). The current password is asked
//! again (its guesses throttled like a login's), the new one must pass the policy, and then
//! every session of the account ends, the asking one included: the caller starts a new one
//! under a new ID for whoever made the change (SM-4, SM-15). Open reset links are voided and
//! the owner is mailed.

use helio_core::account::{AccountId, TokenPurpose};
use helio_core::activity::ActivityKind;
use helio_core::crypto::blind_index::IndexPurpose;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::session::EndReason;
use helio_core::throttle::{Decision, ThrottlePolicy};
use helio_store::ActivityOrigin;

use super::security_log;
use super::{AccountError, Accounts, SecurityNotice, Verdict};
use crate::services::counters;

/// How a password change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    /// The password is changed and every session of the account has ended.
    Changed,
    /// The current password was not right.
    WrongPassword,
    /// Too many wrong current passwords lately; try again later.
    Throttled,
}

impl Accounts {
    /// Changes `account`'s password from `current` to `new` (see the module notes).
    pub async fn change_password(
        &self,
        account: AccountId,
        current: &str,
        new: &str,
    ) -> Result<PasswordChange, AccountError> {
        let Some(record) = self.store.accounts().by_id(account).await? else {
            return Err(AccountError::Unreadable);
        };
        let key = self.indexer.index(
            IndexPurpose::ThrottleAccount,
            &format!("password-change|{account}"),
        );
        let now = self.clock.now();
        let counter = self.store.login_throttle().get(&key).await?;
        if ThrottlePolicy::ACCOUNT.decide(counter.map(|c| c.counter), now) != Decision::Allow {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::PasswordChangeThrottled, account),
            )
            .await?;
            return Ok(PasswordChange::Throttled);
        }
        if self.check_password(current, Some(&record)).await? == Verdict::Invalid {
            counters::count(&self.store, &key, ThrottlePolicy::ACCOUNT, now).await?;
            self.activity
                .record(
                    account,
                    ActivityKind::LoginFailed,
                    ActivityOrigin::default(),
                )
                .await?;
            return Ok(PasswordChange::WrongPassword);
        }
        self.store.login_throttle().clear(&key).await?;
        let Some(profile) = self.profile(account).await? else {
            return Err(AccountError::Unreadable);
        };
        let hash = self.hash_new_password(new, &profile).await?;
        let now = self.clock.now();
        self.store
            .accounts()
            .set_password_hash(account, hash.as_str(), now)
            .await?;
        self.store
            .account_tokens()
            .void_all(account, TokenPurpose::ResetPassword, now)
            .await?;
        let ended = self
            .store
            .sessions()
            .end_all(account, EndReason::PasswordChanged.as_str(), now)
            .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::PasswordChanged, account).counting(ended),
        )
        .await?;
        self.activity
            .record(
                account,
                ActivityKind::PasswordChanged,
                ActivityOrigin::default(),
            )
            .await?;
        self.notify_security_change(account, SecurityNotice::PasswordChanged)
            .await?;
        Ok(PasswordChange::Changed)
    }
}
