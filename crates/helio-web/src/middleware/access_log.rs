//! One JSON access-log line per request.
//!
//! Only the method, the path (never the query string, which may carry tokens), the status,
//! the duration and the client's address are written; headers and bodies never are (SM-3).

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::ClientInfo;

/// Middleware: logs the request when its response is ready.
pub(crate) async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let client = request.extensions().get::<ClientInfo>().copied();
    let response = next.run(request).await;
    let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        target: "helio::access",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        duration_us,
        client_ip = client.map(|c| c.ip.to_string()),
        tls = client.is_some_and(|c| c.via_tls),
        "request"
    );
    response
}
