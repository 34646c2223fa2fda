//! Sign-up, email verification and password login (AU-2, AU-4, CR-3, CR-5).
//!
//! Enumeration-safe by construction: sign-up answers the same whether or not the email is
//! registered (the owner of an existing account gets a notice instead of a second account),
//! and a login for an unknown email spends the same Argon2id work as a wrong password.

use std::sync::Arc;
use std::time::Duration;

use helio_core::account::{AccountId, AccountStatus, TokenPurpose};
use helio_core::activity::ActivityKind;
use helio_core::crypto::blind_index::{BlindIndexer, IndexPurpose};
use helio_core::crypto::device::DeviceCookies;
use helio_core::crypto::field::FieldContext;
use helio_core::crypto::password::{PasswordHash, PasswordHasher, Verification};
use helio_core::crypto::token::SecretToken;
use helio_core::partner::CrewId;
use helio_core::password::{NewPassword, PasswordRejection, PersonalDetails, PlainPassword};
use helio_core::role::Role;
use helio_core::security_event::{Budget, EventName, LoginMethod, SecurityEvent};
use helio_core::session::EndReason;
use helio_core::throttle::{Decision, STUFFING_ACCOUNTS, STUFFING_WINDOW, ThrottlePolicy};
use helio_core::time::{Clock, Timestamp};
use helio_core::values::{Email, FieldError, PersonName, Phone};
use helio_store::{AccountRecord, ActivityOrigin, CrewRecord, SessionClient, Store, StoreError};
use tokio::sync::Semaphore;

mod new_device;
mod password_change;
mod role_change;
mod staff_actions;

pub use password_change::PasswordChange;
pub use role_change::RoleChanged;

use super::activity::Activity;
use super::counters::{self, CounterError, source_prefix};
use super::keyring::Keyring;
use super::mail::{self, Mail};
use super::security_log;

/// Everything account operations need. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Accounts {
    store: Store,
    keys: Arc<Keyring>,
    indexer: Arc<BlindIndexer>,
    devices: Arc<DeviceCookies>,
    hasher: Arc<PasswordHasher>,
    hashing: Arc<Semaphore>,
    public_url: Arc<str>,
    clock: Arc<dyn Clock>,
    activity: Activity,
}

/// The keys account operations use besides the data keys.
#[derive(Debug)]
pub struct AccountKeys {
    /// Blind indexes (email and phone lookups, throttle keys).
    pub indexer: BlindIndexer,
    /// Device cookies.
    pub devices: DeviceCookies,
}

/// Where a login attempt comes from.
#[derive(Debug, Clone, Copy)]
pub struct LoginSource<'a> {
    /// The client's address.
    pub ip: std::net::IpAddr,
    /// The device cookie the browser presented, if any.
    pub device_cookie: Option<&'a str>,
    /// The client's `User-Agent`, reduced to "Firefox on Windows" before it is kept.
    pub user_agent: Option<&'a str>,
    /// A browser (the login page) or an app (the API).
    pub client: SessionClient,
}

impl LoginSource<'_> {
    /// The coarse device and network the owner's activity shows for this attempt.
    fn seen(&self) -> (String, String) {
        (
            crate::seen::device_label(self.user_agent),
            crate::seen::network(self.ip),
        )
    }
}

/// An activity origin borrowing a coarse device and network.
fn origin<'a>(client: SessionClient, seen: &'a (String, String)) -> ActivityOrigin<'a> {
    ActivityOrigin {
        client: Some(client),
        device: Some(&seen.0),
        network: Some(&seen.1),
    }
}

/// A successful login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessfulLogin {
    /// Who logged in.
    pub who: LoggedIn,
    /// A device cookie to give the browser, when it did not present a valid one.
    pub new_device_cookie: Option<String>,
}

/// Why an account operation failed, for the caller to map to a response.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The input is invalid; each field says why.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The password breaks the policy; the reason is shown to the person.
    #[error("password refused: {0}")]
    Password(PasswordRejection),
    /// Too many password hashes are already being computed; try again shortly.
    #[error("password hashing is saturated")]
    Busy,
    /// This source sent too many sign-up, reset or login requests lately.
    #[error("too many requests from this source")]
    TooMany,
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// Stored data did not decrypt (tampering or a missing key).
    #[error("stored account data is unreadable")]
    Unreadable,
}

impl From<CounterError> for AccountError {
    fn from(error: CounterError) -> Self {
        match error {
            CounterError::Store(error) => Self::Store(error),
            CounterError::Contended => Self::Busy,
        }
    }
}

/// What a person typed to sign up.
#[derive(Debug)]
pub struct SignUpForm<'a> {
    /// Name.
    pub name: &'a str,
    /// Email address.
    pub email: &'a str,
    /// Phone, optional.
    pub phone: Option<&'a str>,
    /// Chosen password.
    pub password: &'a str,
}

/// An account that passed a password login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedIn {
    /// Who.
    pub account: AccountId,
    /// Their role.
    pub role: Role,
}

/// The outcome of a login attempt. Deliberately one failure kind: the caller shows one
/// message whatever went wrong (AU-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Right password for an active account.
    Success(SuccessfulLogin),
    /// Anything else: unknown email, wrong password, unverified or disabled account, or too
    /// many recent failures.
    Failed,
}

