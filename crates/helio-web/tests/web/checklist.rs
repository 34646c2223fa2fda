//! Checklist items proved across flows: stored session secrets are only hashes (SM-5), app
//! tokens are opaque, short-lived and revocable (SM-13), every session event reaches the
//! security log (SM-18), and state spanning pages stays on the server (SM-21).

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use helio_core::crypto::token::SecretToken;
use helio_store::Store;
use helio_store::testing::dump;
use serde_json::{Value, json};

use crate::support::{
    Answer, LogCapture, csrf_for, get_with_session, json_post, link_token, log_in_form,
    post_with_session, send, session_cookie, test_app, test_app_with_sessions,
};
use helio_web::services::sessions::SessionSettings;

const EMAIL: &str = "rita.casas@example.com";
const PASSWORD: &str = "moss clocks in the station hall";

fn body(answer: &Answer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|_| panic!("not JSON: {}", answer.body))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn bearer_get(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header("authorization", format!("Bearer {token}"))
        .header("accept", "application/json")
        .body(Body::empty())
        .unwrap()
}

/// SM-5: whatever session secret Helio hands out (browser session IDs, app access and refresh
/// tokens, passkey ceremony IDs, "this wasn't me" links) is stored only as its SHA-256.
async fn sm_5_only_hashes_of_session_secrets_are_stored(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Rita Casas", EMAIL, PASSWORD).await;
    let browser = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let login = body(
        &send(
            &app.router,
            json_post(
                "/api/v1/sessions",
                &json!({"email": EMAIL, "password": PASSWORD}),
            ),
        )
        .await,
    );
    let ceremony = body(
        &send(
            &app.router,
            crate::support::form_post("/login/passkey/options", ""),
        )
        .await,
    );
    let report = app
        .sent_mail()
        .await
        .into_iter()
        .find(|m| m.kind == "new_device_login")
        .map(|m| link_token(&m.body))
        .expect("a new-device notice");
    let issued = [
        browser,
        login["access_token"].as_str().unwrap().to_owned(),
        login["refresh_token"].as_str().unwrap().to_owned(),
        ceremony["ceremony"].as_str().unwrap().to_owned(),
        report,
    ];
    let mut raw = Vec::new();
    for table in [
        "SELECT * FROM sessions",
        "SELECT * FROM api_tokens",
        "SELECT * FROM webauthn_ceremonies",
        "SELECT * FROM login_reports",
    ] {
        raw.extend(dump(&app.store, table).await);
    }
    for secret in &issued {
        assert!(
            !contains(&raw, secret.as_bytes()),
            "stored as issued: {secret}"
        );
        let hash = SecretToken::parse(secret).unwrap().hash();
        assert!(contains(&raw, &hash.0), "its hash is what is stored");
    }
}

/// SM-13: an app's tokens are opaque 256-bit values that carry nothing about the account or
/// device, the access token expires in minutes, and ending the session from the list revokes
/// both at once.
async fn sm_13_app_tokens_are_opaque_short_lived_and_revocable(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Rita Casas", EMAIL, PASSWORD).await;
    let login = body(
        &send(
            &app.router,
            json_post(
                "/api/v1/sessions",
                &json!({"email": EMAIL, "password": PASSWORD}),
            ),
        )
        .await,
    );
    let access = login["access_token"].as_str().unwrap();
    let refresh = login["refresh_token"].as_str().unwrap();
    assert_eq!(login["expires_in"], 600, "ten minutes");
    let device = login["device_token"].as_str().unwrap();
    for token in [access, refresh] {
        assert_eq!(token.len(), 43, "256 bits, base64url, nothing else");
        assert!(!token.contains('.'), "not a JWT");
        assert!(!device.contains(token) && !token.contains(device));
    }
    let account = body(&send(&app.router, bearer_get("/api/v1/account", access)).await);
    assert_eq!(account["email"], EMAIL);
    app.clock.advance(Duration::from_secs(601));
    assert_eq!(
        send(&app.router, bearer_get("/api/v1/account", access))
            .await
            .status,
        401
    );
    let rotated = body(
        &send(
            &app.router,
            json_post(
                "/api/v1/sessions/refresh",
                &json!({"refresh_token": refresh}),
            ),
        )
        .await,
    );
    let access = rotated["access_token"].as_str().unwrap();
    let refresh = rotated["refresh_token"].as_str().unwrap();

    // The owner ends the app's session from a browser: both tokens die at once.
    let browser = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    send(
        &app.router,
        post_with_session("/account/sessions/end-others", &browser, &[]),
    )
    .await;
    assert_eq!(
        send(&app.router, bearer_get("/api/v1/account", access))
            .await
            .status,
        401
    );
    let refreshed = send(
        &app.router,
        json_post(
            "/api/v1/sessions/refresh",
            &json!({"refresh_token": refresh}),
        ),
    )
    .await;
    assert_eq!(refreshed.status, 401);
}

