//! Static assets, compiled into the binary and served from our own origin (no CDN), so the
//! CSP can stay `default-src 'self'` and a deployment is one file.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use helio_core::access::Access;

use crate::RouteTable;

const STYLESHEET: &str = include_str!("../static/helio.css");
const ICON: &str = include_str!("../static/icon.svg");
const PASSKEYS_SCRIPT: &str = include_str!("../static/passkeys.js");
const SESSION_SCRIPT: &str = include_str!("../static/session.js");

/// Assets change only with a release; an hour of caching is safe and saves every page view
/// a request.
const ASSET_CACHE: &str = "public, max-age=3600";

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/static/helio.css", Access::Public, stylesheet_get)
        .get("/static/icon.svg", Access::Public, icon_get)
        .get("/static/passkeys.js", Access::Public, passkeys_script_get)
        .get("/static/session.js", Access::Public, session_script_get)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(ASSET_CACHE));
    response
}

async fn stylesheet_get() -> Response {
    asset("text/css; charset=utf-8", STYLESHEET)
}

async fn icon_get() -> Response {
    asset("image/svg+xml", ICON)
}

async fn passkeys_script_get() -> Response {
    asset("text/javascript; charset=utf-8", PASSKEYS_SCRIPT)
}

async fn session_script_get() -> Response {
    asset("text/javascript; charset=utf-8", SESSION_SCRIPT)
}