const HASH_WAIT: Duration = Duration::from_secs(5);

fn field<'a>(account: &'a AccountId, column: &'static str) -> FieldContext<'a> {
    FieldContext {
        table: "accounts",
        column,
        row: account.as_bytes(),
    }
}

impl Accounts {
    /// The service over its dependencies. `hash_slots` bounds concurrent Argon2id runs (about
    /// one per core), so a login flood queues for CPU instead of starving other requests.
    #[must_use]
    pub fn new(
        store: Store,
        data_keys: Arc<Keyring>,
        keys: AccountKeys,
        hasher: Arc<PasswordHasher>,
        hash_slots: usize,
        public_url: &str,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            activity: Activity::new(store.clone(), Arc::clone(&clock)),
            store,
            keys: data_keys,
            indexer: Arc::new(keys.indexer),
            devices: Arc::new(keys.devices),
            hasher,
            hashing: Arc::new(Semaphore::new(hash_slots.max(1))),
            public_url: public_url.trim_end_matches('/').into(),
            clock,
        }
    }

    /// Runs CPU-heavy password work on the blocking pool, behind the hashing semaphore.
    async fn with_hasher<T: Send + 'static>(
        &self,
        work: impl FnOnce(&PasswordHasher) -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        let permit = tokio::time::timeout(HASH_WAIT, Arc::clone(&self.hashing).acquire_owned())
            .await
            .map_err(|_| AccountError::Busy)?
            .map_err(|_| AccountError::Busy)?;
        let hasher = Arc::clone(&self.hasher);
        let result = tokio::task::spawn_blocking(move || {
            let result = work(&hasher);
            drop(permit);
            result
        })
        .await
        .map_err(|_| AccountError::Busy)?;
        Ok(result)
    }

    fn email_index(&self, email: &Email) -> [u8; 32] {
        self.indexer.index(IndexPurpose::Email, email.as_str())
    }

    /// Issues a single-use token for `purpose`, valid for the purpose's lifetime from `now`;
    /// only its hash is stored.
    async fn issue_token(
        &self,
        account: AccountId,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<SecretToken, AccountError> {
        let token = SecretToken::generate();
        self.store
            .account_tokens()
            .issue(
                &token.hash(),
                account,
                purpose,
                now.saturating_add(purpose.lifetime()),
            )
            .await?;
        Ok(token)
    }

    /// Counts one unauthenticated, mail-sending request from `ip` against its hourly budget
    /// ([`ThrottlePolicy::REQUESTS`]); [`AccountError::TooMany`] when it is spent.
    async fn request_budget(&self, ip: std::net::IpAddr) -> Result<(), AccountError> {
        if counters::spend_source_budget(
            &self.store,
            &self.indexer,
            "requests",
            ip,
            ThrottlePolicy::REQUESTS,
            self.clock.now(),
        )
        .await?
        {
            Ok(())
        } else {
            Err(AccountError::TooMany)
        }
    }

    /// Counts one password login from `ip` (not a known device) against its budget
    /// ([`ThrottlePolicy::LOGINS`]); [`AccountError::TooMany`] when it is spent.
    async fn login_budget(&self, ip: std::net::IpAddr) -> Result<(), AccountError> {
        let (budget, policy) = if self.stuffing_marked(&self.source_key(ip)).await? {
            (
                "logins-stuffing",
                ThrottlePolicy::LOGINS_FROM_STUFFING_SOURCE,
            )
        } else {
            ("logins", ThrottlePolicy::LOGINS)
        };
        if counters::spend_source_budget(
            &self.store,
            &self.indexer,
            budget,
            ip,
            policy,
            self.clock.now(),
        )
        .await?
        {
            Ok(())
        } else {
            Err(AccountError::TooMany)
        }
    }

    /// Signs a customer up. Returns `Ok(())` both for a new account and for an email that is
    /// already registered (whose owner is notified); only invalid input, or a source over its
    /// hourly request budget, is an error.
    pub async fn sign_up(
        &self,
        form: SignUpForm<'_>,
        source: std::net::IpAddr,
    ) -> Result<(), AccountError> {
        let mut errors = Vec::new();
        let name = PersonName::parse(form.name)
            .map_err(|e| errors.push(e))
            .ok();
        let email = Email::parse(form.email).map_err(|e| errors.push(e)).ok();
        let phone = form
            .phone
            .filter(|p| !p.trim().is_empty())
            .map(Phone::parse)
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let (Some(name), Some(email)) = (name, email) else {
            return Err(AccountError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(AccountError::Invalid(errors));
        }
        let password = NewPassword::new(
            form.password,
            PersonalDetails {
                email: Some(email.as_str()),
                name: Some(name.as_str()),
            },
        )
        .map_err(AccountError::Password)?;
        self.request_budget(source).await?;
        // Hash before looking the email up, so both answers cost the same.
        let hash = self
            .with_hasher(move |hasher| hasher.hash(password.plain()))
            .await?;
        let email_bidx = self.email_index(&email);
        if self
            .store
            .accounts()
            .by_email_index(&email_bidx)
            .await?
            .is_some()
        {
            return self.notify_existing(email).await;
        }
        let id = AccountId::random();
        let now = self.clock.now();
        let cipher = self.keys.current();
        let record = AccountRecord {
            id,
            role: Role::Customer,
            status: AccountStatus::Unverified,
            email_ct: cipher.encrypt(email.as_str(), field(&id, "email")),
            email_bidx,
            name_ct: cipher.encrypt(name.as_str(), field(&id, "name")),
            phone_bidx: phone
                .as_ref()
                .map(|p| self.indexer.index(IndexPurpose::Phone, p.as_str())),
            phone_ct: phone
                .as_ref()
                .map(|p| cipher.encrypt(p.as_str(), field(&id, "phone"))),
            address_ct: None,
            city_ct: None,
            password_hash: Some(hash.as_str().to_owned()),
            data_key_version: cipher.current_version(),
            email_verified_at: None,
            created_at: now,
            updated_at: now,
        };
        match self.store.accounts().insert(&record).await {
            Ok(()) => {}
            // Lost a race with a concurrent sign-up for the same address: same answer.
            Err(StoreError::Conflict) => return self.notify_existing(email).await,
            Err(other) => return Err(other.into()),
        }
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::account_with_role(EventName::AccountCreated, id, Role::Customer),
        )
        .await?;
        self.send_verification(id, email, now).await
    }

    async fn send_verification(
        &self,
        id: AccountId,
        email: Email,
        now: Timestamp,
    ) -> Result<(), AccountError> {
        if !self.mail_budget(&email).await? {
            return Ok(());
        }
        let token = self.issue_token(id, TokenPurpose::VerifyEmail, now).await?;
        let link = format!("{}/verify-email?token={}", self.public_url, token.expose());
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "verify_email",
                to: email,
                subject: "Confirm your email address for Helio",
                body: format!(
                    "Welcome to Helio.\n\nConfirm your email address by opening this link within 24 hours:\n\n{link}\n\nIf you did not sign up, ignore this message: no account is usable without this step.\n"
                ),
            },
        )
        .await?;
        Ok(())
    }

    /// The role of an account that may sign in now, or `None` if it is unknown or not
    /// active (unverified, disabled): for logins that prove who someone is without a
    /// password, such as a passkey.
    pub async fn active_role(&self, account: AccountId) -> Result<Option<Role>, AccountError> {
        Ok(self
            .store
            .accounts()
            .by_id(account)
            .await?
            .filter(|record| record.status == AccountStatus::Active)
            .map(|record| record.role))
    }

    /// Tells the account holder about a change to how their account is protected, so a
    /// change they did not make (someone else holding their session) does not go unnoticed.
    pub async fn notify_security_change(
        &self,
        account: AccountId,
        notice: SecurityNotice,
    ) -> Result<(), AccountError> {
        let Some(record) = self.store.accounts().by_id(account).await? else {
            return Ok(());
        };
        let email = self
            .keys
            .decrypt(&record.email_ct, field(&account, "email"))
            .await
            .map_err(|_| AccountError::Unreadable)?;
        let email = Email::parse(&email).map_err(|_| AccountError::Unreadable)?;
        let (kind, subject, change) = notice.describe();
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind,
                to: email,
                subject,
                body: format!(
                    "{change}\n\nIf this was you, there is nothing to do. If it was not, reset your password at {}/forgot-password and review the passkeys on your account page.\n",
                    self.public_url
                ),
            },
        )
        .await?;
        Ok(())
    }

    async fn notify_existing(&self, email: Email) -> Result<(), AccountError> {
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::bare(EventName::SignupExistingEmail),
        )
        .await?;
        if !self.mail_budget(&email).await? {
            return Ok(());
        }
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "account_exists",
                to: email,
                subject: "Someone tried to sign up to Helio with your email address",
                body: format!(
                    "Someone (perhaps you) tried to create a Helio account with this email address, which already has one.\n\nIf it was you, log in at {}/login or reset your password there. If it was not you, you need do nothing: no second account was created.\n",
                    self.public_url
                ),
            },
        )
        .await?;
        Ok(())
    }

    /// Redeems an email-verification token. `false` for an unknown, used or expired token.
    pub async fn verify_email(&self, presented: &str) -> Result<bool, AccountError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(false);
        };
        let now = self.clock.now();
        let Some(account) = self
            .store
            .account_tokens()
            .redeem(&token.hash(), TokenPurpose::VerifyEmail, now)
            .await?
        else {
            return Ok(false);
        };
        let activated = self
            .store
            .accounts()
            .activate_verified(account, now)
            .await?;
        if activated {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::EmailVerified, account),
            )
            .await?;
        }
        Ok(activated)
    }

    /// Checks an email and password, under the brute-force rules (AU-2): a source address
    /// with too many recent failures, or an (account, source) pair in its delay or lock, is
    /// refused without checking the password. Unknown accounts cost one dummy verification; a
    /// correct password stored under old parameters is rehashed on the spot.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        source: LoginSource<'_>,
    ) -> Result<LoginOutcome, AccountError> {
        let email_index = Email::parse(email).ok().map(|e| self.email_index(&e));
        let record = match &email_index {
            Some(index) => self.store.accounts().by_email_index(index).await?,
            None => None,
        };
        let device = record.as_ref().and_then(|r| {
            source
                .device_cookie
                .and_then(|cookie| self.devices.verify(r.id, cookie))
        });
        if device.is_none() {
            self.login_budget(source.ip).await?;
        }
        let account_key = email_index.map(|index| self.account_key(&index, device.as_ref()));
        // A known device is exempt from its address's lock: it is not the stuffing source.
        let source_key = device.is_none().then(|| self.source_key(source.ip));
        if self
            .refused(source_key.as_ref(), account_key.as_ref())
            .await?
            .is_some()
        {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::bare(EventName::LoginThrottled),
            )
            .await?;
            return Ok(LoginOutcome::Failed);
        }
        let verdict = self.check_password(password, record.as_ref()).await?;
        let Some(record) = record else {
            self.count_failure(source_key.as_ref(), account_key.as_ref(), None)
                .await?;
            return Ok(LoginOutcome::Failed);
        };
        let seen = source.seen();
        if verdict == Verdict::Invalid {
            self.activity
                .record(
                    record.id,
                    ActivityKind::LoginFailed,
                    origin(source.client, &seen),
                )
                .await?;
            if self
                .count_failure(source_key.as_ref(), account_key.as_ref(), Some(&record))
                .await?
            {
                self.activity
                    .record(
                        record.id,
                        ActivityKind::LoginLocked,
                        origin(source.client, &seen),
                    )
                    .await?;
            }
            return Ok(LoginOutcome::Failed);
        }
        if let Some(key) = &account_key {
            self.store.login_throttle().clear(key).await?;
        }
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::login_succeeded(
                record.id,
                record.role,
                LoginMethod::Password,
                device.is_some(),
            ),
        )
        .await?;
        let kind = if device.is_some() {
            ActivityKind::LoginSucceeded
        } else {
            ActivityKind::LoginFromNewDevice
        };
        self.activity
            .record(record.id, kind, origin(source.client, &seen))
            .await?;
        if device.is_none() {
            self.notify_new_device(&record, origin(source.client, &seen))
                .await?;
        }
        Ok(LoginOutcome::Success(SuccessfulLogin {
            who: LoggedIn {
                account: record.id,
                role: record.role,
            },
            new_device_cookie: device.is_none().then(|| self.devices.issue(record.id)),
        }))
    }

    /// Verifies the password (or spends the same work on a dummy), rehashes when the stored
    /// parameters are old, and requires the account to be active.
    async fn check_password(
        &self,
        password: &str,
        record: Option<&AccountRecord>,
    ) -> Result<Verdict, AccountError> {
        let Some(typed) = PlainPassword::new(password) else {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::login_failed(LoginMethod::Password, "malformed", None),
            )
            .await?;
            return Ok(Verdict::Invalid);
        };
        let Some(record) = record else {
            self.with_hasher(move |hasher| hasher.verify_dummy(&typed))
                .await?;
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::login_failed(LoginMethod::Password, "unknown_account", None),
            )
            .await?;
            return Ok(Verdict::Invalid);
        };
        let Some(stored) = record.password_hash.clone().map(PasswordHash::from_stored) else {
            // No password yet (an invited staff member): spend the same work as a real check,
            // so the reply time does not reveal the invitation.
            self.with_hasher(move |hasher| hasher.verify_dummy(&typed))
                .await?;
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::login_failed(LoginMethod::Password, "no_password", Some(record.id)),
            )
            .await?;
            return Ok(Verdict::Invalid);
        };
        let (verification, rehash) = self
            .with_hasher(move |hasher| {
                let verification = hasher.verify(&typed, &stored);
                let rehash =
                    (verification == Verification::ValidNeedsRehash).then(|| hasher.hash(&typed));
                (verification, rehash)
            })
            .await?;
        let account = record.id;
        if verification == Verification::Invalid {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::login_failed(LoginMethod::Password, "wrong_password", Some(account)),
            )
            .await?;
            return Ok(Verdict::Invalid);
        }
        if let Some(fresh) = rehash {
            self.store
                .accounts()
                .set_password_hash(account, fresh.as_str(), self.clock.now())
                .await?;
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::PasswordRehashed, account),
            )
            .await?;
        }
        if record.status != AccountStatus::Active {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::login_failed(
                    LoginMethod::Password,
                    record.status.as_str(),
                    Some(account),
                ),
            )
            .await?;
            return Ok(Verdict::Invalid);
        }
        Ok(Verdict::Valid)
    }

    fn account_key(&self, email_index: &[u8; 32], device: Option<&[u8; 16]>) -> [u8; 32] {
        let mut input: String = email_index.iter().map(|b| format!("{b:02x}")).collect();
        match device {
            Some(device) => {
                input.push_str("|device:");
                input.extend(device.iter().map(|b| format!("{b:02x}")));
            }
            None => input.push_str("|untrusted"),
        }
        self.indexer.index(IndexPurpose::ThrottleAccount, &input)
    }

    fn source_key(&self, ip: std::net::IpAddr) -> [u8; 32] {
        self.indexer
            .index(IndexPurpose::ThrottleSource, &source_prefix(ip))
    }

    /// The time until which either key refuses attempts, if one does.
    async fn refused(
        &self,
        source: Option<&[u8; 32]>,
        account: Option<&[u8; 32]>,
    ) -> Result<Option<Timestamp>, AccountError> {
        let now = self.clock.now();
        for (key, policy) in [
            (source, ThrottlePolicy::SOURCE),
            (account, ThrottlePolicy::ACCOUNT),
        ] {
            let Some(key) = key else { continue };
            let counter = self
                .store
                .login_throttle()
                .get(key)
                .await?
                .map(|v| v.counter);
            match policy.decide(counter, now) {
                Decision::Allow => {}
                Decision::Wait { until } | Decision::Locked { until } => return Ok(Some(until)),
            }
        }
        Ok(None)
    }

    /// The key whose lock marks a source as stuffing credentials.
    fn stuffing_mark(&self, source: &[u8; 32]) -> [u8; 32] {
        let hex: String = source.iter().map(|b| format!("{b:02x}")).collect();
        self.indexer
            .index(IndexPurpose::ThrottleSource, &format!("stuffing|{hex}"))
    }

    /// Whether the source is marked as stuffing credentials (for a day after it was found).
    async fn stuffing_marked(&self, source: &[u8; 32]) -> Result<bool, AccountError> {
        let mark = self
            .store
            .login_throttle()
            .get(&self.stuffing_mark(source))
            .await?;
        Ok(
            ThrottlePolicy::STUFFING_MARK.decide(mark.map(|m| m.counter), self.clock.now())
                != Decision::Allow,
        )
    }

    /// Notes the account a source failed against; when the source has failed against
    /// [`STUFFING_ACCOUNTS`] different accounts within [`STUFFING_WINDOW`], it is marked (its
    /// login budget tightens from the next attempt) and a critical security event is raised,
    /// once per mark.
    async fn watch_spread(
        &self,
        source: &[u8; 32],
        account: &[u8; 32],
    ) -> Result<(), AccountError> {
        let now = self.clock.now();
        let throttle = self.store.login_throttle();
        throttle.note_spread(source, account, now).await?;
        let since = Timestamp::from_unix_micros(
            now.unix_micros()
                .saturating_sub(i64::try_from(STUFFING_WINDOW.as_micros()).unwrap_or(i64::MAX)),
        );
        let spread = throttle.spread_since(source, since).await?;
        if spread < STUFFING_ACCOUNTS || self.stuffing_marked(source).await? {
            return Ok(());
        }
        counters::count(
            &self.store,
            &self.stuffing_mark(source),
            ThrottlePolicy::STUFFING_MARK,
            now,
        )
        .await?;
        security_log::record(
            &self.store,
            now,
            SecurityEvent::bare(EventName::CredentialStuffingSuspected).counting(spread),
        )
        .await?;
        Ok(())
    }

    /// Counts a failed attempt against its source and its (account, source) pair, and
    /// watches the source's spread over accounts; `true` when this failure locked the pair.
    async fn count_failure(
        &self,
        source: Option<&[u8; 32]>,
        account: Option<&[u8; 32]>,
        owner: Option<&AccountRecord>,
    ) -> Result<bool, AccountError> {
        if let (Some(source), Some(account)) = (source, account) {
            self.watch_spread(source, account).await?;
        }
        if let Some(key) = source
            && self.record_failure(key, ThrottlePolicy::SOURCE).await?
        {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::bare(EventName::SourceLocked),
            )
            .await?;
        }
        if let Some(key) = account
            && self.record_failure(key, ThrottlePolicy::ACCOUNT).await?
        {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::account_source_locked(owner.map(|o| o.id)),
            )
            .await?;
            if let Some(owner) = owner {
                self.notify_locked(owner).await?;
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// Counts one message to `email` against its hourly budget; `false` when the budget is
    /// spent and the message must be dropped (the caller's answer stays the same).
    async fn mail_budget(&self, email: &Email) -> Result<bool, AccountError> {
        let index = self.email_index(email);
        let hex: String = index.iter().map(|b| format!("{b:02x}")).collect();
        let key = self
            .indexer
            .index(IndexPurpose::ThrottleAccount, &format!("mail|{hex}"));
        let allowed =
            counters::spend(&self.store, &key, ThrottlePolicy::MAIL, self.clock.now()).await?;
        if !allowed {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::budget_spent(Budget::Mail, None),
            )
            .await?;
        }
        Ok(allowed)
    }

    /// Tells the owner that logins from unrecognised devices are paused (once per lock).
    async fn notify_locked(&self, owner: &AccountRecord) -> Result<(), AccountError> {
        let email = self
            .keys
            .decrypt(&owner.email_ct, field(&owner.id, "email"))
            .await
            .map_err(|_| AccountError::Unreadable)?;
        let email = Email::parse(&email).map_err(|_| AccountError::Unreadable)?;
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "account_locked",
                to: email,
                subject: "Logins to your Helio account were paused",
                body: format!(
                    "There were many failed attempts to log in to your Helio account, so we paused logins from unrecognised devices for 15 minutes. Devices you have logged in from before are not affected.\n\nIf this was not you, someone may be guessing your password: once you are logged in, consider changing it. You can also reset it at {}/login.\n",
                    self.public_url
                ),
            },
        )
        .await?;
        Ok(())
    }

    /// Adds one failure to a key; `true` when it locked the key.
    async fn record_failure(
        &self,
        key: &[u8; 32],
        policy: ThrottlePolicy,
    ) -> Result<bool, AccountError> {
        Ok(counters::count(&self.store, key, policy, self.clock.now()).await?)
    }

    /// A new 30-minute reset link for `account`; every earlier one is voided.
    async fn fresh_reset_link(&self, account: AccountId) -> Result<String, AccountError> {
        let now = self.clock.now();
        self.store
            .account_tokens()
            .void_all(account, TokenPurpose::ResetPassword, now)
            .await?;
        let token = self
            .issue_token(account, TokenPurpose::ResetPassword, now)
            .await?;
        Ok(format!(
            "{}/reset-password?token={}",
            self.public_url,
            token.expose()
        ))
    }

    /// The Argon2id hash of `typed` if it passes the password policy for this person.
    async fn hash_new_password(
        &self,
        typed: &str,
        person: &Profile,
    ) -> Result<PasswordHash, AccountError> {
        let password = NewPassword::new(
            typed,
            PersonalDetails {
                email: Some(&person.email),
                name: Some(&person.name),
            },
        )
        .map_err(AccountError::Password)?;
        self.with_hasher(move |hasher| hasher.hash(password.plain()))
            .await
    }

    /// Starts a password reset. Answers the same whatever the address (AU-4): only an
    /// existing account gets a link, valid 30 minutes, and every older link is voided.
    pub async fn request_reset(
        &self,
        email: &str,
        source: std::net::IpAddr,
    ) -> Result<(), AccountError> {
        self.request_budget(source).await?;
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let Some(record) = self
            .store
            .accounts()
            .by_email_index(&self.email_index(&email))
            .await?
        else {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::bare(EventName::PasswordResetRequested).because("unknown_account"),
            )
            .await?;
            return Ok(());
        };
        if record.status == AccountStatus::Disabled {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::PasswordResetRequested, record.id)
                    .because("disabled"),
            )
            .await?;
            return Ok(());
        }
        if !self.mail_budget(&email).await? {
            return Ok(());
        }
        let link = self.fresh_reset_link(record.id).await?;
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "reset_password",
                to: email,
                subject: "Reset your Helio password",
                body: format!(
                    "Someone (we hope you) asked to reset the password of your Helio account.\n\nChoose a new password with this link within 30 minutes:\n\n{link}\n\nIf you did not ask, ignore this message: your password stays as it is.\n"
                ),
            },
        )
        .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::PasswordResetRequested, record.id),
        )
        .await?;
        Ok(())
    }

    /// Completes a reset: the new password must pass the policy before the link is spent;
    /// then the link is used up, every session of the account ends, every other reset link is
    /// voided, the address counts as proved, and the owner is told.
    pub async fn complete_reset(
        &self,
        presented: &str,
        new_password: &str,
    ) -> Result<ResetOutcome, AccountError> {
        self.set_password_with_link(presented, new_password, TokenPurpose::ResetPassword)
            .await
    }

    /// Completes a staff invitation: the first password, chosen through the one-time link
    /// `helio staff create` printed. Same rules as a reset.
    pub async fn accept_invite(
        &self,
        presented: &str,
        new_password: &str,
    ) -> Result<ResetOutcome, AccountError> {
        self.set_password_with_link(presented, new_password, TokenPurpose::Invite)
            .await
    }

    async fn set_password_with_link(
        &self,
        presented: &str,
        new_password: &str,
        purpose: TokenPurpose,
    ) -> Result<ResetOutcome, AccountError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(ResetOutcome::InvalidLink);
        };
        let now = self.clock.now();
        let tokens = self.store.account_tokens();
        let Some(account) = tokens.peek(&token.hash(), purpose, now).await? else {
            return Ok(ResetOutcome::InvalidLink);
        };
        let Some(profile) = self.profile(account).await? else {
            return Ok(ResetOutcome::InvalidLink);
        };
        // The policy is checked (and the hash made) before the link is spent, so a refused
        // password leaves the link usable.
        let hash = self.hash_new_password(new_password, &profile).await?;
        if tokens.redeem(&token.hash(), purpose, now).await? != Some(account) {
            return Ok(ResetOutcome::InvalidLink);
        }
        let accounts = self.store.accounts();
        accounts
            .set_password_hash(account, hash.as_str(), now)
            .await?;
        accounts.confirm_email(account, now).await?;
        tokens.void_all(account, purpose, now).await?;
        let ended = self
            .store
            .sessions()
            .end_all(account, EndReason::PasswordReset.as_str(), now)
            .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::PasswordReset, account)
                .because(purpose.as_str())
                .counting(ended),
        )
        .await?;
        self.activity
            .record(
                account,
                ActivityKind::PasswordReset,
                ActivityOrigin::default(),
            )
            .await?;
        let email = Email::parse(&profile.email).map_err(|_| AccountError::Unreadable)?;
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "password_changed",
                to: email,
                subject: "Your Helio password was changed",
                body: format!(
                    "The password of your Helio account was just reset, and every device was signed out.\n\nIf this was not you, reset it again at {}/forgot-password at once and contact support.\n",
                    self.public_url
                ),
            },
        )
        .await?;
        Ok(ResetOutcome::Done)
    }

    /// Creates a staff account with no password and returns it with its one-time invitation
    /// link (72 hours), which the holder uses to set a password. There is no default
    /// credential. Asked again for an invitation not yet accepted, it issues a fresh link
    /// and voids the earlier one.
    pub async fn create_staff(
        &self,
        email: &str,
        name: &str,
        role: Role,
    ) -> Result<(AccountId, String), AccountError> {
        let mut errors = Vec::new();
        if !role.is_staff() {
            errors.push(FieldError {
                field: "role",
                message: "Staff roles are support, sales, engineer and admin.",
            });
        }
        let (id, token) = self.invite(email, name, role, None, errors).await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::account_with_role(EventName::StaffInvitationIssued, id, role),
        )
        .await?;
        Ok((
            id,
            format!("{}/welcome?token={}", self.public_url, token.expose()),
        ))
    }

    /// Whether an account is registered under `email` (the demo's "seeded before" check).
    pub async fn exists(&self, email: &str) -> Result<bool, AccountError> {
        let Ok(email) = Email::parse(email) else {
            return Ok(false);
        };
        Ok(self
            .store
            .accounts()
            .by_email_index(&self.email_index(&email))
            .await?
            .is_some())
    }

    /// Creates an account of `role` (an installer in `crew`) whose invitation is at once
    /// accepted with `password`, through the same checks as a real acceptance (password
    /// policy, hashing, email confirmed). Only the dev-mode demo calls it: its caller refuses
    /// production, because the password is printed.
    pub async fn create_accepted_for_demo(
        &self,
        email: &str,
        name: &str,
        role: Role,
        crew: Option<CrewId>,
        password: &str,
    ) -> Result<AccountId, AccountError> {
        let (id, token) = self.invite(email, name, role, crew, Vec::new()).await?;
        match self.accept_invite(token.expose(), password).await? {
            ResetOutcome::Done => Ok(id),
            ResetOutcome::InvalidLink => Err(AccountError::Unreadable),
        }
    }

    /// Invites a staff member from the admin pages: as [`Self::create_staff`], but the link
    /// goes to the invitee's mailbox, so the admin who invites never holds it.
    pub async fn invite_staff(
        &self,
        email: &str,
        name: &str,
        role: Role,
    ) -> Result<AccountId, AccountError> {
        let (id, link) = self.create_staff(email, name, role).await?;
        let to = Email::parse(email).map_err(|_| AccountError::Unreadable)?;
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "staff_invitation",
                to,
                subject: "You are invited to Helio's back office",
                body: format!(
                    "An administrator invited you to Helio as {role}.\n\nChoose your password here (the link works once, for 72 hours):\n{link}\n\nAt your first login you will also set up two-step verification (an authenticator app or a passkey).\n"
                ),
            },
        )
        .await?;
        Ok(id)
    }

    /// Invites an installer as a member of `crew`: the account is created with no password,
    /// in the crew, and the invitation link goes to the installer's mailbox (never to the
    /// person who invited them). Returns the new account's ID.
    pub async fn invite_installer(
        &self,
        email: &str,
        name: &str,
        crew: CrewId,
    ) -> Result<AccountId, AccountError> {
        let mut errors = Vec::new();
        let found = self.store.partners().crew(crew).await?;
        if found.is_none() {
            errors.push(FieldError {
                field: "crew",
                message: "There is no crew with this ID.",
            });
        }
        let (id, token) = self
            .invite(email, name, Role::Installer, Some(crew), errors)
            .await?;
        let crew = found.ok_or(AccountError::Unreadable)?;
        let to = Email::parse(email).map_err(|_| AccountError::Unreadable)?;
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "installer_invitation",
                to,
                subject: "You are invited to Helio",
                body: format!(
                    "{} added you to its crew \"{}\" on Helio, where you will receive installation jobs.\n\nChoose your password here (the link works once, for 72 hours):\n{}/welcome?token={}\n\nAt your first login you will also set up two-step verification (an authenticator app or a passkey).\n",
                    crew.company_name,
                    crew.name,
                    self.public_url,
                    token.expose()
                ),
            },
        )
        .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::account_with_role(EventName::InstallerInvited, id, Role::Installer),
        )
        .await?;
        Ok(id)
    }

    /// Creates an account with no password for an invited person (in `crew`, for an
    /// installer) and issues its invitation token. `errors` holds the caller's own findings,
    /// reported together with the email and name checks.
    async fn invite(
        &self,
        email: &str,
        name: &str,
        role: Role,
        crew: Option<CrewId>,
        mut errors: Vec<FieldError>,
    ) -> Result<(AccountId, SecretToken), AccountError> {
        let email = Email::parse(email).map_err(|e| errors.push(e)).ok();
        let name = PersonName::parse(name).map_err(|e| errors.push(e)).ok();
        let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
            return Err(AccountError::Invalid(errors));
        };
        let id = AccountId::random();
        let now = self.clock.now();
        let cipher = self.keys.current();
        let record = AccountRecord {
            id,
            role,
            status: AccountStatus::Unverified,
            email_ct: cipher.encrypt(email.as_str(), field(&id, "email")),
            email_bidx: self.email_index(&email),
            name_ct: cipher.encrypt(name.as_str(), field(&id, "name")),
            phone_ct: None,
            phone_bidx: None,
            address_ct: None,
            city_ct: None,
            password_hash: None,
            data_key_version: cipher.current_version(),
            email_verified_at: None,
            created_at: now,
            updated_at: now,
        };
        let inserted = match crew {
            Some(crew) => {
                self.store
                    .partners()
                    .insert_installer(&record, crew, now)
                    .await
            }
            None => self.store.accounts().insert(&record).await,
        };
        let id = match inserted {
            Ok(()) => id,
            Err(StoreError::Conflict) => self.pending_invitation(&record, crew).await?,
            Err(other) => return Err(other.into()),
        };
        // A repeated invitation voids the earlier link: only the newest one works.
        self.store
            .account_tokens()
            .void_all(id, TokenPurpose::Invite, now)
            .await?;
        let token = self.issue_token(id, TokenPurpose::Invite, now).await?;
        Ok((id, token))
    }

    /// The account an earlier, unaccepted invitation created for the same address, role and
    /// crew, so that inviting again sends a fresh link (the old one may have expired or been
    /// lost). Any other account at the address is a refusal: an invitation never touches an
    /// account that is in use.
    async fn pending_invitation(
        &self,
        wanted: &AccountRecord,
        crew: Option<CrewId>,
    ) -> Result<AccountId, AccountError> {
        let exists = || {
            AccountError::Invalid(vec![FieldError {
                field: "email",
                message: "An account with this email address exists already.",
            }])
        };
        let Some(existing) = self
            .store
            .accounts()
            .by_email_index(&wanted.email_bidx)
            .await?
        else {
            return Err(exists());
        };
        let unaccepted = existing.role == wanted.role
            && existing.status == AccountStatus::Unverified
            && existing.password_hash.is_none();
        let same_crew = match crew {
            Some(crew) => self
                .store
                .partners()
                .crew_of(existing.id)
                .await?
                .is_some_and(|member| member.id == crew),
            None => true,
        };
        if unaccepted && same_crew {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::InvitationRenewed, existing.id),
            )
            .await?;
            Ok(existing.id)
        } else {
            Err(exists())
        }
    }

    /// The account's name and email, decrypted, for its own account page.
    pub async fn profile(&self, id: AccountId) -> Result<Option<Profile>, AccountError> {
        let Some(record) = self.store.accounts().by_id(id).await? else {
            return Ok(None);
        };
        let name = self
            .keys
            .decrypt(&record.name_ct, field(&id, "name"))
            .await
            .map_err(|_| AccountError::Unreadable)?;
        let email = self
            .keys
            .decrypt(&record.email_ct, field(&id, "email"))
            .await
            .map_err(|_| AccountError::Unreadable)?;
        let crew = if record.role == Role::Installer {
            self.store.partners().crew_of(id).await?
        } else {
            None
        };
        Ok(Some(Profile {
            name: name.to_string(),
            email: email.to_string(),
            role: record.role,
            crew,
        }))
    }
}

