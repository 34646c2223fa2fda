//! The endpoints the session script (`static/session.js`) calls from signed-in pages: the
//! keep-alive behind "Stay signed in" and long forms (SM-9), and the beacon a closing page
//! sends when logout-on-close is on (SM-10). Both pass the session guard and its CSRF check
//! (the script sends the page's token), so another site cannot keep a session alive or end it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use helio_core::access::Access;
use serde::Serialize;

use crate::auth::SignedIn;
use crate::{AppState, RouteTable, WebError, cookies};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .post("/session/keep-alive", Access::SignedIn, keep_alive_post)
        .post("/session/closing", Access::SignedIn, closing_post)
}

/// What the script needs to restart its timer.
#[derive(Serialize)]
struct Remaining {
    /// The idle limit, counted again from now.
    idle_secs: u64,
    /// Seconds until the session's absolute end, which no keep-alive moves.
    absolute_secs: u64,
}

/// Restarts the session's idle limit from now (and cancels any pending close), answers with
/// the time left, and records the extension.
async fn keep_alive_post(
    State(state): State<AppState>,
    who: SignedIn,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let presented = cookies::presented_session(&headers).unwrap_or_default();
    if !state
        .sessions()
        .keep_alive(presented)
        .await
        .map_err(WebError::internal)?
    {
        return Err(WebError::Unauthorized);
    }
    Ok(Json(Remaining {
        idle_secs: u64::from(who.idle_timeout_secs),
        absolute_secs: state.sessions().seconds_until(who.expires_at),
    })
    .into_response())
}

/// A page of the session is closing. Without logout-on-close there is nothing to do here,
/// and the route answers as if it did not exist.
async fn closing_post(
    State(state): State<AppState>,
    who: SignedIn,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if !state.sessions().settings().logout_on_close {
        return Err(WebError::NotFound);
    }
    let presented = cookies::presented_session(&headers).unwrap_or_default();
    state
        .sessions()
        .closing(presented, who.account)
        .await
        .map_err(WebError::internal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
