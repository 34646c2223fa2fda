//! The back office's customer tools (AC-1, AC-3, AC-4, LM-1): the route-by-role matrix, what
//! support and sales each see, reveal with a reason, lock and unlock, and the audit trail.

use axum::body::Body;
use axum::http::Request;
use helio_core::access::{Access, permits};
use helio_core::role::Role;
use helio_store::Store;
use helio_store::testing::dump;

use crate::support::{
    Answer, TestApp, get_with_session, log_in_form, post_with_session, send, session_cookie,
    staff_actions, test_app,
};

const EMAIL: &str = "marina.soler@example.com";
const PHONE: &str = "+34 611 22 33 44";
const PASSWORD: &str = "harbour lights over a calm bay";

/// A customer with a phone number, signed up through the API and confirmed.
async fn customer(app: &TestApp) {
    let answer = send(
        &app.router,
        crate::support::json_post(
            "/api/v1/accounts",
            &serde_json::json!({"name": "Marina Soler", "email": EMAIL, "phone": PHONE, "password": PASSWORD}),
        ),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let mail = app.sent_mail().await;
    let body = &mail.iter().find(|m| m.to == EMAIL).unwrap().body;
    assert!(
        app.accounts
            .verify_email(&crate::support::link_token(body))
            .await
            .unwrap()
    );
}

async fn search(app: &TestApp, session: &str, query: &str) -> Answer {
    send(
        &app.router,
        post_with_session("/staff/customers/search", session, &[("q", query)]),
    )
    .await
}

/// AC-1, AC-2, SM-19: every route, for every role with a full session: a capability route
/// answers 403 to a role without it and serves one with it; every other signed-in route
/// serves every role. Anonymous visitors and wrong stages are refused by the tests of
/// `routes` and `checklist`.
async fn ac_1_every_route_serves_exactly_the_roles_the_table_allows(store: Store) {
    let app = test_app(store).await;
    customer(&app).await;
    let target = app.account_id(EMAIL).await;
    // A page session and an app token per role: pages take the cookie, `/api/` the token.
    let mut sessions = Vec::new();
    let mut tokens = std::collections::HashMap::new();
    for role in Role::ALL {
        let email = format!("matrix.{role}@helio.example");
        sessions.push((role, app.signed_in_as(&email, role).await));
        let email = format!("matrix.app.{role}@helio.example");
        tokens.insert(role, app.app_token_as(&email, role).await);
    }
    let mut checked = 0;
    for entry in helio_web::route_table().entries() {
        let Access::Capability(capability) = entry.access else {
            continue;
        };
        let path = entry.path.replace("{id}", &target.to_string()).replace(
            "{grant}",
            &helio_core::break_glass::GrantId::random().to_string(),
        );
        for (role, session) in &sessions {
            let request = if path.starts_with("/api/") {
                Request::builder()
                    .method(entry.method.clone())
                    .uri(&path)
                    .header("authorization", format!("Bearer {}", tokens[role]))
                    .header("content-type", "application/json")
                    .body(Body::from("{}"))
                    .unwrap()
            } else if entry.method == "GET" {
                get_with_session(&path, session)
            } else {
                post_with_session(
                    &path,
                    session,
                    &[("reason", "route matrix check"), ("q", EMAIL)],
                )
            };
            // Search takes `q`, the others `reason`: strict forms refuse the other field
            // with 422 (an empty JSON object likewise), which still proves the guard let the
            // request through.
            let answer = send(&app.router, request).await;
            if permits(*role, capability) {
                assert!(
                    answer.status != 403 && answer.header("location") != Some("/login"),
                    "{role} refused at {} {path}: {}",
                    entry.method,
                    answer.status
                );
            } else {
                assert_eq!(
                    answer.status, 403,
                    "{role} let through at {} {path}",
                    entry.method
                );
                assert!(
                    !answer.body.contains("Marina"),
                    "nothing of the customer in a refusal"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 42, "{checked}");
    // Every signed-in page serves every role.
    for (role, session) in &sessions {
        let page = send(&app.router, get_with_session("/account", session)).await;
        assert_eq!(page.status, 200, "{role}");
        assert_eq!(
            page.body.contains(r#"href="/staff/customers""#),
            permits(*role, helio_core::access::Capability::SearchCustomers),
            "{role}: the back-office link only for roles that may use it"
        );
    }
}

/// AC-3, LM-1: support find a customer by email or phone, see contact data masked, reveal it
/// with a reason (one audit entry, with the reason), lock the account (its sessions end, it
/// cannot log in) and unlock it; every view and change is in the audit trail.
async fn ac_3_support_find_reveal_and_lock_with_an_audit_trail(store: Store) {
    let app = test_app(store).await;
    customer(&app).await;
    let customer_session = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let support = app
        .signed_in_as("sara.roig@helio.example", Role::Support)
        .await;

    let found = search(&app, &support, EMAIL).await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("Marina Soler") && found.body.contains("m***@e***.com"));
    assert!(found.body.contains("***-***-3344"));
    assert!(
        !found.body.contains(EMAIL) && !found.body.contains("611223344"),
        "masked"
    );
    let by_phone = search(&app, &support, "0034611223344").await;
    assert!(
        by_phone.body.contains("Marina Soler"),
        "the same number however typed"
    );
    let nothing = search(&app, &support, "Marina").await;
    assert_eq!(nothing.status, 422, "no search by name or partial values");

    let id = app.account_id(EMAIL).await;
    let record = send(
        &app.router,
        get_with_session(&format!("/staff/customers/{id}"), &support),
    )
    .await;
    assert_eq!(record.status, 200);
    assert!(!record.body.contains(EMAIL));
    let no_reason = send(
        &app.router,
        post_with_session(
            &format!("/staff/customers/{id}/reveal"),
            &support,
            &[("reason", " ")],
        ),
    )
    .await;
    assert_eq!(no_reason.status, 422);
    assert!(!no_reason.body.contains(EMAIL), "no reason, no reveal");
    let revealed = send(
        &app.router,
        post_with_session(
            &format!("/staff/customers/{id}/reveal"),
            &support,
            &[("reason", "ticket 4711: confirm the address")],
        ),
    )
    .await;
    assert_eq!(revealed.status, 200);
    assert!(revealed.body.contains(EMAIL) && revealed.body.contains("+34611223344"));
    assert_eq!(revealed.header("cache-control"), Some("no-store"));
    let trail = staff_actions(&app).await;
    assert_eq!(
        trail.matches("personal_data_revealed").count(),
        1,
        "{trail}"
    );
    assert!(trail.contains("ticket 4711: confirm the address"));
    assert_eq!(
        trail.matches("customers_searched").count(),
        2,
        "{trail}: a refused query is no search"
    );
    assert!(trail.contains("customer_viewed"));

    let locked = send(
        &app.router,
        post_with_session(
            &format!("/staff/customers/{id}/lock"),
            &support,
            &[("reason", "ticket 4712: suspected takeover")],
        ),
    )
    .await;
    assert_eq!(locked.status, 303);
    let after = send(&app.router, get_with_session("/account", &customer_session)).await;
    assert_eq!(
        after.header("location"),
        Some("/login"),
        "the customer's session ended"
    );
    assert_eq!(
        log_in_form(&app, EMAIL, PASSWORD).await.status,
        401,
        "locked"
    );
    let record = send(
        &app.router,
        get_with_session(&format!("/staff/customers/{id}"), &support),
    )
    .await;
    assert!(record.body.contains("locked") && record.body.contains("ticket 4712"));
    let twice = send(
        &app.router,
        post_with_session(
            &format!("/staff/customers/{id}/lock"),
            &support,
            &[("reason", "again")],
        ),
    )
    .await;
    assert_eq!(twice.status, 409);
    let unlocked = send(
        &app.router,
        post_with_session(
            &format!("/staff/customers/{id}/unlock"),
            &support,
            &[("reason", "ticket 4712: owner verified")],
        ),
    )
    .await;
    assert_eq!(unlocked.status, 303);
    let back = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let page = send(&app.router, get_with_session("/account", &back)).await;
    assert!(page.body.contains("Helio support locked the account"));
    assert!(page.body.contains("Helio support unlocked the account"));
    let trail = staff_actions(&app).await;
    assert!(trail.contains("account_locked") && trail.contains("account_unlocked"));
    let signed_out = send(
        &app.router,
        post_with_session(
            &format!("/staff/customers/{id}/end-sessions"),
            &support,
            &[("reason", "ticket 4714: customer lost a laptop")],
        ),
    )
    .await;
    assert_eq!(signed_out.status, 303);
    let after = send(&app.router, get_with_session("/account", &back)).await;
    assert_eq!(
        after.header("location"),
        Some("/login"),
        "signed out everywhere"
    );
    assert!(staff_actions(&app).await.contains("ticket 4714"));

    // A lost phone: the second step goes (app and recovery codes), the sessions end, the
    // owner is mailed, and the next login needs only the password.
    let with_app = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    crate::mfa::enrol(&app, &with_app).await;
    assert_eq!(
        log_in_form(&app, EMAIL, PASSWORD).await.header("location"),
        Some("/mfa")
    );
    let reset = send(
        &app.router,
        post_with_session(
            &format!("/staff/customers/{id}/reset-second-factor"),
            &support,
            &[("reason", "ticket 4713: lost phone, identity checked")],
        ),
    )
    .await;
    assert_eq!(reset.status, 303);
    let after = send(&app.router, get_with_session("/account", &with_app)).await;
    assert_eq!(
        after.header("location"),
        Some("/login"),
        "every session ended"
    );
    assert_eq!(
        log_in_form(&app, EMAIL, PASSWORD).await.header("location"),
        Some("/account")
    );
    assert!(
        app.sent_mail()
            .await
            .iter()
            .any(|m| m.to == EMAIL && m.kind == "second_factors_reset")
    );
    assert!(staff_actions(&app).await.contains("ticket 4713"));

    // Staff are not customers: the tools do not open them.
    let staff_id = app.account_id("sara.roig@helio.example").await;
    let staff_record = send(
        &app.router,
        get_with_session(&format!("/staff/customers/{staff_id}"), &support),
    )
    .await;
    assert_eq!(staff_record.status, 404);
}

/// AC-3: sales find customers by name and city only: no phone, email or address in any
/// response, masked or not; reveal and account changes are refused.
async fn ac_3_sales_never_receive_contact_data(store: Store) {
    let app = test_app(store).await;
    customer(&app).await;
    let sales = app
        .signed_in_as("pol.vidal@helio.example", Role::Sales)
        .await;
    let id = app.account_id(EMAIL).await;
    let mut bodies = Vec::new();
    for answer in [
        search(&app, &sales, EMAIL).await,
        search(&app, &sales, PHONE).await,
        send(
            &app.router,
            get_with_session(&format!("/staff/customers/{id}"), &sales),
        )
        .await,
    ] {
        assert_eq!(answer.status, 200);
        assert!(answer.body.contains("Marina Soler"));
        bodies.push(answer.body);
    }
    for (path, status) in [("reveal", 403), ("lock", 403), ("end-sessions", 403)] {
        let answer = send(
            &app.router,
            post_with_session(
                &format!("/staff/customers/{id}/{path}"),
                &sales,
                &[("reason", "curious")],
            ),
        )
        .await;
        assert_eq!(answer.status, status, "{path}");
        bodies.push(answer.body);
    }
    for body in &bodies {
        for leak in [
            EMAIL,
            "marina.soler",
            "m***@",
            "example.com",
            "611223344",
            "611 22 33",
            "+34",
            "***-***",
        ] {
            // Distinctive strings only: random tokens and IDs in a page hold any few digits.
            assert!(!body.contains(leak), "a sales response holds {leak:?}");
        }
    }
}

/// AC-4: engineers reach no customer record or search (break-glass comes later, through an
/// admin's approval), and the refusal is logged.
async fn ac_4_engineers_reach_no_customer_data(store: Store) {
    let app = test_app(store).await;
    customer(&app).await;
    let engineer = app
        .signed_in_as("ines.pons@helio.example", Role::Engineer)
        .await;
    let id = app.account_id(EMAIL).await;
    for request in [
        get_with_session("/staff/customers", &engineer),
        get_with_session(&format!("/staff/customers/{id}"), &engineer),
        post_with_session("/staff/customers/search", &engineer, &[("q", EMAIL)]),
        post_with_session(
            &format!("/staff/customers/{id}/reveal"),
            &engineer,
            &[("reason", "debugging")],
        ),
    ] {
        let answer = send(&app.router, request).await;
        assert_eq!(answer.status, 403);
        assert!(!answer.body.contains("Marina") && !answer.body.contains(EMAIL));
    }
    let trail = staff_actions(&app).await;
    assert!(trail.is_empty(), "nothing was viewed: {trail}");
    let anonymous = send(
        &app.router,
        Request::get(format!("/staff/customers/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(anonymous.header("location"), Some("/login"));
}

/// AC-4, AC-3: engineers and admins see the operations page (version, database state, the
/// configuration with secrets redacted) and nothing of any customer; support, sales,
/// installers and customers are refused it.
async fn ac_4_the_operations_page_is_for_engineers_and_admins_only(store: Store) {
    let app = test_app(store).await;
    customer(&app).await;
    for role in Role::ALL {
        let session = app
            .signed_in_as(&format!("ops.{role}@helio.example"), role)
            .await;
        let page = send(&app.router, get_with_session("/ops", &session)).await;
        if matches!(role, Role::Engineer | Role::Admin) {
            assert_eq!(page.status, 200, "{role}");
            assert!(page.body.contains("mysql://helio:REDACTED@db/helio"));
            assert!(
                page.body
                    .contains(r#"<span data-database-state>ready</span>"#)
            );
            assert!(!page.body.contains("Marina") && !page.body.contains(EMAIL));
        } else {
            assert_eq!(page.status, 403, "{role}");
            assert!(
                !page.body.contains("REDACTED"),
                "no configuration in the refusal"
            );
        }
    }
    // The summary counts what happens, and holds numbers only.
    let engineer = app
        .signed_in_as("ops.watch@helio.example", Role::Engineer)
        .await;
    let count = |body: &str, name: &str| {
        let marker = format!(r#"data-count="{name}">"#);
        let start = body.find(&marker).unwrap() + marker.len();
        body[start..start + body[start..].find('<').unwrap()]
            .parse::<u64>()
            .unwrap()
    };
    let before = send(&app.router, get_with_session("/ops", &engineer))
        .await
        .body;
    assert_eq!(
        log_in_form(&app, EMAIL, "not the password").await.status,
        401
    );
    let customer_id = app.account_id(EMAIL).await.to_string();
    let asked = send(
        &app.router,
        post_with_session(
            "/staff/break-glass",
            &engineer,
            &[
                ("customer", customer_id.as_str()),
                ("reason", "INC-7 counts"),
                ("minutes", "5"),
            ],
        ),
    )
    .await;
    assert_eq!(asked.status, 303);
    let after = send(&app.router, get_with_session("/ops", &engineer))
        .await
        .body;
    assert_eq!(count(&after, "failures"), count(&before, "failures") + 1);
    assert_eq!(
        count(&after, "break-glass-waiting"),
        count(&before, "break-glass-waiting") + 1
    );
    assert!(count(&after, "live-sessions") >= 7);
    assert!(count(&after, "logins") >= 7);
    assert!(!after.contains("Marina") && !after.contains(EMAIL));
}

/// IN-2, DS-1: hostile input to the back office gets a clear 4xx without any detail, and
/// changes nothing: the customer stays active and signed in, and nothing but the refused
/// pages' own record views reaches the audit trail.
async fn in_2_hostile_back_office_input_gets_a_clear_4xx_and_changes_nothing(store: Store) {
    let app = test_app(store).await;
    customer(&app).await;
    let customer_session = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let support = app
        .signed_in_as("tina.font@helio.example", Role::Support)
        .await;
    let id = app.account_id(EMAIL).await;
    let form = |path: String, body: &str| {
        Request::post(path)
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("__Host-helio={support}"))
            .header("x-csrf-token", crate::support::csrf_for(&support))
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let long = "x".repeat(201);
    let huge = format!("reason={}", "y".repeat(200 * 1024));
    let cases: Vec<(Request<Body>, u16)> = vec![
        (
            get_with_session("/staff/customers/not-an-id", &support),
            404,
        ),
        (
            get_with_session(
                "/staff/customers/00000000-0000-4000-8000-000000000000",
                &support,
            ),
            404,
        ),
        (
            form(
                "/staff/customers/%3Cscript%3E/lock".to_owned(),
                "reason=ticket+1",
            ),
            404,
        ),
        (form(format!("/staff/customers/{id}/lock"), ""), 422),
        (
            form(
                format!("/staff/customers/{id}/lock"),
                &format!("reason={long}"),
            ),
            422,
        ),
        (
            form(format!("/staff/customers/{id}/lock"), "reason=two%0Alines"),
            422,
        ),
        (
            form(
                format!("/staff/customers/{id}/lock"),
                "reason=ok+ok&reason=again",
            ),
            422,
        ),
        (
            form(
                format!("/staff/customers/{id}/lock"),
                "reason=ticket+1&admin=true",
            ),
            422,
        ),
        (
            form(
                format!("/staff/customers/{id}/reset-second-factor"),
                "reason=%00%01",
            ),
            422,
        ),
        (form(format!("/staff/customers/{id}/reveal"), &huge), 413),
        (
            form(
                "/staff/customers/search".to_owned(),
                "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            ),
            422,
        ),
        (
            form(
                "/staff/customers/search".to_owned(),
                &format!("q={}", "a".repeat(5000)),
            ),
            422,
        ),
        (form("/staff/customers/search".to_owned(), ""), 422),
        (
            Request::post(format!("/staff/customers/{id}/lock"))
                .header("host", "localhost")
                .header("origin", "http://localhost")
                .header("content-type", "application/json")
                .header("cookie", format!("__Host-helio={support}"))
                .header("x-csrf-token", crate::support::csrf_for(&support))
                .body(Body::from(r#"{"reason":"ticket 1"}"#))
                .unwrap(),
            415,
        ),
    ];
    for (request, status) in cases {
        let path = request.uri().path().to_owned();
        let answer = send(&app.router, request).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        for leak in ["<script>alert", "panicked", "sqlx", "at crates/", "Error {"] {
            assert!(!answer.body.contains(leak), "{path} shows {leak:?}");
        }
    }
    assert_eq!(
        send(&app.router, get_with_session("/account", &customer_session))
            .await
            .status,
        200
    );
    let trail = staff_actions(&app).await;
    for changed in [
        "account_locked",
        "second_factors_reset",
        "personal_data_revealed",
        "customers_searched",
    ] {
        assert!(!trail.contains(changed), "{changed} in {trail}");
    }
}

/// AC-3, CR-3: support correct a customer's email and phone for a reason: the row is sealed
/// again under the current data key with fresh blind indexes (searchable by the new values,
/// not the old), the owner is told at both addresses and in their activity, the audit entry
/// holds the reason and never the values; a taken address or a bad value changes nothing.
async fn ac_3_support_correct_contact_data_and_the_owner_is_told(store: Store) {
    let app = test_app(store).await;
    customer(&app).await;
    app.verified_customer("Otra Persona", "otra@example.com", PASSWORD)
        .await;
    let support = app
        .signed_in_as("vera.gil@helio.example", Role::Support)
        .await;
    let id = app.account_id(EMAIL).await;
    let correct = |fields: &[(&str, &str)]| {
        post_with_session(&format!("/staff/customers/{id}/contact"), &support, fields)
    };
    let newer = app.keys.add_version().await.unwrap();
    for fields in [
        vec![("email", ""), ("phone", ""), ("reason", "ticket 5001")],
        vec![("email", "not an email"), ("reason", "ticket 5001")],
        vec![("phone", "12"), ("reason", "ticket 5001")],
        vec![("email", "marina.new@example.com"), ("reason", "")],
        vec![("email", "otra@example.com"), ("reason", "ticket 5001")],
    ] {
        let answer = send(&app.router, correct(&fields)).await;
        assert_eq!(answer.status, 422, "{fields:?}");
    }
    assert_eq!(
        search(&app, &support, EMAIL)
            .await
            .body
            .matches("Marina Soler")
            .count(),
        1
    );
    let corrected = send(
        &app.router,
        correct(&[
            ("email", "Marina.New@Example.com"),
            ("phone", "+34 699 88 77 66"),
            ("reason", "ticket 5002: typo at sign-up, identity checked"),
        ]),
    )
    .await;
    assert_eq!(corrected.status, 303, "{}", corrected.body);
    assert!(
        !search(&app, &support, EMAIL)
            .await
            .body
            .contains("Marina Soler")
    );
    assert!(
        search(&app, &support, "marina.new@example.com")
            .await
            .body
            .contains("Marina Soler")
    );
    assert!(
        search(&app, &support, "+34699887766")
            .await
            .body
            .contains("Marina Soler")
    );
    assert!(
        !search(&app, &support, PHONE)
            .await
            .body
            .contains("Marina Soler")
    );
    let version = dump(&app.store, "SELECT data_key_version FROM accounts WHERE role = 'customer' AND email_bidx IS NOT NULL AND phone_bidx IS NOT NULL").await;
    assert_eq!(
        String::from_utf8_lossy(&version).trim_end_matches('\0'),
        newer.get().to_string(),
        "the whole row under the current key"
    );
    let stored = dump(
        &app.store,
        "SELECT email_ct, name_ct, phone_ct FROM accounts",
    )
    .await;
    assert!(
        !String::from_utf8_lossy(&stored).contains("marina.new"),
        "encrypted"
    );
    let mail = app.sent_mail().await;
    for to in [EMAIL, "marina.new@example.com"] {
        assert!(
            mail.iter()
                .any(|m| m.to == to && m.kind == "contact_corrected"),
            "{to} told"
        );
    }
    let session = session_cookie(&log_in_form(&app, "marina.new@example.com", PASSWORD).await);
    let page = send(&app.router, get_with_session("/account", &session)).await;
    assert!(
        page.body
            .contains("Helio support corrected your email or phone")
    );
    let trail = staff_actions(&app).await;
    assert_eq!(
        trail.matches("contact_data_corrected").count(),
        1,
        "{trail}"
    );
    assert!(trail.contains("ticket 5002"));
    assert!(
        !trail.contains("marina.new") && !trail.contains("699"),
        "no values in the trail"
    );
}

helio_store::dual_backend_tests!(
    ac_3_support_correct_contact_data_and_the_owner_is_told,
    in_2_hostile_back_office_input_gets_a_clear_4xx_and_changes_nothing,
    ac_4_the_operations_page_is_for_engineers_and_admins_only,
    ac_1_every_route_serves_exactly_the_roles_the_table_allows,
    ac_3_support_find_reveal_and_lock_with_an_audit_trail,
    ac_3_sales_never_receive_contact_data,
    ac_4_engineers_reach_no_customer_data,
);
