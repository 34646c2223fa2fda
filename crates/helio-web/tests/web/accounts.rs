//! Sign-up, email verification and login: [Accounts] requirements through the real stack.

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use helio_store::testing::dump;
use helio_web::services::accounts::LoginOutcome;
use serde_json::{Value, json};

use crate::support::{TestApp, form_post, from_ip, get, json_post, link_token, send, test_app};

const NAME: &str = "Zuriñe Etxeberria";
const EMAIL: &str = "zurine.etxeberria@example.com";
const PHONE: &str = "+34 600 987 654";
const PASSWORD: &str = "violet kettle orbits quietly";

fn signup_body(email: &str) -> Value {
    json!({"name": NAME, "email": email, "phone": PHONE, "password": PASSWORD})
}

async fn sign_up(app: &TestApp, email: &str) -> u16 {
    send(
        &app.router,
        json_post("/api/v1/accounts", &signup_body(email)),
    )
    .await
    .status
}

async fn cr_3_no_personal_data_is_stored_in_plaintext(store: Store) {
    let app = test_app(store).await;
    assert_eq!(sign_up(&app, EMAIL).await, 202);
    let mut raw = dump(&app.store, "SELECT * FROM accounts").await;
    raw.extend(dump(&app.store, "SELECT * FROM outbox").await);
    raw.extend(dump(&app.store, "SELECT * FROM account_tokens").await);
    raw.extend(dump(&app.store, "SELECT * FROM data_keys").await);
    assert!(raw.len() > 200, "the dump holds the rows");
    let haystack = String::from_utf8_lossy(&raw).to_lowercase();
    for plaintext in [
        NAME,
        "zuriñe",
        "etxeberria",
        EMAIL,
        "zurine.etxeberria",
        "600987654",
        "987 654",
        "987654",
        PASSWORD,
        "violet kettle",
    ] {
        assert!(
            !haystack.contains(&plaintext.to_lowercase()),
            "{plaintext:?} is readable in the raw database"
        );
    }
    let mail = app.sent_mail().await;
    assert_eq!(mail.len(), 1);
    assert!(
        !haystack.contains(&link_token(&mail[0].body)),
        "the token is stored only hashed"
    );
}

async fn au_4_sign_up_answers_the_same_for_a_registered_email(store: Store) {
    let app = test_app(store).await;
    let first = send(
        &app.router,
        json_post("/api/v1/accounts", &signup_body(EMAIL)),
    )
    .await;
    let again = send(
        &app.router,
        json_post("/api/v1/accounts", &signup_body(EMAIL)),
    )
    .await;
    assert_eq!((first.status, again.status), (202, 202));
    assert_eq!(first.body, again.body);
    let page_new = send(
        &app.router,
        form_post(
            "/signup",
            &format!(
                "name=Ana&email=ana%40example.com&password={}",
                PASSWORD.replace(' ', "+")
            ),
        ),
    )
    .await;
    let page_old = send(
        &app.router,
        form_post(
            "/signup",
            &format!(
                "name=Ana&email={}&password={}",
                EMAIL.replace('@', "%40"),
                PASSWORD.replace(' ', "+")
            ),
        ),
    )
    .await;
    assert_eq!((page_new.status, page_old.status), (303, 303));
    assert_eq!(page_new.header("location"), page_old.header("location"));
    let kinds: Vec<String> = app.sent_mail().await.into_iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "verify_email").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "account_exists").count(),
        2,
        "{kinds:?}"
    );
}

async fn au_3_email_verification_is_single_use_and_activates_login(store: Store) {
    let app = test_app(store).await;
    assert_eq!(sign_up(&app, EMAIL).await, 202);
    assert_eq!(
        app.accounts
            .login(EMAIL, PASSWORD, from_ip("192.0.2.10"))
            .await
            .unwrap(),
        LoginOutcome::Failed,
        "no login before the address is proved"
    );
    let mail = app.sent_mail().await;
    assert_eq!(mail[0].to, EMAIL);
    let token = link_token(&mail[0].body);
    let confirm = get(&app.router, &format!("/verify-email?token={token}")).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains(&format!(r#"value="{token}""#)),
        "GET only shows a button"
    );
    let first = send(
        &app.router,
        form_post("/verify-email", &format!("token={token}")),
    )
    .await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("Email address confirmed"));
    let second = send(
        &app.router,
        form_post("/verify-email", &format!("token={token}")),
    )
    .await;
    assert_eq!(second.status, 400);
    assert!(matches!(
        app.accounts
            .login(EMAIL, PASSWORD, from_ip("192.0.2.10"))
            .await
            .unwrap(),
        LoginOutcome::Success(_)
    ));
    let api_again = send(
        &app.router,
        json_post("/api/v1/accounts/verify-email", &json!({"token": token})),
    )
    .await;
    assert_eq!(api_again.status, 400);
}

