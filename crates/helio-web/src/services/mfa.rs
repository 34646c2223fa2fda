//! Second factors (AU-1, AU-3): TOTP enrolment with a QR code, verification with replay
//! refused, and ten single-use recovery codes. Guesses are throttled like passwords.

use std::sync::Arc;

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::crypto::blind_index::{BlindIndexer, IndexPurpose};
use helio_core::crypto::field::FieldContext;
use helio_core::mfa::{RecoveryCode, TotpSecret};
use helio_core::security_event::{EventName, Factor, SecurityEvent};
use helio_core::throttle::{Decision, ThrottlePolicy};
use helio_core::time::{Clock, Timestamp};
use helio_store::{ActivityOrigin, Store, StoreError};

use super::activity::Activity;
use super::counters::{self, CounterError};
use super::keyring::Keyring;
use super::security_log;

/// Why a second-factor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// The stored secret did not decrypt.
    #[error("stored second factor is unreadable")]
    Unreadable,
    /// A working factor exists already.
    #[error("a second factor is already set up")]
    AlreadyEnrolled,
    /// Too many concurrent attempts on one account; try again.
    #[error("second-factor attempts are contended")]
    Contended,
}

/// What a person needs to add Helio to an authenticator app.
#[derive(Debug)]
pub struct Enrolment {
    /// `otpauth://` URI, shown as a QR code.
    pub uri: String,
    /// The secret in base32, for typing by hand.
    pub secret_base32: String,
}

/// Which second factors an account has working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Factors {
    /// An authenticator app (TOTP), confirmed.
    pub totp: bool,
    /// How many passkeys.
    pub passkeys: u32,
}

impl Factors {
    /// Whether there is any second factor.
    #[must_use]
    pub fn any(self) -> bool {
        self.totp || self.passkeys > 0
    }
}

/// Second-factor operations.
#[derive(Debug, Clone)]
pub struct MfaService {
    store: Store,
    keys: Arc<Keyring>,
    indexer: Arc<BlindIndexer>,
    clock: Arc<dyn Clock>,
    activity: Activity,
}

fn secret_field(account: &AccountId) -> FieldContext<'_> {
    FieldContext {
        table: "mfa_totp",
        column: "secret",
        row: account.as_bytes(),
    }
}

