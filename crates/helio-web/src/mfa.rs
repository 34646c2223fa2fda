//! Second-factor pages: the challenge after the password, and enrolment (forced for staff and
//! installers, optional for customers) with a server-rendered QR code (AU-1, AU-3, SM-4).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use helio_core::access::Access;
use helio_store::SessionStage;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use crate::auth::{LOG_IN_AGAIN, SignedIn};
use crate::layout::SignedInLayout;
use crate::pages::SignedInMessagePage;
use crate::render::{html, rendered};
use crate::services::accounts::SecurityNotice;
use crate::services::mfa::MfaError;
use crate::{AppState, RouteTable, WebError, cookies};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/mfa", Access::MfaChallenge, view_mfa_get)
        .post("/mfa", Access::MfaChallenge, view_mfa_post)
        .get("/mfa/enrol", Access::MfaEnrolment, view_enrol_get)
        .post("/mfa/enrol", Access::MfaEnrolment, view_enrol_post)
        .post("/mfa/totp/remove", Access::SignedIn, view_totp_remove_post)
        .post(
            "/mfa/recovery-codes",
            Access::SignedIn,
            view_recovery_codes_post,
        )
}

#[derive(Template)]
#[template(path = "mfa.html")]
struct ChallengePage {
    failed: bool,
    totp: bool,
    passkeys: bool,
    layout: SignedInLayout,
}

async fn challenge_page(
    state: &AppState,
    who: SignedIn,
    failed: bool,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let factors = state
        .mfa()
        .factors(who.account)
        .await
        .map_err(WebError::internal)?;
    html(&ChallengePage {
        failed,
        totp: factors.totp,
        passkeys: factors.passkeys > 0,
        layout,
    })
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    forced: bool,
    qr_svg: String,
    secret: String,
    failed: bool,
    layout: SignedInLayout,
}

#[derive(Template)]
#[template(path = "recovery.html")]
struct RecoveryPage<'a> {
    heading: &'static str,
    codes: Vec<&'a str>,
    layout: SignedInLayout,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeInput {
    code: String,
}

/// A half-finished login just made full under a new ID: the cookie to send, and the layout
/// of a page rendered for the new session (its CSRF token and timers, not the old one's).
pub(crate) struct Promoted {
    cookie: HeaderValue,
    pub(crate) layout: SignedInLayout,
}

impl Promoted {
    /// `response`, carrying the new session's cookie.
    pub(crate) fn respond(self, mut response: Response) -> Response {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, self.cookie);
        response
    }
}

/// Replaces the half-finished session with a full one under a new ID (SM-4).
pub(crate) async fn promote(
    state: &AppState,
    headers: &HeaderMap,
    who: SignedIn,
) -> Result<Promoted, WebError> {
    let presented = cookies::presented_session(headers).unwrap_or_default();
    let token = state
        .sessions()
        .promote(presented, who.logged_in())
        .await
        .map_err(WebError::internal)?;
    let cookie = cookies::session(token.expose(), who.role.is_staff())
        .ok_or_else(|| WebError::internal(std::io::Error::other("cookie value")))?;
    Ok(Promoted {
        cookie,
        layout: SignedInLayout::fresh(state, who.logged_in(), token.expose()),
    })
}

async fn view_mfa_get(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    challenge_page(&state, who, false, layout).await
}

async fn view_mfa_post(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
    headers: HeaderMap,
    Form(input): Form<CodeInput>,
) -> Result<Response, WebError> {
    let ok = state
        .mfa()
        .verify(who.account, &input.code)
        .await
        .map_err(WebError::internal)?;
    if !ok {
        return Ok(rendered(
            StatusCode::UNAUTHORIZED,
            challenge_page(&state, who, true, layout).await?,
        ));
    }
    Ok(promote(&state, &headers, who)
        .await?
        .respond(Redirect::to("/account").into_response()))
}

async fn enrol_page(
    state: &AppState,
    who: SignedIn,
    failed: bool,
    layout: SignedInLayout,
) -> Result<Response, WebError> {
    if !who.may_change_factors(state) {
        return log_in_again(layout);
    }
    let profile = who.profile(state).await?;
    let enrolment = match state.mfa().begin(who.account, &profile.email).await {
        Ok(enrolment) => enrolment,
        Err(MfaError::AlreadyEnrolled) => return Ok(Redirect::to("/account").into_response()),
        Err(other) => return Err(WebError::internal(other)),
    };
    let qr_svg = QrCode::new(enrolment.uri.as_bytes())
        .map_err(WebError::internal)?
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .build();
    let page = html(&EnrolPage {
        forced: who.stage == SessionStage::EnrolmentPending,
        qr_svg,
        secret: enrolment.secret_base32,
        failed,
        layout,
    })?;
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(rendered(status, page))
}