/// A change to an account's protection that its holder is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityNotice {
    /// A passkey was added.
    PasskeyAdded,
    /// A passkey was removed.
    PasskeyRemoved,
    /// An authenticator app was set up.
    AuthenticatorAppAdded,
    /// The authenticator app was removed.
    AuthenticatorAppRemoved,
    /// New recovery codes replaced the old ones.
    RecoveryCodesReplaced,
    /// The owner changed the password.
    PasswordChanged,
}

impl SecurityNotice {
    /// Mail kind (for logs), subject and the sentence saying what happened.
    const fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::PasskeyAdded => (
                "passkey_added",
                "A passkey was added to your Helio account",
                "A passkey was just added to your Helio account. It can now be used to log in.",
            ),
            Self::PasswordChanged => (
                "password_changed",
                "Your Helio password was changed",
                "The password of your Helio account was just changed from your account page, and every device was signed out.",
            ),
            Self::AuthenticatorAppAdded => (
                "authenticator_app_added",
                "An authenticator app was set up for your Helio account",
                "An authenticator app was just set up for two-step verification on your Helio account.",
            ),
            Self::AuthenticatorAppRemoved => (
                "authenticator_app_removed",
                "The authenticator app was removed from your Helio account",
                "The authenticator app was just removed from your Helio account; its codes no longer work.",
            ),
            Self::RecoveryCodesReplaced => (
                "recovery_codes_replaced",
                "New recovery codes for your Helio account",
                "New recovery codes were just made for your Helio account; the old ones no longer work.",
            ),
            Self::PasskeyRemoved => (
                "passkey_removed",
                "A passkey was removed from your Helio account",
                "A passkey was just removed from your Helio account. It can no longer be used to log in.",
            ),
        }
    }
}

/// How a password reset ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetOutcome {
    /// The password is changed.
    Done,
    /// The link is wrong, used, expired or voided.
    InvalidLink,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid,
}

/// What the account holder sees about themselves (IN-4: no hashes, indexes or key versions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Their name.
    pub name: String,
    /// Their email address.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// For an installer, their crew and its company.
    pub crew: Option<CrewRecord>,
}
