//! The stack every request passes through, outermost first.
//!
//! 1. request ID and its log span
//! 2. client identification (trusted-proxy aware), then the context security events take
//!    their request ID and network from
//! 3. security headers on every response, errors included
//! 4. access log, then the request metrics (by route template)
//! 5. uniform error rendering
//! 6. the same-origin check on state-changing browser requests (CSRF, first layer)
//! 7. load shedding behind a global concurrency limit, request timeout, panic catcher and body
//!    size limit (DS-3)

mod access_log;
mod limits;
mod origin_check;
mod security_headers;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::{HttpSettings, client, error, request_id};

pub use security_headers::CONTENT_SECURITY_POLICY;

/// Wraps a router in the middleware stack production uses.
pub fn harden(router: Router, settings: &HttpSettings) -> Router {
    let settings_for_client = std::sync::Arc::new(settings.clone());
    router.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(request_id::assign))
            .layer(axum::middleware::from_fn_with_state(
                settings_for_client,
                client::identify,
            ))
            .layer(axum::middleware::from_fn(
                crate::services::security_log::within_request,
            ))
            .layer(axum::middleware::from_fn(security_headers::apply))
            .layer(axum::middleware::from_fn(access_log::record))
            .layer(axum::middleware::from_fn(crate::metrics::count_request))
            .layer(axum::middleware::from_fn(error::render))
            .layer(axum::middleware::from_fn(origin_check::check))
            .layer(HandleErrorLayer::new(limits::overloaded))
            .layer(LoadShedLayer::new())
            .layer(GlobalConcurrencyLimitLayer::new(settings.concurrency_limit))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                settings.request_timeout,
            ))
            .layer(CatchPanicLayer::custom(limits::panicked))
            .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes)),
    )
}
