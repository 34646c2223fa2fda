//! What the protective layers answer when they stop a request.

use std::any::Any;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::BoxError;

/// The load shedder refused a request because the concurrency limit is reached. Answering at
/// once (rather than queueing) keeps latency bounded and lets the load balancer try elsewhere.
pub(super) async fn overloaded(error: BoxError) -> Response {
    if error.is::<tower::load_shed::error::Overloaded>() {
        tracing::warn!("request shed: concurrency limit reached");
    } else {
        tracing::error!(%error, "middleware failed");
    }
    let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    response
}

/// A handler panicked. The message goes to the log with the request ID; the client gets a
/// plain 500 that the error renderer turns into the generic page, with no trace (DS-1).
pub(super) fn panicked(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-text panic payload".to_owned());
    tracing::error!(panic = %message, "handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
