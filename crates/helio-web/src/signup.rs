//! Sign-up and email verification, as pages and as JSON API for the mobile apps.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use helio_core::access::Access;
use helio_core::values::FieldError;
use serde::Deserialize;

use crate::json_body::{Accepted, JsonObject};
use crate::openapi::ApiOperation;
use crate::render::{html, rendered};
use crate::services::accounts::{AccountError, SignUpForm};
use crate::{AppState, ClientInfo, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/signup", Access::Public, view_signup_get)
        .post("/signup", Access::Public, view_signup_post)
        .get("/signup/sent", Access::Public, view_signup_sent_get)
        .get("/verify-email", Access::Public, view_verify_get)
        .post("/verify-email", Access::Public, view_verify_post)
        .post("/api/v1/accounts", Access::Public, api_signup_post)
        .post(
            "/api/v1/accounts/verify-email",
            Access::Public,
            api_verify_post,
        )
}

/// The sign-up fields. No `Debug`: it carries a password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignUpInput {
    name: String,
    email: String,
    #[serde(default)]
    phone: Option<String>,
    password: String,
}

impl SignUpInput {
    fn as_form(&self) -> SignUpForm<'_> {
        SignUpForm {
            name: &self.name,
            email: &self.email,
            phone: self.phone.as_deref(),
            password: &self.password,
        }
    }
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage<'a> {
    name: &'a str,
    email: &'a str,
    phone: &'a str,
    errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    heading: &'static str,
    paragraphs: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage<'a> {
    token: &'a str,
}

async fn view_signup_get() -> Result<Html<String>, WebError> {
    html(&SignUpPage {
        name: "",
        email: "",
        phone: "",
        errors: Vec::new(),
    })
}

/// Field errors from a sign-up failure, or the failure itself when it is not the person's to fix.
fn field_errors(error: AccountError) -> Result<Vec<FieldError>, WebError> {
    match error {
        AccountError::Invalid(errors) => Ok(errors),
        AccountError::Password(reason) => Ok(vec![FieldError {
            field: "password",
            message: reason.message(),
        }]),
        AccountError::Busy => Err(WebError::Unavailable),
        AccountError::TooMany => Err(WebError::TooManyRequests),
        AccountError::Store(error) => Err(WebError::internal(error)),
        AccountError::Unreadable => Err(WebError::internal(AccountError::Unreadable)),
    }
}

fn into_web(error: AccountError) -> WebError {
    match field_errors(error) {
        Ok(fields) => WebError::Invalid(fields),
        Err(web) => web,
    }
}

async fn view_signup_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Form(input): Form<SignUpInput>,
) -> Result<Response, WebError> {
    match state.accounts().sign_up(input.as_form(), client.ip).await {
        Ok(()) => Ok(Redirect::to("/signup/sent").into_response()),
        Err(error) => {
            let errors = field_errors(error)?;
            let page = html(&SignUpPage {
                name: &input.name,
                email: &input.email,
                phone: input.phone.as_deref().unwrap_or(""),
                errors,
            })?;
            Ok(rendered(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

async fn view_signup_sent_get() -> Result<Html<String>, WebError> {
    html(&MessagePage {
        heading: "Check your email",
        paragraphs: vec![
            "If the address you gave can be used for a new account, we have sent it a link to confirm it. The link works for 24 hours.",
            "If you already have an account with that address, the message tells you so instead.",
        ],
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenInput {
    #[serde(default)]
    token: String,
}

/// Shows a confirmation button rather than acting on the GET, so mail scanners that prefetch
/// links cannot use up the token.
async fn view_verify_get(Query(input): Query<TokenInput>) -> Result<Html<String>, WebError> {
    html(&VerifyPage {
        token: &input.token,
    })
}

async fn view_verify_post(
    State(state): State<AppState>,
    Form(input): Form<TokenInput>,
) -> Result<Response, WebError> {
    let verified = state
        .accounts()
        .verify_email(&input.token)
        .await
        .map_err(into_web)?;
    let page = if verified {
        MessagePage {
            heading: "Email address confirmed",
            paragraphs: vec!["Your account is active. Thank you for confirming your address."],
        }
    } else {
        MessagePage {
            heading: "This link cannot be used",
            paragraphs: vec![
                "The confirmation link is wrong, already used or older than 24 hours.",
                "If your account is not active yet, sign up again with the same address to receive a new link.",
            ],
        }
    };
    let status = if verified {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(rendered(status, html(&page)?))
}

async fn api_signup_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    JsonObject(input): JsonObject<SignUpInput>,
) -> Result<(StatusCode, Json<Accepted>), WebError> {
    match state.accounts().sign_up(input.as_form(), client.ip).await {
        Ok(()) => Ok((
            StatusCode::ACCEPTED,
            Json(Accepted {
                status: "verification_sent",
            }),
        )),
        Err(error) => Err(into_web(error)),
    }
}

async fn api_verify_post(
    State(state): State<AppState>,
    JsonObject(input): JsonObject<TokenInput>,
) -> Result<Json<Accepted>, WebError> {
    let verified = state
        .accounts()
        .verify_email(&input.token)
        .await
        .map_err(into_web)?;
    if verified {
        Ok(Json(Accepted { status: "verified" }))
    } else {
        Err(WebError::BadRequest(
            "The token is wrong, already used or expired.",
        ))
    }
}

/// The sign-up operations, for the OpenAPI document.
pub(crate) fn api_operations() -> Vec<ApiOperation> {
    use crate::openapi::schema;
    vec![
        ApiOperation::new(
            "POST",
            "/api/v1/accounts",
            "Sign up; a confirmation link is mailed (the answer is the same for a registered address).",
            Some(schema::<SignUpInput>),
            Some(schema::<Accepted>),
        )
        .answering(202),
        ApiOperation::new(
            "POST",
            "/api/v1/accounts/verify-email",
            "Confirm the email address with the mailed token.",
            Some(schema::<TokenInput>),
            Some(schema::<Accepted>),
        ),
    ]
}
