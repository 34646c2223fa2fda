//! Passkey endpoints (AU-1): registration from the account page (or instead of an app when
//! a second factor is forced), the second step after a password, and passwordless login.
//!
//! The browser side is `static/passkeys.js`: it asks for options, hands them to
//! `navigator.credentials`, and posts the authenticator's answer back with the ceremony ID.
//! These are browser endpoints under the session cookie, so the same-origin check applies.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use helio_core::access::Access;
use helio_store::{SessionClient, SessionStage};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use crate::api_session::SessionDto;
use crate::auth::{LOG_IN_AGAIN, SignedIn};
use crate::json_body::JsonObject;
use crate::layout::SignedInLayout;
use crate::openapi::ApiOperation;
use crate::pages::SignedInMessagePage;
use crate::render::{html, rendered};
use crate::services::accounts::{LoggedIn, LoginSource, SecurityNotice};
use crate::services::app_sessions::AppSession;
use crate::services::passkeys::{PasskeyError, Started};
use crate::{AppState, ClientInfo, RouteTable, WebError, cookies, login, mfa};

pub(crate) fn routes() -> RouteTable {
    // Each ceremony is served twice: to the page script under the session cookie, and to the
    // mobile apps under `/api/v1` with a bearer token. The handlers are the same; what
    // differs is how the finished step is handed over (a cookie, or tokens in the body).
    RouteTable::new()
        .post(
            "/passkeys/register/options",
            Access::MfaEnrolment,
            register_options_post,
        )
        .post("/passkeys/register", Access::MfaEnrolment, register_post)
        .post("/passkeys/{id}/remove", Access::SignedIn, remove_post)
        .post(
            "/mfa/passkey/options",
            Access::MfaChallenge,
            second_factor_options_post,
        )
        .post("/mfa/passkey", Access::MfaChallenge, second_factor_post)
        .post("/login/passkey/options", Access::Public, login_options_post)
        .post("/login/passkey", Access::Public, login_post)
        .post(
            "/api/v1/passkeys/register/options",
            Access::MfaEnrolment,
            register_options_post,
        )
        .post(
            "/api/v1/passkeys/register",
            Access::MfaEnrolment,
            register_post,
        )
        .post(
            "/api/v1/passkeys/{id}/remove",
            Access::SignedIn,
            remove_post,
        )
        .post(
            "/api/v1/sessions/mfa/passkey/options",
            Access::MfaChallenge,
            second_factor_options_post,
        )
        .post(
            "/api/v1/sessions/mfa/passkey",
            Access::MfaChallenge,
            second_factor_post,
        )
        .post(
            "/api/v1/sessions/passkey/options",
            Access::Public,
            login_options_post,
        )
        .post("/api/v1/sessions/passkey", Access::Public, api_login_post)
}

/// Options for `navigator.credentials` and the ceremony ID to send back.
#[derive(Serialize)]
struct Challenge<T> {
    ceremony: String,
    options: T,
}

