//! Per-session CSRF tokens on every state-changing browser request of a signed-in session
//! (DS-3), on top of the same-origin check that every browser POST passes.
//!
//! Pages put a freshly masked token in each form (`csrf` field) and in the passkey panels
//! (sent as the `X-CSRF-Token` header by the page script). The session guard checks it before
//! the handler runs and removes the field, so the handlers' strict forms never see it.
//! Public routes (login, sign-up, reset) have no session to ride; the origin check covers them.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};

use crate::{AppState, WebError};

/// The header the page script sends the token in.
const HEADER: &str = "x-csrf-token";
/// The form field pages send it in.
const FIELD: &str = "csrf";

const REFUSED: &str = "This form has expired or was not sent from a Helio page. Go back, reload the page and try again.";

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Lets a safe request through as it is; a state-changing one only with a valid token for
/// `session`, taken from the header or from the form (whose other fields pass on unchanged).
pub(crate) async fn check(
    state: &AppState,
    session: &str,
    request: Request,
) -> Result<Request, Response> {
    if !changes_state(request.method()) {
        return Ok(request);
    }
    let refused = || WebError::Forbidden(REFUSED).into_response();
    if let Some(token) = request.headers().get(HEADER) {
        let valid = token
            .to_str()
            .is_ok_and(|token| state.sessions().csrf_valid(session, token));
        return if valid { Ok(request) } else { Err(refused()) };
    }
    if !is_form(request.headers()) {
        return Err(refused());
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, state.settings().body_limit_bytes)
        .await
        .map_err(|_| WebError::BadRequest("The request body could not be read.").into_response())?;
    let mut token = None;
    let mut rest = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(&bytes) {
        if name == FIELD {
            if token.replace(value).is_some() {
                return Err(refused());
            }
        } else {
            rest.append_pair(&name, &value);
        }
    }
    match token {
        Some(token) if state.sessions().csrf_valid(session, &token) => {
            Ok(Request::from_parts(parts, Body::from(rest.finish())))
        }
        _ => Err(refused()),
    }
}
