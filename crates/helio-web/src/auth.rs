//! Who is calling: the guard that every non-public route passes through (AC-1), and the
//! extractor handlers use to learn the signed-in account.

use axum::extract::{FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use helio_core::account::AccountId;
use helio_core::role::Role;

use crate::{AppState, WebError, cookies};

/// The signed-in account of this request. Only routes registered with a signed-in rule have
/// one; asking for it elsewhere is a programming error and fails closed (500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignedIn {
    pub(crate) account: AccountId,
    pub(crate) role: Role,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().copied().ok_or_else(|| {
            WebError::internal(std::io::Error::other(
                "SignedIn requested on a route without the signed-in guard",
            ))
        })
    }
}

/// Middleware for routes that need a session: a live session lets the request through with
/// [`SignedIn`]; anything else sends a browser to the login page (forgetting a dead cookie) and
/// answers an API client 401.
pub(crate) async fn require_signed_in(mut request: Request, next: Next) -> Response {
    let Some(state) = request.extensions().get::<AppState>().cloned() else {
        return WebError::internal(std::io::Error::other("application state missing"))
            .into_response();
    };
    let presented = cookies::presented_session(request.headers()).map(str::to_owned);
    let session = match &presented {
        Some(id) => state.sessions().authenticate(id).await,
        None => Ok(None),
    };
    match session {
        Ok(Some(active)) => {
            request.extensions_mut().insert(SignedIn {
                account: active.account,
                role: active.role,
            });
            next.run(request).await
        }
        Ok(None) if request.uri().path().starts_with("/api/") => {
            WebError::Unauthorized.into_response()
        }
        Ok(None) => {
            let mut response = Redirect::to("/login").into_response();
            if presented.is_some() {
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, cookies::expired_session());
            }
            response
        }
        Err(error) => WebError::internal(error).into_response(),
    }
}
