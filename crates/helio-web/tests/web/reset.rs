//! AU-3, AU-4, SM-17: password reset through pages and API.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use helio_store::testing::dump;
use helio_web::services::accounts::LoginOutcome;
use serde_json::json;

use crate::support::{TestApp, form_post, from_ip, json_post, link_token, send, test_app};

const EMAIL: &str = "lucia.moreno@example.com";
const OLD: &str = "granite steps under the olive tree";
const NEW: &str = "harbour bells ring at low tide";

async fn active_account(app: &TestApp) {
    let answer = send(
        &app.router,
        json_post(
            "/api/v1/accounts",
            &json!({"name": "Lucía Moreno", "email": EMAIL, "password": OLD}),
        ),
    )
    .await;
    assert_eq!(answer.status, 202);
    let mail = app.sent_mail().await;
    assert!(
        app.accounts
            .verify_email(&link_token(&mail[0].body))
            .await
            .unwrap()
    );
}

async fn reset_link(app: &TestApp) -> String {
    let answer = send(
        &app.router,
        json_post("/api/v1/password-resets", &json!({"email": EMAIL})),
    )
    .await;
    assert_eq!(answer.status, 202);
    let mail = app.sent_mail().await;
    let reset = mail
        .iter()
        .rev()
        .find(|m| m.kind == "reset_password")
        .expect("a reset mail");
    link_token(&reset.body)
}

async fn au_4_reset_requests_answer_the_same_for_any_address(store: Store) {
    let app = test_app(store).await;
    active_account(&app).await;
    let known = send(
        &app.router,
        json_post("/api/v1/password-resets", &json!({"email": EMAIL})),
    )
    .await;
    let unknown = send(
        &app.router,
        json_post(
            "/api/v1/password-resets",
            &json!({"email": "nobody@example.com"}),
        ),
    )
    .await;
    let malformed = send(
        &app.router,
        json_post(
            "/api/v1/password-resets",
            &json!({"email": "not an address"}),
        ),
    )
    .await;
    assert_eq!(
        (known.status, unknown.status, malformed.status),
        (202, 202, 202)
    );
    assert!(known.body == unknown.body && unknown.body == malformed.body);
    let page_known = send(
        &app.router,
        form_post("/forgot-password", "email=lucia.moreno%40example.com"),
    )
    .await;
    let page_unknown = send(
        &app.router,
        form_post("/forgot-password", "email=nobody%40example.com"),
    )
    .await;
    assert_eq!(
        page_known.header("location"),
        page_unknown.header("location")
    );
    let kinds: Vec<String> = app.sent_mail().await.into_iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        ["reset_password", "reset_password"],
        "only the real account gets mail"
    );
}

