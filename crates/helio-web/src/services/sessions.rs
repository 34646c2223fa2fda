//! Browser sessions, as far as login needs them ([Sessions] completes the checklist):
//! 256-bit random IDs, only their SHA-256 stored, idle and absolute expiry by role, a format
//! check before any lookup, and logout that ends the session on the server.

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::crypto::csrf::CsrfTokens;
use helio_core::crypto::random_bytes;
use helio_core::crypto::token::{SecretToken, TokenHash};
use helio_core::id::parse_handle;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::session::{EndReason, SessionLimits};
use std::sync::Arc;
use std::time::Duration;

use helio_core::time::{Clock, Timestamp};
use helio_store::{
    ActiveSession, ActivityOrigin, EndedSession, ExpiryReason, ListedSession, NewSession, SeenFrom,
    SessionClient, SessionStage, Store, StoreError,
};

use super::accounts::LoggedIn;
use super::activity::Activity;
use super::security_log;

/// Where a just-ended session was last used, for its activity entry.
pub(crate) fn origin_of(ended: &EndedSession) -> ActivityOrigin<'_> {
    ActivityOrigin {
        client: Some(ended.client),
        device: ended.device.as_deref(),
        network: ended.network.as_deref(),
    }
}

/// What the owner's activity shows for a session ended for `reason`, if anything: a session
/// replaced by a login or a second step is part of that login, which has its own entry, and
/// a reset or role change records itself once for all the sessions it ends.
const fn activity_of(reason: EndReason) -> Option<ActivityKind> {
    match reason {
        EndReason::Logout => Some(ActivityKind::LoggedOut),
        EndReason::InactivityLogout => Some(ActivityKind::SessionIdleEnded),
        EndReason::LifetimeLogout => Some(ActivityKind::SessionLifetimeEnded),
        EndReason::EndedByOwner => Some(ActivityKind::SessionEndedByOwner),
        EndReason::ReplacedByLogin
        | EndReason::Promoted
        | EndReason::PasswordReset
        | EndReason::PasswordChanged
        | EndReason::LoginDisowned
        | EndReason::RoleChanged
        | EndReason::EndedByStaff => None,
    }
}

/// Longest a login may stay half-finished (password done, second factor pending).
pub(crate) const PENDING_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// How sessions behave, as the operator configured them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// Idle and absolute lifetimes by role.
    pub limits: SessionLimits,
    /// How long before a session's end its pages warn, with a way to stay signed in.
    pub warn_before: Duration,
    /// Whether closing the last tab or window of a session ends it on the server (SM-10).
    pub logout_on_close: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            limits: SessionLimits::DEFAULT,
            warn_before: Duration::from_secs(120),
            logout_on_close: false,
        }
    }
}

/// Idle and absolute lifetime of a session at `stage`: the role's for a full session, five
/// minutes for a half-finished login.
pub(crate) fn lifetimes(
    limits: &SessionLimits,
    who: LoggedIn,
    stage: SessionStage,
) -> (Duration, Duration) {
    let policy = limits.for_role(who.role);
    match stage {
        SessionStage::Full => (policy.idle, policy.absolute),
        SessionStage::MfaPending | SessionStage::EnrolmentPending => {
            (PENDING_LIFETIME, PENDING_LIFETIME)
        }
    }
}

/// How long after a login (or second step) a session may add or change a second factor.
/// Past this, the person logs in again first, so a session taken over by someone else cannot
/// quietly give them a lasting way in.
const RECENT_LOGIN: Duration = Duration::from_secs(10 * 60);

/// How long a session whose page was closed waits for another request of it (a reload, a
/// link followed, another tab) before it is over (SM-10).
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(15);

/// Sessions ended per sweeper batch.
const SWEEP_BATCH: u32 = 500;

/// Starts, checks and ends sessions.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Store,
    clock: Arc<dyn Clock>,
    csrf: Arc<CsrfTokens>,
    settings: SessionSettings,
    activity: Activity,
}

