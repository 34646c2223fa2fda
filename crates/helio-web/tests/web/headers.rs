//! MC-6, CR-1, SM-14, IN-3: the headers every response carries.

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;

use crate::support::{Answer, app, get, over, send};

fn assert_security_headers(answer: &Answer) {
    let csp = answer.header("content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    assert_eq!(answer.header("referrer-policy"), Some("same-origin"));
    assert!(
        answer
            .header("permissions-policy")
            .unwrap()
            .contains("camera=()")
    );
    assert_eq!(
        answer.header("cross-origin-opener-policy"),
        Some("same-origin")
    );
    assert!(answer.header("x-request-id").is_some());
}

async fn mc_6_every_response_carries_the_security_headers(store: Store) {
    let app = app(store).await;
    for path in [
        "/",
        "/static/helio.css",
        "/healthz",
        "/readyz",
        "/no/such/page",
    ] {
        let answer = get(&app, path).await;
        assert_security_headers(&answer);
    }
    let too_big = Request::post("/")
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-length", "10000000")
        .body(Body::from(vec![b'x'; 10_000_000]))
        .unwrap();
    let answer = send(&app, too_big).await;
    assert_eq!(answer.status, 413);
    assert_security_headers(&answer);
}

async fn cr_1_hsts_only_when_the_request_came_over_tls(store: Store) {
    let app = app(store).await;
    let plain = send(
        &app,
        over(
            "192.0.2.1:5000",
            false,
            Request::get("/").body(Body::empty()).unwrap(),
        ),
    )
    .await;
    assert_eq!(plain.header("strict-transport-security"), None);
    let tls = send(
        &app,
        over(
            "192.0.2.1:5000",
            true,
            Request::get("/").body(Body::empty()).unwrap(),
        ),
    )
    .await;
    let hsts = tls
        .header("strict-transport-security")
        .expect("HSTS over TLS");
    assert!(hsts.contains("max-age=63072000") && hsts.contains("includeSubDomains"));
}

async fn cr_1_forwarded_proto_counts_only_from_a_trusted_proxy(store: Store) {
    let settings = helio_web::HttpSettings {
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..helio_web::HttpSettings::default()
    };
    let app = crate::support::test_app_with(store, settings).await.router;
    let forwarded = || {
        Request::get("/")
            .header("x-forwarded-proto", "https")
            .body(Body::empty())
            .unwrap()
    };
    let spoofed = send(&app, over("203.0.113.5:4000", false, forwarded())).await;
    assert_eq!(spoofed.header("strict-transport-security"), None);
    let proxied = send(&app, over("10.1.2.3:4000", false, forwarded())).await;
    assert!(proxied.header("strict-transport-security").is_some());
}

async fn sm_14_dynamic_responses_are_never_cached(store: Store) {
    let app = app(store).await;
    for path in ["/", "/healthz", "/readyz", "/missing"] {
        assert_eq!(
            get(&app, path).await.header("cache-control"),
            Some("no-store"),
            "{path}"
        );
    }
    let css = get(&app, "/static/helio.css").await;
    assert_eq!(css.header("cache-control"), Some("public, max-age=3600"));
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
}

async fn in_3_landing_page_uses_no_inline_script_or_style(store: Store) {
    let answer = get(&app(store).await, "/").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(answer.body.contains("Solar panels on your roof"));
    assert!(
        answer
            .body
            .contains(r#"<link rel="stylesheet" href="/static/helio.css">"#)
    );
    for forbidden in [
        "<script>", "<style", " style=", "onclick", "http://", "https://",
    ] {
        assert!(
            !answer.body.contains(forbidden),
            "landing page contains {forbidden}"
        );
    }
    // Scripts come only as files from our own origin, never inline.
    for script in answer.body.split("<script").skip(1) {
        assert!(
            script.starts_with(r#" src="/static/"#) && script.contains("></script>"),
            "inline or foreign script: <script{}",
            &script[..script.len().min(80)]
        );
        let tag_end = script.find('>').unwrap();
        assert!(script[tag_end..].starts_with("></script>"));
    }
}

async fn every_request_gets_its_own_id(store: Store) {
    let app = app(store).await;
    let first = get(&app, "/healthz").await;
    let second = get(&app, "/healthz").await;
    let a = first.header("x-request-id").unwrap();
    let b = second.header("x-request-id").unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    let spoofed = send(
        &app,
        Request::get("/healthz")
            .header("x-request-id", "attacker-chosen")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_ne!(spoofed.header("x-request-id"), Some("attacker-chosen"));
}

helio_store::dual_backend_tests!(
    mc_6_every_response_carries_the_security_headers,
    cr_1_hsts_only_when_the_request_came_over_tls,
    cr_1_forwarded_proto_counts_only_from_a_trusted_proxy,
    sm_14_dynamic_responses_are_never_cached,
    in_3_landing_page_uses_no_inline_script_or_style,
    every_request_gets_its_own_id,
);
