//! Who is calling: the guards that every non-public route passes through (AC-1), and the
//! extractor handlers use to learn the signed-in account.
//!
//! A login moves through stages: password done (second factor pending, or enrolment forced
//! for roles that need one), then fully signed in. Each guard admits only its stages and sends
//! everyone else where they belong, so nothing but the second-factor pages is reachable before
//! the second factor (AU-1).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use helio_core::access::{self, Capability};
use helio_core::account::AccountId;
use helio_core::role::Role;
use helio_core::security_event::SecurityEvent;
use helio_core::time::Timestamp;
use helio_store::{ActiveSession, SeenFrom, SessionStage};

use crate::services::accounts::{LoggedIn, Profile};
use crate::{AppState, ClientInfo, WebError, cookies};

/// The account of this request, and how far its login has got. Only routes registered with a
/// non-public rule have one; asking for it elsewhere is a programming error and fails closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignedIn {
    pub(crate) account: AccountId,
    pub(crate) role: Role,
    pub(crate) stage: SessionStage,
    /// When this session's holder last proved who they are (login or second step).
    pub(crate) authenticated_at: Timestamp,
    /// The session's idle limit.
    pub(crate) idle_timeout_secs: u32,
    /// The session's absolute end.
    pub(crate) expires_at: Timestamp,
}

impl SignedIn {
    fn of(active: &ActiveSession) -> Self {
        Self {
            account: active.account,
            role: active.role,
            stage: active.stage,
            authenticated_at: active.created_at,
            idle_timeout_secs: active.idle_timeout_secs,
            expires_at: active.expires_at,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().copied().ok_or_else(|| {
            WebError::internal(std::io::Error::other(
                "SignedIn requested on a route without a session guard",
            ))
        })
    }
}

/// A message for a session too old to change how the account logs in.
pub(crate) const LOG_IN_AGAIN: &str = "For your safety, log out and log in again (within the last 10 minutes) before changing how you log in.";

impl SignedIn {
    /// Who this is, as the account services name a signed-in person.
    pub(crate) fn logged_in(&self) -> LoggedIn {
        LoggedIn {
            account: self.account,
            role: self.role,
        }
    }

    /// The account's own profile (decrypted name and email, role, crew).
    pub(crate) async fn profile(&self, state: &AppState) -> Result<Profile, WebError> {
        state
            .accounts()
            .profile(self.account)
            .await
            .map_err(WebError::internal)?
            .ok_or(WebError::NotFound)
    }

    /// Whether this session may change the account's second factors: a half-finished login
    /// enrolling its first factor, or a full session whose login is recent.
    pub(crate) fn may_change_factors(&self, state: &AppState) -> bool {
        self.stage == SessionStage::EnrolmentPending
            || state.sessions().is_recent(self.authenticated_at)
    }
}

/// Fully signed-in sessions only.
pub(crate) async fn require_signed_in(request: Request, next: Next) -> Response {
    guard(request, next, &[SessionStage::Full]).await
}

/// Fully signed-in sessions whose role holds `capability` by the permission table (AC-1,
/// AC-2). Anyone else signed in is refused with 403 and the refusal is a security event.
pub(crate) async fn require_capability(
    State(capability): State<Capability>,
    mut request: Request,
    next: Next,
) -> Response {
    request.extensions_mut().insert(Required(capability));
    guard(request, next, &[SessionStage::Full]).await
}

/// The capability a route demands, for the guard to check once the session is known.
#[derive(Debug, Clone, Copy)]
struct Required(Capability);

const NO_ACCESS: &str = "Your account does not have access to this.";

/// What the route demands that the session's role does not hold, if anything.
fn refused(request: &Request, active: &ActiveSession) -> Option<Capability> {
    request
        .extensions()
        .get::<Required>()
        .map(|Required(capability)| *capability)
        .filter(|capability| !access::permits(active.role, *capability))
}

/// The 403 for a refusal, recorded as a security event with who asked for what.
async fn forbid(state: &AppState, active: &ActiveSession, capability: Capability) -> Response {
    let event = SecurityEvent::access_denied(active.account, active.role, capability.as_str());
    match state.sessions().record_refusal(event).await {
        Ok(()) => WebError::Forbidden(NO_ACCESS).into_response(),
        Err(error) => WebError::internal(error).into_response(),
    }
}

/// Sessions waiting for their second factor only.
pub(crate) async fn require_mfa_challenge(request: Request, next: Next) -> Response {
    guard(request, next, &[SessionStage::MfaPending]).await
}

/// Sessions that must enrol a second factor, or signed-in ones choosing to.
pub(crate) async fn require_mfa_enrolment(request: Request, next: Next) -> Response {
    guard(
        request,
        next,
        &[SessionStage::EnrolmentPending, SessionStage::Full],
    )
    .await
}

/// Either kind of half-finished login.
pub(crate) async fn require_login_in_progress(request: Request, next: Next) -> Response {
    guard(
        request,
        next,
        &[SessionStage::MfaPending, SessionStage::EnrolmentPending],
    )
    .await
}

fn home_of(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::Full => "/account",
        SessionStage::MfaPending => "/mfa",
        SessionStage::EnrolmentPending => "/mfa/enrol",
    }
}