impl Sessions {
    /// The service over the store, reading time from `clock`; `csrf` ties form tokens to
    /// sessions.
    #[must_use]
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        csrf: CsrfTokens,
        settings: SessionSettings,
    ) -> Self {
        Self {
            activity: Activity::new(store.clone(), Arc::clone(&clock)),
            store,
            clock,
            csrf: Arc::new(csrf),
            settings,
        }
    }

    /// The accounts' security activity, which session events feed.
    #[must_use]
    pub fn activity(&self) -> &Activity {
        &self.activity
    }

    /// How sessions behave here.
    #[must_use]
    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    /// A freshly masked CSRF token for the session whose cookie value is `presented`, for the
    /// forms and scripts of one page (DS-3).
    #[must_use]
    pub fn csrf_token(&self, presented: &str) -> String {
        self.csrf.issue(presented)
    }

    /// Whether `token` is a CSRF token of the session whose cookie value is `presented`.
    #[must_use]
    pub fn csrf_valid(&self, presented: &str, token: &str) -> bool {
        self.csrf.verify(presented, token)
    }

    /// Creates a session for someone who just passed the password step; the returned token
    /// goes in the cookie and is never stored. A half-finished login (second factor pending)
    /// lives five minutes at most (SM-6).
    pub async fn start(
        &self,
        who: LoggedIn,
        stage: SessionStage,
    ) -> Result<SecretToken, StoreError> {
        let (idle, absolute) = lifetimes(&self.settings.limits, who, stage);
        let token = SecretToken::generate();
        let now = self.clock.now();
        self.store
            .sessions()
            .create(&NewSession {
                id: &token.hash(),
                public_id: random_bytes(),
                account: who.account,
                stage,
                now,
                idle_timeout_secs: u32::try_from(idle.as_secs()).unwrap_or(u32::MAX),
                expires_at: now.saturating_add(absolute),
            })
            .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::SessionCreated, who.account)
                .on_client("browser")
                .because(stage.as_str()),
        )
        .await?;
        Ok(token)
    }

    /// Whole seconds from now until `at` (zero once it has passed).
    #[must_use]
    pub fn seconds_until(&self, at: Timestamp) -> u64 {
        let micros = at
            .unix_micros()
            .saturating_sub(self.clock.now().unix_micros());
        u64::try_from(micros / 1_000_000).unwrap_or(0)
    }

    /// Records that the page of the session a presented ID names is closing: unless another
    /// request of it comes within [`CLOSE_GRACE`], the session is over (SM-10). Does nothing
    /// unless the operator turned logout-on-close on; returns whether it was marked.
    pub async fn closing(&self, presented: &str, account: AccountId) -> Result<bool, StoreError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(false);
        };
        if !self.settings.logout_on_close {
            return Ok(false);
        }
        let close_at = self.clock.now().saturating_add(CLOSE_GRACE);
        let marked = self
            .store
            .sessions()
            .mark_closing(&token.hash(), close_at)
            .await?;
        if marked {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::SessionClosing, account)
                    .on_client("browser")
                    .counting(CLOSE_GRACE.as_secs()),
            )
            .await?;
        }
        Ok(marked)
    }

    /// Whether a session authenticated at `authenticated_at` is recent enough for a change to
    /// the account's second factors.
    #[must_use]
    pub fn is_recent(&self, authenticated_at: Timestamp) -> bool {
        self.clock.now().unix_micros() < authenticated_at.saturating_add(RECENT_LOGIN).unix_micros()
    }

    /// Finishes a half-finished login: the pending session ends and a full one with a new ID
    /// replaces it (SM-4: a new ID at every privilege change).
    pub async fn promote(&self, presented: &str, who: LoggedIn) -> Result<SecretToken, StoreError> {
        self.end(presented, EndReason::Promoted).await?;
        self.start(who, SessionStage::Full).await
    }

    /// The live session a presented ID names, if any. A malformed ID is refused before the
    /// database is asked (SM-2).
    pub async fn authenticate(
        &self,
        presented: &str,
        seen: SeenFrom<'_>,
    ) -> Result<Option<ActiveSession>, StoreError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(None);
        };
        self.store
            .sessions()
            .touch(
                &token.hash(),
                SessionClient::Browser,
                self.clock.now(),
                Some(seen),
                false,
            )
            .await
    }

    /// Marks the session a presented ID names as seen now, whatever the coarse last-seen
    /// time says: the page's "Stay signed in" and typing in a long form (SM-9) restart the
    /// idle limit from this instant, as the page's timer does.
    pub async fn keep_alive(&self, presented: &str) -> Result<bool, StoreError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(false);
        };
        let now = self.clock.now();
        let Some(session) = self
            .store
            .sessions()
            .touch(&token.hash(), SessionClient::Browser, now, None, true)
            .await?
        else {
            return Ok(false);
        };
        security_log::record(
            &self.store,
            now,
            SecurityEvent::about(EventName::SessionKeptAlive, session.account).on_client("browser"),
        )
        .await?;
        Ok(true)
    }

    /// Records a refusal noticed while checking a session (the route guard's `access_denied`).
    pub async fn record_refusal(&self, event: SecurityEvent) -> Result<(), StoreError> {
        security_log::record(&self.store, self.clock.now(), event).await
    }

    /// The account's live sessions, browsers and apps, marking `current` (SM-16).
    pub async fn list(
        &self,
        account: AccountId,
        current: &TokenHash,
    ) -> Result<Vec<ListedSession>, StoreError> {
        self.store
            .sessions()
            .live_of(account, current, self.clock.now())
            .await
    }

    /// The stored form of the session a presented cookie names (a hash that matches nothing
    /// for a malformed one), to tell the asking session apart in the list.
    #[must_use]
    pub fn hash_of(presented: &str) -> TokenHash {
        SecretToken::parse(presented).map_or(TokenHash([0; 32]), |t| t.hash())
    }

    /// Ends one of the account's sessions by the handle its list shows; `false` if there is
    /// none such.
    pub async fn end_listed(&self, account: AccountId, handle: &str) -> Result<bool, StoreError> {
        let Some(public_id) = parse_handle(handle) else {
            return Ok(false);
        };
        let Some(ended) = self
            .store
            .sessions()
            .end_by_public_id(
                account,
                &public_id,
                EndReason::EndedByOwner.as_str(),
                self.clock.now(),
            )
            .await?
        else {
            return Ok(false);
        };
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::SessionEnded, account)
                .on_client(ended.client.as_str())
                .because(EndReason::EndedByOwner.as_str()),
        )
        .await?;
        self.activity
            .record(
                account,
                ActivityKind::SessionEndedByOwner,
                origin_of(&ended),
            )
            .await?;
        Ok(true)
    }

    /// Ends every session of the account except `keep` (the asking one); returns how many.
    pub async fn end_others(
        &self,
        account: AccountId,
        keep: &TokenHash,
    ) -> Result<u64, StoreError> {
        let ended = self
            .store
            .sessions()
            .end_all_except(
                account,
                keep,
                EndReason::EndedByOwner.as_str(),
                self.clock.now(),
            )
            .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::OtherSessionsEnded, account)
                .counting(ended)
                .because(EndReason::EndedByOwner.as_str()),
        )
        .await?;
        if ended > 0 {
            self.activity
                .record(
                    account,
                    ActivityKind::OtherSessionsEnded,
                    ActivityOrigin::default(),
                )
                .await?;
        }
        Ok(ended)
    }

    /// Ends the session a presented ID names, and records why.
    pub async fn end(&self, presented: &str, reason: EndReason) -> Result<bool, StoreError> {
        let Some(token) = SecretToken::parse(presented) else {
            return Ok(false);
        };
        let Some(ended) = self
            .store
            .sessions()
            .end(&token.hash(), reason.as_str(), self.clock.now())
            .await?
        else {
            return Ok(false);
        };
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::about(EventName::SessionEnded, ended.account)
                .on_client(ended.client.as_str())
                .because(reason.as_str()),
        )
        .await?;
        if let Some(kind) = activity_of(reason) {
            self.activity
                .record(ended.account, kind, origin_of(&ended))
                .await?;
        }
        Ok(true)
    }

    /// Deletes every session past its idle or absolute limit, recording a security event and
    /// an activity entry for each, and the sessions already ended (SM-8); also drops expired
    /// "this wasn't me" links and activity past its retention. Returns how many expired.
    pub async fn sweep(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let mut total = 0;
        loop {
            let expired = self
                .store
                .sessions()
                .sweep_expired(now, SWEEP_BATCH)
                .await?;
            for session in &expired {
                let (reason, kind) = match session.reason {
                    ExpiryReason::Absolute => {
                        ("absolute_timeout", ActivityKind::SessionLifetimeEnded)
                    }
                    ExpiryReason::Idle => ("idle_timeout", ActivityKind::SessionIdleEnded),
                    ExpiryReason::Closed => ("window_closed", ActivityKind::SessionClosed),
                };
                security_log::record(
                    &self.store,
                    self.clock.now(),
                    SecurityEvent::about(EventName::SessionExpired, session.account)
                        .on_client(session.client.as_str())
                        .because(reason),
                )
                .await?;
                let origin = ActivityOrigin {
                    client: Some(session.client),
                    device: session.device.as_deref(),
                    network: session.network.as_deref(),
                };
                self.activity.record(session.account, kind, origin).await?;
            }
            total += expired.len();
            if expired.len() < SWEEP_BATCH as usize {
                break;
            }
        }
        self.store.sessions().delete_ended().await?;
        self.store.login_reports().delete_expired(now).await?;
        self.activity.prune().await?;
        Ok(total)
    }
}

/// Sweeps expired sessions every `every` for as long as the process runs; a failed sweep is
/// logged and tried again at the next tick.
pub async fn run_sweeper(sessions: Sessions, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        if let Err(error) = sessions.sweep().await {
            tracing::warn!(%error, "session sweep failed; trying again later");
        }
    }
}