/// SM-18: every session event, server side and from the page, reaches the security log with
/// its account and reason and without any secret.
async fn sm_18_every_session_event_is_security_logged(store: Store) {
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
    app.verified_customer("Rita Casas", EMAIL, PASSWORD).await;
    let first = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let second = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let keep = Request::post("/session/keep-alive")
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("cookie", format!("__Host-helio={first}"))
        .header("x-csrf-token", csrf_for(&first))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.router, keep).await.status, 200);
    assert_eq!(
        send(
            &app.router,
            post_with_session("/session/closing", &first, &[])
        )
        .await
        .status,
        204
    );
    send(&app.router, get_with_session("/account", &first)).await;
    send(
        &app.router,
        post_with_session("/logout", &second, &[("reason", "inactivity")]),
    )
    .await;
    let third = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    send(
        &app.router,
        post_with_session("/account/sessions/end-others", &third, &[]),
    )
    .await;
    let login = body(
        &send(
            &app.router,
            json_post(
                "/api/v1/sessions",
                &json!({"email": EMAIL, "password": PASSWORD}),
            ),
        )
        .await,
    );
    let refresh = login["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        send(
            &app.router,
            json_post(
                "/api/v1/sessions/refresh",
                &json!({"refresh_token": refresh}),
            ),
        )
        .await;
    }
    send(&app.router, post_with_session("/logout", &third, &[])).await;
    let idle = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    app.clock.advance(Duration::from_secs(31 * 60));
    app.sessions.sweep().await.unwrap();

    let log = capture.text();
    let events: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["target"] == "helio::security")
        .collect();
    let find = |name: &str, reason: Option<&str>| {
        events
            .iter()
            .find(|e| e["event"] == name && reason.is_none_or(|r| e["reason"] == r))
            .unwrap_or_else(|| panic!("no {name} {reason:?} in the log"))
            .clone()
    };
    for (name, reason) in [
        ("session_created", None),
        ("session_kept_alive", None),
        ("session_closing", None),
        ("session_ended", Some("inactivity_logout")),
        ("other_sessions_ended", Some("ended_by_owner")),
        ("session_refreshed", None),
        ("refresh_token_reused", None),
        ("session_ended", Some("logout")),
        ("session_expired", Some("idle_timeout")),
        ("login_succeeded", None),
    ] {
        let event = find(name, reason);
        assert!(
            event.get("account").is_some(),
            "{name} names its account: {event}"
        );
        assert!(
            event.get("request_id").is_some() || name == "session_expired",
            "{event}"
        );
    }
    for secret in [&first, &second, &third, &idle, &refresh.to_owned()] {
        assert!(!log.contains(secret.as_str()), "a secret in the log");
    }
}

