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
use helio_store::SessionStage;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use crate::auth::{LOG_IN_AGAIN, SignedIn};
use crate::json_body::JsonObject;
use crate::pages::MessagePage;
use crate::render::{html, rendered};
use crate::services::accounts::{LoggedIn, SecurityNotice};
use crate::services::passkeys::{PasskeyError, Started};
use crate::{AppState, ClientInfo, RouteTable, WebError, login, mfa};

pub(crate) fn routes() -> RouteTable {
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

/// Where the browser goes next, and recovery codes to show once when this passkey was the
/// account's first second factor.
#[derive(Serialize)]
struct Done {
    next: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    recovery_codes: Vec<String>,
}

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
    let response = Json(Done {
        next: "/account",
        recovery_codes,
    })
    .into_response();
    if who.stage == SessionStage::EnrolmentPending {
        mfa::promote(&state, &headers, who, response).await
    } else {
        Ok(response)
    }
}

async fn remove_post(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    if !who.may_change_factors(&state) {
        return Ok(rendered(
            StatusCode::FORBIDDEN,
            html(&MessagePage {
                heading: "Log in again first",
                paragraphs: vec![LOG_IN_AGAIN],
            })?,
        ));
    }
    let factors = state
        .mfa()
        .factors(who.account)
        .await
        .map_err(WebError::internal)?;
    if who.role.requires_mfa() && !factors.totp && factors.passkeys <= 1 {
        let page = html(&MessagePage {
            heading: "This passkey is your only second step",
            paragraphs: vec![
                "Your account needs a second step at every login. Add another passkey or set up an authenticator app first, then remove this one.",
            ],
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
        .accounts()
        .notify_security_change(who.account, SecurityNotice::PasskeyRemoved)
        .await
        .map_err(WebError::internal)?;
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
    JsonObject(answer): JsonObject<Answer<PublicKeyCredential>>,
) -> Result<Response, WebError> {
    state
        .passkeys()
        .finish_second_factor(who.account, &answer.ceremony, &answer.credential)
        .await
        .map_err(failure)?;
    let response = Json(Done {
        next: "/account",
        recovery_codes: Vec::new(),
    })
    .into_response();
    mfa::promote(&state, &headers, who, response).await
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

/// A passwordless login. The passkey is both factors (the device, unlocked by the person's
/// biometric or PIN), so the session is fully signed in at once, under a new ID (SM-15).
async fn login_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonObject(answer): JsonObject<Answer<PublicKeyCredential>>,
) -> Result<Response, WebError> {
    let account = state
        .passkeys()
        .finish_login(&answer.ceremony, &answer.credential)
        .await
        .map_err(failure)?;
    let Some(role) = state
        .accounts()
        .active_role(account)
        .await
        .map_err(WebError::internal)?
    else {
        tracing::info!(target: "helio::security", event = "login_failed", method = "passkey", reason = "inactive", %account, "login failed");
        return Err(failure(PasskeyError::Refused));
    };
    tracing::info!(target: "helio::security", event = "login_succeeded", method = "passkey", %account, %role, "login succeeded");
    let cookie = login::start_session(
        &state,
        &headers,
        LoggedIn { account, role },
        SessionStage::Full,
    )
    .await?;
    let mut response = Json(Done {
        next: "/account",
        recovery_codes: Vec::new(),
    })
    .into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
