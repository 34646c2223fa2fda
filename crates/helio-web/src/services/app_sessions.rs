//! Mobile-app sessions (SM-8): the same server-side sessions as browsers (lifetimes by role,
//! ended by logout, password reset or staff), reached with bearer tokens. An access token is
//! opaque and short-lived; a refresh token is spent once for a new pair, and a spent one
//! presented again ends the session. Tokens carry nothing: no account, device or personal data.

use std::sync::Arc;
use std::time::Duration;

use helio_core::activity::ActivityKind;
use helio_core::crypto::random_bytes;
use helio_core::crypto::token::{SecretToken, TokenHash};
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::session::{EndReason, SessionLimits};
use helio_core::time::Clock;
use helio_store::{
    ActiveSession, NewSession, NewToken, Refreshed, SeenFrom, SessionStage, Store, StoreError,
    TokenKind,
};

use super::accounts::LoggedIn;
use super::activity::Activity;
use super::security_log;
use super::sessions::{lifetimes, origin_of};

/// Longest an access token works; the app refreshes before then.
const ACCESS_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// What an app gets at login, step-up or refresh. No `Debug`: it holds secrets.
pub struct AppTokens {
    /// For `Authorization: Bearer`.
    pub access: SecretToken,
    /// Spent once at `/api/v1/sessions/refresh`; none while the login is half-finished.
    pub refresh: Option<SecretToken>,
    /// Seconds until the access token stops working.
    pub expires_in: u64,
}

/// An app session, as a handler holds it: which server-side session to end or promote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppSession(TokenHash);

impl AppSession {
    /// The stored form of its ID, to tell it apart in the session list.
    #[must_use]
    pub fn id_hash(&self) -> &TokenHash {
        &self.0
    }
}

/// What a refresh did.
pub enum RefreshOutcome {
    /// A new pair for the same session.
    Rotated(AppTokens),
    /// The token was spent before: the session is ended.
    Reused,
    /// Unknown, malformed, expired, or its session is over.
    Invalid,
}

/// Starts, checks, refreshes and ends app sessions.
#[derive(Debug, Clone)]
pub struct AppSessions {
    store: Store,
    clock: Arc<dyn Clock>,
    limits: SessionLimits,
    activity: Activity,
}

impl AppSessions {
    /// The service over the store, with the same lifetimes as browser sessions.
    #[must_use]
    pub fn new(store: Store, clock: Arc<dyn Clock>, limits: SessionLimits) -> Self {
        Self {
            activity: Activity::new(store.clone(), Arc::clone(&clock)),
            store,
            clock,
            limits,
        }
    }

