//! LM-2, SM-3: the access log names the request and never its secrets.

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use serde_json::Value;

use crate::support::{LogCapture, app, send};

async fn sm_3_access_log_never_writes_credentials_or_query_strings(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let answer = send(
        &app(store).await,
        Request::get("/healthz?token=query-secret-123")
            .header("authorization", "Bearer header-secret-456")
            .header("cookie", "__Host-helio=cookie-secret-789")
            .header("user-agent", "evil\tagent")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200);
    let text = capture.text();
    for secret in ["query-secret-123", "header-secret-456", "cookie-secret-789"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the log:\n{text}"
        );
    }
    let access: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["target"] == "helio::access")
        .collect();
    assert_eq!(access.len(), 1, "{text}");
    let line = &access[0];
    assert_eq!(line["path"], "/healthz");
    assert_eq!(line["status"], 200);
    assert_eq!(line["method"], "GET");
    assert_eq!(line["request_id"].as_str(), answer.header("x-request-id"));
}

async fn lm_2_internal_errors_are_logged_with_the_request_id(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let app = app(store.clone()).await;
    store.close().await;
    let answer = send(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, 503);
    let id = answer.header("x-request-id").unwrap();
    let text = capture.text();
    let warning = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["level"] == "WARN")
        .unwrap_or_else(|| panic!("no warning logged:\n{text}"));
    assert_eq!(warning["request_id"], id);
}

helio_store::dual_backend_tests!(
    sm_3_access_log_never_writes_credentials_or_query_strings,
    lm_2_internal_errors_are_logged_with_the_request_id,
);
