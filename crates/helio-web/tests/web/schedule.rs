//! Booking installation days (SYS-1, AC-5, IN-2): crews publish their provinces and daily
//! capacity; customers see and book only real free days in their province; the last slot of
//! a day goes to one booking even when two race; each side reaches only its own.

use axum::body::Body;
use axum::http::Request;
use helio_core::role::Role;
use helio_core::schedule::Day;
use helio_store::Store;
use helio_store::testing::dump;
use serde_json::{Value, json};

use crate::support::{TestApp, get_with_session, post_with_session, send, test_app};

pub(crate) fn api(
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

/// A customer's app token and an order of theirs, deposit paid, at `postal_code`.
pub(crate) async fn ordered(app: &TestApp, email: &str, postal_code: &str) -> (String, String) {
    let token = app.app_token_as(email, Role::Customer).await;
    let created = send(
        &app.router,
        api(
            "POST",
            "/api/v1/orders",
            &token,
            Some("schedule-order-1"),
            Some(&json!({"street": "Calle 1", "postal_code": postal_code, "city": "Ciudad", "monthly_kwh": 300, "roof_m2": 30})),
        ),
    )
    .await;
    let id = serde_json::from_str::<Value>(&created.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let paid = send(
        &app.router,
        api(
            "POST",
            &format!("/api/v1/orders/{id}/deposit"),
            &token,
            Some("schedule-pay-01"),
            Some(&json!({"payment_token": "tok_visa_test"})),
        ),
    )
    .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    (token, id)
}

async fn sys_1_customers_book_real_free_days_and_the_last_slot_once(store: Store) {
    let app = test_app(store).await;
    let crew = app
        .signed_in_as("pol.obra@crew.example", Role::Installer)
        .await;
    let day =
        Day::from_number(Day::of(helio_core::time::Clock::now(&*app.clock)).number() + 2).format();
    for (fields, status) in [
        (vec![("provinces", "28, 99")], 422),
        (vec![("provinces", "28,45")], 303),
    ] {
        let answer = send(&app.router, post_with_session("/jobs/area", &crew, &fields)).await;
        assert_eq!(answer.status, status, "{fields:?}");
    }
    for (fields, status) in [
        (vec![("day", day.as_str()), ("capacity", "11")], 422),
        (vec![("day", "1999-01-01"), ("capacity", "1")], 422),
        (vec![("day", "not a day"), ("capacity", "1")], 422),
        (vec![("day", day.as_str()), ("capacity", "1")], 303),
    ] {
        let answer = send(
            &app.router,
            post_with_session("/jobs/capacity", &crew, &fields),
        )
        .await;
        assert_eq!(answer.status, status, "{fields:?}");
    }
    let calendar = send(&app.router, get_with_session("/jobs", &crew)).await;
    assert!(calendar.body.contains("Madrid, Toledo"));
    assert!(
        calendar
            .body
            .contains(&format!("<td>{day}</td><td>1</td><td>0</td>"))
    );

    let (first, first_order) = ordered(&app, "ana.lluc@example.com", "28013").await;
    let (second, second_order) = ordered(&app, "blai.sas@example.com", "28080").await;
    let (faraway, faraway_order) = ordered(&app, "carla.mir@example.com", "41001").await;
    let days = send(
        &app.router,
        api(
            "GET",
            &format!("/api/v1/orders/{first_order}/days"),
            &first,
            None,
            None,
        ),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&days.body).unwrap(),
        json!([day])
    );
    let none = send(
        &app.router,
        api(
            "GET",
            &format!("/api/v1/orders/{faraway_order}/days"),
            &faraway,
            None,
            None,
        ),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&none.body).unwrap(),
        json!([]),
        "no crew serves Sevilla"
    );
    assert_eq!(
        send(
            &app.router,
            api(
                "GET",
                &format!("/api/v1/orders/{first_order}/days"),
                &second,
                None,
                None
            )
        )
        .await
        .status,
        404,
        "another customer's order"
    );

    let racers: Vec<_> = [
        (first.clone(), first_order.clone()),
        (second.clone(), second_order.clone()),
    ]
    .into_iter()
    .map(|(token, order)| {
        let router = app.router.clone();
        let day = day.clone();
        tokio::spawn(async move {
            send(
                &router,
                api(
                    "POST",
                    &format!("/api/v1/orders/{order}/book"),
                    &token,
                    None,
                    Some(&json!({"day": day})),
                ),
            )
            .await
            .status
        })
    })
    .collect();
    let mut statuses = Vec::new();
    for racer in racers {
        statuses.push(racer.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422], "the last slot is booked once");
    let booked = dump(&app.store, "SELECT booked FROM crew_days").await;
    assert_eq!(String::from_utf8_lossy(&booked).trim_end_matches('\0'), "1");
    let scheduled = dump(
        &app.store,
        "SELECT id FROM orders WHERE state = 'scheduled'",
    )
    .await;
    assert_eq!(
        scheduled.len(),
        17,
        "one scheduled order (16 bytes and a separator)"
    );

    let lowered = send(
        &app.router,
        post_with_session(
            "/jobs/capacity",
            &crew,
            &[("day", day.as_str()), ("capacity", "0")],
        ),
    )
    .await;
    assert_eq!(lowered.status, 409, "capacity never below bookings");
    for bad in ["2020-01-01", "31/12/2030", ""] {
        let answer = send(
            &app.router,
            api(
                "POST",
                &format!("/api/v1/orders/{faraway_order}/book"),
                &faraway,
                None,
                Some(&json!({"day": bad})),
            ),
        )
        .await;
        assert_eq!(answer.status, 422, "{bad:?}");
    }
    let customer = app
        .signed_in_as("dani.ros@example.com", Role::Customer)
        .await;
    assert_eq!(
        send(&app.router, get_with_session("/jobs", &customer))
            .await
            .status,
        403
    );

    // Moving the day: the booked customer frees it (the crew's capacity comes back) and the
    // other customer books it; support free that one for a reason, audited.
    let first_state = send(
        &app.router,
        api(
            "GET",
            &format!("/api/v1/orders/{first_order}"),
            &first,
            None,
            None,
        ),
    )
    .await;
    let first_won =
        serde_json::from_str::<Value>(&first_state.body).unwrap()["state"] == "scheduled";
    let (winner, winner_order, loser, loser_order) = if first_won {
        (first, first_order, second, second_order)
    } else {
        (second, second_order, first, first_order)
    };
    let unbook = |token: &str, order: &str| {
        api(
            "POST",
            &format!("/api/v1/orders/{order}/unbook"),
            token,
            None,
            None,
        )
    };
    let freed = send(&app.router, unbook(&winner, &winner_order)).await;
    assert_eq!(freed.status, 200, "{}", freed.body);
    let freed: Value = serde_json::from_str(&freed.body).unwrap();
    assert_eq!(freed["state"], "ordered");
    assert_eq!(freed["booked_day"], Value::Null);
    let booked = dump(&app.store, "SELECT booked FROM crew_days").await;
    assert_eq!(
        String::from_utf8_lossy(&booked).trim_end_matches('\0'),
        "0",
        "capacity back"
    );
    assert_eq!(
        send(&app.router, unbook(&winner, &winner_order))
            .await
            .status,
        409,
        "nothing to free"
    );
    let rebooked = send(
        &app.router,
        api(
            "POST",
            &format!("/api/v1/orders/{loser_order}/book"),
            &loser,
            None,
            Some(&json!({"day": day})),
        ),
    )
    .await;
    assert_eq!(rebooked.status, 200, "{}", rebooked.body);
    let support = app
        .signed_in_as("eloi.vall@helio.example", Role::Support)
        .await;
    let rescheduled = send(
        &app.router,
        post_with_session(
            &format!("/staff/orders/{loser_order}/reschedule"),
            &support,
            &[("reason", "ticket 930: crew van broke down")],
        ),
    )
    .await;
    assert_eq!(rescheduled.status, 303);
    let booked = dump(&app.store, "SELECT booked FROM crew_days").await;
    assert_eq!(String::from_utf8_lossy(&booked).trim_end_matches('\0'), "0");
    let trail = dump(&app.store, "SELECT action, reason FROM audit_trail").await;
    let trail = String::from_utf8_lossy(&trail);
    assert!(trail.contains("order_rescheduled") && trail.contains("ticket 930"));
}

helio_store::dual_backend_tests!(sys_1_customers_book_real_free_days_and_the_last_slot_once);
