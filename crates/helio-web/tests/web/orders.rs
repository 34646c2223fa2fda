//! Customers' orders (SYS-1, SYS-2, AC-5, DS-2, IN-2): priced again by the server, one order
//! per idempotency key even under concurrent retries, followed on a timeline, cancelled as
//! the state machine allows, never reachable by another customer, the job site encrypted.

use axum::body::Body;
use axum::http::Request;
use helio_core::role::Role;
use helio_store::Store;
use helio_store::testing::dump;
use serde_json::{Value, json};

use crate::support::{Answer, TestApp, get_with_session, post_with_session, send, test_app};

const SITE: [(&str, &str); 3] = [
    ("street", "Calle Mayor 1, 3º B"),
    ("postal_code", "28013"),
    ("city", "Madrid"),
];

async fn order_page(app: &TestApp, session: &str, key: &str) -> Answer {
    let mut fields = SITE.to_vec();
    fields.extend([
        ("monthly_kwh", "350"),
        ("roof_m2", "40"),
        ("idempotency_key", key),
    ]);
    send(&app.router, post_with_session("/orders", session, &fields)).await
}

fn api(
    method: &str,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request
        .body(Body::from(body.map(Value::to_string).unwrap_or_default()))
        .unwrap()
}

fn api_order() -> Value {
    json!({"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "monthly_kwh": 350.0, "roof_m2": 40.0})
}

/// SYS-1, SYS-2: a customer orders the quoted system (priced by the server), sees it with
/// its timeline, and cancels it; a second cancel is refused by the state machine.
async fn sys_2_a_customer_orders_follows_and_cancels(store: Store) {
    let app = test_app(store).await;
    let customer = app
        .signed_in_as("nuria.bas@example.com", Role::Customer)
        .await;
    let form = send(
        &app.router,
        get_with_session("/orders/new?monthly_kwh=350&roof_m2=40", &customer),
    )
    .await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(r#"name="idempotency_key" value=""#));
    assert!(
        form.body.contains(r#"value="350""#),
        "the quote's numbers carried over"
    );

    let placed = order_page(&app, &customer, "order-key-0001").await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    let path = placed.header("location").unwrap().to_owned();
    let page = send(&app.router, get_with_session(&path, &customer)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("7 panels, 3.01 kWp"));
    assert!(page.body.contains("€3612.00"));
    assert!(
        page.body
            .contains("<dd data-order-state>Priced, waiting for the deposit</dd>")
    );
    assert!(
        page.body.contains("Calle Mayor 1, 3o B, 28013, ES, Madrid"),
        "stored as typed, NFKC-normalised"
    );
    let list = send(&app.router, get_with_session("/orders", &customer)).await;
    assert!(list.body.contains(&path));

    let cancelled = send(
        &app.router,
        post_with_session(&format!("{path}/cancel"), &customer, &[]),
    )
    .await;
    assert_eq!(cancelled.status, 303);
    let page = send(&app.router, get_with_session(&path, &customer)).await;
    assert!(page.body.contains("<dd data-order-state>Cancelled</dd>"));
    assert_eq!(
        page.body.matches("<li><span>").count(),
        2,
        "created, then cancelled"
    );
    let again = send(
        &app.router,
        post_with_session(&format!("{path}/cancel"), &customer, &[]),
    )
    .await;
    assert_eq!(again.status, 409);

    let stored = dump(&app.store, "SELECT address_ct, city_ct FROM orders").await;
    let stored = String::from_utf8_lossy(&stored);
    assert!(
        !stored.contains("Calle Mayor") && !stored.contains("Madrid"),
        "encrypted"
    );
    let priced = send(
        &app.router,
        post_with_session(
            "/orders",
            &customer,
            &[
                ("street", "Calle Mayor 1"),
                ("postal_code", "28013"),
                ("city", "Madrid"),
                ("monthly_kwh", "350"),
                ("roof_m2", "40"),
                ("idempotency_key", "order-key-0002"),
                ("price_cents", "1"),
            ],
        ),
    )
    .await;
    assert_eq!(priced.status, 422, "no price from the client");
}

/// AC-5: another customer's order is "not found", read or changed, page or API; staff pages
/// of other roles are refused; the owner's order is untouched.
async fn ac_5_nobody_reaches_another_customers_order(store: Store) {
    let app = test_app(store).await;
    let owner = app
        .signed_in_as("olga.pi@example.com", Role::Customer)
        .await;
    let path = order_page(&app, &owner, "owner-key-0001")
        .await
        .header("location")
        .unwrap()
        .to_owned();
    let id = path.trim_start_matches("/orders/").to_owned();
    let other = app
        .signed_in_as("pere.gual@example.com", Role::Customer)
        .await;
    let other_app = app
        .app_token_as("pere.app@example.com", Role::Customer)
        .await;
    for answer in [
        send(&app.router, get_with_session(&path, &other)).await,
        send(
            &app.router,
            post_with_session(&format!("{path}/cancel"), &other, &[]),
        )
        .await,
        send(
            &app.router,
            api(
                "GET",
                &format!("/api/v1/orders/{id}"),
                &other_app,
                None,
                None,
            ),
        )
        .await,
        send(
            &app.router,
            api(
                "POST",
                &format!("/api/v1/orders/{id}/cancel"),
                &other_app,
                None,
                None,
            ),
        )
        .await,
    ] {
        assert_eq!(answer.status, 404, "{}", answer.body);
        assert!(!answer.body.contains("Calle Mayor"));
    }
    let listed = send(&app.router, get_with_session("/orders", &other)).await;
    assert!(!listed.body.contains(&id));
    let support = app
        .signed_in_as("quim.sau@helio.example", Role::Support)
        .await;
    assert_eq!(
        send(&app.router, get_with_session(&path, &support))
            .await
            .status,
        403
    );
    let page = send(&app.router, get_with_session(&path, &owner)).await;
    assert!(
        page.body.contains("Priced, waiting for the deposit"),
        "untouched"
    );
}

/// SYS-2: the same idempotency key is one order, also when the retries race; a new key is a
/// new order; the API answers 201 for the first and 200 for the repeats.
async fn sys_2_one_idempotency_key_is_one_order_even_under_concurrency(store: Store) {
    let app = test_app(store).await;
    let token = app
        .app_token_as("rosa.tur@example.com", Role::Customer)
        .await;
    let first = send(
        &app.router,
        api(
            "POST",
            "/api/v1/orders",
            &token,
            Some("race-key-00001"),
            Some(&api_order()),
        ),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let first: Value = serde_json::from_str(&first.body).unwrap();
    assert_eq!(first["state"], "quote");
    assert_eq!(first["price_cents"], 361_200);
    let repeat = send(
        &app.router,
        api(
            "POST",
            "/api/v1/orders",
            &token,
            Some("race-key-00001"),
            Some(&api_order()),
        ),
    )
    .await;
    assert_eq!(repeat.status, 200);
    let repeat: Value = serde_json::from_str(&repeat.body).unwrap();
    assert_eq!(repeat["id"], first["id"]);

    let racing: Vec<_> = (0..8)
        .map(|_| {
            let router = app.router.clone();
            let token = token.clone();
            tokio::spawn(async move {
                send(
                    &router,
                    api(
                        "POST",
                        "/api/v1/orders",
                        &token,
                        Some("race-key-00002"),
                        Some(&api_order()),
                    ),
                )
                .await
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    let mut created = 0;
    for racer in racing {
        let answer = racer.await.unwrap();
        assert!(matches!(answer.status, 200 | 201), "{}", answer.body);
        created += usize::from(answer.status == 201);
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "one order for one key");
    assert_eq!(created, 1);
    let list = send(
        &app.router,
        api("GET", "/api/v1/orders", &token, None, None),
    )
    .await;
    let list: Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

/// IN-2, DS-2: bad input names its fields and stores nothing; an eleventh order in an hour
/// is refused.
async fn in_2_bad_orders_are_refused_and_orders_are_capped(store: Store) {
    let app = test_app(store).await;
    let token = app
        .app_token_as("sergi.ros@example.com", Role::Customer)
        .await;
    for (key, body) in [
        (None, api_order()),
        (Some("short"), api_order()),
        (Some("key with spaces"), api_order()),
        (
            Some("valid-key-0001"),
            json!({"street": "", "postal_code": "28013", "city": "Madrid", "monthly_kwh": 350, "roof_m2": 40}),
        ),
        (
            Some("valid-key-0002"),
            json!({"street": "Calle\u{0007}", "postal_code": "28013", "city": "Madrid", "monthly_kwh": 350, "roof_m2": 40}),
        ),
        (
            Some("valid-key-0003"),
            json!({"street": "Calle 1", "postal_code": "99999", "city": "Madrid", "monthly_kwh": 350, "roof_m2": 40}),
        ),
        (
            Some("valid-key-0004"),
            json!({"street": "Calle 1", "postal_code": "28013", "city": "Madrid", "monthly_kwh": 350, "roof_m2": 1}),
        ),
        (
            Some("valid-key-0005"),
            json!({"street": "Calle 1", "postal_code": "28013", "city": "Madrid", "monthly_kwh": 350, "roof_m2": 40, "state": "completed"}),
        ),
    ] {
        let answer = send(
            &app.router,
            api("POST", "/api/v1/orders", &token, key, Some(&body)),
        )
        .await;
        assert_eq!(answer.status, 422, "{key:?} {body}: {}", answer.body);
    }
    assert!(dump(&app.store, "SELECT id FROM orders").await.is_empty());
    for n in 0..10 {
        let key = format!("budget-key-{n:04}");
        let answer = send(
            &app.router,
            api(
                "POST",
                "/api/v1/orders",
                &token,
                Some(&key),
                Some(&api_order()),
            ),
        )
        .await;
        assert_eq!(answer.status, 201, "order {n}");
    }
    let eleventh = send(
        &app.router,
        api(
            "POST",
            "/api/v1/orders",
            &token,
            Some("budget-key-0010"),
            Some(&api_order()),
        ),
    )
    .await;
    assert_eq!(eleventh.status, 429);
    let repeat = send(
        &app.router,
        api(
            "POST",
            "/api/v1/orders",
            &token,
            Some("budget-key-0003"),
            Some(&api_order()),
        ),
    )
    .await;
    assert_eq!(
        repeat.status, 200,
        "a retry of an existing order is not a new one"
    );
}

/// SYS-1: the deposit (a fifth of the price) orders the quote, once: a retry with the same
/// key charges nothing more, a second attempt is refused, a decline or a card number changes
/// nothing; racing attempts with different keys leave one payment.
async fn sys_1_the_deposit_orders_the_quote_once(store: Store) {
    let app = test_app(store).await;
    let customer = app
        .signed_in_as("tania.gil@example.com", Role::Customer)
        .await;
    let path = order_page(&app, &customer, "deposit-key-0001")
        .await
        .header("location")
        .unwrap()
        .to_owned();
    let page = send(&app.router, get_with_session(&path, &customer)).await;
    assert!(page.body.contains("Pay the deposit: €722.40"));
    let deposit = |token: &'static str, key: &'static str| {
        post_with_session(
            &format!("{path}/deposit"),
            &customer,
            &[("payment_token", token), ("idempotency_key", key)],
        )
    };
    for (token, status) in [
        ("tok_decline_card", 422),
        ("4111111111111111", 422),
        ("tok_", 422),
    ] {
        let answer = send(&app.router, deposit(token, "pay-key-00000001")).await;
        assert_eq!(answer.status, status, "{token}");
    }
    assert!(dump(&app.store, "SELECT id FROM payments").await.is_empty());
    let paid = send(&app.router, deposit("tok_visa_test", "pay-key-00000002")).await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    let page = send(&app.router, get_with_session(&path, &customer)).await;
    assert!(page.body.contains("<dd data-order-state>Ordered</dd>"));
    assert!(page.body.contains("<dd data-order-paid>€722.40</dd>"));
    assert!(!page.body.contains("data-deposit-form"));
    let retry = send(&app.router, deposit("tok_visa_test", "pay-key-00000002")).await;
    assert_eq!(
        retry.status, 303,
        "a retry of the same payment is its success"
    );
    let second = send(&app.router, deposit("tok_visa_test", "pay-key-00000003")).await;
    assert_eq!(
        second.status, 409,
        "an ordered order takes no second deposit"
    );
    let rows = dump(&app.store, "SELECT amount_cents FROM payments").await;
    assert_eq!(
        String::from_utf8_lossy(&rows).trim_end_matches('\0'),
        "72240"
    );

    let token = app
        .app_token_as("tania.app@example.com", Role::Customer)
        .await;
    let created = send(
        &app.router,
        api(
            "POST",
            "/api/v1/orders",
            &token,
            Some("race-deposit-01"),
            Some(&api_order()),
        ),
    )
    .await;
    let id = serde_json::from_str::<Value>(&created.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let racing: Vec<_> = (0..6)
        .map(|n| {
            let router = app.router.clone();
            let token = token.clone();
            let id = id.clone();
            tokio::spawn(async move {
                send(
                    &router,
                    api(
                        "POST",
                        &format!("/api/v1/orders/{id}/deposit"),
                        &token,
                        Some(&format!("racing-deposit-{n}")),
                        Some(&json!({"payment_token": "tok_visa_test"})),
                    ),
                )
                .await
                .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for racer in racing {
        statuses.push(racer.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 409)),
        "{statuses:?}"
    );
    let order = send(
        &app.router,
        api("GET", &format!("/api/v1/orders/{id}"), &token, None, None),
    )
    .await;
    let order: Value = serde_json::from_str(&order.body).unwrap();
    assert_eq!(order["state"], "ordered");
    assert_eq!(order["paid_cents"], 72_240);
}

/// AC-3: sales see the pipeline by stage and province with the conversions, and nothing
/// about any customer; other roles are refused; each look is audited.
async fn ac_3_sales_see_the_pipeline_in_aggregate_only(store: Store) {
    let app = test_app(store).await;
    let madrid = app
        .app_token_as("uxia.mar@example.com", Role::Customer)
        .await;
    let sevilla = app
        .app_token_as("vicent.pla@example.com", Role::Customer)
        .await;
    let order = |token: &str, key: &'static str, postal: &str| {
        api(
            "POST",
            "/api/v1/orders",
            token,
            Some(key),
            Some(
                &json!({"street": "Calle Secreta 7", "postal_code": postal, "city": "Ciudad", "monthly_kwh": 350, "roof_m2": 40}),
            ),
        )
    };
    let paid: Value = serde_json::from_str(
        &send(&app.router, order(&madrid, "pipe-key-0001", "28013"))
            .await
            .body,
    )
    .unwrap();
    let id = paid["id"].as_str().unwrap();
    let deposit = send(
        &app.router,
        api(
            "POST",
            &format!("/api/v1/orders/{id}/deposit"),
            &madrid,
            Some("pipe-pay-0001"),
            Some(&json!({"payment_token": "tok_visa_test"})),
        ),
    )
    .await;
    assert_eq!(deposit.status, 200);
    let cancelled: Value = serde_json::from_str(
        &send(&app.router, order(&madrid, "pipe-key-0002", "28013"))
            .await
            .body,
    )
    .unwrap();
    let id = cancelled["id"].as_str().unwrap();
    send(
        &app.router,
        api(
            "POST",
            &format!("/api/v1/orders/{id}/cancel"),
            &madrid,
            None,
            None,
        ),
    )
    .await;
    assert_eq!(
        send(&app.router, order(&sevilla, "pipe-key-0003", "41001"))
            .await
            .status,
        201
    );

    let sales = app
        .signed_in_as("xenia.rius@helio.example", Role::Sales)
        .await;
    let page = send(&app.router, get_with_session("/staff/pipeline", &sales)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"<dd data-count="total">3</dd>"#));
    assert!(
        page.body
            .contains(r#"<dd data-count="quote-to-order">1 · 33 %</dd>"#)
    );
    assert!(
        page.body
            .contains("<tr><td>Madrid</td><td>2</td><td>€7224</td></tr>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<tr><td>Sevilla</td><td>1</td>"));
    assert!(
        page.body
            .contains("<tr><td>Ordered</td><td>1</td><td>€3612</td></tr>")
    );
    for leak in [
        "Calle Secreta",
        "Ciudad",
        "uxia",
        "vicent",
        "example.com",
        "28013",
    ] {
        assert!(!page.body.contains(leak), "the pipeline shows {leak:?}");
    }
    let support = app
        .signed_in_as("yago.bel@helio.example", Role::Support)
        .await;
    assert_eq!(
        send(&app.router, get_with_session("/staff/pipeline", &support))
            .await
            .status,
        403
    );
    let trail = dump(&app.store, "SELECT action FROM audit_trail").await;
    assert!(String::from_utf8_lossy(&trail).contains("pipeline_viewed"));
}

/// AC-3, DS-2: support find a customer by order number and cancel an order for a reason;
/// sales give one discount up to the configured limit for a reason; neither sees the street;
/// each does only their own part; every step is audited.
async fn ac_3_support_cancel_and_sales_discount_orders_within_limits(store: Store) {
    let app = test_app(store).await;
    let token = app
        .app_token_as("zoe.font@example.com", Role::Customer)
        .await;
    let placed = send(
        &app.router,
        api(
            "POST",
            "/api/v1/orders",
            &token,
            Some("tools-key-0001"),
            Some(&json!({"street": "Calle Secreta 9", "postal_code": "28013", "city": "Madrid", "monthly_kwh": 350, "roof_m2": 40})),
        ),
    )
    .await;
    let id = serde_json::from_str::<Value>(&placed.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let customer = app.account_id("zoe.font@example.com").await;
    let support = app
        .signed_in_as("abel.cid@helio.example", Role::Support)
        .await;
    let sales = app.signed_in_as("bea.noy@helio.example", Role::Sales).await;

    let found = send(
        &app.router,
        post_with_session("/staff/customers/search", &support, &[("q", &id)]),
    )
    .await;
    assert_eq!(found.status, 303);
    assert_eq!(
        found.header("location"),
        Some(format!("/staff/customers/{customer}").as_str())
    );
    for session in [&support, &sales] {
        let record = send(
            &app.router,
            get_with_session(&format!("/staff/customers/{customer}"), session),
        )
        .await;
        assert!(record.body.contains(&id) && record.body.contains("Madrid"));
        assert!(
            !record.body.contains("Calle Secreta"),
            "no street in the back office"
        );
    }

    let discount = |session: &str, percent: &str| {
        post_with_session(
            &format!("/staff/orders/{id}/discount"),
            session,
            &[("percent", percent), ("reason", "spring campaign, lead 88")],
        )
    };
    assert_eq!(
        send(&app.router, discount(&sales, "11")).await.status,
        422,
        "over the limit"
    );
    assert_eq!(send(&app.router, discount(&sales, "0")).await.status, 422);
    assert_eq!(
        send(&app.router, discount(&support, "5")).await.status,
        403,
        "support give no discounts"
    );
    assert_eq!(send(&app.router, discount(&sales, "10")).await.status, 303);
    assert_eq!(
        send(&app.router, discount(&sales, "5")).await.status,
        409,
        "one discount per order"
    );
    let order = send(
        &app.router,
        api("GET", &format!("/api/v1/orders/{id}"), &token, None, None),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&order.body).unwrap()["price_cents"],
        325_080
    );

    let cancel = |session: &str| {
        post_with_session(
            &format!("/staff/orders/{id}/cancel"),
            session,
            &[("reason", "ticket 901: customer moved house")],
        )
    };
    assert_eq!(
        send(&app.router, cancel(&sales)).await.status,
        403,
        "sales change no orders"
    );
    let no_reason = send(
        &app.router,
        post_with_session(
            &format!("/staff/orders/{id}/cancel"),
            &support,
            &[("reason", "")],
        ),
    )
    .await;
    assert_eq!(no_reason.status, 422);
    assert_eq!(send(&app.router, cancel(&support)).await.status, 303);
    assert_eq!(send(&app.router, cancel(&support)).await.status, 409);
    let order = send(
        &app.router,
        api("GET", &format!("/api/v1/orders/{id}"), &token, None, None),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&order.body).unwrap()["state"],
        "cancelled"
    );
    let trail =
        String::from_utf8_lossy(&dump(&app.store, "SELECT action, reason FROM audit_trail").await)
            .into_owned();
    assert!(trail.contains("discount_given") && trail.contains("spring campaign, lead 88"));
    assert!(trail.contains("order_cancelled") && trail.contains("ticket 901"));
    assert_eq!(
        trail.matches("customers_searched").count(),
        1,
        "the search by order number, and no search the person did not make: {trail}"
    );
}

helio_store::dual_backend_tests!(
    ac_3_support_cancel_and_sales_discount_orders_within_limits,
    ac_3_sales_see_the_pipeline_in_aggregate_only,
    sys_1_the_deposit_orders_the_quote_once,
    sys_2_a_customer_orders_follows_and_cancels,
    ac_5_nobody_reaches_another_customers_order,
    sys_2_one_idempotency_key_is_one_order_even_under_concurrency,
    in_2_bad_orders_are_refused_and_orders_are_capped,
);
