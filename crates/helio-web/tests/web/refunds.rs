//! Refunds (SYS-1, AC-5, DS-2): support refund a cancelled or completed order up to what was
//! paid; within the limit at once, above it only after another admin approves; every
//! payment and refund of high value is in the audit trail.

use helio_core::role::Role;
use helio_store::Store;
use helio_store::testing::dump;
use serde_json::{Value, json};

use crate::schedule::api;
use crate::support::{TestApp, post_with_session, send, test_app};

/// A customer's cancelled order with its deposit paid (`monthly_kwh` sizes it); the order ID
/// and the deposit in cents.
async fn cancelled(app: &TestApp, token: &str, key: &str, monthly_kwh: u32) -> (String, u64) {
    let created = send(
        &app.router,
        api(
            "POST",
            "/api/v1/orders",
            token,
            Some(&format!("order-{key}")),
            Some(&json!({"street": "Calle 3", "postal_code": "28013", "city": "Madrid", "monthly_kwh": monthly_kwh, "roof_m2": 400})),
        ),
    )
    .await;
    let order: Value = serde_json::from_str(&created.body).unwrap();
    let id = order["id"].as_str().unwrap().to_owned();
    let paid = send(
        &app.router,
        api(
            "POST",
            &format!("/api/v1/orders/{id}/deposit"),
            token,
            Some(&format!("deposit-{key}")),
            Some(&json!({"payment_token": "tok_visa_test"})),
        ),
    )
    .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let paid: Value = serde_json::from_str(&paid.body).unwrap();
    let cancelled = send(
        &app.router,
        api(
            "POST",
            &format!("/api/v1/orders/{id}/cancel"),
            token,
            None,
            None,
        ),
    )
    .await;
    assert_eq!(cancelled.status, 200);
    (id, paid["paid_cents"].as_u64().unwrap())
}

