//! Passkeys (AU-1): WebAuthn credentials as a second factor after the password, or alone for
//! passwordless login, registered from the account page.
//!
//! A passkey proves possession of a private key held by the person's device, unlocked by the
//! device's own biometric or PIN (user verification is required), so one passkey use counts as
//! a multi-factor login. Ceremony state stays on the server: the browser gets only an opaque
//! 256-bit ceremony ID, whose hash finds the state, once, for five minutes.

use std::sync::Arc;
use std::time::Duration;

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::crypto::blind_index::BlindIndexer;
use helio_core::crypto::random_bytes;
use helio_core::crypto::token::SecretToken;
use helio_core::id::{handle_hex as hex, parse_handle as parse_hex_id};
use helio_core::security_event::{EventName, Factor, LoginMethod, SecurityEvent};
use helio_core::throttle::ThrottlePolicy;
use helio_core::time::{Clock, Timestamp};
use helio_store::{ActivityOrigin, CeremonyPurpose, NewPasskey, Store, StoreError, StoredPasskey};
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::activity::Activity;
use super::counters::{self, CounterError};
use super::security_log;

/// How long a started ceremony may wait for the authenticator's answer.
const CEREMONY_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Why a passkey operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// The public URL cannot be a WebAuthn relying party (it must name a domain).
    #[error("the public URL cannot be used for passkeys: it must name a domain, not an address")]
    Configuration,
    /// A stored credential or ceremony did not deserialise.
    #[error("stored passkey data is unreadable")]
    Unreadable,
    /// The source asked for too many passwordless-login challenges.
    #[error("too many passkey challenges from this source")]
    TooMany,
    /// Other writers kept changing the budget counter; try again.
    #[error("the challenge budget is contended")]
    Contended,
    /// The ceremony is unknown, used, expired or someone else's, or the authenticator's
    /// answer did not verify.
    #[error("the passkey response was refused")]
    Refused,
    /// The authenticator is registered already.
    #[error("this passkey is registered already")]
    Duplicate,
}

impl From<CounterError> for PasskeyError {
    fn from(error: CounterError) -> Self {
        match error {
            CounterError::Store(error) => Self::Store(error),
            CounterError::Contended => Self::Contended,
        }
    }
}

/// A started ceremony: the ID the browser sends back, and the options for
/// `navigator.credentials`.
#[derive(Debug)]
pub struct Started<T> {
    /// Opaque, single-use ceremony ID.
    pub ceremony: SecretToken,
    /// What the browser passes to the WebAuthn API.
    pub options: T,
}

/// A passkey as the account page lists it: no key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeySummary {
    /// Helio's ID, hex, for the remove button.
    pub id: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it last signed in.
    pub last_used_at: Option<Timestamp>,
}

/// Passkey registration and verification.
#[derive(Debug, Clone)]
pub struct Passkeys {
    store: Store,
    webauthn: Arc<Webauthn>,
    indexer: Arc<BlindIndexer>,
    clock: Arc<dyn Clock>,
    activity: Activity,
}

fn credential_hash(credential_id: &[u8]) -> [u8; 32] {
    Sha256::digest(credential_id).into()
}