/// SM-21: between pages, the browser holds only the session reference; where a login stands
/// and what it may reach is the server's record, so nothing the browser sends can move it on.
async fn sm_21_state_spanning_pages_stays_on_the_server(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Rita Casas", EMAIL, PASSWORD).await;
    let full = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    crate::mfa::enrol(&app, &full).await;
    let pending = log_in_form(&app, EMAIL, PASSWORD).await;
    assert_eq!(pending.header("location"), Some("/mfa"));
    let cookies: Vec<&str> = pending
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        cookies
            .iter()
            .all(|c| c.starts_with("__Host-helio=") || c.starts_with("__Host-helio-device=")),
        "no state in other cookies: {cookies:?}"
    );
    let pending = session_cookie(&pending);
    // The stage lives in the session row: the account page sends the half-finished login
    // back to its second step, whatever the browser claims.
    let account = Request::get("/account")
        .header(
            "cookie",
            format!("__Host-helio={pending}; stage=full; mfa=done"),
        )
        .body(Body::empty())
        .unwrap();
    let answer = send(&app.router, account).await;
    assert_eq!(answer.header("location"), Some("/mfa"));
    let page = send(&app.router, get_with_session("/mfa", &pending)).await;
    assert!(
        !page.body.contains(r#"name="stage""#),
        "no hidden stage field"
    );
    let forged = send(
        &app.router,
        post_with_session("/mfa", &pending, &[("code", "123456"), ("stage", "full")]),
    )
    .await;
    assert_eq!(
        forged.status, 422,
        "unknown fields are refused, not trusted"
    );
}

/// SM-2: a live session of an account disabled afterwards reaches nothing: the account's
/// status is checked on every lookup, not only at login.
async fn sm_2_a_disabled_accounts_sessions_are_refused(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Rita Casas", EMAIL, PASSWORD).await;
    let browser = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    assert_eq!(
        send(&app.router, get_with_session("/account", &browser))
            .await
            .status,
        200
    );
    helio_store::testing::execute_raw(&app.store, "UPDATE accounts SET status = 'disabled'").await;
    let after = send(&app.router, get_with_session("/account", &browser)).await;
    assert_eq!(after.header("location"), Some("/login"));
    assert!(after.header("set-cookie").unwrap().contains("Max-Age=0"));
}

/// SM-7: abandoning a half-finished login ("Cancel and log out") ends it on the server,
/// expires the cookie, clears the site's storage and lands on the login page.
async fn sm_7_cancelling_a_half_finished_login_ends_it(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Rita Casas", EMAIL, PASSWORD).await;
    let full = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    crate::mfa::enrol(&app, &full).await;
    let pending = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let out = send(
        &app.router,
        post_with_session("/login/cancel", &pending, &[]),
    )
    .await;
    assert_eq!((out.status, out.header("location")), (303, Some("/login")));
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert!(
        out.header("clear-site-data")
            .unwrap()
            .contains("\"storage\"")
    );
    let after = send(&app.router, get_with_session("/mfa", &pending)).await;
    assert_eq!(
        after.header("location"),
        Some("/login"),
        "ended on the server"
    );
}

/// SM-16: staff end every session of an account, browsers and apps, with a reason that goes
/// to the security log as a field; the owner sees it in their activity; nothing else changes.
async fn sm_16_staff_end_every_session_of_an_account(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let app = test_app(store).await;
    app.verified_customer("Rita Casas", EMAIL, PASSWORD).await;
    let browser = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let phone = body(
        &send(
            &app.router,
            json_post(
                "/api/v1/sessions",
                &json!({"email": EMAIL, "password": PASSWORD}),
            ),
        )
        .await,
    );
    for (reason, email) in [
        ("", EMAIL),
        ("two\nlines", EMAIL),
        (&"x".repeat(201)[..], EMAIL),
        ("ticket 7", "nobody@example.com"),
    ] {
        assert!(
            matches!(
                app.accounts.end_sessions_by_staff(email, reason).await,
                Err(helio_web::services::accounts::AccountError::Invalid(_))
            ),
            "{reason:?} {email}"
        );
    }
    assert_eq!(
        send(&app.router, get_with_session("/account", &browser))
            .await
            .status,
        200
    );
    let (_, ended) = app
        .accounts
        .end_sessions_by_staff(EMAIL, "ticket 4711: customer reports a lost phone")
        .await
        .unwrap();
    assert_eq!(ended, 2);
    let after = send(&app.router, get_with_session("/account", &browser)).await;
    assert_eq!(after.header("location"), Some("/login"));
    let access = phone["access_token"].as_str().unwrap();
    assert_eq!(
        send(&app.router, bearer_get("/api/v1/account", access))
            .await
            .status,
        401
    );
    let log = capture.text();
    let event = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["event"] == "sessions_ended_by_staff")
        .expect("logged");
    assert_eq!(event["count"], 2);
    assert!(
        !log.contains("lost phone"),
        "the operator's reason is typed text: the trail keeps it, the log does not"
    );
    let trail = String::from_utf8_lossy(
        &dump(
            &app.store,
            "SELECT reason FROM audit_trail WHERE action = 'sessions_ended_by_staff'",
        )
        .await,
    )
    .into_owned();
    assert!(
        trail.contains("ticket 4711: customer reports a lost phone"),
        "{trail}"
    );
    let again = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let page = send(&app.router, get_with_session("/account", &again)).await;
    assert!(page.body.contains("Helio support signed out every session"));
}

