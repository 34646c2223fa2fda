//! Logins from new devices (SM-16): the owner is mailed at once, with a single-use link for
//! "this wasn't me". Following it ends every session, voids the password (a reset link sets a
//! new one) and removes the second factors and recovery codes made since that login, so
//! whoever logged in keeps no way back in.

use std::time::Duration;

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::crypto::token::SecretToken;
use helio_core::security_event::{EventName, LoginMethod, SecurityEvent};
use helio_core::session::EndReason;
use helio_core::values::Email;
use helio_store::{AccountRecord, ActivityOrigin, ReportedLogin, SessionClient};

use super::security_log;
use super::{AccountError, Accounts, LoginSource, field, origin};
use crate::services::mail::{self, Mail};

/// How long the link of a new-device notice works.
const REPORT_LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

impl Accounts {
    /// Tells the owner of `record` that it was just logged in to from a device never seen
    /// before, with a link to undo it. Within the hourly mail budget of the address.
    pub(super) async fn notify_new_device(
        &self,
        record: &AccountRecord,
        seen: ActivityOrigin<'_>,
    ) -> Result<(), AccountError> {
        let email = self
            .keys
            .decrypt(&record.email_ct, field(&record.id, "email"))
            .await
            .map_err(|_| AccountError::Unreadable)?;
        let email = Email::parse(&email).map_err(|_| AccountError::Unreadable)?;
        if !self.mail_budget(&email).await? {
            return Ok(());
        }
        let now = self.clock.now();
        let token = SecretToken::generate();
        self.store
            .login_reports()
            .issue(
                &token.hash(),
                ReportedLogin {
                    account: record.id,
                    login_at: now,
                },
                now.saturating_add(REPORT_LINK_LIFETIME),
            )
            .await?;
        let link = format!("{}/not-me?token={}", self.public_url, token.expose());
        let device = seen.device.unwrap_or("Unknown device");
        let app = if seen.client == Some(SessionClient::Api) {
            " (Helio app)"
        } else {
            ""
        };
        let network = seen.network.unwrap_or("an unknown network");
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "new_device_login",
                to: email,
                subject: "New login to your Helio account",
                body: format!(
                    "Your Helio account's password (or passkey) was just used from a device we have not seen before:\n\n  {device}{app}\n  from network {network}\n  at {}\n\nIf this was you, there is nothing to do.\n\nIf it wasn't you, open this link within 7 days. It signs out every device, stops your current password from working and removes any sign-in method added since; we then mail you a link to choose a new password:\n\n{link}\n",
                    crate::dates::utc_minute(now)
                ),
            },
        )
        .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::NewDeviceNoticeSent, record.id),
        )
        .await?;
        Ok(())
    }

    /// A passkey signed for `account`, but the account is not active: a failed login.
    pub async fn passkey_login_refused(&self, account: AccountId) -> Result<(), AccountError> {
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::login_failed(LoginMethod::Passkey, "inactive", Some(account)),
        )
        .await?;
        Ok(())
    }

    /// A passwordless (passkey) login succeeded for `account` from `source`: it is recorded,
    /// the owner is told when the device is new, and the device gets its cookie (or app
    /// token) if it had none. Returns that new device credential.
    pub async fn passkey_login_succeeded(
        &self,
        account: AccountId,
        source: LoginSource<'_>,
    ) -> Result<Option<String>, AccountError> {
        let Some(record) = self.store.accounts().by_id(account).await? else {
            return Err(AccountError::Unreadable);
        };
        let known = source
            .device_cookie
            .and_then(|cookie| self.devices.verify(account, cookie))
            .is_some();
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::login_succeeded(account, record.role, LoginMethod::Passkey, known),
        )
        .await?;
        let seen = source.seen();
        let kind = if known {
            ActivityKind::LoginSucceeded
        } else {
            ActivityKind::LoginFromNewDevice
        };
        self.activity
            .record(account, kind, origin(source.client, &seen))
            .await?;
        if known {
            return Ok(None);
        }
        self.notify_new_device(&record, origin(source.client, &seen))
            .await?;
        Ok(Some(self.devices.issue(account)))
    }

    /// Whether a "this wasn't me" link can still be used (the page shows a button rather
    /// than acting on a GET, which mail scanners prefetch).
    pub async fn report_link_is_live(&self, presented: &str) -> Result<bool, AccountError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(false);
        };
        Ok(self
            .store
            .login_reports()
            .is_live(&token.hash(), self.clock.now())
            .await?)
    }

    /// The owner reports the login a link was sent for as not theirs: every session ends,
    /// the password stops working, second factors and recovery codes made since that login
    /// go, and a reset link is mailed. `false` for an unknown, used or expired link.
    pub async fn disown_login(&self, presented: &str) -> Result<bool, AccountError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(false);
        };
        let now = self.clock.now();
        let Some(login) = self
            .store
            .login_reports()
            .redeem(&token.hash(), now)
            .await?
        else {
            return Ok(false);
        };
        let account = login.account;
        let sessions_ended = self
            .store
            .sessions()
            .end_all(account, EndReason::LoginDisowned.as_str(), now)
            .await?;
        self.store.accounts().clear_password(account, now).await?;
        let mfa = self.store.mfa();
        mfa.remove_totp_made_since(account, login.login_at).await?;
        self.store
            .passkeys()
            .remove_added_since(account, login.login_at)
            .await?;
        mfa.delete_recovery_codes_made_since(account, login.login_at)
            .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::LoginDisowned, account).counting(sessions_ended),
        )
        .await?;
        self.activity
            .record(
                account,
                ActivityKind::LoginDisowned,
                ActivityOrigin::default(),
            )
            .await?;
        self.mail_reset_after_report(account).await?;
        Ok(true)
    }

    /// The reset link that follows a reported login: the old password no longer works.
    async fn mail_reset_after_report(&self, account: AccountId) -> Result<(), AccountError> {
        let Some(profile) = self.profile(account).await? else {
            return Err(AccountError::Unreadable);
        };
        let email = Email::parse(&profile.email).map_err(|_| AccountError::Unreadable)?;
        let link = self.fresh_reset_link(account).await?;
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "reset_password",
                to: email,
                subject: "Choose a new Helio password",
                body: format!(
                    "You reported a login to your Helio account that wasn't you. Every device is now signed out and your old password no longer works.\n\nChoose a new password with this link within 30 minutes:\n\n{link}\n\nIf it has expired, ask for a new one at {}/forgot-password.\n",
                    self.public_url
                ),
            },
        )
        .await?;
        Ok(())
    }
}
