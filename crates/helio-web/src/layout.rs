//! What the layout of every signed-in page carries (SM-9, SM-10, SM-20): the logout form, the
//! page's CSRF token, and the session's timers for the session script (`static/session.js`).
//!
//! Pages behind a session guard take [`SignedInLayout`] and extend `signed_in.html`, so no
//! signed-in page can be rendered without a way to log out.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use helio_core::session::touch_granularity;
use helio_store::SessionStage;

use crate::auth::SignedIn;
use crate::services::accounts::LoggedIn;
use crate::services::sessions::lifetimes;
use crate::{AppState, WebError, cookies};

/// The signed-in chrome of one page.
#[derive(Debug, Clone)]
pub(crate) struct SignedInLayout {
    /// A masked CSRF token of this session, fresh for this page (DS-3).
    pub(crate) csrf: String,
    /// Where the logout form posts: `/logout`, or `/login/cancel` for a half-finished login.
    pub(crate) logout_action: &'static str,
    /// The session's idle limit, in seconds.
    pub(crate) idle_secs: u64,
    /// Seconds left until the session's absolute end.
    pub(crate) absolute_secs: u64,
    /// Seconds before the end at which the page warns.
    pub(crate) warn_secs: u64,
    /// Milliseconds before the server's idle limit at which the page ends the session itself:
    /// the server's last-seen time may lag by [`touch_granularity`], plus time for the
    /// logout to arrive while the session is still live.
    pub(crate) margin_ms: u128,
    /// Whether closing the page's last tab ends the session (SM-10).
    pub(crate) close_on_exit: bool,
}

impl SignedInLayout {
    /// The chrome for `who`'s session, whose cookie value is `presented`.
    pub(crate) fn new(state: &AppState, who: &SignedIn, presented: &str) -> Self {
        let logout_action = match who.stage {
            SessionStage::Full => "/logout",
            SessionStage::MfaPending | SessionStage::EnrolmentPending => "/login/cancel",
        };
        Self::build(
            state,
            presented,
            logout_action,
            Duration::from_secs(u64::from(who.idle_timeout_secs)),
            state.sessions().seconds_until(who.expires_at),
        )
    }

    /// The chrome for a full session `who` was just given, whose cookie value is `presented`:
    /// for a page rendered in the same response that replaced the session (SM-4).
    pub(crate) fn fresh(state: &AppState, who: LoggedIn, presented: &str) -> Self {
        let (idle, absolute) =
            lifetimes(&state.sessions().settings().limits, who, SessionStage::Full);
        Self::build(state, presented, "/logout", idle, absolute.as_secs())
    }

    fn build(
        state: &AppState,
        presented: &str,
        logout_action: &'static str,
        idle: Duration,
        absolute_secs: u64,
    ) -> Self {
        let sessions = state.sessions();
        let settings = sessions.settings();
        Self {
            csrf: sessions.csrf_token(presented),
            logout_action,
            idle_secs: idle.as_secs(),
            absolute_secs,
            warn_secs: settings.warn_before.as_secs().min(idle.as_secs() / 2),
            margin_ms: (touch_granularity(idle) + Duration::from_secs(3)).as_millis(),
            close_on_exit: settings.logout_on_close,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedInLayout {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        let state = parts.extensions.get::<AppState>().ok_or_else(|| {
            WebError::internal(std::io::Error::other("application state missing"))
        })?;
        let presented = cookies::presented_session(&parts.headers).unwrap_or_default();
        Ok(Self::new(state, &who, presented))
    }
}