/// SM-19, as far as sessions decide it: every non-public route, page or API, refuses a
/// session at a stage its rule does not admit (a half-finished login on a signed-in route, a
/// full session on a second-factor route) before its handler runs. Roles and object-level
/// rules are [Access]'s permission table.
async fn sm_19_routes_refuse_sessions_at_a_stage_their_rule_does_not_admit(store: Store) {
    use helio_core::access::Access;
    let app = test_app(store).await;
    app.verified_customer("Rita Casas", EMAIL, PASSWORD).await;
    let enrolling = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    crate::mfa::enrol(&app, &enrolling).await;
    let pending = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    app.verified_customer("Ona Ferrer", "ona.ferrer@example.com", PASSWORD)
        .await;
    let other_full = session_cookie(&log_in_form(&app, "ona.ferrer@example.com", PASSWORD).await);
    let app_login = |email: &'static str| {
        json_post(
            "/api/v1/sessions",
            &json!({"email": email, "password": PASSWORD}),
        )
    };
    let pending_token = body(&send(&app.router, app_login(EMAIL)).await);
    assert_eq!(pending_token["status"], "mfa_required");
    let pending_token = pending_token["access_token"].as_str().unwrap().to_owned();
    let full_token = body(&send(&app.router, app_login("ona.ferrer@example.com")).await);
    let full_token = full_token["access_token"].as_str().unwrap().to_owned();

    let mut checked = 0;
    for entry in helio_web::route_table().entries() {
        let wrong = match entry.access {
            Access::Public => continue,
            Access::SignedIn | Access::MfaEnrolment | Access::Capability(_) => {
                (&pending, &pending_token, "/mfa")
            }
            Access::MfaChallenge | Access::LoginInProgress => {
                (&other_full, &full_token, "/account")
            }
        };
        let path = entry.path.replace("{id}", &"0".repeat(32));
        let (cookie, token, home) = wrong;
        let api = path.starts_with("/api/");
        let mut request = Request::builder()
            .method(entry.method.clone())
            .uri(&path)
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("accept", "application/json");
        request = if api {
            request
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
        } else {
            request
                .header("cookie", format!("__Host-helio={cookie}"))
                .header("x-csrf-token", csrf_for(cookie))
        };
        let answer = send(&app.router, request.body(Body::from("{}")).unwrap()).await;
        if api {
            assert_eq!(answer.status, 401, "{} {path}", entry.method);
        } else {
            assert_eq!(
                (answer.status, answer.header("location")),
                (303, Some(home)),
                "{} {path}",
                entry.method
            );
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked} routes");
    // The sessions refused above are still what they were: nothing ran.
    assert_eq!(
        send(&app.router, get_with_session("/account", &other_full))
            .await
            .status,
        200
    );
    assert_eq!(
        send(&app.router, get_with_session("/mfa", &pending))
            .await
            .status,
        200
    );
}

helio_store::dual_backend_tests!(
    sm_19_routes_refuse_sessions_at_a_stage_their_rule_does_not_admit,
    sm_16_staff_end_every_session_of_an_account,
    sm_2_a_disabled_accounts_sessions_are_refused,
    sm_7_cancelling_a_half_finished_login_ends_it,
    sm_5_only_hashes_of_session_secrets_are_stored,
    sm_13_app_tokens_are_opaque_short_lived_and_revocable,
    sm_18_every_session_event_is_security_logged,
    sm_21_state_spanning_pages_stays_on_the_server,
);
