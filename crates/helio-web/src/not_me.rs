//! "This wasn't me" (SM-16): the page a new-device login notice links to. The link shows a
//! button rather than acting on the GET, because mail scanners prefetch links; the POST ends
//! every session of the account and requires a password reset.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use helio_core::access::Access;
use serde::Deserialize;

use crate::pages::MessagePage;
use crate::render::{html, rendered};
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/not-me", Access::Public, view_not_me_get)
        .post("/not-me", Access::Public, view_not_me_post)
}

#[derive(Template)]
#[template(path = "not_me.html")]
struct NotMePage<'a> {
    token: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenInput {
    #[serde(default)]
    token: String,
}

fn link_spent() -> Result<Response, WebError> {
    let page = html(&MessagePage {
        heading: "This link cannot be used",
        paragraphs: vec![
            "It was already used, it is older than 7 days, or it is not complete. If you think someone else is using your account, reset your password from the login page: that signs out every device.",
        ],
    })?;
    Ok(rendered(StatusCode::BAD_REQUEST, page))
}

async fn view_not_me_get(
    State(state): State<AppState>,
    Query(query): Query<TokenInput>,
) -> Result<Response, WebError> {
    if !state
        .accounts()
        .report_link_is_live(&query.token)
        .await
        .map_err(WebError::internal)?
    {
        return link_spent();
    }
    Ok(html(&NotMePage {
        token: &query.token,
    })?
    .into_response())
}

async fn view_not_me_post(
    State(state): State<AppState>,
    Form(input): Form<TokenInput>,
) -> Result<Response, WebError> {
    if !state
        .accounts()
        .disown_login(&input.token)
        .await
        .map_err(WebError::internal)?
    {
        return link_spent();
    }
    Ok(html(&MessagePage {
        heading: "Your account is secured",
        paragraphs: vec![
            "Every device is signed out and your old password no longer works. Any passkey or authenticator app added since that login is removed.",
            "We have emailed you a link to choose a new password. It works for 30 minutes.",
        ],
    })?
    .into_response())
}