async fn au_4_login_fails_the_same_way_for_unknown_and_wrong(store: Store) {
    let app = test_app(store).await;
    sign_up(&app, EMAIL).await;
    let token = link_token(&app.sent_mail().await[0].body);
    assert!(app.accounts.verify_email(&token).await.unwrap());
    for (email, password) in [
        ("nobody@example.com", PASSWORD),
        (EMAIL, "violet kettle orbits quietlY"),
        ("not an email", PASSWORD),
        (EMAIL, ""),
    ] {
        assert_eq!(
            app.accounts
                .login(email, password, from_ip("192.0.2.10"))
                .await
                .unwrap(),
            LoginOutcome::Failed,
            "{email} / {password}"
        );
    }
    assert!(matches!(
        app.accounts
            .login(&EMAIL.to_uppercase(), PASSWORD, from_ip("192.0.2.10"))
            .await
            .unwrap(),
        LoginOutcome::Success(_)
    ));
}

async fn in_2_bad_sign_up_input_is_refused_per_field_and_stores_nothing(store: Store) {
    let app = test_app(store).await;
    let invalid = send(
        &app.router,
        json_post(
            "/api/v1/accounts",
            &json!({"name": "", "email": "nope", "phone": "12", "password": PASSWORD}),
        ),
    )
    .await;
    assert_eq!(invalid.status, 422);
    let problem: Value = serde_json::from_str(&invalid.body).unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "email", "phone"]);
    for (password, expected) in [
        ("short", "15 characters"),
        ("passwordpassword", "common"),
        ("123456789012345", "common or breached"),
    ] {
        let answer = send(
            &app.router,
            json_post(
                "/api/v1/accounts",
                &json!({"name": NAME, "email": EMAIL, "password": password}),
            ),
        )
        .await;
        assert_eq!(answer.status, 422, "{password}");
        assert!(
            answer.body.contains(expected),
            "{password}: {}",
            answer.body
        );
        assert!(
            !answer.body.contains(password) || password == "short",
            "the password is never echoed"
        );
    }
    let unknown = send(
        &app.router,
        json_post(
            "/api/v1/accounts",
            &json!({"name": NAME, "email": EMAIL, "password": PASSWORD, "role": "admin"}),
        ),
    )
    .await;
    assert_eq!(unknown.status, 422, "unknown fields are refused");
    assert!(!unknown.body.contains("role"), "{}", unknown.body);
    let hostile = send(
        &app.router,
        form_post(
            "/signup",
            "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&email=x&password=short",
        ),
    )
    .await;
    assert_eq!(hostile.status, 422);
    assert!(hostile.body.contains("alert(1)"), "the name is shown again");
    assert!(!hostile.body.contains("<script>"), "and escaped");
    assert!(
        dump(&app.store, "SELECT id FROM accounts").await.is_empty(),
        "nothing stored"
    );
}

async fn ds_3_a_cross_site_sign_up_post_is_refused(store: Store) {
    let app = test_app(store).await;
    let forged = Request::post("/signup")
        .header("host", "localhost")
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "name=Ana&email=ana%40example.com&password={}",
            PASSWORD.replace(' ', "+")
        )))
        .unwrap();
    let answer = send(&app.router, forged).await;
    assert_eq!(answer.status, 403);
    assert!(dump(&app.store, "SELECT id FROM accounts").await.is_empty());
}

helio_store::dual_backend_tests!(
    cr_3_no_personal_data_is_stored_in_plaintext,
    au_4_sign_up_answers_the_same_for_a_registered_email,
    au_3_email_verification_is_single_use_and_activates_login,
    au_4_login_fails_the_same_way_for_unknown_and_wrong,
    in_2_bad_sign_up_input_is_refused_per_field_and_stores_nothing,
    ds_3_a_cross_site_sign_up_post_is_refused,
);

mod request_budget {
    use helio_store::Store;
    use serde_json::json;

    use crate::support::{json_post, over, send, test_app};

    /// A script cannot create accounts or trigger mail without limit from one address.
    async fn ds_2_sign_up_and_reset_requests_are_capped_per_source(store: Store) {
        let app = test_app(store).await;
        let flood = "203.0.113.77:5000";
        for n in 0..20 {
            let body = json!({"name": "Bot", "email": format!("bot{n}@example.com"), "password": "pelican drifts over the salt flats"});
            let request = if n % 2 == 0 {
                over(flood, false, json_post("/api/v1/accounts", &body))
            } else {
                over(
                    flood,
                    false,
                    json_post(
                        "/api/v1/password-resets",
                        &json!({"email": format!("bot{n}@example.com")}),
                    ),
                )
            };
            assert_eq!(send(&app.router, request).await.status, 202, "request {n}");
        }
        let body = json!({"name": "Bot", "email": "bot99@example.com", "password": "pelican drifts over the salt flats"});
        let refused = send(
            &app.router,
            over(flood, false, json_post("/api/v1/accounts", &body)),
        )
        .await;
        assert_eq!(refused.status, 429);
        assert_eq!(refused.header("retry-after"), Some("3600"));
        let elsewhere = send(
            &app.router,
            over(
                "198.51.100.20:5000",
                false,
                json_post("/api/v1/accounts", &body),
            ),
        )
        .await;
        assert_eq!(elsewhere.status, 202, "other sources are not affected");
    }

    helio_store::dual_backend_tests!(ds_2_sign_up_and_reset_requests_are_capped_per_source);
}