impl<T> From<Started<T>> for Challenge<T> {
    fn from(started: Started<T>) -> Self {
        Self {
            ceremony: started.ceremony.expose().to_owned(),
            options: started.options,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Answer<T> {
    ceremony: String,
    credential: T,
}

/// Where the browser goes next, recovery codes to show once when this passkey was the
/// account's first second factor, and, for an app whose login this step finished, its tokens.
#[derive(Serialize, utoipa::ToSchema)]
struct Done {
    next: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    recovery_codes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<SessionDto>,
    /// For a browser whose session this step replaced: what its page needs to go on under
    /// the new session (a CSRF token of the new session, and its timers).
    #[serde(skip_serializing_if = "Option::is_none")]
    renewed: Option<Renewal>,
}

/// A page's session facts after its session was replaced under it.
#[derive(Serialize, utoipa::ToSchema)]
struct Renewal {
    csrf: String,
    logout_action: &'static str,
    idle_secs: u64,
    absolute_secs: u64,
}

impl Renewal {
    fn of(layout: &SignedInLayout) -> Self {
        Self {
            csrf: layout.csrf.clone(),
            logout_action: layout.logout_action,
            idle_secs: layout.idle_secs,
            absolute_secs: layout.absolute_secs,
        }
    }
}

impl Done {
    fn next() -> Self {
        Self {
            next: "/account",
            recovery_codes: Vec::new(),
            session: None,
            renewed: None,
        }
    }
}

/// Finishes a half-finished login after its second factor: an app gets a full session's
/// tokens in the body; a browser, a new session cookie (SM-4).
async fn finish_login_step(
    state: &AppState,
    headers: &HeaderMap,
    who: SignedIn,
    app: Option<Extension<AppSession>>,
    mut done: Done,
) -> Result<Response, WebError> {
    match app {
        Some(Extension(session)) => {
            let tokens = state
                .app_sessions()
                .promote(session, who.logged_in())
                .await
                .map_err(WebError::internal)?;
            done.session = Some(SessionDto::new(SessionStage::Full, &tokens));
            Ok(Json(done).into_response())
        }
        None => {
            let promoted = mfa::promote(state, headers, who).await?;
            done.renewed = Some(Renewal::of(&promoted.layout));
            Ok(promoted.respond(Json(done).into_response()))
        }
    }
}

const ONLY_FACTOR: &str = "Your account needs a second step at every login. Add another passkey or set up an authenticator app first, then remove this one.";

fn failure(error: PasskeyError) -> WebError {
    match error {
        PasskeyError::Refused => WebError::BadRequest(
            "The passkey was not accepted. Try again, or use another way to log in.",
        ),
        PasskeyError::Duplicate => {
            WebError::BadRequest("This passkey is already registered to an account.")
        }
        PasskeyError::TooMany => WebError::TooManyRequests,
        PasskeyError::Contended => WebError::Unavailable,
        other => WebError::internal(other),
    }
}

async fn register_options_post(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Response, WebError> {
    if !who.may_change_factors(&state) {
        return Err(WebError::Forbidden(LOG_IN_AGAIN));
    }
    let profile = who.profile(&state).await?;
    let started = state
        .passkeys()
        .begin_registration(who.account, &profile.email, &profile.name)
        .await
        .map_err(failure)?;
    Ok(Json(Challenge::from(started)).into_response())
}

async fn register_post(
    State(state): State<AppState>,
    who: SignedIn,
    headers: HeaderMap,
    app: Option<Extension<AppSession>>,
    JsonObject(answer): JsonObject<Answer<RegisterPublicKeyCredential>>,
) -> Result<Response, WebError> {
    if !who.may_change_factors(&state) {
        return Err(WebError::Forbidden(LOG_IN_AGAIN));
    }
    state
        .passkeys()
        .finish_registration(who.account, &answer.ceremony, &answer.credential)
        .await
        .map_err(failure)?;
    state
        .accounts()
        .notify_security_change(who.account, SecurityNotice::PasskeyAdded)
        .await
        .map_err(WebError::internal)?;
    let recovery_codes = state
        .mfa()
        .recovery_codes_if_none(who.account)
        .await
        .map_err(WebError::internal)?
        .map(|codes| codes.iter().map(|c| c.expose().to_owned()).collect())
        .unwrap_or_default();
    let done = Done {
        recovery_codes,
        ..Done::next()
    };
    if who.stage == SessionStage::EnrolmentPending {
        finish_login_step(&state, &headers, who, app, done).await
    } else {
        Ok(Json(done).into_response())
    }
}

async fn remove_post(
    State(state): State<AppState>,
    who: SignedIn,
    app: Option<Extension<AppSession>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let layout = || {
        SignedInLayout::new(
            &state,
            &who,
            cookies::presented_session(&headers).unwrap_or_default(),
        )
    };
    if !who.may_change_factors(&state) {
        return match app {
            Some(_) => Err(WebError::Forbidden(LOG_IN_AGAIN)),
            None => mfa::log_in_again(layout()),
        };
    }
    let factors = state
        .mfa()
        .factors(who.account)
        .await
        .map_err(WebError::internal)?;
    if who.role.requires_mfa() && !factors.totp && factors.passkeys <= 1 {
        if app.is_some() {
            return Err(WebError::Conflict(ONLY_FACTOR));
        }
        let page = html(&SignedInMessagePage {
            heading: "This passkey is your only second step",
            paragraphs: vec![ONLY_FACTOR],
            layout: layout(),
        })?;
        return Ok(rendered(StatusCode::CONFLICT, page));
    }
    let removed = state
        .passkeys()
        .remove(who.account, &id)
        .await
        .map_err(failure)?;
    if !removed {
        return Err(WebError::NotFound);
    }
    state
        .mfa()
        .forget_codes_without_factor(who.account)
        .await
        .map_err(WebError::internal)?;
    state
        .accounts()
        .notify_security_change(who.account, SecurityNotice::PasskeyRemoved)
        .await
        .map_err(WebError::internal)?;
    if app.is_some() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Redirect::to("/account").into_response())
}

async fn second_factor_options_post(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Response, WebError> {
    let started = state
        .passkeys()
        .begin_second_factor(who.account)
        .await
        .map_err(failure)?
        .ok_or(WebError::NotFound)?;
    Ok(Json(Challenge::from(started)).into_response())
}

async fn second_factor_post(
    State(state): State<AppState>,
    who: SignedIn,
    headers: HeaderMap,
    app: Option<Extension<AppSession>>,
    JsonObject(answer): JsonObject<Answer<PublicKeyCredential>>,
) -> Result<Response, WebError> {
    state
        .passkeys()
        .finish_second_factor(who.account, &answer.ceremony, &answer.credential)
        .await
        .map_err(failure)?;
    finish_login_step(&state, &headers, who, app, Done::next()).await
}

async fn login_options_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
) -> Result<Response, WebError> {
    let started = state
        .passkeys()
        .begin_login(client.ip)
        .await
        .map_err(failure)?;
    Ok(Json(Challenge::from(started)).into_response())
}

/// Checks a passwordless login: the active account whose passkey signed. The passkey is both
/// factors (the device, unlocked by the person's biometric or PIN), so the session it opens
/// is fully signed in at once.
/// A passwordless login's answer from an app, which also sends the device token an earlier
/// login on the device returned (as the browser sends its device cookie).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppLoginAnswer {
    ceremony: String,
    credential: PublicKeyCredential,
    #[serde(default)]
    device_token: Option<String>,
}

async fn passwordless(
    state: &AppState,
    ceremony: &str,
    credential: &PublicKeyCredential,
    source: LoginSource<'_>,
) -> Result<(LoggedIn, Option<String>), WebError> {
    let account = state
        .passkeys()
        .finish_login(ceremony, credential)
        .await
        .map_err(failure)?;
    let Some(role) = state
        .accounts()
        .active_role(account)
        .await
        .map_err(WebError::internal)?
    else {
        state
            .accounts()
            .passkey_login_refused(account)
            .await
            .map_err(WebError::internal)?;
        return Err(failure(PasskeyError::Refused));
    };
    let new_device = state
        .accounts()
        .passkey_login_succeeded(account, source)
        .await
        .map_err(WebError::internal)?;
    Ok((LoggedIn { account, role }, new_device))
}

/// A passwordless login in the browser: a new session under a new ID (SM-15), and the device
/// cookie for a browser seen for the first time.
async fn login_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    headers: HeaderMap,
    JsonObject(answer): JsonObject<Answer<PublicKeyCredential>>,
) -> Result<Response, WebError> {
    let source = LoginSource {
        ip: client.ip,
        device_cookie: cookies::presented_device(&headers),
        user_agent: user_agent(&headers),
        client: SessionClient::Browser,
    };
    let (who, new_device) =
        passwordless(&state, &answer.ceremony, &answer.credential, source).await?;
    let cookie = login::start_session(&state, &headers, who, SessionStage::Full).await?;
    let mut response = Json(Done::next()).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    if let Some(device) = new_device.as_deref().and_then(cookies::device) {
        response.headers_mut().append(header::SET_COOKIE, device);
    }
    Ok(response)
}

/// A passwordless login in an app: a full session's tokens, and a device token for a device
/// seen for the first time.
async fn api_login_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    headers: HeaderMap,
    JsonObject(answer): JsonObject<AppLoginAnswer>,
) -> Result<Response, WebError> {
    let source = LoginSource {
        ip: client.ip,
        device_cookie: answer.device_token.as_deref(),
        user_agent: user_agent(&headers),
        client: SessionClient::Api,
    };
    let (who, new_device) =
        passwordless(&state, &answer.ceremony, &answer.credential, source).await?;
    crate::api_session::end_presented_session(&state, &headers).await?;
    let tokens = state
        .app_sessions()
        .start(who, SessionStage::Full)
        .await
        .map_err(WebError::internal)?;
    let mut dto = SessionDto::new(SessionStage::Full, &tokens);
    dto.device_token = new_device;
    Ok(Json(dto).into_response())
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// A ceremony's start: its ID and the WebAuthn options for `navigator.credentials`.
fn challenge(schemas: &mut crate::openapi::Schemas) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "required": ["ceremony", "options"],
        "properties": {
            "ceremony": {"type": "string", "description": "Send it back with the answer."},
            "options": crate::openapi::webauthn_json(schemas)
        }
    })
}