async fn au_3_a_reset_link_works_once_and_ends_every_session(store: Store) {
    let app = test_app(store).await;
    active_account(&app).await;
    let login = send(
        &app.router,
        form_post(
            "/login",
            &format!(
                "email=lucia.moreno%40example.com&password={}",
                OLD.replace(' ', "+")
            ),
        ),
    )
    .await;
    let cookie = login.header("set-cookie").unwrap();
    let session = cookie["__Host-helio=".len()..cookie.find(';').unwrap()].to_owned();
    let token = reset_link(&app).await;
    assert!(
        !String::from_utf8_lossy(&dump(&app.store, "SELECT * FROM account_tokens").await)
            .contains(&token)
    );
    let weak = send(
        &app.router,
        form_post(
            "/reset-password",
            &format!("token={token}&password=passwordpassword"),
        ),
    )
    .await;
    assert_eq!(
        weak.status, 422,
        "a refused password does not spend the link"
    );
    assert!(weak.body.contains("common"), "{}", weak.body);
    let done = send(
        &app.router,
        form_post(
            "/reset-password",
            &format!("token={token}&password={}", NEW.replace(' ', "+")),
        ),
    )
    .await;
    assert_eq!(done.status, 200);
    let again = send(
        &app.router,
        form_post(
            "/reset-password",
            &format!("token={token}&password={}", NEW.replace(' ', "+")),
        ),
    )
    .await;
    assert_eq!(again.status, 400, "single use");
    let old_session = send(
        &app.router,
        Request::get("/account")
            .header("cookie", format!("__Host-helio={session}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        old_session.status, 303,
        "SM-17: the reset ended the session"
    );
    assert_eq!(
        app.accounts
            .login(EMAIL, OLD, from_ip("192.0.2.7"))
            .await
            .unwrap(),
        LoginOutcome::Failed
    );
    assert!(matches!(
        app.accounts
            .login(EMAIL, NEW, from_ip("192.0.2.7"))
            .await
            .unwrap(),
        LoginOutcome::Success(_)
    ));
    let kinds: Vec<String> = app.sent_mail().await.into_iter().map(|m| m.kind).collect();
    assert!(kinds.contains(&"password_changed".to_owned()), "{kinds:?}");
}

async fn au_3_reset_links_expire_after_30_minutes_and_newer_ones_void_older(store: Store) {
    let app = test_app(store).await;
    active_account(&app).await;
    let first = reset_link(&app).await;
    let second = reset_link(&app).await;
    let body = json!({"token": first, "password": NEW});
    assert_eq!(
        send(
            &app.router,
            json_post("/api/v1/password-resets/complete", &body)
        )
        .await
        .status,
        400,
        "voided"
    );
    app.clock.advance(Duration::from_secs(30 * 60 + 1));
    let late = json!({"token": second, "password": NEW});
    assert_eq!(
        send(
            &app.router,
            json_post("/api/v1/password-resets/complete", &late)
        )
        .await
        .status,
        400,
        "expired"
    );
    let third = reset_link(&app).await;
    let ok = json!({"token": third, "password": NEW});
    assert_eq!(
        send(
            &app.router,
            json_post("/api/v1/password-resets/complete", &ok)
        )
        .await
        .status,
        200
    );
}

async fn in_2_reset_input_is_checked(store: Store) {
    let app = test_app(store).await;
    active_account(&app).await;
    let token = reset_link(&app).await;
    let personal = json!({"token": token, "password": "lucia.moreno@example.com"});
    let answer = send(
        &app.router,
        json_post("/api/v1/password-resets/complete", &personal),
    )
    .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.body.contains("\"field\":\"password\""),
        "{}",
        answer.body
    );
    let garbage = json!({"token": "../../etc/passwd", "password": NEW});
    assert_eq!(
        send(
            &app.router,
            json_post("/api/v1/password-resets/complete", &garbage)
        )
        .await
        .status,
        400
    );
    let extra = json!({"token": token, "password": NEW, "account": "someone-else"});
    assert_eq!(
        send(
            &app.router,
            json_post("/api/v1/password-resets/complete", &extra)
        )
        .await
        .status,
        422
    );
}

helio_store::dual_backend_tests!(
    au_4_reset_requests_answer_the_same_for_any_address,
    au_3_a_reset_link_works_once_and_ends_every_session,
    au_3_reset_links_expire_after_30_minutes_and_newer_ones_void_older,
    in_2_reset_input_is_checked,
);

mod flooding {
    use std::time::Duration;

    use helio_store::Store;
    use serde_json::json;

    use crate::support::{json_post, send, test_app};

    /// Nobody can flood a stranger's inbox through the unauthenticated mail flows.
    async fn ds_2_mail_to_one_address_is_capped_per_hour(store: Store) {
        let app = test_app(store).await;
        let body = json!({"name": "Victim", "email": "victim@example.com", "password": "pelican drifts over the salt flats"});
        for _ in 0..8 {
            assert_eq!(
                send(&app.router, json_post("/api/v1/accounts", &body))
                    .await
                    .status,
                202
            );
            assert_eq!(
                send(
                    &app.router,
                    json_post(
                        "/api/v1/password-resets",
                        &json!({"email": "victim@example.com"})
                    )
                )
                .await
                .status,
                202,
                "the answer never changes"
            );
        }
        assert_eq!(
            app.sent_mail().await.len(),
            5,
            "five messages an hour at most"
        );
        app.clock.advance(Duration::from_secs(60 * 60 + 1));
        assert_eq!(
            send(
                &app.router,
                json_post(
                    "/api/v1/password-resets",
                    &json!({"email": "victim@example.com"})
                )
            )
            .await
            .status,
            202
        );
        assert_eq!(
            app.sent_mail().await.len(),
            1,
            "the budget refills after an hour"
        );
    }

    helio_store::dual_backend_tests!(ds_2_mail_to_one_address_is_capped_per_hour);
}