/// The refusal for a session whose login is too old to change second factors.
pub(crate) fn log_in_again(layout: SignedInLayout) -> Result<Response, WebError> {
    Ok(rendered(
        StatusCode::FORBIDDEN,
        html(&SignedInMessagePage {
            heading: "Log in again first",
            paragraphs: vec![LOG_IN_AGAIN],
            layout,
        })?,
    ))
}

async fn view_enrol_get(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
) -> Result<Response, WebError> {
    enrol_page(&state, who, false, layout).await
}

async fn view_enrol_post(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
    headers: HeaderMap,
    Form(input): Form<CodeInput>,
) -> Result<Response, WebError> {
    if !who.may_change_factors(&state) {
        return log_in_again(layout);
    }
    let codes = match state.mfa().confirm(who.account, &input.code).await {
        Ok(Some(codes)) => codes,
        Ok(None) => return enrol_page(&state, who, true, layout).await,
        Err(MfaError::AlreadyEnrolled) => return Ok(Redirect::to("/account").into_response()),
        Err(other) => return Err(WebError::internal(other)),
    };
    state
        .accounts()
        .notify_security_change(who.account, SecurityNotice::AuthenticatorAppAdded)
        .await
        .map_err(WebError::internal)?;
    let heading = "Two-step verification is on";
    let codes = codes.iter().map(|c| c.expose()).collect();
    if who.stage == SessionStage::EnrolmentPending {
        let promoted = promote(&state, &headers, who).await?;
        let page = html(&RecoveryPage {
            heading,
            codes,
            layout: promoted.layout.clone(),
        })?;
        return Ok(promoted.respond(rendered(StatusCode::OK, page)));
    }
    let page = html(&RecoveryPage {
        heading,
        codes,
        layout,
    })?;
    Ok(rendered(StatusCode::OK, page))
}

/// Why an account may not drop its authenticator app now, if it may not: its login is too
/// old, or the app is the only second factor of a role that must have one.
pub(crate) async fn totp_removal_refused(
    state: &AppState,
    who: &SignedIn,
) -> Result<Option<(StatusCode, &'static str)>, WebError> {
    if !who.may_change_factors(state) {
        return Ok(Some((StatusCode::FORBIDDEN, LOG_IN_AGAIN)));
    }
    let factors = state
        .mfa()
        .factors(who.account)
        .await
        .map_err(WebError::internal)?;
    if who.role.requires_mfa() && factors.passkeys == 0 {
        return Ok(Some((StatusCode::CONFLICT, ONLY_APP)));
    }
    Ok(None)
}

/// Removes the authenticator app and tells the owner.
pub(crate) async fn remove_totp(state: &AppState, who: &SignedIn) -> Result<(), WebError> {
    let removed = state
        .mfa()
        .remove_totp(who.account)
        .await
        .map_err(WebError::internal)?;
    if !removed {
        return Err(WebError::NotFound);
    }
    state
        .accounts()
        .notify_security_change(who.account, SecurityNotice::AuthenticatorAppRemoved)
        .await
        .map_err(WebError::internal)
}

const ONLY_APP: &str = "Your account needs a second step at every login. Add a passkey first, then remove the authenticator app.";

async fn view_totp_remove_post(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
) -> Result<Response, WebError> {
    if let Some((status, reason)) = totp_removal_refused(&state, &who).await? {
        let heading = if status == StatusCode::FORBIDDEN {
            "Log in again first"
        } else {
            "The app is your only second step"
        };
        return Ok(rendered(
            status,
            html(&SignedInMessagePage {
                heading,
                paragraphs: vec![reason],
                layout,
            })?,
        ));
    }
    remove_totp(&state, &who).await?;
    Ok(Redirect::to("/account").into_response())
}

/// New recovery codes for the account, replacing every old one, and a notice to the owner;
/// `None` when it has no second factor. Only from a recent login.
pub(crate) async fn replace_recovery_codes(
    state: &AppState,
    who: &SignedIn,
) -> Result<Option<Vec<String>>, WebError> {
    if !who.may_change_factors(state) {
        return Err(WebError::Forbidden(LOG_IN_AGAIN));
    }
    let Some(codes) = state
        .mfa()
        .replace_recovery_codes(who.account)
        .await
        .map_err(WebError::internal)?
    else {
        return Ok(None);
    };
    state
        .accounts()
        .notify_security_change(who.account, SecurityNotice::RecoveryCodesReplaced)
        .await
        .map_err(WebError::internal)?;
    Ok(Some(codes.iter().map(|c| c.expose().to_owned()).collect()))
}

async fn view_recovery_codes_post(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
) -> Result<Response, WebError> {
    let codes = match replace_recovery_codes(&state, &who).await {
        Ok(Some(codes)) => codes,
        Ok(None) => return Ok(Redirect::to("/mfa/enrol").into_response()),
        Err(WebError::Forbidden(_)) => return log_in_again(layout),
        Err(other) => return Err(other),
    };
    let page = html(&RecoveryPage {
        heading: "New recovery codes",
        codes: codes.iter().map(String::as_str).collect(),
        layout,
    })?;
    Ok(rendered(StatusCode::OK, page))
}
