//! The signed-in pages' session chrome and the endpoints of the session script: logout on
//! every signed-in page (SM-20), the keep-alive and the timer's logout (SM-9), and logout when
//! the last page closes (SM-10).

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use helio_core::access::Access;
use helio_core::role::Role;
use helio_core::session::SessionLimits;
use helio_store::Store;
use helio_store::testing::dump;
use helio_web::services::sessions::SessionSettings;
use serde_json::Value;

use crate::support::{
    LogCapture, TestApp, csrf_for, get_with_session, log_in_form, post_with_session, send,
    session_cookie, test_app, test_app_with_sessions,
};

const EMAIL: &str = "lucia.moreno@example.com";
const PASSWORD: &str = "copper kettles hum in the attic";

async fn signed_in(app: &TestApp) -> String {
    app.verified_customer("Lucía Moreno", EMAIL, PASSWORD).await;
    session_cookie(&log_in_form(app, EMAIL, PASSWORD).await)
}

/// A request of the session script: the page's CSRF token in its header.
fn script_post(path: &str, id: &str, csrf: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("cookie", format!("__Host-helio={id}"));
    if let Some(token) = csrf {
        request = request.header("x-csrf-token", token);
    }
    request.body(Body::empty()).unwrap()
}

fn events(log: &str, name: &str) -> Vec<Value> {
    log.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["event"] == name)
        .collect()
}