/// The bearer token of an API request: `Authorization: Bearer <token>`, nothing else.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Lets the request through with [`SignedIn`] when its session is live and at an allowed
/// stage. Browser routes find the session by cookie: a browser at another stage is sent to
/// that stage's page, one with no live session to the login page (forgetting a dead
/// cookie). API routes find it by bearer token only and never read cookies (DS-3): no live
/// session, or one at another stage, is 401.
async fn guard(mut request: Request, next: Next, allowed: &[SessionStage]) -> Response {
    let Some(state) = request.extensions().get::<AppState>().cloned() else {
        return WebError::internal(std::io::Error::other("application state missing"))
            .into_response();
    };
    let device = crate::seen::device_label(
        request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let network = request
        .extensions()
        .get::<ClientInfo>()
        .map(|client| crate::seen::network(client.ip))
        .unwrap_or_default();
    let seen = SeenFrom {
        device: &device,
        network: &network,
    };
    if request.uri().path().starts_with("/api/") {
        let session = match bearer(request.headers()) {
            Some(token) => state.app_sessions().authenticate(token, seen).await,
            None => Ok(None),
        };
        return match session {
            Ok(Some((handle, active))) if allowed.contains(&active.stage) => {
                if let Some(capability) = refused(&request, &active) {
                    return forbid(&state, &active, capability).await;
                }
                request.extensions_mut().insert(SignedIn::of(&active));
                request.extensions_mut().insert(handle);
                next.run(request).await
            }
            Ok(_) => WebError::Unauthorized.into_response(),
            Err(error) => WebError::internal(error).into_response(),
        };
    }
    let presented = cookies::presented_session(request.headers()).map(str::to_owned);
    let session = match &presented {
        Some(id) => state.sessions().authenticate(id, seen).await,
        None => Ok(None),
    };
    match session {
        Ok(Some(active)) if allowed.contains(&active.stage) => {
            if let Some(capability) = refused(&request, &active) {
                return forbid(&state, &active, capability).await;
            }
            let session = presented.as_deref().unwrap_or_default();
            request = match crate::csrf::check(&state, session, request).await {
                Ok(request) => request,
                Err(refused) => return refused,
            };
            request.extensions_mut().insert(SignedIn::of(&active));
            next.run(request).await
        }
        Ok(Some(active)) => Redirect::to(home_of(active.stage)).into_response(),
        Ok(_) => {
            let mut response = Redirect::to("/login").into_response();
            if presented.is_some() {
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, cookies::expired_session());
            }
            response
        }
        Err(error) => WebError::internal(error).into_response(),
    }
}
