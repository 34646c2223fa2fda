//! Login, the second step, enrolment, refresh and logout in the JSON API, for the mobile apps
//! (AU-1, AU-4, SM-8). The same rules as the web pages: one generic failure, throttling, the
//! second factor before anything else, forced enrolment for staff and installers. Sessions
//! are reached with bearer tokens and never with cookies.

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helio_core::access::Access;
use helio_core::id::handle_hex;
use helio_core::session::EndReason;
use helio_store::{SessionClient, SessionStage};
use serde::{Deserialize, Serialize};

use crate::auth::{LOG_IN_AGAIN, SignedIn};
use crate::dates::rfc3339;
use crate::json_body::JsonObject;
use crate::openapi::ApiOperation;
use crate::services::accounts::{AccountError, LoginOutcome, LoginSource, SecurityNotice};
use crate::services::app_sessions::{AppSession, AppTokens, RefreshOutcome};
use crate::services::mfa::MfaError;
use crate::{AppState, ClientInfo, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .post("/api/v1/sessions", Access::Public, login_post)
        .post("/api/v1/sessions/refresh", Access::Public, refresh_post)
        .post(
            "/api/v1/sessions/mfa",
            Access::MfaChallenge,
            second_factor_post,
        )
        .post("/api/v1/sessions/end", Access::SignedIn, end_post)
        .post("/api/v1/sessions/cancel", Access::LoginInProgress, end_post)
        .post("/api/v1/mfa/totp", Access::MfaEnrolment, totp_begin_post)
        .post(
            "/api/v1/mfa/totp/confirm",
            Access::MfaEnrolment,
            totp_confirm_post,
        )
        .post(
            "/api/v1/mfa/totp/remove",
            Access::SignedIn,
            totp_remove_post,
        )
        .post(
            "/api/v1/mfa/recovery-codes",
            Access::SignedIn,
            recovery_codes_post,
        )
        .get("/api/v1/account", Access::SignedIn, account_get)
        .get("/api/v1/account/activity", Access::SignedIn, activity_get)
        .get("/api/v1/sessions", Access::SignedIn, sessions_get)
        .post(
            "/api/v1/sessions/{id}/end",
            Access::SignedIn,
            session_end_post,
        )
        .post(
            "/api/v1/sessions/end-others",
            Access::SignedIn,
            sessions_end_others_post,
        )
}

/// Login fields. No `Debug`: it carries a password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginInput {
    email: String,
    password: String,
    /// The device token an earlier login on this device returned: like the browser's device
    /// cookie, it keeps this device out of a lock aimed at unknown sources.
    #[serde(default)]
    device_token: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeInput {
    code: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshInput {
    refresh_token: String,
}

/// Where a login stands and the tokens for its next step (IN-4: nothing else).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SessionDto {
    /// `signed_in`, `mfa_required` or `mfa_enrolment_required`.
    status: &'static str,
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    token_type: &'static str,
    expires_in: u64,
    /// Given once per device, at its first successful login; names no one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) device_token: Option<String>,
}

