//! LM-3 ([Audit]): the metrics listener counts requests by route template (never the path
//! with its IDs), logins by outcome and security events by name, and holds nothing a client
//! typed.

use axum::body::Body;
use axum::http::Request;
use helio_core::role::Role;
use helio_store::Store;

use crate::support::{TestApp, form_post, get_with_session, over, send, test_app};

async fn scrape(app: &TestApp) -> String {
    let answer = send(
        &app.metrics,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text"))
    );
    answer.body
}

/// The value of the sample whose line starts with `series` (0 when absent).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn lm_3_metrics_count_routes_logins_and_security_events(store: Store) {
    let app = test_app(store).await;
    let support = app
        .signed_in_as("tomas.metrics@helio.example", Role::Support)
        .await;
    let before = scrape(&app).await;
    let typed = "nobody.metrics@example.com";
    let wrong = "email=nobody.metrics%40example.com&password=a+wrong+password+it+is";
    let refused = send(
        &app.router,
        over("203.0.113.9:4000", false, form_post("/login", wrong)),
    )
    .await;
    assert_eq!(refused.status, 401);
    let id = helio_core::account::AccountId::random().to_string();
    let record = send(
        &app.router,
        get_with_session(&format!("/staff/customers/{id}"), &support),
    )
    .await;
    let refused = send(&app.router, get_with_session("/ops", &support)).await;
    assert_eq!(refused.status, 403);
    let denied = String::from_utf8_lossy(
        &helio_store::testing::dump(
            &app.store,
            "SELECT severity, details FROM audit_trail WHERE action = 'access_denied'",
        )
        .await,
    )
    .into_owned();
    assert!(
        denied.starts_with("warning")
            && denied.contains(r#""role":"support""#)
            && denied.contains(r#""capability":"operate_system""#),
        "a refused route is a security event in the trail: {denied}"
    );
    let after = scrape(&app).await;

    let failed = r#"helio_logins_total{outcome="failed"}"#;
    assert!(sample(&after, failed) > sample(&before, failed), "{after}");
    let event = r#"helio_security_events_total{event="login_failed",severity="notice"}"#;
    assert!(sample(&after, event) > sample(&before, event), "{after}");
    let route = format!(
        r#"helio_http_requests_total{{route="/staff/customers/{{id}}",method="GET",status="{}"}}"#,
        record.status
    );
    assert!(
        sample(&after, &route) >= 1.0,
        "{route} missing from {after}"
    );
    for name in helio_web::metrics::METRIC_NAMES {
        assert!(
            after.contains(&format!("# TYPE {name} ")),
            "{name} not exported"
        );
    }
    assert!(!after.contains(&id), "no ID from a path reaches a label");
    assert!(!after.contains(typed), "nothing typed reaches the metrics");
    assert!(after.contains("helio_audit_chain_intact "));
}

/// The metrics listener serves metrics and nothing else.
async fn lm_3_the_metrics_listener_serves_only_metrics(store: Store) {
    let app = test_app(store).await;
    for path in ["/", "/login", "/ops", "/api/v1/openapi.json"] {
        let answer = send(
            &app.metrics,
            Request::get(path).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(answer.status, 404, "{path}");
    }
    let public = send(
        &app.router,
        Request::get("/metrics")
            .header("host", "localhost")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(public.status, 404, "the public router serves no metrics");
}

helio_store::dual_backend_tests!(
    lm_3_metrics_count_routes_logins_and_security_events,
    lm_3_the_metrics_listener_serves_only_metrics,
);