/// SM-20: every page behind a session guard carries the signed-in layout: a logout form in
/// the header and the session script with its timers. Walks the route table, so a new
/// signed-in page without the layout fails here.
async fn sm_20_every_signed_in_page_offers_logout(store: Store) {
    let app = test_app(store).await;
    let full = signed_in(&app).await;
    // A second account with an authenticator app, for the pages of a half-finished login.
    app.verified_customer("Bruno Díaz", "bruno.diaz@example.com", PASSWORD)
        .await;
    let other = session_cookie(&log_in_form(&app, "bruno.diaz@example.com", PASSWORD).await);
    crate::mfa::enrol(&app, &other).await;
    let pending = log_in_form(&app, "bruno.diaz@example.com", PASSWORD).await;
    assert_eq!(pending.header("location"), Some("/mfa"));
    let pending = session_cookie(&pending);

    let customer = app.account_id(EMAIL).await;
    let mut staff = std::collections::HashMap::new();
    // An open break-glass grant, for the pages that show one.
    for role in [Role::Engineer, Role::Admin] {
        let email = format!("{role}@helio.example");
        staff.insert(role, app.signed_in_as(&email, role).await);
    }
    let asked = send(
        &app.router,
        post_with_session(
            "/staff/break-glass",
            &staff[&Role::Engineer],
            &[
                ("customer", &customer.to_string()),
                ("reason", "INC-1 layout check"),
                ("minutes", "10"),
            ],
        ),
    )
    .await;
    assert_eq!(asked.status, 303);
    let grant = dump(&app.store, "SELECT id FROM break_glass_grants").await;
    let grant = helio_core::break_glass::GrantId::from_bytes(grant[..16].try_into().unwrap());
    let approved = send(
        &app.router,
        post_with_session(
            &format!("/admin/approvals/{grant}/approve"),
            &staff[&Role::Admin],
            &[],
        ),
    )
    .await;
    assert_eq!(approved.status, 303);
    // An order of the customer role's account, for the order page.
    let customer_role = app
        .signed_in_as("customer@helio.example", Role::Customer)
        .await;
    staff.insert(Role::Customer, customer_role.clone());
    let ordered = send(
        &app.router,
        post_with_session(
            "/orders",
            &customer_role,
            &[
                ("street", "Calle Mayor 1"),
                ("postal_code", "28013"),
                ("city", "Madrid"),
                ("monthly_kwh", "350"),
                ("roof_m2", "40"),
                ("idempotency_key", "sm20-order-key-1"),
            ],
        ),
    )
    .await;
    assert_eq!(ordered.status, 303, "{}", ordered.body);
    let order = ordered
        .header("location")
        .unwrap()
        .trim_start_matches("/orders/")
        .to_owned();
    // The installer's job page needs a job of their crew: this order, taken by it.
    staff.insert(
        Role::Installer,
        app.signed_in_as("installer@helio.example", Role::Installer)
            .await,
    );
    helio_store::testing::execute_raw(
        &app.store,
        "UPDATE orders SET state = 'assigned', booked_crew_id = (SELECT crew_id FROM crew_members)",
    )
    .await;
    let mut walked = 0;
    for entry in helio_web::route_table().entries() {
        if entry.method != "GET"
            || entry.access == Access::Public
            || entry.path.starts_with("/api/")
        {
            continue;
        }
        let path = entry
            .path
            .replace(
                "/staff/customers/{id}",
                &format!("/staff/customers/{customer}"),
            )
            .replace("{grant}", &grant.to_string())
            .replace("/orders/{id}", &format!("/orders/{order}"))
            .replace("{order}", &order);
        assert!(!path.contains('{'), "teach this test {}", entry.path);
        let (session, logout) = match entry.access {
            Access::SignedIn | Access::MfaEnrolment => (full.clone(), "/logout"),
            Access::MfaChallenge | Access::LoginInProgress => (pending.clone(), "/login/cancel"),
            Access::Capability(capability) => {
                let role = Role::ALL
                    .into_iter()
                    .find(|role| helio_core::access::permits(*role, capability))
                    .unwrap();
                if let std::collections::hash_map::Entry::Vacant(slot) = staff.entry(role) {
                    let email = format!("{role}@helio.example");
                    slot.insert(app.signed_in_as(&email, role).await);
                }
                (staff[&role].clone(), "/logout")
            }
            Access::Public => unreachable!(),
        };
        let page = send(&app.router, get_with_session(&path, &session)).await;
        assert_eq!(page.status, 200, "{}", entry.path);
        assert!(
            page.body.contains(&format!(
                r#"<form method="post" action="{logout}" class="logout" data-session-logout>"#
            )),
            "no logout on {}",
            entry.path
        );
        assert!(
            page.body
                .contains(r#"<script src="/static/session.js" defer></script>"#)
        );
        assert!(page.body.contains("data-session-idle=\""), "{}", entry.path);
        walked += 1;
    }
    assert!(walked >= 3, "the account page, the challenge and enrolment");

    // Pages without a session show no session chrome.
    let login = send(
        &app.router,
        Request::get("/login").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(
        !login.body.contains("data-session-idle") && !login.body.contains("data-session-logout")
    );
}

/// SM-9: the keep-alive of "Stay signed in" (and of a long form being typed) restarts the idle
/// limit, never the absolute one, and only with the page's CSRF token.
async fn sm_9_keep_alive_restarts_the_idle_limit_only(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let app = test_app(store).await;
    let id = signed_in(&app).await;
    let page = send(&app.router, get_with_session("/account", &id)).await;
    assert!(
        page.body.contains(r#"data-session-idle="1800""#),
        "the customer idle limit"
    );
    assert!(page.body.contains(r#"data-session-warn="120""#));

    for refused in [
        script_post("/session/keep-alive", &id, None),
        script_post("/session/keep-alive", &id, Some("forged")),
    ] {
        assert_eq!(send(&app.router, refused).await.status, 403, "DS-3");
    }
    let cross_site = Request::post("/session/keep-alive")
        .header("host", "localhost")
        .header("origin", "https://evil.example")
        .header("cookie", format!("__Host-helio={id}"))
        .header("x-csrf-token", csrf_for(&id))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.router, cross_site).await.status, 403);

    // 25 quiet minutes, a keep-alive, then 29 more: 54 minutes, but never 30 in a row.
    app.clock.advance(Duration::from_secs(25 * 60));
    let kept = send(
        &app.router,
        script_post("/session/keep-alive", &id, Some(&csrf_for(&id))),
    )
    .await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    assert_eq!(kept.header("cache-control"), Some("no-store"));
    let remaining: Value = serde_json::from_str(&kept.body).unwrap();
    assert_eq!(remaining["idle_secs"], 1800);
    let absolute = remaining["absolute_secs"].as_u64().unwrap();
    assert!(
        (12 * 3600 - 25 * 60 - 2..=12 * 3600 - 25 * 60).contains(&absolute),
        "{absolute}"
    );
    assert_eq!(
        events(&capture.text(), "session_kept_alive").len(),
        1,
        "SM-18"
    );
    app.clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(
        send(&app.router, get_with_session("/account", &id))
            .await
            .status,
        200
    );

    // A keep-alive restarts the limit from that very second, even just after another request
    // (ordinary requests record "last seen" only every few seconds).
    app.clock.advance(Duration::from_secs(5));
    let kept = send(
        &app.router,
        script_post("/session/keep-alive", &id, Some(&csrf_for(&id))),
    )
    .await;
    assert_eq!(kept.status, 200);
    app.clock.advance(Duration::from_secs(30 * 60 - 2));
    assert_eq!(
        send(&app.router, get_with_session("/account", &id))
            .await
            .status,
        200
    );

    // Keeping alive every 20 minutes cannot pass the absolute lifetime of 12 hours.
    for _ in 0..31 {
        app.clock.advance(Duration::from_secs(20 * 60));
        let kept = send(
            &app.router,
            script_post("/session/keep-alive", &id, Some(&csrf_for(&id))),
        )
        .await;
        assert_eq!(kept.status, 200);
    }
    app.clock.advance(Duration::from_secs(20 * 60));
    let late = send(
        &app.router,
        script_post("/session/keep-alive", &id, Some(&csrf_for(&id))),
    )
    .await;
    assert_eq!(
        (late.status, late.header("location")),
        (303, Some("/login")),
        "past 12 hours"
    );
}

/// SM-9, SM-18: when the page's timer runs out it posts the logout form with its reason: the
/// server ends the session, records why, and the login page says so.
async fn sm_9_the_timers_logout_ends_the_session_and_says_why(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let app = test_app(store).await;
    let id = signed_in(&app).await;
    let out = send(
        &app.router,
        post_with_session("/logout", &id, &[("reason", "inactivity")]),
    )
    .await;
    assert_eq!(
        (out.status, out.header("location")),
        (303, Some("/login?signed_out=inactivity"))
    );
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert!(
        out.header("clear-site-data")
            .unwrap()
            .contains("\"storage\"")
    );
    let after = send(&app.router, get_with_session("/account", &id)).await;
    assert_eq!(
        after.header("location"),
        Some("/login"),
        "ended on the server"
    );
    let ended = events(&capture.text(), "session_ended");
    assert_eq!(ended.last().unwrap()["reason"], "inactivity_logout");

    let notice = send(
        &app.router,
        Request::get("/login?signed_out=inactivity")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        notice
            .body
            .contains("You were signed out because nothing happened")
    );
    let hostile = send(
        &app.router,
        Request::get("/login?signed_out=%3Cscript%3E")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(hostile.status, 400, "only known reasons");
    assert!(!hostile.body.contains("<script>"));

    // A reason the server does not know is no reason: still a logout, recorded as the user's.
    let id = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let out = send(
        &app.router,
        post_with_session("/logout", &id, &[("reason", "because")]),
    )
    .await;
    assert_eq!((out.status, out.header("location")), (303, Some("/login")));
    assert_eq!(
        send(&app.router, get_with_session("/account", &id))
            .await
            .header("location"),
        Some("/login")
    );
}

/// SM-10: with logout-on-close on, a closing page's beacon ends the session unless another
/// request of it follows within the grace period (a reload, a link, another tab); the sweeper
/// then deletes it and records why. Off, the beacon's route does not exist.
async fn sm_10_a_closed_page_ends_the_session_unless_another_request_follows(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let app = test_app_with_sessions(
        store,
        SessionSettings {
            logout_on_close: true,
            ..SessionSettings::default()
        },
    )
    .await;
    let id = signed_in(&app).await;
    let page = send(&app.router, get_with_session("/account", &id)).await;
    assert!(page.body.contains("data-session-close-on-exit"));

    // A reload: the beacon, then the next page's request within the grace period.
    let closing = send(&app.router, post_with_session("/session/closing", &id, &[])).await;
    assert_eq!(closing.status, 204);
    app.clock.advance(Duration::from_secs(5));
    assert_eq!(
        send(&app.router, get_with_session("/account", &id))
            .await
            .status,
        200
    );
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(
        send(&app.router, get_with_session("/account", &id))
            .await
            .status,
        200
    );

    // A closed tab: nothing follows.
    let closing = send(&app.router, post_with_session("/session/closing", &id, &[])).await;
    assert_eq!(closing.status, 204);
    app.clock.advance(Duration::from_secs(16));
    let after = send(&app.router, get_with_session("/account", &id)).await;
    assert_eq!(
        after.header("location"),
        Some("/login"),
        "over once the grace ran out"
    );
    assert_eq!(app.sessions.sweep().await.unwrap(), 1);
    let expired = events(&capture.text(), "session_expired");
    assert_eq!(expired.last().unwrap()["reason"], "window_closed", "SM-18");
    let rows = dump(&app.store, "SELECT COUNT(*) FROM sessions").await;
    assert!(
        String::from_utf8_lossy(&rows).contains('0'),
        "deleted from the server"
    );

    // Without the CSRF token nobody can end someone's session this way.
    let id = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let forged = Request::post("/session/closing")
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("__Host-helio={id}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.router, forged).await.status, 403);
    app.clock.advance(Duration::from_secs(16));
    assert_eq!(
        send(&app.router, get_with_session("/account", &id))
            .await
            .status,
        200
    );
}

/// SM-10: logout-on-close is the operator's choice and off by default.
async fn sm_10_without_logout_on_close_a_closing_page_changes_nothing(store: Store) {
    let app = test_app(store).await;
    let id = signed_in(&app).await;
    let page = send(&app.router, get_with_session("/account", &id)).await;
    assert!(!page.body.contains("data-session-close-on-exit"));
    let closing = send(&app.router, post_with_session("/session/closing", &id, &[])).await;
    assert_eq!(closing.status, 404);
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(
        send(&app.router, get_with_session("/account", &id))
            .await
            .status,
        200
    );
}

/// SM-8: the operator's shorter limits reach the sessions and their pages.
async fn sm_8_configured_limits_apply(store: Store) {
    let mut limits = SessionLimits::DEFAULT;
    limits.others.idle = Duration::from_secs(60);
    let app = test_app_with_sessions(
        store,
        SessionSettings {
            limits,
            warn_before: Duration::from_secs(20),
            logout_on_close: false,
        },
    )
    .await;
    let id = signed_in(&app).await;
    let page = send(&app.router, get_with_session("/account", &id)).await;
    assert!(page.body.contains(r#"data-session-idle="60""#));
    assert!(page.body.contains(r#"data-session-warn="20""#));
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(
        send(&app.router, get_with_session("/account", &id))
            .await
            .header("location"),
        Some("/login")
    );
}

helio_store::dual_backend_tests!(
    sm_20_every_signed_in_page_offers_logout,
    sm_9_keep_alive_restarts_the_idle_limit_only,
    sm_9_the_timers_logout_ends_the_session_and_says_why,
    sm_10_a_closed_page_ends_the_session_unless_another_request_follows,
    sm_10_without_logout_on_close_a_closing_page_changes_nothing,
    sm_8_configured_limits_apply,
);
