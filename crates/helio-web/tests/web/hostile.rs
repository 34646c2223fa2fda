//! IN-2, DS-1: hostile input to the endpoints of the fourth and fifth sessions (orders,
//! payments, bookings, the crew calendar and job board, the order tools, refunds, ratings,
//! the staff tools): malformed IDs, oversized bodies, the wrong content type, duplicate and
//! extra fields, control characters. Each gets a clear 4xx without internals, and nothing
//! already stored changes.

use axum::body::Body;
use axum::http::Request;
use helio_core::role::Role;
use helio_store::Store;
use helio_store::testing::dump;
use serde_json::{Value, json};

use crate::support::{csrf_for, send, test_app};

fn form(path: &str, session: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("__Host-helio={session}"))
        .header("x-csrf-token", csrf_for(session))
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn json_as(path: &str, session: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/json")
        .header("cookie", format!("__Host-helio={session}"))
        .header("x-csrf-token", csrf_for(session))
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn bearer(path: &str, token: &str, content_type: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .header("idempotency-key", "hostile-key-0001")
        .body(Body::from(body))
        .unwrap()
}

async fn in_2_hostile_input_to_orders_bookings_and_staff_tools_changes_nothing(store: Store) {
    let app = test_app(store).await;
    let token = app
        .app_token_as("hostil.cliente@example.com", Role::Customer)
        .await;
    let created = send(
        &app.router,
        bearer(
            "/api/v1/orders",
            &token,
            "application/json",
            json!({"street": "Calle 1", "postal_code": "28013", "city": "Madrid", "monthly_kwh": 350, "roof_m2": 40}).to_string(),
        ),
    )
    .await;
    assert_eq!(created.status, 201);
    let order = serde_json::from_str::<Value>(&created.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let customer = app
        .signed_in_as("hostil.pagina@example.com", Role::Customer)
        .await;
    let crew = app
        .signed_in_as("hostil.crew@crew.example", Role::Installer)
        .await;
    let support = app
        .signed_in_as("hostil.support@helio.example", Role::Support)
        .await;
    let admin = app
        .signed_in_as("hostil.admin@helio.example", Role::Admin)
        .await;
    let support_id = app.account_id("hostil.support@helio.example").await;
    let crew_token = app
        .app_token_as("hostil.crew.app@crew.example", Role::Installer)
        .await;
    let area = send(&app.router, form("/jobs/area", &crew, "provinces=28")).await;
    assert_eq!(area.status, 303);

    let huge = format!("reason={}", "x".repeat(200 * 1024));
    let huge_json = json!({"day": "x".repeat(200 * 1024)}).to_string();
    let cases: Vec<(Request<Body>, u16)> = vec![
        // Malformed and unknown IDs.
        (form("/orders/not-an-id/cancel", &customer, ""), 404),
        (
            form(
                "/orders/%3Cscript%3E/deposit",
                &customer,
                "payment_token=tok_visa_test&idempotency_key=abcdefgh",
            ),
            404,
        ),
        (form(&format!("/orders/{order}/cancel"), &customer, ""), 404),
        (
            form(
                "/staff/orders/not-an-id/cancel",
                &support,
                "reason=ticket+1",
            ),
            404,
        ),
        (
            form(
                "/staff/orders/00000000-0000-4000-8000-000000000000/reschedule",
                &support,
                "reason=ticket+1",
            ),
            404,
        ),
        (
            form(
                "/admin/staff/not-an-id/role",
                &admin,
                "role=sales&reason=ticket+1",
            ),
            404,
        ),
        (form("/admin/approvals/not-an-id/approve", &admin, ""), 404),
        // Oversized bodies.
        (
            form(&format!("/staff/orders/{order}/cancel"), &support, &huge),
            413,
        ),
        (
            bearer(
                &format!("/api/v1/orders/{order}/book"),
                &token,
                "application/json",
                huge_json,
            ),
            413,
        ),
        // The wrong content type, and JSON that is not an object.
        (json_as("/jobs/area", &crew, r#"{"provinces":"28"}"#), 415),
        (
            bearer(
                &format!("/api/v1/orders/{order}/book"),
                &token,
                "text/plain",
                "day=2030-01-01".to_owned(),
            ),
            415,
        ),
        (
            bearer(
                &format!("/api/v1/orders/{order}/book"),
                &token,
                "application/json",
                "[\"2030-01-01\"]".to_owned(),
            ),
            422,
        ),
        (
            bearer(
                &format!("/api/v1/orders/{order}/deposit"),
                &token,
                "application/json",
                "{\"payment_token\":".to_owned(),
            ),
            400,
        ),
        // Duplicate, extra and control-character fields.
        (form("/jobs/area", &crew, "provinces=28&provinces=45"), 422),
        (
            form(
                "/jobs/capacity",
                &crew,
                "day=2030-01-01&capacity=1&crew=other",
            ),
            422,
        ),
        (
            form(
                &format!("/staff/orders/{order}/cancel"),
                &support,
                "reason=two%0Alines",
            ),
            422,
        ),
        (
            form(
                &format!("/staff/orders/{order}/discount"),
                &support,
                "percent=5&reason=x",
            ),
            403,
        ),
        (
            form(
                "/admin/staff/invite",
                &admin,
                "email=a%00b%40x.es&name=N&role=sales&reason=ticket+1",
            ),
            422,
        ),
        (
            form(
                &format!("/admin/staff/{support_id}/role"),
                &admin,
                "role=admin&reason=ticket+1&role=sales",
            ),
            422,
        ),
        // The job board, refunds, inspection, reassignment and ratings.
        (form("/jobs/offers/not-an-id/accept", &crew, ""), 404),
        (
            form(
                "/jobs/offers/00000000-0000-4000-8000-000000000000/decline",
                &crew,
                "",
            ),
            404,
        ),
        (
            form(
                "/jobs/offers/00000000-0000-4000-8000-000000000000/accept",
                &crew,
                "offer=1",
            ),
            422,
        ),
        (form("/jobs/work/%00/survey", &crew, ""), 404),
        (form(&format!("/jobs/work/{order}/install"), &crew, ""), 404),
        (
            form(&format!("/jobs/work/{order}/hand-back"), &crew, ""),
            404,
        ),
        (
            form(&format!("/orders/{order}/rating"), &customer, "stars=5"),
            404,
        ),
        (
            bearer(
                &format!("/api/v1/orders/{order}/rating"),
                &token,
                "application/json",
                json!({"stars": "5"}).to_string(),
            ),
            422,
        ),
        (
            bearer(
                &format!("/api/v1/orders/{order}/rating"),
                &token,
                "application/json",
                json!({"stars": 300}).to_string(),
            ),
            422,
        ),
        (
            bearer(
                &format!("/api/v1/orders/{order}/rating"),
                &token,
                "application/json",
                json!({"stars": 5, "crew": "mine"}).to_string(),
            ),
            422,
        ),
        (
            bearer(
                &format!("/api/v1/orders/{order}/balance"),
                &token,
                "application/json",
                "\"tok_visa_test\"".to_owned(),
            ),
            422,
        ),
        (
            form(
                &format!("/staff/orders/{order}/refund"),
                &support,
                "amount=1e9&reason=ticket+1",
            ),
            422,
        ),
        (
            form(
                &format!("/staff/orders/{order}/refund"),
                &support,
                "amount=10&reason=two%0Alines",
            ),
            422,
        ),
        (
            form(
                &format!("/staff/orders/{order}/refund"),
                &support,
                "amount=10&reason=ticket+1&amount=20",
            ),
            422,
        ),
        (
            form(
                &format!("/staff/orders/{order}/inspect"),
                &support,
                "reason=ticket%091",
            ),
            422,
        ),
        (
            form(
                &format!("/staff/orders/{order}/reassign"),
                &support,
                "reason=ticket+1",
            ),
            409,
        ),
        (form("/admin/refunds/not-an-id/approve", &admin, ""), 404),
        (
            bearer(
                "/api/v1/offers/not-an-id/accept",
                &crew_token,
                "application/json",
                String::new(),
            ),
            404,
        ),
        (
            bearer(
                &format!("/api/v1/jobs/{order}/survey"),
                &crew_token,
                "application/json",
                String::new(),
            ),
            404,
        ),
        (
            bearer(
                &format!("/api/v1/jobs/{order}/hand-back"),
                &crew_token,
                "application/json",
                String::new(),
            ),
            404,
        ),
        (
            bearer(
                &format!("/api/v1/orders/{order}/book"),
                &crew_token,
                "application/json",
                json!({"day": "2030-01-01"}).to_string(),
            ),
            403,
        ),
        (
            form(
                "/admin/refunds/00000000-0000-4000-8000-000000000000/refuse",
                &admin,
                "reason=ticket+1",
            ),
            404,
        ),
        (
            bearer(
                "/api/v1/quotes",
                &token,
                "application/json",
                json!({"latitude": "40", "monthly_kwh": 1, "roof_m2": 1}).to_string(),
            ),
            422,
        ),
    ];
    for (request, status) in cases {
        let path = request.uri().path().to_owned();
        let answer = send(&app.router, request).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        for leak in [
            "panicked",
            "sqlx",
            "at crates/",
            "Error {",
            "<script>",
            "deserialize",
        ] {
            assert!(!answer.body.contains(leak), "{path} shows {leak:?}");
        }
    }

    // Nothing stored changed: the order is still a quote, the crew serves Madrid only, the
    // support agent is still support, and no staff action was recorded.
    let state = dump(&app.store, "SELECT state FROM orders").await;
    assert_eq!(
        String::from_utf8_lossy(&state).trim_end_matches('\0'),
        "quote"
    );
    let areas = dump(&app.store, "SELECT province FROM crew_areas").await;
    assert_eq!(String::from_utf8_lossy(&areas).trim_end_matches('\0'), "28");
    let roles = dump(
        &app.store,
        "SELECT role FROM accounts WHERE role = 'support'",
    )
    .await;
    assert_eq!(
        String::from_utf8_lossy(&roles).matches("support").count(),
        1
    );
    for table in [
        "SELECT id FROM refunds",
        "SELECT id FROM job_offers",
        "SELECT order_id FROM crew_ratings",
        "SELECT id FROM payments",
    ] {
        assert!(dump(&app.store, table).await.is_empty(), "{table}");
    }
    let trail = dump(&app.store, "SELECT action FROM audit_trail").await;
    let trail = String::from_utf8_lossy(&trail);
    for changed in [
        "order_cancelled",
        "order_rescheduled",
        "discount_given",
        "staff_invited",
        "staff_role_changed",
        "refund_requested",
        "order_inspected",
        "order_reassigned",
    ] {
        assert!(!trail.contains(changed), "{changed} in {trail}");
    }
}

helio_store::dual_backend_tests!(
    in_2_hostile_input_to_orders_bookings_and_staff_tools_changes_nothing
);