fn euros(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

async fn state_of(app: &TestApp, token: &str, order: &str) -> Value {
    let answer = send(
        &app.router,
        api("GET", &format!("/api/v1/orders/{order}"), token, None, None),
    )
    .await;
    serde_json::from_str::<Value>(&answer.body).unwrap()["state"].clone()
}

async fn ac_5_refunds_above_the_limit_need_another_admin(store: Store) {
    let app = test_app(store).await;
    let customer = app
        .app_token_as("marc.riu@example.com", Role::Customer)
        .await;
    let support = app
        .signed_in_as("lia.font@helio.example", Role::Support)
        .await;
    let admin = app.signed_in_as("ot.prat@helio.example", Role::Admin).await;
    let refund = |order: &str, amount: &str, reason: &str| {
        post_with_session(
            &format!("/staff/orders/{order}/refund"),
            &support,
            &[("amount", amount), ("reason", reason)],
        )
    };

    // Within the limit (€500): paid at once, the order refunded.
    let (small, small_paid) = cancelled(&app, &customer, "small-01", 300).await;
    assert!(small_paid > 10_000);
    for (amount, reason, status) in [
        ("0", "ticket 1", 422),
        ("abc", "ticket 1", 422),
        (euros(small_paid + 1).as_str(), "ticket 1", 422),
        ("100", "", 422),
    ] {
        let answer = send(&app.router, refund(&small, amount, reason)).await;
        assert_eq!(answer.status, status, "{amount} {reason:?}");
    }
    let answer = send(
        &app.router,
        refund(&small, "100", "ticket 77: changed mind"),
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(state_of(&app, &customer, &small).await, "refunded");
    let again = send(&app.router, refund(&small, "10", "ticket 77: again")).await;
    assert_eq!(again.status, 409, "an order is refunded once");

    // Above the limit: it waits; the order stays cancelled until another admin approves.
    let (large, large_paid) = cancelled(&app, &customer, "large-01", 2_000).await;
    assert!(
        large_paid >= 300_000,
        "above the limit and of high value: {large_paid}"
    );
    let answer = send(
        &app.router,
        refund(&large, &euros(large_paid), "ticket 78: roof unsuitable"),
    )
    .await;
    assert_eq!(answer.status, 303);
    assert_eq!(state_of(&app, &customer, &large).await, "cancelled");
    let second = send(&app.router, refund(&large, "10", "ticket 78: twice")).await;
    assert_eq!(second.status, 409, "one refund in flight per order");
    let page = send(
        &app.router,
        crate::support::get_with_session("/admin/approvals", &admin),
    )
    .await;
    assert!(
        page.body.contains("ticket 78: roof unsuitable"),
        "listed for the admin"
    );
    let refund_id = dump(&app.store, "SELECT id FROM refunds WHERE state = 'pending'").await;
    let refund_id = uuid::Uuid::from_slice(&refund_id[..16])
        .unwrap()
        .to_string();

    // The requester cannot approve it, even after becoming an admin.
    let requester = app.account_id("lia.font@helio.example").await;
    let as_admin = helio_web::services::audit_log::Actor {
        account: requester,
        role: Role::Admin,
        network: "192.0.2.0/24".to_owned(),
        request_id: "test".to_owned(),
    };
    let refused = app
        .orders()
        .approve_refund(
            &as_admin,
            helio_core::refund::RefundId::parse(&refund_id).unwrap(),
        )
        .await;
    assert!(refused.is_err(), "maker-checker");
    assert_eq!(state_of(&app, &customer, &large).await, "cancelled");
    let from_support = send(
        &app.router,
        post_with_session(
            &format!("/admin/refunds/{refund_id}/approve"),
            &support,
            &[],
        ),
    )
    .await;
    assert_eq!(from_support.status, 403, "support cannot approve");

    let approved = send(
        &app.router,
        post_with_session(&format!("/admin/refunds/{refund_id}/approve"), &admin, &[]),
    )
    .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(state_of(&app, &customer, &large).await, "refunded");
    let twice = send(
        &app.router,
        post_with_session(&format!("/admin/refunds/{refund_id}/approve"), &admin, &[]),
    )
    .await;
    assert_eq!(twice.status, 409, "paid out once");
    let refunded = dump(
        &app.store,
        "SELECT CAST(SUM(amount_cents) AS SIGNED) FROM payments WHERE kind = 'refund'",
    )
    .await;
    assert_eq!(
        String::from_utf8_lossy(&refunded).trim_end_matches('\0'),
        (10_000 + large_paid).to_string()
    );

    // A refusal leaves the order as it was.
    let (third, third_paid) = cancelled(&app, &customer, "third-01", 1_000).await;
    assert!(third_paid > 50_000);
    send(
        &app.router,
        refund(&third, &euros(third_paid), "ticket 79: dispute"),
    )
    .await;
    let pending = dump(&app.store, "SELECT id FROM refunds WHERE state = 'pending'").await;
    let pending = uuid::Uuid::from_slice(&pending[..16]).unwrap().to_string();
    let no = send(
        &app.router,
        post_with_session(
            &format!("/admin/refunds/{pending}/refuse"),
            &admin,
            &[("reason", "ticket 79: customer used the system")],
        ),
    )
    .await;
    assert_eq!(no.status, 303);
    assert_eq!(state_of(&app, &customer, &third).await, "cancelled");

    let trail = dump(&app.store, "SELECT action, reason FROM audit_trail").await;
    let trail = String::from_utf8_lossy(&trail);
    for expected in [
        "refund_requested",
        "ticket 77: changed mind",
        "refund_approved",
        "refund_refused",
        "ticket 79: customer used the system",
        "high_value_transaction",
    ] {
        assert!(trail.contains(expected), "{expected}");
    }
    assert_eq!(
        trail.matches("high_value_transaction").count(),
        2,
        "the large deposit and its refund; nothing below €3,000: {trail}"
    );
}

helio_store::dual_backend_tests!(ac_5_refunds_above_the_limit_need_another_admin);