/// A ceremony's answer: its ID and the WebAuthn credential `navigator.credentials` gave
/// (an app's passwordless login may add the device token of an earlier login).
fn answer(schemas: &mut crate::openapi::Schemas) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "required": ["ceremony", "credential"],
        "additionalProperties": false,
        "properties": {
            "ceremony": {"type": "string"},
            "credential": crate::openapi::webauthn_json(schemas),
            "device_token": {"type": ["string", "null"]}
        }
    })
}

/// The passkey operations, for the OpenAPI document.
pub(crate) fn api_operations() -> Vec<ApiOperation> {
    use crate::openapi::schema;
    vec![
        ApiOperation::new(
            "POST",
            "/api/v1/passkeys/register/options",
            "Start adding a passkey.",
            None,
            Some(challenge),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/passkeys/register",
            "Finish adding a passkey; recovery codes, once, if it is the first second factor.",
            Some(answer),
            Some(schema::<Done>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/passkeys/{id}/remove",
            "Remove a passkey.",
            None,
            None,
        )
        .answering(204),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/mfa/passkey/options",
            "Start the second step with a passkey.",
            None,
            Some(challenge),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/mfa/passkey",
            "Answer the second step with a passkey.",
            Some(answer),
            Some(schema::<Done>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/passkey/options",
            "Start a passwordless login.",
            None,
            Some(challenge),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/passkey",
            "Log in with a passkey alone; a full session's tokens.",
            Some(answer),
            Some(schema::<SessionDto>),
        ),
    ]
}
