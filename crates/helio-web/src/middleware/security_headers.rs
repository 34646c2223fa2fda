//! Security headers on every response (MC-6, IN-3, CR-1, SM-14).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::ClientInfo;

/// Only same-origin resources, no inline script or style, no framing, no plugins, forms post
/// only to us. Injected markup therefore cannot run script or exfiltrate through forms (IN-3).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'; object-src 'none'; img-src 'self' data:";

/// Two years, subdomains included: browsers refuse plain HTTP to us once they have seen it.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), \
     magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()";

/// Headers every response carries, whatever produced it.
const FIXED: [(HeaderName, &str); 7] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    // `same-origin` rather than `no-referrer`: browsers then still send a real `Origin` on
    // same-origin form posts, which the CSRF origin check relies on.
    (header::REFERRER_POLICY, "same-origin"),
    (
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
    (
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    ),
];

/// Middleware: sets the fixed headers, HSTS when the request came over TLS, and
/// `Cache-Control: no-store` unless the handler chose a caching policy (static assets do).
pub(crate) async fn apply(request: Request, next: Next) -> Response {
    let via_tls = request
        .extensions()
        .get::<ClientInfo>()
        .is_some_and(|client| client.via_tls);
    let mut response = next.run(request).await;
    set_headers(response.headers_mut(), via_tls);
    response
}

fn set_headers(headers: &mut HeaderMap, via_tls: bool) {
    for (name, value) in FIXED {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if via_tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
