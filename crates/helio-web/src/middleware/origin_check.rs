//! Cross-site request forgery defence, first layer (DS-3): a state-changing browser request
//! must come from a page of our own origin.
//!
//! Browsers send `Origin` on every cross-origin request and on same-origin POSTs, and no page
//! can forge it or `Host`. A non-safe method on a browser route is accepted only when `Origin`
//! (or, if absent, `Referer`) names exactly this scheme, host and port, and `Sec-Fetch-Site`,
//! when present, says `same-origin`. The JSON API (`/api/`) is exempt: it authenticates with
//! bearer tokens, never cookies, so a forged cross-site request carries no credential.
//! [Sessions] adds a per-session token on top.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use helio_core::security_event::{EventName, SecurityEvent};

use crate::{ClientInfo, WebError};

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `scheme://host[:port]` of a URL-like header value, lower-cased.
fn origin_of(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty() && !authority.contains('@')).then(|| {
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            authority.to_ascii_lowercase()
        )
    })
}

fn same_origin(headers: &HeaderMap, via_tls: bool) -> bool {
    let header_text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if header_text("sec-fetch-site").is_some_and(|site| site != "same-origin") {
        return false;
    }
    let Some(host) = header_text(header::HOST.as_str()) else {
        return false;
    };
    let ours = format!(
        "{}://{}",
        if via_tls { "https" } else { "http" },
        host.to_ascii_lowercase()
    );
    let claimed = match header_text(header::ORIGIN.as_str()) {
        Some(origin) => origin_of(origin),
        None => header_text(header::REFERER.as_str()).and_then(origin_of),
    };
    claimed.is_some_and(|claimed| claimed == ours)
}

/// Middleware: refuses cross-origin state-changing browser requests with 403.
pub(crate) async fn check(request: Request, next: Next) -> Response {
    if is_safe(request.method()) || request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let via_tls = request
        .extensions()
        .get::<ClientInfo>()
        .is_some_and(|client| client.via_tls);
    if same_origin(request.headers(), via_tls) {
        next.run(request).await
    } else {
        crate::services::security_log::log_only(&SecurityEvent::bare(
            EventName::CrossOriginPostRefused,
        ));
        WebError::Forbidden(
            "This form must be sent from a Helio page. Reload the page and try again.",
        )
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn ds_3_same_origin_posts_pass() {
        assert!(same_origin(
            &headers(&[("host", "helio.test"), ("origin", "https://helio.test")]),
            true
        ));
        assert!(same_origin(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ]),
            false
        ));
        assert!(same_origin(
            &headers(&[
                ("host", "helio.test"),
                ("referer", "https://helio.test/signup?x=1")
            ]),
            true
        ));
    }

    #[test]
    fn ds_3_cross_origin_or_unattributed_posts_are_refused() {
        for pairs in [
            &[("host", "helio.test"), ("origin", "https://evil.test")][..],
            &[("host", "helio.test"), ("origin", "http://helio.test")][..],
            &[("host", "helio.test"), ("origin", "null")][..],
            &[("host", "helio.test")][..],
            &[
                ("host", "helio.test"),
                ("origin", "https://helio.test.evil.test"),
            ][..],
            &[
                ("host", "helio.test"),
                ("origin", "https://helio.test"),
                ("sec-fetch-site", "cross-site"),
            ][..],
            &[
                ("host", "helio.test"),
                ("referer", "https://evil.test/?https://helio.test"),
            ][..],
            &[("origin", "https://helio.test")][..],
        ] {
            assert!(!same_origin(&headers(pairs), true), "{pairs:?}");
        }
    }
}