impl SessionDto {
    /// The DTO for a session at `stage` with its tokens.
    pub(crate) fn new(stage: SessionStage, tokens: &AppTokens) -> Self {
        Self {
            device_token: None,
            status: match stage {
                SessionStage::Full => "signed_in",
                SessionStage::MfaPending => "mfa_required",
                SessionStage::EnrolmentPending => "mfa_enrolment_required",
            },
            access_token: tokens.access.expose().to_owned(),
            refresh_token: tokens.refresh.as_ref().map(|t| t.expose().to_owned()),
            token_type: "Bearer",
            expires_in: tokens.expires_in,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct EnrolmentDto {
    otpauth_uri: String,
    secret: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct EnrolledDto {
    recovery_codes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<SessionDto>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CrewDto {
    id: String,
    name: String,
    company: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct SecondFactorsDto {
    authenticator_app: bool,
    passkeys: u32,
    recovery_codes_left: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
struct RecoveryCodesDto {
    recovery_codes: Vec<String>,
}

/// A passkey as its owner's app lists it: no key material.
#[derive(Serialize, utoipa::ToSchema)]
struct PasskeyDto {
    id: String,
    created_at: String,
    last_used_at: Option<String>,
}

/// The account as its holder sees it (IN-4: no hashes, indexes or key versions).
#[derive(Serialize, utoipa::ToSchema)]
struct AccountDto {
    name: String,
    email: String,
    role: &'static str,
    crew: Option<CrewDto>,
    second_factors: SecondFactorsDto,
    passkeys: Vec<PasskeyDto>,
}

/// A live session as the owner's app lists it (SM-16): a handle, never the ID or a token.
#[derive(Serialize, utoipa::ToSchema)]
struct ListedSessionDto {
    id: String,
    client: &'static str,
    device: Option<String>,
    network: Option<String>,
    created_at: String,
    last_seen_at: String,
    current: bool,
}

fn session_from(extensions: Option<Extension<AppSession>>) -> Result<AppSession, WebError> {
    extensions
        .map(|Extension(session)| session)
        .ok_or_else(|| WebError::internal(std::io::Error::other("app session missing")))
}

async fn login_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    headers: HeaderMap,
    JsonObject(input): JsonObject<LoginInput>,
) -> Result<Response, WebError> {
    let source = LoginSource {
        ip: client.ip,
        device_cookie: input.device_token.as_deref(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
        client: SessionClient::Api,
    };
    let outcome = state
        .accounts()
        .login(&input.email, &input.password, source)
        .await
        .map_err(|error| match error {
            AccountError::Busy => WebError::Unavailable,
            AccountError::TooMany => WebError::TooManyRequests,
            other => WebError::internal(other),
        })?;
    let LoginOutcome::Success(login) = outcome else {
        return Err(WebError::Unauthorized);
    };
    let stage = if state
        .mfa()
        .is_enrolled(login.who.account)
        .await
        .map_err(WebError::internal)?
    {
        SessionStage::MfaPending
    } else if login.who.role.requires_mfa() {
        SessionStage::EnrolmentPending
    } else {
        SessionStage::Full
    };
    end_presented_session(&state, &headers).await?;
    let tokens = state
        .app_sessions()
        .start(login.who, stage)
        .await
        .map_err(WebError::internal)?;
    let mut dto = SessionDto::new(stage, &tokens);
    dto.device_token = login.new_device_cookie;
    Ok(Json(dto).into_response())
}

/// An app that logs in again while holding a session sends that session's token as its
/// bearer: the new login ends it (SM-15), so re-authenticating never leaves two sessions.
pub(crate) async fn end_presented_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(), WebError> {
    if let Some(token) = crate::auth::bearer(headers) {
        state
            .app_sessions()
            .end_presented(token)
            .await
            .map_err(WebError::internal)?;
    }
    Ok(())
}

async fn refresh_post(
    State(state): State<AppState>,
    JsonObject(input): JsonObject<RefreshInput>,
) -> Result<Response, WebError> {
    match state
        .app_sessions()
        .refresh(&input.refresh_token)
        .await
        .map_err(WebError::internal)?
    {
        RefreshOutcome::Rotated(tokens) => {
            Ok(Json(SessionDto::new(SessionStage::Full, &tokens)).into_response())
        }
        RefreshOutcome::Reused | RefreshOutcome::Invalid => Err(WebError::Unauthorized),
    }
}

async fn second_factor_post(
    State(state): State<AppState>,
    who: SignedIn,
    session: Option<Extension<AppSession>>,
    JsonObject(input): JsonObject<CodeInput>,
) -> Result<Response, WebError> {
    let session = session_from(session)?;
    let ok = state
        .mfa()
        .verify(who.account, &input.code)
        .await
        .map_err(WebError::internal)?;
    if !ok {
        return Err(WebError::Unauthorized);
    }
    let tokens = state
        .app_sessions()
        .promote(session, who.logged_in())
        .await
        .map_err(WebError::internal)?;
    Ok(Json(SessionDto::new(SessionStage::Full, &tokens)).into_response())
}

async fn end_post(
    State(state): State<AppState>,
    _who: SignedIn,
    session: Option<Extension<AppSession>>,
) -> Result<Response, WebError> {
    state
        .app_sessions()
        .end(session_from(session)?, EndReason::Logout)
        .await
        .map_err(WebError::internal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn totp_begin_post(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Response, WebError> {
    if !who.may_change_factors(&state) {
        return Err(WebError::Forbidden(LOG_IN_AGAIN));
    }
    let profile = who.profile(&state).await?;
    match state.mfa().begin(who.account, &profile.email).await {
        Ok(enrolment) => Ok(Json(EnrolmentDto {
            otpauth_uri: enrolment.uri,
            secret: enrolment.secret_base32,
        })
        .into_response()),
        Err(MfaError::AlreadyEnrolled) => Err(WebError::BadRequest(
            "An authenticator app is already set up for this account.",
        )),
        Err(other) => Err(WebError::internal(other)),
    }
}

async fn totp_confirm_post(
    State(state): State<AppState>,
    who: SignedIn,
    session: Option<Extension<AppSession>>,
    JsonObject(input): JsonObject<CodeInput>,
) -> Result<Response, WebError> {
    if !who.may_change_factors(&state) {
        return Err(WebError::Forbidden(LOG_IN_AGAIN));
    }
    let codes = match state.mfa().confirm(who.account, &input.code).await {
        Ok(Some(codes)) => codes,
        Ok(None) => {
            return Err(WebError::Invalid(vec![helio_core::values::FieldError {
                field: "code",
                message: "That code is not right. Check the time on the phone and try the next code.",
            }]));
        }
        Err(MfaError::AlreadyEnrolled) => {
            return Err(WebError::BadRequest(
                "An authenticator app is already set up for this account.",
            ));
        }
        Err(other) => return Err(WebError::internal(other)),
    };
    state
        .accounts()
        .notify_security_change(who.account, SecurityNotice::AuthenticatorAppAdded)
        .await
        .map_err(WebError::internal)?;
    let session = if who.stage == SessionStage::EnrolmentPending {
        let tokens = state
            .app_sessions()
            .promote(session_from(session)?, who.logged_in())
            .await
            .map_err(WebError::internal)?;
        Some(SessionDto::new(SessionStage::Full, &tokens))
    } else {
        None
    };
    Ok(Json(EnrolledDto {
        recovery_codes: codes.iter().map(|c| c.expose().to_owned()).collect(),
        session,
    })
    .into_response())
}

async fn account_get(State(state): State<AppState>, who: SignedIn) -> Result<Response, WebError> {
    let profile = who.profile(&state).await?;
    let factors = state
        .mfa()
        .factors(who.account)
        .await
        .map_err(WebError::internal)?;
    let passkeys = state
        .passkeys()
        .list(who.account)
        .await
        .map_err(WebError::internal)?
        .into_iter()
        .map(|p| PasskeyDto {
            id: p.id,
            created_at: rfc3339(p.created_at),
            last_used_at: p.last_used_at.map(rfc3339),
        })
        .collect();
    Ok(Json(AccountDto {
        passkeys,
        name: profile.name,
        email: profile.email,
        role: profile.role.as_str(),
        crew: profile.crew.map(|crew| CrewDto {
            id: crew.id.to_string(),
            name: crew.name,
            company: crew.company_name,
        }),
        second_factors: SecondFactorsDto {
            authenticator_app: factors.totp,
            passkeys: factors.passkeys,
            recovery_codes_left: state
                .mfa()
                .recovery_codes_left(who.account)
                .await
                .map_err(WebError::internal)?,
        },
    })
    .into_response())
}

async fn totp_remove_post(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Response, WebError> {
    match crate::mfa::totp_removal_refused(&state, &who).await? {
        Some((StatusCode::FORBIDDEN, reason)) => Err(WebError::Forbidden(reason)),
        Some((_, reason)) => Err(WebError::Conflict(reason)),
        None => {
            crate::mfa::remove_totp(&state, &who).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

async fn recovery_codes_post(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Response, WebError> {
    match crate::mfa::replace_recovery_codes(&state, &who).await? {
        Some(recovery_codes) => Ok(Json(RecoveryCodesDto { recovery_codes }).into_response()),
        None => Err(WebError::Conflict(
            "Recovery codes stand in for a second factor; set one up first.",
        )),
    }
}

/// One entry of the account's security activity.
#[derive(Serialize, utoipa::ToSchema)]
struct ActivityDto {
    kind: &'static str,
    description: &'static str,
    warning: bool,
    at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<String>,
}

/// How many entries the account's activity shows.
pub(crate) const ACTIVITY_SHOWN: u32 = 30;

/// The account's latest security activity, newest first (SM-16, SM-18).
async fn activity_get(State(state): State<AppState>, who: SignedIn) -> Result<Response, WebError> {
    let entries: Vec<ActivityDto> = state
        .sessions()
        .activity()
        .recent(who.account, ACTIVITY_SHOWN)
        .await
        .map_err(WebError::internal)?
        .into_iter()
        .map(|entry| ActivityDto {
            kind: entry.kind.as_str(),
            description: entry.kind.describe(),
            warning: entry.kind.is_warning(),
            at: rfc3339(entry.at),
            client: entry.client.map(client_name),
            device: entry.device,
            network: entry.network,
        })
        .collect();
    Ok(Json(entries).into_response())
}

/// How the API names a kind of client.
const fn client_name(client: SessionClient) -> &'static str {
    match client {
        SessionClient::Browser => "browser",
        SessionClient::Api => "app",
    }
}

async fn sessions_get(
    State(state): State<AppState>,
    who: SignedIn,
    session: Option<Extension<AppSession>>,
) -> Result<Response, WebError> {
    let session = session_from(session)?;
    let listed: Vec<ListedSessionDto> = state
        .sessions()
        .list(who.account, session.id_hash())
        .await
        .map_err(WebError::internal)?
        .into_iter()
        .map(|s| ListedSessionDto {
            id: handle_hex(&s.public_id),
            client: client_name(s.client),
            device: s.device,
            network: s.network,
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            current: s.current,
        })
        .collect();
    Ok(Json(listed).into_response())
}

async fn session_end_post(
    State(state): State<AppState>,
    who: SignedIn,
    Path(handle): Path<String>,
) -> Result<Response, WebError> {
    if state
        .sessions()
        .end_listed(who.account, &handle)
        .await
        .map_err(WebError::internal)?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(WebError::NotFound)
    }
}

async fn sessions_end_others_post(
    State(state): State<AppState>,
    who: SignedIn,
    session: Option<Extension<AppSession>>,
) -> Result<Response, WebError> {
    let session = session_from(session)?;
    state
        .sessions()
        .end_others(who.account, session.id_hash())
        .await
        .map_err(WebError::internal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The API's session and account operations, for the OpenAPI document.
pub(crate) fn api_operations() -> Vec<ApiOperation> {
    use crate::openapi::{list_of, schema};
    vec![
        ApiOperation::new(
            "POST",
            "/api/v1/sessions",
            "Log in with email and password; the tokens of the next step.",
            Some(schema::<LoginInput>),
            Some(schema::<SessionDto>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/refresh",
            "Trade a refresh token for new tokens (each refresh token works once).",
            Some(schema::<RefreshInput>),
            Some(schema::<SessionDto>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/mfa",
            "Answer the second step with an authenticator code or a recovery code.",
            Some(schema::<CodeInput>),
            Some(schema::<SessionDto>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/end",
            "Log out: end this session.",
            None,
            None,
        )
        .answering(204),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/cancel",
            "Abandon a login half-way.",
            None,
            None,
        )
        .answering(204),
        ApiOperation::new(
            "POST",
            "/api/v1/mfa/totp",
            "Start setting up an authenticator app.",
            None,
            Some(schema::<EnrolmentDto>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/mfa/totp/confirm",
            "Confirm the authenticator app with its first code; recovery codes, once.",
            Some(schema::<CodeInput>),
            Some(schema::<EnrolledDto>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/mfa/totp/remove",
            "Remove the authenticator app (where the role allows it).",
            None,
            None,
        )
        .answering(204),
        ApiOperation::new(
            "POST",
            "/api/v1/mfa/recovery-codes",
            "Replace the recovery codes; the new ones, once.",
            None,
            Some(schema::<RecoveryCodesDto>),
        ),
        ApiOperation::new(
            "GET",
            "/api/v1/account",
            "The account as its holder sees it.",
            None,
            Some(schema::<AccountDto>),
        ),
        ApiOperation::new(
            "GET",
            "/api/v1/account/activity",
            "The account's security activity, newest first.",
            None,
            Some(list_of::<ActivityDto>),
        ),
        ApiOperation::new(
            "GET",
            "/api/v1/sessions",
            "The account's live sessions.",
            None,
            Some(list_of::<ListedSessionDto>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/{id}/end",
            "End one of the account's sessions.",
            None,
            None,
        )
        .answering(204),
        ApiOperation::new(
            "POST",
            "/api/v1/sessions/end-others",
            "End every other session of the account.",
            None,
            None,
        )
        .answering(204),
    ]
}
