//! Password reset, as pages and as JSON API (AU-3, AU-4, SM-17).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Redirect, Response};
use axum::{Extension, Form, Json};
use helio_core::access::Access;
use helio_core::values::FieldError;
use serde::Deserialize;

use crate::json_body::{Accepted, JsonObject};
use crate::openapi::ApiOperation;
use crate::pages::MessagePage;
use crate::render::{html, rendered};
use crate::services::accounts::{AccountError, ResetOutcome};
use crate::{AppState, ClientInfo, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/forgot-password", Access::Public, view_forgot_get)
        .post("/forgot-password", Access::Public, view_forgot_post)
        .get(
            "/forgot-password/sent",
            Access::Public,
            view_forgot_sent_get,
        )
        .get("/reset-password", Access::Public, view_reset_get)
        .post("/reset-password", Access::Public, view_reset_post)
        .get("/welcome", Access::Public, view_welcome_get)
        .post("/welcome", Access::Public, view_welcome_post)
        .post("/api/v1/password-resets", Access::Public, api_request_post)
        .post(
            "/api/v1/password-resets/complete",
            Access::Public,
            api_complete_post,
        )
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage;

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    heading: &'static str,
    note: &'static str,
    action: &'static str,
    token: &'a str,
    error: Option<&'static str>,
}

/// Which one-time link a password form completes.
#[derive(Clone, Copy)]
enum LinkKind {
    Reset,
    Invite,
}

impl LinkKind {
    fn page<'a>(self, token: &'a str, error: Option<&'static str>) -> ResetPage<'a> {
        match self {
            Self::Reset => ResetPage {
                heading: "Choose a new password",
                note: "Every device signed in to your account will be signed out.",
                action: "/reset-password",
                token,
                error,
            },
            Self::Invite => ResetPage {
                heading: "Welcome to Helio",
                note: "Choose the password for your staff account. At your first login you will set up two-step verification.",
                action: "/welcome",
                token,
                error,
            },
        }
    }
}

fn service_failure(error: AccountError) -> WebError {
    match error {
        AccountError::Busy => WebError::Unavailable,
        AccountError::TooMany => WebError::TooManyRequests,
        other => WebError::internal(other),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailInput {
    email: String,
}

/// No `Debug`: it carries a password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompleteInput {
    #[serde(default)]
    token: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn view_forgot_get() -> Result<Html<String>, WebError> {
    html(&ForgotPage)
}

async fn view_forgot_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Form(input): Form<EmailInput>,
) -> Result<Redirect, WebError> {
    state
        .accounts()
        .request_reset(&input.email, client.ip)
        .await
        .map_err(service_failure)?;
    Ok(Redirect::to("/forgot-password/sent"))
}

async fn view_forgot_sent_get() -> Result<Html<String>, WebError> {
    html(&MessagePage {
        heading: "Check your email",
        paragraphs: vec![
            "If the address belongs to an account, we have sent it a link to choose a new password. The link works for 30 minutes and only once.",
        ],
    })
}

async fn view_reset_get(Query(query): Query<TokenQuery>) -> Result<Html<String>, WebError> {
    html(&LinkKind::Reset.page(&query.token, None))
}

async fn view_welcome_get(Query(query): Query<TokenQuery>) -> Result<Html<String>, WebError> {
    html(&LinkKind::Invite.page(&query.token, None))
}

async fn view_reset_post(
    State(state): State<AppState>,
    Form(input): Form<CompleteInput>,
) -> Result<Response, WebError> {
    let outcome = state
        .accounts()
        .complete_reset(&input.token, &input.password)
        .await;
    password_set_page(LinkKind::Reset, &input.token, outcome)
}

async fn view_welcome_post(
    State(state): State<AppState>,
    Form(input): Form<CompleteInput>,
) -> Result<Response, WebError> {
    let outcome = state
        .accounts()
        .accept_invite(&input.token, &input.password)
        .await;
    password_set_page(LinkKind::Invite, &input.token, outcome)
}

fn password_set_page(
    kind: LinkKind,
    token: &str,
    outcome: Result<ResetOutcome, AccountError>,
) -> Result<Response, WebError> {
    match outcome {
        Ok(ResetOutcome::Done) => Ok(rendered(
            StatusCode::OK,
            html(&MessagePage {
                heading: "Your password is set",
                paragraphs: vec![
                    "Every device that was signed in has been signed out. Log in with your new password.",
                ],
            })?,
        )),
        Ok(ResetOutcome::InvalidLink) => Ok(rendered(
            StatusCode::BAD_REQUEST,
            html(&MessagePage {
                heading: "This link cannot be used",
                paragraphs: vec![
                    "The link is wrong, already used, replaced by a newer one or expired. Ask for a new one.",
                ],
            })?,
        )),
        Err(AccountError::Password(reason)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&kind.page(token, Some(reason.message())))?,
        )),
        Err(other) => Err(service_failure(other)),
    }
}

async fn api_request_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    JsonObject(input): JsonObject<EmailInput>,
) -> Result<(StatusCode, Json<Accepted>), WebError> {
    state
        .accounts()
        .request_reset(&input.email, client.ip)
        .await
        .map_err(service_failure)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "sent_if_registered",
        }),
    ))
}

async fn api_complete_post(
    State(state): State<AppState>,
    JsonObject(input): JsonObject<CompleteInput>,
) -> Result<Json<Accepted>, WebError> {
    match state
        .accounts()
        .complete_reset(&input.token, &input.password)
        .await
    {
        Ok(ResetOutcome::Done) => Ok(Json(Accepted {
            status: "password_changed",
        })),
        Ok(ResetOutcome::InvalidLink) => Err(WebError::BadRequest(
            "The token is wrong, used, replaced or expired.",
        )),
        Err(AccountError::Password(reason)) => Err(WebError::Invalid(vec![FieldError {
            field: "password",
            message: reason.message(),
        }])),
        Err(other) => Err(service_failure(other)),
    }
}

/// The password-reset operations, for the OpenAPI document.
pub(crate) fn api_operations() -> Vec<ApiOperation> {
    use crate::openapi::schema;
    vec![
        ApiOperation::new(
            "POST",
            "/api/v1/password-resets",
            "Ask for a reset link (the answer is the same for any address).",
            Some(schema::<EmailInput>),
            Some(schema::<Accepted>),
        )
        .answering(202),
        ApiOperation::new(
            "POST",
            "/api/v1/password-resets/complete",
            "Set a new password with the mailed token; every session ends.",
            Some(schema::<CompleteInput>),
            Some(schema::<Accepted>),
        ),
    ]
}
