//! Break-glass (AC-4, AC-5, LM-1): an engineer reaches a customer's record only under an
//! approved, unexpired grant of their own; the expiry ends access in the middle of a live
//! session; nobody approves their own request; every step and every view is in the audit
//! trail under its grant.

use std::time::Duration;

use helio_core::account::AccountId;
use helio_core::role::Role;
use helio_store::Store;
use helio_store::testing::dump;
use helio_web::services::audit_log::Actor;
use helio_web::services::back_office::{BackOfficeError, Decision};

use crate::support::{Answer, TestApp, get_with_session, post_with_session, send, test_app};

const EMAIL: &str = "joan.mas@example.com";
const PHONE: &str = "+34 655 44 33 22";

async fn customer(app: &TestApp) -> AccountId {
    let answer = send(
        &app.router,
        crate::support::json_post(
            "/api/v1/accounts",
            &serde_json::json!({"name": "Joan Mas", "email": EMAIL, "phone": PHONE, "password": "sunlight on the old stone wall"}),
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
    app.account_id(EMAIL).await
}

async fn ask(app: &TestApp, engineer: &str, customer: &str, minutes: &str) -> Answer {
    send(
        &app.router,
        post_with_session(
            "/staff/break-glass",
            engineer,
            &[
                ("customer", customer),
                ("reason", "INC-981 payment webhook loop"),
                ("minutes", minutes),
            ],
        ),
    )
    .await
}

/// The newest grant on the engineer's list (tests move the clock between requests, so the
/// newest is the first).
async fn newest_grant(app: &TestApp, engineer: &str) -> String {
    let page = send(
        &app.router,
        get_with_session("/staff/break-glass", engineer),
    )
    .await;
    assert_eq!(page.status, 200);
    let start = page.body.find(r#"data-grant=""#).unwrap() + r#"data-grant=""#.len();
    page.body[start..start + 36].to_owned()
}

async fn open(app: &TestApp, engineer: &str, grant: &str) -> Answer {
    send(
        &app.router,
        get_with_session(&format!("/staff/break-glass/{grant}"), engineer),
    )
    .await
}

async fn approve(app: &TestApp, admin: &str, grant: &str) -> Answer {
    send(
        &app.router,
        post_with_session(&format!("/admin/approvals/{grant}/approve"), admin, &[]),
    )
    .await
}

async fn trail(app: &TestApp) -> String {
    String::from_utf8_lossy(
        &dump(
            &app.store,
            "SELECT action, reason, grant_id IS NOT NULL FROM audit_trail WHERE details IS NULL ORDER BY at",
        )
        .await,
    )
    .into_owned()
}

/// AC-4: no access while the request waits; an admin's approval opens the record (full data,
/// a banner, a page that leaves at the expiry); another engineer, support and the admin
/// cannot use the grant; at the expiry access ends although the engineer's session lives on.
async fn ac_4_engineers_reach_a_record_only_under_an_open_grant_that_expires_mid_session(
    store: Store,
) {
    let app = test_app(store).await;
    let id = customer(&app).await;
    let engineer = app
        .signed_in_as("ona.bosch@helio.example", Role::Engineer)
        .await;
    let other_engineer = app
        .signed_in_as("quim.riera@helio.example", Role::Engineer)
        .await;
    let support = app
        .signed_in_as("rut.camps@helio.example", Role::Support)
        .await;
    let admin = app
        .signed_in_as("lia.ferrer@helio.example", Role::Admin)
        .await;

    let direct = send(
        &app.router,
        get_with_session(&format!("/staff/customers/{id}"), &engineer),
    )
    .await;
    assert_eq!(direct.status, 403, "no customer page without a grant");

    assert_eq!(ask(&app, &engineer, &id.to_string(), "5").await.status, 303);
    let grant = newest_grant(&app, &engineer).await;
    let waiting = open(&app, &engineer, &grant).await;
    assert_eq!(waiting.status, 403, "not before an approval");
    assert!(!waiting.body.contains(EMAIL));
    let again = ask(&app, &engineer, &id.to_string(), "5").await;
    assert_eq!(again.status, 422, "one waiting request per customer");

    let approvals = send(&app.router, get_with_session("/admin/approvals", &admin)).await;
    assert!(approvals.body.contains(&grant) && approvals.body.contains("INC-981"));
    assert!(
        !approvals.body.contains(EMAIL),
        "the approval page shows no customer data"
    );
    assert_eq!(approve(&app, &admin, &grant).await.status, 303);
    assert_eq!(
        approve(&app, &admin, &grant).await.status,
        409,
        "decided once"
    );

    let record = open(&app, &engineer, &grant).await;
    assert_eq!(record.status, 200);
    assert!(record.body.contains(EMAIL) && record.body.contains("+34655443322"));
    assert!(record.body.contains("data-break-glass-banner"));
    assert!(
        record
            .body
            .contains(r#"<meta http-equiv="refresh" content="300; url=/staff/break-glass">"#),
        "the page leaves at the expiry"
    );
    assert_eq!(record.header("cache-control"), Some("no-store"));
    for (who, session, status) in [
        ("another engineer", &other_engineer, 404),
        ("support", &support, 403),
        ("the approving admin", &admin, 403),
    ] {
        let answer = open(&app, session, &grant).await;
        assert_eq!(answer.status, status, "{who}");
        assert!(!answer.body.contains(EMAIL), "{who}");
    }

    app.clock.advance(Duration::from_secs(4 * 60));
    assert_eq!(open(&app, &engineer, &grant).await.status, 200);
    app.clock.advance(Duration::from_secs(60));
    let expired = open(&app, &engineer, &grant).await;
    assert_eq!(expired.status, 403, "at the expiry access ends");
    assert!(!expired.body.contains(EMAIL) && !expired.body.contains("Joan"));
    let list = send(
        &app.router,
        get_with_session("/staff/break-glass", &engineer),
    )
    .await;
    assert_eq!(list.status, 200, "the session itself lives on");
    assert!(list.body.contains("expired"));
    let expired_events = String::from_utf8_lossy(
        &dump(
            &app.store,
            "SELECT severity, details FROM audit_trail WHERE action = 'break_glass_expired'",
        )
        .await,
    )
    .into_owned();
    assert!(
        expired_events.starts_with("notice") && expired_events.contains(r#""by":"#),
        "using the expired grant is a security event naming the engineer: {expired_events}"
    );

    let lines = trail(&app).await;
    assert_eq!(
        lines.matches("break_glass_record_viewed").count(),
        2,
        "{lines}"
    );
    assert_eq!(lines.matches("break_glass_requested").count(), 1, "{lines}");
    assert_eq!(lines.matches("break_glass_approved").count(), 1, "{lines}");
    let grant_lines = send(
        &app.router,
        get_with_session(&format!("/admin/break-glass/{grant}"), &admin),
    )
    .await;
    assert_eq!(grant_lines.status, 200);
    assert_eq!(
        grant_lines
            .body
            .matches("break_glass_record_viewed")
            .count(),
        2,
        "line by line"
    );
    assert!(grant_lines.body.contains("break_glass_approved · admin"));
}

/// AC-5: nobody approves their own request, not even an engineer made admin while the
/// request waits; a request that waited too long lapses; a refusal needs a reason and is
/// shown to the engineer; an ended grant opens nothing.
async fn ac_5_no_self_approval_refusals_with_a_reason_and_early_ends(store: Store) {
    let app = test_app(store).await;
    let id = customer(&app).await;
    let engineer = app
        .signed_in_as("pau.serra@helio.example", Role::Engineer)
        .await;
    let admin = app
        .signed_in_as("eva.roca@helio.example", Role::Admin)
        .await;
    assert_eq!(
        ask(&app, &engineer, &id.to_string(), "30").await.status,
        303
    );
    let grant = newest_grant(&app, &engineer).await;
    let office = app.back_office();
    let promoted = Actor {
        account: app.account_id("pau.serra@helio.example").await,
        role: Role::Admin,
        network: "203.0.113.0/24".to_owned(),
        request_id: "test".to_owned(),
    };
    let grant_id = helio_core::break_glass::GrantId::parse(&grant).unwrap();
    assert!(matches!(
        office
            .decide_break_glass(&promoted, grant_id, Decision::Approve)
            .await,
        Err(BackOfficeError::OwnRequest)
    ));
    assert_eq!(
        open(&app, &engineer, &grant).await.status,
        403,
        "still waiting"
    );

    let no_reason = send(
        &app.router,
        post_with_session(
            &format!("/admin/approvals/{grant}/refuse"),
            &admin,
            &[("reason", "")],
        ),
    )
    .await;
    assert_eq!(no_reason.status, 422);
    let refused = send(
        &app.router,
        post_with_session(
            &format!("/admin/approvals/{grant}/refuse"),
            &admin,
            &[("reason", "use the webhook logs first")],
        ),
    )
    .await;
    assert_eq!(refused.status, 303);
    let list = send(
        &app.router,
        get_with_session("/staff/break-glass", &engineer),
    )
    .await;
    assert!(list.body.contains("refused: use the webhook logs first"));
    assert_eq!(open(&app, &engineer, &grant).await.status, 403);
    assert_eq!(approve(&app, &admin, &grant).await.status, 409);

    app.clock.advance(Duration::from_secs(1));
    assert_eq!(
        ask(&app, &engineer, &id.to_string(), "30").await.status,
        303
    );
    let second = newest_grant(&app, &engineer).await;
    assert_eq!(approve(&app, &admin, &second).await.status, 303);
    assert_eq!(open(&app, &engineer, &second).await.status, 200);
    let ended = send(
        &app.router,
        post_with_session(&format!("/staff/break-glass/{second}/end"), &engineer, &[]),
    )
    .await;
    assert_eq!(ended.status, 303);
    assert_eq!(
        open(&app, &engineer, &second).await.status,
        403,
        "ended early"
    );
    assert!(trail(&app).await.contains("break_glass_ended"));

    app.clock.advance(Duration::from_secs(1));
    assert_eq!(
        ask(&app, &engineer, &id.to_string(), "30").await.status,
        303
    );
    let third =
        helio_core::break_glass::GrantId::parse(&newest_grant(&app, &engineer).await).unwrap();
    app.clock.advance(helio_core::break_glass::PENDING_LAPSE);
    let admin_actor = Actor {
        account: app.account_id("eva.roca@helio.example").await,
        ..promoted
    };
    assert!(
        matches!(
            office
                .decide_break_glass(&admin_actor, third, Decision::Approve)
                .await,
            Err(BackOfficeError::Conflict)
        ),
        "a lapsed request cannot be approved"
    );
}

/// IN-2: malformed requests get a clear 422 or 404 and store nothing.
async fn in_2_hostile_break_glass_input_is_refused(store: Store) {
    let app = test_app(store).await;
    let id = customer(&app).await.to_string();
    let engineer = app
        .signed_in_as("gil.font@helio.example", Role::Engineer)
        .await;
    let staff = app.account_id("gil.font@helio.example").await.to_string();
    for (customer, minutes) in [
        ("not-an-id", "30"),
        ("", "30"),
        ("00000000-0000-4000-8000-000000000000", "30"),
        (staff.as_str(), "30"),
        (id.as_str(), "0"),
        (id.as_str(), "4"),
        (id.as_str(), "61"),
        (id.as_str(), "abc"),
        (id.as_str(), "99999999999999999999"),
    ] {
        let answer = ask(&app, &engineer, customer, minutes).await;
        assert_eq!(answer.status, 422, "{customer} {minutes}");
    }
    let bad_reason = send(
        &app.router,
        post_with_session(
            "/staff/break-glass",
            &engineer,
            &[
                ("customer", &id),
                ("reason", "two\nlines"),
                ("minutes", "30"),
            ],
        ),
    )
    .await;
    assert_eq!(bad_reason.status, 422);
    for path in [
        "/staff/break-glass/not-a-grant",
        "/staff/break-glass/00000000-0000-4000-8000-000000000000",
    ] {
        assert_eq!(
            send(&app.router, get_with_session(path, &engineer))
                .await
                .status,
            404
        );
    }
    let stored = dump(&app.store, "SELECT id FROM break_glass_grants").await;
    assert!(stored.is_empty(), "nothing stored");
}

helio_store::dual_backend_tests!(
    ac_4_engineers_reach_a_record_only_under_an_open_grant_that_expires_mid_session,
    ac_5_no_self_approval_refusals_with_a_reason_and_early_ends,
    in_2_hostile_break_glass_input_is_refused,
);
