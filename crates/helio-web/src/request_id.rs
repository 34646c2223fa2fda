//! A fresh ID for every request, on its response, its log lines and its error page.
//!
//! The ID is always generated here: an ID sent by a client is never trusted or echoed, so it
//! cannot be used to inject into logs or to make two requests look like one.

use std::fmt;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use uuid::Uuid;

/// The response header carrying the request ID.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A random identifier for one request, for support and log correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(Uuid);

impl RequestId {
    fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Middleware: assigns the ID, runs the request inside a log span that carries it, and sets
/// the `X-Request-Id` response header.
pub(crate) async fn assign(mut request: Request, next: Next) -> Response {
    let id = RequestId::new();
    request.extensions_mut().insert(id);
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
