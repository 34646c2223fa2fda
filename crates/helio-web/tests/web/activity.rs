//! The account's security activity (SM-16, SM-18): what happens to an account (logins from
//! known and new devices, wrong passwords, logouts, sessions ended from the list or expired,
//! a replayed app token) is listed for its owner on the account page and in the API, with a
//! coarse device and network, newest first, never with a session ID or token.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use serde_json::{Value, json};

use crate::support::{
    Answer, TestApp, get_with_session, json_post, post_with_session, send, session_cookie, test_app,
};

const EMAIL: &str = "nuria.blanco@example.com";
const PASSWORD: &str = "lichen maps on the north wall";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

/// A page login from Firefox at `ip`, with the device cookie an earlier login left, if any.
async fn log_in(app: &TestApp, password: &str, ip: &str, device: Option<&str>) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("email", EMAIL)
        .append_pair("password", password)
        .finish();
    let mut request = Request::post("/login")
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("user-agent", FIREFOX)
        .header("x-forwarded-for", ip);
    if let Some(device) = device {
        request = request.header("cookie", format!("__Host-helio-device={device}"));
    }
    let request = crate::support::over(
        "127.0.0.1:9",
        false,
        request.body(Body::from(body)).unwrap(),
    );
    send(&app.router, request).await
}

fn device_cookie(answer: &Answer) -> String {
    let cookie = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-helio-device="))
        .expect("a device cookie");
    cookie["__Host-helio-device=".len()..cookie.find(';').unwrap()].to_owned()
}

async fn activity_kinds(app: &TestApp, access: &str) -> Vec<Value> {
    let answer = send(
        &app.router,
        Request::get("/api/v1/account/activity")
            .header("authorization", format!("Bearer {access}"))
            .header("accept", "application/json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    serde_json::from_str(&answer.body).unwrap()
}

async fn sm_18_what_happens_to_an_account_is_listed_for_its_owner(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Núria Blanco", EMAIL, PASSWORD).await;

    let first = log_in(&app, PASSWORD, "203.0.113.7", None).await;
    assert_eq!(first.status, 303);
    let (first_id, device) = (session_cookie(&first), device_cookie(&first));
    assert_eq!(
        log_in(&app, "not the password at all", "198.51.100.9", None)
            .await
            .status,
        401
    );
    let second = session_cookie(&log_in(&app, PASSWORD, "203.0.113.7", Some(&device)).await);
    let third = session_cookie(&log_in(&app, PASSWORD, "203.0.113.7", Some(&device)).await);

    // The owner logs one browser out, then ends another from the list of a third.
    send(&app.router, post_with_session("/logout", &second, &[])).await;
    let page = send(&app.router, get_with_session("/account", &third)).await;
    let handles: Vec<&str> = page
        .body
        .split("action=\"/account/sessions/")
        .skip(1)
        .map(|rest| &rest[..rest.find('/').unwrap()])
        .filter(|handle| handle.len() == 32)
        .collect();
    assert_eq!(
        handles.len(),
        1,
        "the first browser; the second has logged out"
    );
    let ended = send(
        &app.router,
        post_with_session(
            &format!("/account/sessions/{}/end", handles[0]),
            &third,
            &[],
        ),
    )
    .await;
    assert_eq!(ended.status, 303);

    // An app whose refresh token is replayed; then every browser left sits idle past its
    // limit and the sweeper ends it.
    let app_login = send(
        &app.router,
        json_post(
            "/api/v1/sessions",
            &json!({"email": EMAIL, "password": PASSWORD}),
        ),
    )
    .await;
    let tokens: Value = serde_json::from_str(&app_login.body).unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
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
    app.clock.advance(Duration::from_secs(31 * 60));
    assert!(app.sessions.sweep().await.unwrap() >= 1);

    let watcher = send(
        &app.router,
        json_post(
            "/api/v1/sessions",
            &json!({"email": EMAIL, "password": PASSWORD, "device_token": tokens["device_token"]}),
        ),
    )
    .await;
    let watcher: Value = serde_json::from_str(&watcher.body).unwrap();
    let entries = activity_kinds(&app, watcher["access_token"].as_str().unwrap()).await;
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "login_succeeded",
            "session_idle_ended",
            "app_token_reused",
            "login_new_device",
            "session_ended_by_owner",
            "logged_out",
            "login_succeeded",
            "login_succeeded",
            "login_failed",
            "login_new_device",
        ],
        "{entries:#?}"
    );
    let new_device = &entries[9];
    assert_eq!(new_device["device"], "Firefox on Linux");
    assert_eq!(
        new_device["network"], "127.0.0.0/24",
        "the direct peer: no trusted proxy"
    );
    assert_eq!(new_device["client"], "browser");
    assert_eq!(new_device["warning"], true);
    assert_eq!(entries[3]["client"], "app");
    assert_eq!(entries[0]["warning"], false);

    // The page lists the same, and neither shows a session ID or token.
    let page_session = session_cookie(&log_in(&app, PASSWORD, "203.0.113.7", Some(&device)).await);
    let page = send(&app.router, get_with_session("/account", &page_session)).await;
    for wording in [
        "Logged in from a new device",
        "Wrong password entered",
        "A session was signed out from this page",
        "Signed out after a time without activity",
        "An app session was ended: its sign-in token was used twice",
    ] {
        assert!(page.body.contains(wording), "{wording}");
    }
    let listed = serde_json::to_string(&entries).unwrap();
    for secret in [
        &first_id,
        &second,
        &third,
        &page_session,
        &device,
        &refresh.to_owned(),
    ] {
        assert!(!page.body.contains(secret.as_str()) && !listed.contains(secret.as_str()));
    }
}

async fn sm_16_nobody_reads_another_accounts_activity(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Núria Blanco", EMAIL, PASSWORD).await;
    assert_eq!(
        log_in(&app, "wrong wrong wrong wrong", "203.0.113.7", None)
            .await
            .status,
        401
    );
    app.verified_customer("Pau Serra", "pau.serra@example.com", PASSWORD)
        .await;
    let other = send(
        &app.router,
        json_post(
            "/api/v1/sessions",
            &json!({"email": "pau.serra@example.com", "password": PASSWORD}),
        ),
    )
    .await;
    let other: Value = serde_json::from_str(&other.body).unwrap();
    let entries = activity_kinds(&app, other["access_token"].as_str().unwrap()).await;
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["login_new_device"], "only Pau's own login");
    let anonymous = send(
        &app.router,
        Request::get("/api/v1/account/activity")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(anonymous.status, 401);
}

helio_store::dual_backend_tests!(
    sm_18_what_happens_to_an_account_is_listed_for_its_owner,
    sm_16_nobody_reads_another_accounts_activity,
);
