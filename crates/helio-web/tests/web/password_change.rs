//! SM-17: a password change ends every session of the account, browsers and apps; the
//! browser or app that made it goes on under a new session ID (SM-4).

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use serde_json::{Value, json};

use crate::support::{
    TestApp, get_with_session, json_post, log_in_form, post_with_session, send, session_cookie,
    test_app,
};

const EMAIL: &str = "teo.martin@example.com";
const PASSWORD: &str = "granite steps to the lighthouse";
const NEW_PASSWORD: &str = "seven herons fishing at dawn";

async fn app_login(app: &TestApp, password: &str) -> Value {
    let answer = send(
        &app.router,
        json_post(
            "/api/v1/sessions",
            &json!({"email": EMAIL, "password": password}),
        ),
    )
    .await;
    serde_json::from_str(&answer.body).unwrap()
}

fn bearer(method: &str, path: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("accept", "application/json");
    match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    }
}

async fn status_of(app: &TestApp, session: &str) -> Option<String> {
    send(&app.router, get_with_session("/account", session))
        .await
        .header("location")
        .map(str::to_owned)
}

async fn sm_17_a_password_change_ends_every_session(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Teo Martín", EMAIL, PASSWORD).await;
    let here = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let elsewhere = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let phone = app_login(&app, PASSWORD).await;
    let phone = phone["access_token"].as_str().unwrap().to_owned();

    let page = send(&app.router, get_with_session("/account/password", &here)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"action="/account/password""#));

    // A wrong current password or a weak new one changes nothing.
    let change = |current: &str, new: &str| {
        post_with_session(
            "/account/password",
            &here,
            &[("current_password", current), ("new_password", new)],
        )
    };
    let wrong = send(&app.router, change("not my password at all", NEW_PASSWORD)).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("current password is not right"));
    let weak = send(&app.router, change(PASSWORD, "password1234567")).await;
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("common"), "the policy says why");
    assert_eq!(status_of(&app, &elsewhere).await, None, "still signed in");

    let changed = send(&app.router, change(PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(
        (changed.status, changed.header("location")),
        (303, Some("/account"))
    );
    let renewed = session_cookie(&changed);
    assert_ne!(renewed, here, "a new ID for the browser that changed it");
    assert_eq!(status_of(&app, &renewed).await, None);
    for old in [&here, &elsewhere] {
        assert_eq!(status_of(&app, old).await.as_deref(), Some("/login"));
    }
    let app_status = send(&app.router, bearer("GET", "/api/v1/account", &phone, None)).await;
    assert_eq!(app_status.status, 401, "the app's session ended too");
    assert_eq!(log_in_form(&app, EMAIL, PASSWORD).await.status, 401);
    assert_eq!(log_in_form(&app, EMAIL, NEW_PASSWORD).await.status, 303);
    let mail = app.sent_mail().await;
    assert!(
        mail.iter()
            .any(|m| m.to == EMAIL && m.kind == "password_changed")
    );
    let activity = send(&app.router, get_with_session("/account", &renewed)).await;
    assert!(
        activity
            .body
            .contains("Password changed; other sessions signed out")
    );
}

async fn sm_17_an_app_changes_the_password_and_gets_a_new_session(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Teo Martín", EMAIL, PASSWORD).await;
    let browser = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let login = app_login(&app, PASSWORD).await;
    let access = login["access_token"].as_str().unwrap();

    for (body, status) in [
        (
            json!({"current_password": "wrong wrong wrong wrong", "new_password": NEW_PASSWORD}),
            422,
        ),
        (
            json!({"current_password": PASSWORD, "new_password": "short"}),
            422,
        ),
        (json!({"current_password": PASSWORD}), 422),
        (
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "extra": 1}),
            422,
        ),
    ] {
        let refused = send(
            &app.router,
            bearer("POST", "/api/v1/account/password", access, Some(body)),
        )
        .await;
        assert_eq!(refused.status, status, "{}", refused.body);
    }
    assert_eq!(status_of(&app, &browser).await, None, "nothing changed yet");

    let changed = send(
        &app.router,
        bearer(
            "POST",
            "/api/v1/account/password",
            access,
            Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
        ),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let tokens: Value = serde_json::from_str(&changed.body).unwrap();
    let renewed = tokens["access_token"].as_str().unwrap();
    assert_ne!(renewed, access);
    assert_eq!(
        send(&app.router, bearer("GET", "/api/v1/account", access, None))
            .await
            .status,
        401
    );
    assert_eq!(
        send(&app.router, bearer("GET", "/api/v1/account", renewed, None))
            .await
            .status,
        200
    );
    assert_eq!(status_of(&app, &browser).await.as_deref(), Some("/login"));
}

async fn sm_17_guessing_the_current_password_is_throttled(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Teo Martín", EMAIL, PASSWORD).await;
    let here = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    let mut statuses = Vec::new();
    for guess in 0..11 {
        let answer = send(
            &app.router,
            post_with_session(
                "/account/password",
                &here,
                &[
                    ("current_password", &format!("guess number {guess} of many")),
                    ("new_password", NEW_PASSWORD),
                ],
            ),
        )
        .await;
        statuses.push(answer.status);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let right = send(
        &app.router,
        post_with_session(
            "/account/password",
            &here,
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        ),
    )
    .await;
    assert_eq!(right.status, 429, "even the right one waits out the lock");
    assert_eq!(
        log_in_form(&app, EMAIL, PASSWORD).await.status,
        303,
        "unchanged"
    );
}

helio_store::dual_backend_tests!(
    sm_17_a_password_change_ends_every_session,
    sm_17_an_app_changes_the_password_and_gets_a_new_session,
    sm_17_guessing_the_current_password_is_throttled,
);
