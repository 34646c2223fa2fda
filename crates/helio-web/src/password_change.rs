//! Changing the password from a signed-in session, as a page and for the apps (SM-17). Every
//! session of the account ends; the browser or app that made the change gets a new session
//! under a new ID (SM-4, SM-15).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use helio_core::access::Access;
use helio_core::values::FieldError;
use helio_store::SessionStage;
use serde::Deserialize;

use crate::api_session::SessionDto;
use crate::auth::SignedIn;
use crate::json_body::JsonObject;
use crate::layout::SignedInLayout;
use crate::login;
use crate::openapi::ApiOperation;
use crate::render::{html, rendered};
use crate::services::accounts::{AccountError, PasswordChange};
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/account/password", Access::SignedIn, view_password_get)
        .post("/account/password", Access::SignedIn, view_password_post)
        .post(
            "/api/v1/account/password",
            Access::SignedIn,
            api_password_post,
        )
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    error: Option<&'static str>,
    layout: SignedInLayout,
}

/// The change form. No `Debug`: it carries passwords.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeInput {
    current_password: String,
    new_password: String,
}

const WRONG: &str = "The current password is not right.";
const THROTTLED: &str = "Too many wrong current passwords. Wait 15 minutes and try again.";

async fn change(
    state: &AppState,
    who: &SignedIn,
    input: &ChangeInput,
) -> Result<PasswordChange, AccountError> {
    state
        .accounts()
        .change_password(who.account, &input.current_password, &input.new_password)
        .await
}

async fn view_password_get(layout: SignedInLayout) -> Result<Html<String>, WebError> {
    html(&PasswordPage {
        error: None,
        layout,
    })
}

async fn view_password_post(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
    headers: HeaderMap,
    Form(input): Form<ChangeInput>,
) -> Result<Response, WebError> {
    let refused = |status, error| -> Result<Response, WebError> {
        Ok(rendered(
            status,
            html(&PasswordPage {
                error: Some(error),
                layout: layout.clone(),
            })?,
        ))
    };
    match change(&state, &who, &input).await {
        Ok(PasswordChange::Changed) => {}
        Ok(PasswordChange::WrongPassword) => return refused(StatusCode::UNAUTHORIZED, WRONG),
        Ok(PasswordChange::Throttled) => {
            return refused(StatusCode::TOO_MANY_REQUESTS, THROTTLED);
        }
        Err(AccountError::Password(reason)) => {
            return refused(StatusCode::UNPROCESSABLE_ENTITY, reason.message());
        }
        Err(AccountError::Busy) => return Err(WebError::Unavailable),
        Err(other) => return Err(WebError::internal(other)),
    }
    let cookie =
        login::start_session(&state, &headers, who.logged_in(), SessionStage::Full).await?;
    let mut response = Redirect::to("/account").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// The app's change: the same rules; the answer carries the new session's tokens.
async fn api_password_post(
    State(state): State<AppState>,
    who: SignedIn,
    JsonObject(input): JsonObject<ChangeInput>,
) -> Result<Response, WebError> {
    match change(&state, &who, &input).await {
        Ok(PasswordChange::Changed) => {}
        Ok(PasswordChange::WrongPassword) => {
            return Err(WebError::Invalid(vec![FieldError {
                field: "current_password",
                message: WRONG,
            }]));
        }
        Ok(PasswordChange::Throttled) => return Err(WebError::TooManyRequests),
        Err(AccountError::Password(reason)) => {
            return Err(WebError::Invalid(vec![FieldError {
                field: "new_password",
                message: reason.message(),
            }]));
        }
        Err(AccountError::Busy) => return Err(WebError::Unavailable),
        Err(other) => return Err(WebError::internal(other)),
    }
    let tokens = state
        .app_sessions()
        .start(who.logged_in(), SessionStage::Full)
        .await
        .map_err(WebError::internal)?;
    Ok(Json(SessionDto::new(SessionStage::Full, &tokens)).into_response())
}

/// The password change, for the OpenAPI document.
pub(crate) fn api_operations() -> Vec<ApiOperation> {
    use crate::openapi::schema;
    vec![ApiOperation::new(
        "POST",
        "/api/v1/account/password",
        "Change the password; other sessions end, this one gets new tokens.",
        Some(schema::<ChangeInput>),
        Some(schema::<SessionDto>),
    )]
}