impl MfaService {
    /// The service over its dependencies.
    #[must_use]
    pub fn new(
        store: Store,
        keys: Arc<Keyring>,
        indexer: Arc<BlindIndexer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            activity: Activity::new(store.clone(), Arc::clone(&clock)),
            store,
            keys,
            indexer,
            clock,
        }
    }

    /// The account's working second factors.
    pub async fn factors(&self, account: AccountId) -> Result<Factors, MfaError> {
        Ok(Factors {
            totp: self
                .store
                .mfa()
                .totp(account)
                .await?
                .is_some_and(|t| t.confirmed_at.is_some()),
            passkeys: self.store.passkeys().count(account).await?,
        })
    }

    /// Whether the account has a working second factor (an app or a passkey).
    pub async fn is_enrolled(&self, account: AccountId) -> Result<bool, MfaError> {
        Ok(self.factors(account).await?.any())
    }

    /// Removes the account's authenticator app; `false` if it had none. The caller decides
    /// whether the account may lose it.
    pub async fn remove_totp(&self, account: AccountId) -> Result<bool, MfaError> {
        let removed = self.store.mfa().remove_totp(account).await?;
        if removed {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::MfaRemoved, account).with_factor(Factor::Totp),
            )
            .await?;
            self.activity
                .record(
                    account,
                    ActivityKind::AuthenticatorRemoved,
                    ActivityOrigin::default(),
                )
                .await?;
            self.forget_codes_without_factor(account).await?;
        }
        Ok(removed)
    }

    /// Deletes the recovery codes of an account left with no second factor: they stand in
    /// for a factor, so with none they would be a way in of their own.
    pub async fn forget_codes_without_factor(&self, account: AccountId) -> Result<(), MfaError> {
        if !self.factors(account).await?.any() {
            self.store.mfa().delete_recovery_codes(account).await?;
        }
        Ok(())
    }

    /// Ten new recovery codes, replacing any old ones; only their keyed hashes are stored.
    async fn issue_recovery_codes(
        &self,
        account: AccountId,
        now: Timestamp,
    ) -> Result<Vec<RecoveryCode>, MfaError> {
        let codes = RecoveryCode::generate_set();
        let hashes: Vec<[u8; 32]> = codes
            .iter()
            .filter_map(|c| RecoveryCode::normalise(c.expose()))
            .map(|n| self.indexer.index(IndexPurpose::RecoveryCode, &n))
            .collect();
        self.store
            .mfa()
            .replace_recovery_codes(account, &hashes, now)
            .await?;
        Ok(codes)
    }

    /// How many unused recovery codes the account has.
    pub async fn recovery_codes_left(&self, account: AccountId) -> Result<u32, MfaError> {
        Ok(self.store.mfa().recovery_codes_left(account).await?)
    }

    /// Ten new recovery codes replacing every old one (used up, lost or seen by someone
    /// else); `None` for an account without a second factor, for which codes mean nothing.
    pub async fn replace_recovery_codes(
        &self,
        account: AccountId,
    ) -> Result<Option<Vec<RecoveryCode>>, MfaError> {
        if !self.factors(account).await?.any() {
            return Ok(None);
        }
        let codes = self.issue_recovery_codes(account, self.clock.now()).await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::RecoveryCodesReplaced, account),
        )
        .await?;
        self.activity
            .record(
                account,
                ActivityKind::RecoveryCodesReplaced,
                ActivityOrigin::default(),
            )
            .await?;
        Ok(Some(codes))
    }

    /// Recovery codes for an account that just got its first second factor other than an
    /// app (a passkey), so losing that device does not lock the person out; `None` when
    /// unused codes exist already.
    pub async fn recovery_codes_if_none(
        &self,
        account: AccountId,
    ) -> Result<Option<Vec<RecoveryCode>>, MfaError> {
        if self.store.mfa().recovery_codes_left(account).await? > 0 {
            return Ok(None);
        }
        Ok(Some(
            self.issue_recovery_codes(account, self.clock.now()).await?,
        ))
    }

    /// Starts enrolment, or shows the unfinished one again (so a mistyped code does not mean
    /// scanning a new QR code).
    pub async fn begin(&self, account: AccountId, label: &str) -> Result<Enrolment, MfaError> {
        if let Some((secret, _, confirmed)) = self.secret(account).await? {
            if confirmed {
                return Err(MfaError::AlreadyEnrolled);
            }
            return Ok(Enrolment {
                uri: secret
                    .provisioning_uri(label)
                    .map_err(|_| MfaError::Unreadable)?,
                secret_base32: secret.base32().map_err(|_| MfaError::Unreadable)?,
            });
        }
        let secret = TotpSecret::generate();
        let cipher = self.keys.current();
        let sealed = cipher.encrypt_bytes(secret.expose(), secret_field(&account));
        self.store
            .mfa()
            .start_totp(account, &sealed, cipher.current_version(), self.clock.now())
            .await
            .map_err(|error| match error {
                StoreError::Conflict => MfaError::AlreadyEnrolled,
                other => other.into(),
            })?;
        Ok(Enrolment {
            uri: secret
                .provisioning_uri(label)
                .map_err(|_| MfaError::Unreadable)?,
            secret_base32: secret.base32().map_err(|_| MfaError::Unreadable)?,
        })
    }

    async fn secret(
        &self,
        account: AccountId,
    ) -> Result<Option<(TotpSecret, Option<u64>, bool)>, MfaError> {
        let Some(stored) = self.store.mfa().totp(account).await? else {
            return Ok(None);
        };
        let bytes = self
            .keys
            .decrypt_bytes(&stored.secret_ct, secret_field(&account))
            .await
            .map_err(|_| MfaError::Unreadable)?;
        let secret = TotpSecret::from_bytes(&bytes).map_err(|_| MfaError::Unreadable)?;
        Ok(Some((
            secret,
            stored.last_step,
            stored.confirmed_at.is_some(),
        )))
    }

    /// Finishes enrolment with a code from the app; returns the ten recovery codes to show
    /// once, or `None` when the code is wrong.
    pub async fn confirm(
        &self,
        account: AccountId,
        code: &str,
    ) -> Result<Option<Vec<RecoveryCode>>, MfaError> {
        let now = self.clock.now();
        let Some((secret, last, confirmed)) = self.secret(account).await? else {
            return Ok(None);
        };
        if confirmed {
            return Err(MfaError::AlreadyEnrolled);
        }
        let Some(step) = secret.check(code, now, last) else {
            return Ok(None);
        };
        if !self.store.mfa().use_step(account, step, true, now).await? {
            return Ok(None);
        }
        let codes = self.issue_recovery_codes(account, now).await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::MfaEnrolled, account).with_factor(Factor::Totp),
        )
        .await?;
        self.activity
            .record(
                account,
                ActivityKind::AuthenticatorAdded,
                ActivityOrigin::default(),
            )
            .await?;
        Ok(Some(codes))
    }

    /// Checks a TOTP code or a recovery code for an enrolled account. Each TOTP step and each
    /// recovery code works once; guesses count towards a lock like password failures.
    pub async fn verify(&self, account: AccountId, typed: &str) -> Result<bool, MfaError> {
        let now = self.clock.now();
        let key = self
            .indexer
            .index(IndexPurpose::ThrottleAccount, &format!("mfa|{account}"));
        let counter = self.store.login_throttle().get(&key).await?;
        if ThrottlePolicy::ACCOUNT.decide(counter.map(|c| c.counter), now) != Decision::Allow {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::MfaThrottled, account),
            )
            .await?;
            return Ok(false);
        }
        let Some((secret, last, true)) = self.secret(account).await? else {
            return Ok(false);
        };
        let ok = match secret.check(typed, now, last) {
            Some(step) => self.store.mfa().use_step(account, step, false, now).await?,
            None => match RecoveryCode::normalise(typed) {
                Some(normal) => {
                    let hash = self.indexer.index(IndexPurpose::RecoveryCode, &normal);
                    let used = self
                        .store
                        .mfa()
                        .use_recovery_code(account, &hash, now)
                        .await?;
                    if used {
                        security_log::record(
                            &self.store,
                            self.clock.now(),
                            SecurityEvent::about(EventName::RecoveryCodeUsed, account)
                                .with_factor(Factor::RecoveryCode),
                        )
                        .await?;
                        self.activity
                            .record(
                                account,
                                ActivityKind::RecoveryCodeUsed,
                                ActivityOrigin::default(),
                            )
                            .await?;
                    }
                    used
                }
                None => false,
            },
        };
        if ok {
            self.store.login_throttle().clear(&key).await?;
        } else {
            let locked = counters::count(&self.store, &key, ThrottlePolicy::ACCOUNT, now)
                .await
                .map_err(|error| match error {
                    CounterError::Store(error) => MfaError::Store(error),
                    CounterError::Contended => MfaError::Contended,
                })?;
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::mfa_failed(account, Factor::Totp, locked),
            )
            .await?;
            self.activity
                .record(
                    account,
                    ActivityKind::SecondFactorFailed,
                    ActivityOrigin::default(),
                )
                .await?;
        }
        Ok(ok)
    }
}