    /// Starts an app session at `stage`. A half-finished login gets only an access token
    /// that reaches its second-factor endpoints, for five minutes.
    pub async fn start(&self, who: LoggedIn, stage: SessionStage) -> Result<AppTokens, StoreError> {
        let (idle, absolute) = lifetimes(&self.limits, who, stage);
        let now = self.clock.now();
        let expires_at = now.saturating_add(absolute);
        // The session's own ID is never handed out: it only keys the row.
        let session_id = TokenHash(random_bytes());
        let access = SecretToken::generate();
        let access_lifetime = ACCESS_LIFETIME.min(idle);
        let refresh = (stage == SessionStage::Full).then(SecretToken::generate);
        let access_hash = access.hash();
        let refresh_hash = refresh.as_ref().map(SecretToken::hash);
        let mut tokens = vec![NewToken {
            hash: &access_hash,
            kind: TokenKind::Access,
            expires_at: now.saturating_add(access_lifetime),
        }];
        if let Some(hash) = &refresh_hash {
            tokens.push(NewToken {
                hash,
                kind: TokenKind::Refresh,
                expires_at,
            });
        }
        self.store
            .api_tokens()
            .start(
                &NewSession {
                    id: &session_id,
                    public_id: random_bytes(),
                    account: who.account,
                    stage,
                    now,
                    idle_timeout_secs: u32::try_from(idle.as_secs()).unwrap_or(u32::MAX),
                    expires_at,
                },
                &tokens,
            )
            .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::SessionCreated, who.account)
                .on_client("app")
                .because(stage.as_str()),
        )
        .await?;
        Ok(AppTokens {
            access,
            refresh,
            expires_in: access_lifetime.as_secs(),
        })
    }

    /// The live session a presented access token reaches, if any. A malformed token is
    /// refused before the database is asked (SM-2).
    pub async fn authenticate(
        &self,
        presented: &str,
        seen: SeenFrom<'_>,
    ) -> Result<Option<(AppSession, ActiveSession)>, StoreError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(None);
        };
        Ok(self
            .store
            .api_tokens()
            .authenticate(&token.hash(), self.clock.now(), Some(seen))
            .await?
            .map(|(session, active)| (AppSession(session), active)))
    }

    /// Spends a refresh token for a new pair (SM-8).
    pub async fn refresh(&self, presented: &str) -> Result<RefreshOutcome, StoreError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(RefreshOutcome::Invalid);
        };
        let now = self.clock.now();
        let (session, active) = match self.store.api_tokens().refresh(&token.hash(), now).await? {
            Refreshed::Rotated(session, active) => (session, active),
            Refreshed::Reused(ended) => {
                security_log::record(
                    &self.store,
                    self.clock.now(),
                    SecurityEvent::bare(EventName::TokenFamilyRevoked)
                        .on_client("app")
                        .with_account(ended.as_ref().map(|e| e.account)),
                )
                .await?;
                if let Some(ended) = &ended {
                    self.activity
                        .record(
                            ended.account,
                            ActivityKind::AppTokenReused,
                            origin_of(ended),
                        )
                        .await?;
                }
                return Ok(RefreshOutcome::Reused);
            }
            Refreshed::Invalid => return Ok(RefreshOutcome::Invalid),
        };
        let who = LoggedIn {
            account: active.account,
            role: active.role,
        };
        let (idle, absolute) = lifetimes(&self.limits, who, active.stage);
        let access_lifetime = ACCESS_LIFETIME.min(idle);
        let (access, refresh) = (SecretToken::generate(), SecretToken::generate());
        self.store
            .api_tokens()
            .replace(
                &session,
                [
                    NewToken {
                        hash: &access.hash(),
                        kind: TokenKind::Access,
                        expires_at: now.saturating_add(access_lifetime),
                    },
                    NewToken {
                        hash: &refresh.hash(),
                        kind: TokenKind::Refresh,
                        expires_at: now.saturating_add(absolute),
                    },
                ],
            )
            .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::SessionRotated, active.account).on_client("app"),
        )
        .await?;
        Ok(RefreshOutcome::Rotated(AppTokens {
            access,
            refresh: Some(refresh),
            expires_in: access_lifetime.as_secs(),
        }))
    }

    /// Ends an app session (logout).
    pub async fn end(&self, session: AppSession, reason: EndReason) -> Result<(), StoreError> {
        let Some(ended) = self
            .store
            .sessions()
            .end(&session.0, reason.as_str(), self.clock.now())
            .await?
        else {
            return Ok(());
        };
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::SessionEnded, ended.account)
                .on_client("app")
                .because(reason.as_str()),
        )
        .await?;
        if reason == EndReason::Logout {
            self.activity
                .record(ended.account, ActivityKind::LoggedOut, origin_of(&ended))
                .await?;
        }
        Ok(())
    }

    /// Ends the session whose token (access or refresh, even expired) an app presented when
    /// it logged in again: a new login replaces it (SM-15). Unknown tokens are ignored.
    pub async fn end_presented(&self, presented: &str) -> Result<(), StoreError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(());
        };
        if let Some(session) = self.store.api_tokens().session_of(&token.hash()).await? {
            self.end(AppSession(session), EndReason::ReplacedByLogin)
                .await?;
        }
        Ok(())
    }

    /// Finishes a half-finished app login: that session ends and a full one with new tokens
    /// replaces it (SM-4).
    pub async fn promote(
        &self,
        session: AppSession,
        who: LoggedIn,
    ) -> Result<AppTokens, StoreError> {
        self.end(session, EndReason::Promoted).await?;
        self.start(who, SessionStage::Full).await
    }
}