impl Passkeys {
    /// The service for the site at `public_url`, whose host becomes the relying-party ID that
    /// every passkey is bound to (so a phishing site on another domain cannot use one).
    pub fn new(
        store: Store,
        public_url: &str,
        indexer: Arc<BlindIndexer>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, PasskeyError> {
        let origin = Url::parse(public_url).map_err(|_| PasskeyError::Configuration)?;
        let rp_id = origin.domain().ok_or(PasskeyError::Configuration)?;
        let webauthn = WebauthnBuilder::new(rp_id, &origin)
            .map_err(|_| PasskeyError::Configuration)?
            .rp_name("Helio")
            .timeout(CEREMONY_LIFETIME)
            .build()
            .map_err(|_| PasskeyError::Configuration)?;
        Ok(Self {
            activity: Activity::new(store.clone(), Arc::clone(&clock)),
            store,
            webauthn: Arc::new(webauthn),
            indexer,
            clock,
        })
    }

    async fn passkeys_of(
        &self,
        account: AccountId,
    ) -> Result<Vec<(StoredPasskey, Passkey)>, PasskeyError> {
        self.store
            .passkeys()
            .of_account(account)
            .await?
            .into_iter()
            .map(|stored| {
                let passkey = serde_json::from_str(&stored.credential)
                    .map_err(|_| PasskeyError::Unreadable)?;
                Ok((stored, passkey))
            })
            .collect()
    }

    async fn keep<S: serde::Serialize>(
        &self,
        purpose: CeremonyPurpose,
        account: Option<AccountId>,
        state: &S,
    ) -> Result<SecretToken, PasskeyError> {
        let ceremony = SecretToken::generate();
        let state = serde_json::to_string(state).map_err(|_| PasskeyError::Unreadable)?;
        let now = self.clock.now();
        self.store
            .passkeys()
            .start_ceremony(
                &ceremony.hash(),
                purpose,
                account,
                &state,
                now,
                now.saturating_add(CEREMONY_LIFETIME),
            )
            .await?;
        Ok(ceremony)
    }

    /// Takes the ceremony `presented` names if it is live, of `purpose`, and (when `account`
    /// is given) that account's.
    async fn take<S: serde::de::DeserializeOwned>(
        &self,
        presented: &str,
        purpose: CeremonyPurpose,
        account: Option<AccountId>,
    ) -> Result<S, PasskeyError> {
        let ceremony = SecretToken::parse(presented).ok_or(PasskeyError::Refused)?;
        let taken = self
            .store
            .passkeys()
            .take_ceremony(&ceremony.hash(), purpose, self.clock.now())
            .await?
            .ok_or(PasskeyError::Refused)?;
        if taken.account != account {
            return Err(PasskeyError::Refused);
        }
        serde_json::from_str(&taken.state).map_err(|_| PasskeyError::Unreadable)
    }

    /// Saves the signature counter after a use. A counter that went backwards means a cloned
    /// authenticator; the library refuses that before we get here.
    async fn record_use(
        &self,
        stored: &StoredPasskey,
        mut passkey: Passkey,
        result: &webauthn_rs::prelude::AuthenticationResult,
    ) -> Result<(), PasskeyError> {
        passkey.update_credential(result);
        let credential = serde_json::to_string(&passkey).map_err(|_| PasskeyError::Unreadable)?;
        self.store
            .passkeys()
            .record_use(&stored.id, &credential, self.clock.now())
            .await?;
        Ok(())
    }

    /// The account's passkeys, for its owner.
    pub async fn list(&self, account: AccountId) -> Result<Vec<PasskeySummary>, PasskeyError> {
        Ok(self
            .store
            .passkeys()
            .of_account(account)
            .await?
            .into_iter()
            .map(|stored| PasskeySummary {
                id: hex(&stored.id),
                created_at: stored.created_at,
                last_used_at: stored.last_used_at,
            })
            .collect())
    }

    /// How many passkeys the account has.
    pub async fn count(&self, account: AccountId) -> Result<u32, PasskeyError> {
        Ok(self.store.passkeys().count(account).await?)
    }

    /// Starts adding a passkey. The authenticator is asked to keep it as a discoverable
    /// credential when it can, so it also works for passwordless login; ones already
    /// registered are excluded, so one device is not registered twice.
    pub async fn begin_registration(
        &self,
        account: AccountId,
        email: &str,
        name: &str,
    ) -> Result<Started<CreationChallengeResponse>, PasskeyError> {
        let handle = match self.store.passkeys().user_handle(account).await? {
            Some(handle) => Uuid::from_bytes(handle),
            None => Uuid::from_bytes(random_bytes()),
        };
        let existing = self
            .passkeys_of(account)
            .await?
            .into_iter()
            .map(|(_, passkey)| passkey.cred_id().clone())
            .collect::<Vec<_>>();
        let (mut options, state) = self
            .webauthn
            .start_passkey_registration(handle, email, name, Some(existing))
            .map_err(|_| PasskeyError::Configuration)?;
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Preferred);
        }
        let ceremony = self
            .keep(CeremonyPurpose::Register, Some(account), &(handle, state))
            .await?;
        Ok(Started { ceremony, options })
    }

    /// Finishes adding a passkey with the authenticator's answer.
    pub async fn finish_registration(
        &self,
        account: AccountId,
        ceremony: &str,
        response: &RegisterPublicKeyCredential,
    ) -> Result<(), PasskeyError> {
        let (handle, state): (Uuid, PasskeyRegistration) = self
            .take(ceremony, CeremonyPurpose::Register, Some(account))
            .await?;
        let passkey = match self.webauthn.finish_passkey_registration(response, &state) {
            Ok(passkey) => passkey,
            Err(error) => {
                tracing::debug!(target: "helio::passkeys", %error, "passkey registration refused by the ceremony");
                security_log::record(
                    &self.store,
                    self.clock.now(),
                    SecurityEvent::about(EventName::PasskeyRegistrationRefused, account),
                )
                .await?;
                return Err(PasskeyError::Refused);
            }
        };
        let credential = serde_json::to_string(&passkey).map_err(|_| PasskeyError::Unreadable)?;
        self.store
            .passkeys()
            .insert(NewPasskey {
                id: random_bytes(),
                account,
                user_handle: *handle.as_bytes(),
                credential_hash: credential_hash(passkey.cred_id().as_ref()),
                credential: &credential,
                created_at: self.clock.now(),
            })
            .await
            .map_err(|error| match error {
                StoreError::Conflict => PasskeyError::Duplicate,
                other => other.into(),
            })?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::PasskeyAdded, account).with_factor(Factor::Passkey),
        )
        .await?;
        self.activity
            .record(
                account,
                ActivityKind::PasskeyAdded,
                ActivityOrigin::default(),
            )
            .await?;
        Ok(())
    }

    /// Removes one of the account's passkeys; `false` if it has none with that ID.
    pub async fn remove(&self, account: AccountId, id: &str) -> Result<bool, PasskeyError> {
        let Some(id) = parse_hex_id(id) else {
            return Ok(false);
        };
        let removed = self.store.passkeys().remove(account, &id).await?;
        if removed {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::PasskeyRemoved, account)
                    .with_factor(Factor::Passkey),
            )
            .await?;
            self.activity
                .record(
                    account,
                    ActivityKind::PasskeyRemoved,
                    ActivityOrigin::default(),
                )
                .await?;
        }
        Ok(removed)
    }

    /// Starts a passkey check for an account that has passed its password; `None` when it
    /// has no passkey.
    pub async fn begin_second_factor(
        &self,
        account: AccountId,
    ) -> Result<Option<Started<RequestChallengeResponse>>, PasskeyError> {
        let passkeys: Vec<Passkey> = self
            .passkeys_of(account)
            .await?
            .into_iter()
            .map(|(_, passkey)| passkey)
            .collect();
        if passkeys.is_empty() {
            return Ok(None);
        }
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|_| PasskeyError::Configuration)?;
        let ceremony = self
            .keep(CeremonyPurpose::SecondFactor, Some(account), &state)
            .await?;
        Ok(Some(Started { ceremony, options }))
    }

    /// Checks the authenticator's answer for the account's second step.
    pub async fn finish_second_factor(
        &self,
        account: AccountId,
        ceremony: &str,
        response: &PublicKeyCredential,
    ) -> Result<(), PasskeyError> {
        let state: PasskeyAuthentication = self
            .take(ceremony, CeremonyPurpose::SecondFactor, Some(account))
            .await?;
        let result = match self
            .webauthn
            .finish_passkey_authentication(response, &state)
        {
            Ok(result) => result,
            Err(error) => {
                tracing::debug!(target: "helio::passkeys", %error, "passkey second factor refused by the ceremony");
                security_log::record(
                    &self.store,
                    self.clock.now(),
                    SecurityEvent::mfa_failed(account, Factor::Passkey, false),
                )
                .await?;
                self.activity
                    .record(
                        account,
                        ActivityKind::SecondFactorFailed,
                        ActivityOrigin::default(),
                    )
                    .await?;
                return Err(PasskeyError::Refused);
            }
        };
        let used = self
            .passkeys_of(account)
            .await?
            .into_iter()
            .find(|(_, passkey)| passkey.cred_id() == result.cred_id())
            .ok_or(PasskeyError::Refused)?;
        self.record_use(&used.0, used.1, &result).await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::MfaSucceeded, account).with_factor(Factor::Passkey),
        )
        .await?;
        Ok(())
    }

    /// Starts a passwordless login. Anyone may ask, so each source address has a budget
    /// ([`ThrottlePolicy::CHALLENGES`]) that bounds the ceremonies it can leave behind.
    pub async fn begin_login(
        &self,
        source: std::net::IpAddr,
    ) -> Result<Started<RequestChallengeResponse>, PasskeyError> {
        if !counters::spend_source_budget(
            &self.store,
            &self.indexer,
            "passkey",
            source,
            ThrottlePolicy::CHALLENGES,
            self.clock.now(),
        )
        .await?
        {
            return Err(PasskeyError::TooMany);
        }
        let (mut options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|_| PasskeyError::Configuration)?;
        // A button press, not an autofill prompt: the browser shows its passkey picker.
        options.mediation = None;
        let ceremony = self.keep(CeremonyPurpose::Login, None, &state).await?;
        Ok(Started { ceremony, options })
    }

    /// Checks a passwordless login; the account whose passkey signed, if it verified.
    pub async fn finish_login(
        &self,
        ceremony: &str,
        response: &PublicKeyCredential,
    ) -> Result<AccountId, PasskeyError> {
        let state: DiscoverableAuthentication =
            self.take(ceremony, CeremonyPurpose::Login, None).await?;
        match self.check_login(response, state).await? {
            Ok(account) => Ok(account),
            Err(reason) => {
                security_log::record(
                    &self.store,
                    self.clock.now(),
                    SecurityEvent::login_failed(LoginMethod::Passkey, reason, None),
                )
                .await?;
                Err(PasskeyError::Refused)
            }
        }
    }

    /// The account whose passkey signed, or why the login is refused.
    async fn check_login(
        &self,
        response: &PublicKeyCredential,
        state: DiscoverableAuthentication,
    ) -> Result<Result<AccountId, &'static str>, PasskeyError> {
        let Ok((handle, credential_id)) =
            self.webauthn.identify_discoverable_authentication(response)
        else {
            return Ok(Err("no_user_handle"));
        };
        let Some(stored) = self
            .store
            .passkeys()
            .by_credential(handle.as_bytes(), &credential_hash(credential_id))
            .await?
        else {
            return Ok(Err("unknown_passkey"));
        };
        let passkey: Passkey =
            serde_json::from_str(&stored.credential).map_err(|_| PasskeyError::Unreadable)?;
        let Ok(result) = self
            .webauthn
            .finish_discoverable_authentication_v2(response, state, &passkey)
        else {
            return Ok(Err("bad_signature"));
        };
        self.record_use(&stored, passkey, &result).await?;
        Ok(Ok(stored.account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkey_ids_round_trip_through_hex_and_junk_is_refused() {
        let id = [0xab_u8; 16];
        assert_eq!(parse_hex_id(&hex(&id)), Some(id));
        assert_eq!(parse_hex_id("zz"), None);
        assert_eq!(parse_hex_id(&"g".repeat(32)), None);
        assert_eq!(parse_hex_id(&"a".repeat(31)), None);
    }
}
