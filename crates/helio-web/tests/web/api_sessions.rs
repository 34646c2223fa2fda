//! The JSON API for the mobile apps: login (AU-4), the second factor and forced enrolment
//! (AU-1), bearer tokens with refresh rotation and reuse detection (SM-8), and no cookies.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use helio_core::mfa::TotpSecret;
use helio_core::time::Clock as _;
use helio_store::Store;
use helio_store::testing::execute_raw;
use serde_json::{Value, json};

use crate::support::{Answer, TestApp, form_post, json_post, send, test_app};

const EMAIL: &str = "lucia.mora@example.com";
const PASSWORD: &str = "violet tram bells in the fog";

async fn verified(app: &TestApp) {
    app.verified_customer("Lucía Mora", EMAIL, PASSWORD).await;
}

fn json(answer: &Answer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|_| panic!("not JSON: {}", answer.body))
}

async fn api_login(app: &TestApp, password: &str) -> Answer {
    send(
        &app.router,
        json_post(
            "/api/v1/sessions",
            &json!({"email": EMAIL, "password": password}),
        ),
    )
    .await
}

fn with_bearer(method: &str, path: &str, token: &str, body: Option<&Value>) -> Request<Body> {
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

async fn account_status(app: &TestApp, access: &str) -> u16 {
    send(
        &app.router,
        with_bearer("GET", "/api/v1/account", access, None),
    )
    .await
    .status
}

async fn refresh(app: &TestApp, refresh: &str) -> Answer {
    send(
        &app.router,
        json_post(
            "/api/v1/sessions/refresh",
            &json!({"refresh_token": refresh}),
        ),
    )
    .await
}

fn tokens(answer: &Answer) -> (String, String) {
    let body = json(answer);
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn au_4_api_login_failures_look_the_same(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let wrong = api_login(&app, "violet tram bells in the smog").await;
    let unknown = send(
        &app.router,
        json_post(
            "/api/v1/sessions",
            &json!({"email": "nobody@example.com", "password": PASSWORD}),
        ),
    )
    .await;
    assert_eq!((wrong.status, unknown.status), (401, 401));
    assert_eq!(wrong.header("www-authenticate"), Some("Bearer"));
    let strip = |answer: &Answer| {
        let mut body = json(answer);
        body.as_object_mut().unwrap().remove("request_id");
        body
    };
    assert_eq!(
        strip(&wrong),
        strip(&unknown),
        "one failure, whatever went wrong"
    );
}

async fn sm_8_refresh_rotates_both_tokens_and_reuse_ends_the_session(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let login = api_login(&app, PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let body = json(&login);
    assert_eq!(body["status"], "signed_in");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert!(
        login.header("set-cookie").is_none(),
        "the API sets no cookie"
    );
    let (access, refresh_token) = tokens(&login);
    assert_ne!(access, refresh_token);

    let account = send(
        &app.router,
        with_bearer("GET", "/api/v1/account", &access, None),
    )
    .await;
    assert_eq!(account.status, 200, "{}", account.body);
    let dto = json(&account);
    assert_eq!(
        (dto["email"].as_str(), dto["role"].as_str()),
        (Some(EMAIL), Some("customer"))
    );
    for leak in ["hash", "bidx", "ciphertext", "key_version", "password"] {
        assert!(
            !account.body.contains(leak),
            "IN-4: no {leak} in {}",
            account.body
        );
    }

    let rotated = refresh(&app, &refresh_token).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let (access2, refresh2) = tokens(&rotated);
    assert_ne!(
        (&access2, &refresh2),
        (&access, &refresh_token),
        "both rotate"
    );
    assert_eq!(
        account_status(&app, &access).await,
        401,
        "the old access token is gone"
    );
    assert_eq!(account_status(&app, &access2).await, 200);

    let replayed = refresh(&app, &refresh_token).await;
    assert_eq!(replayed.status, 401, "a spent refresh token is refused");
    assert_eq!(
        account_status(&app, &access2).await,
        401,
        "and its whole session ends, thief and owner alike"
    );
    assert_eq!(refresh(&app, &refresh2).await.status, 401);
}

async fn sm_8_access_tokens_expire_and_logout_ends_the_session(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let (access, refresh_token) = tokens(&api_login(&app, PASSWORD).await);
    app.clock.advance(Duration::from_secs(10 * 60 + 1));
    assert_eq!(
        account_status(&app, &access).await,
        401,
        "10 minutes at most"
    );
    let (access, refresh_token) = tokens(&refresh(&app, &refresh_token).await);
    assert_eq!(account_status(&app, &access).await, 200);

    app.clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(
        refresh(&app, &refresh_token).await.status,
        401,
        "a session idle past its role's limit cannot be refreshed"
    );

    let (access, refresh_token) = tokens(&api_login(&app, PASSWORD).await);
    let end = send(
        &app.router,
        with_bearer("POST", "/api/v1/sessions/end", &access, None),
    )
    .await;
    assert_eq!(end.status, 204);
    assert_eq!(account_status(&app, &access).await, 401);
    assert_eq!(refresh(&app, &refresh_token).await.status, 401);

    let (access, _) = tokens(&api_login(&app, PASSWORD).await);
    execute_raw(&app.store, "UPDATE accounts SET status = 'disabled'").await;
    assert_eq!(
        account_status(&app, &access).await,
        401,
        "a disabled account is out"
    );
}

async fn ds_3_the_api_ignores_cookies_and_pages_ignore_bearer_tokens(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let browser = send(
        &app.router,
        form_post(
            "/login",
            &format!(
                "email=lucia.mora%40example.com&password={}",
                PASSWORD.replace(' ', "+")
            ),
        ),
    )
    .await;
    let cookie = browser.header("set-cookie").unwrap();
    let cookie = cookie[..cookie.find(';').unwrap()].to_owned();
    let with_cookie = send(
        &app.router,
        Request::get("/api/v1/account")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(with_cookie.status, 401, "a cookie opens nothing in the API");

    let (access, _) = tokens(&api_login(&app, PASSWORD).await);
    let page = send(&app.router, with_bearer("GET", "/account", &access, None)).await;
    assert_eq!(
        (page.status, page.header("location")),
        (303, Some("/login")),
        "a bearer token opens no page"
    );
    for junk in ["", "x", &"A".repeat(43), &"é".repeat(40), &"A".repeat(5000)] {
        assert_eq!(account_status(&app, junk).await, 401, "{junk:?}");
    }
    let basic = send(
        &app.router,
        Request::get("/api/v1/account")
            .header("authorization", format!("Basic {access}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(basic.status, 401, "only the Bearer scheme");
}

async fn au_1_the_api_asks_for_the_second_factor_and_forces_enrolment(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    execute_raw(&app.store, "UPDATE accounts SET role = 'installer'").await;
    let login = api_login(&app, PASSWORD).await;
    let body = json(&login);
    assert_eq!(body["status"], "mfa_enrolment_required");
    assert!(
        body.get("refresh_token").is_none(),
        "no refresh before the second factor"
    );
    let pending = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        account_status(&app, &pending).await,
        401,
        "nothing before enrolment"
    );

    let begin = send(
        &app.router,
        with_bearer("POST", "/api/v1/mfa/totp", &pending, None),
    )
    .await;
    assert_eq!(begin.status, 200, "{}", begin.body);
    let secret = TotpSecret::from_base32(json(&begin)["secret"].as_str().unwrap()).unwrap();
    let wrong = send(
        &app.router,
        with_bearer(
            "POST",
            "/api/v1/mfa/totp/confirm",
            &pending,
            Some(&json!({"code": "000000"})),
        ),
    )
    .await;
    assert_eq!(wrong.status, 422);
    let code = secret.code_at(app.clock.now()).unwrap();
    let confirmed = send(
        &app.router,
        with_bearer(
            "POST",
            "/api/v1/mfa/totp/confirm",
            &pending,
            Some(&json!({"code": code})),
        ),
    )
    .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let enrolled = json(&confirmed);
    assert_eq!(enrolled["recovery_codes"].as_array().unwrap().len(), 10);
    let full = enrolled["session"]["access_token"].as_str().unwrap();
    assert_eq!(account_status(&app, full).await, 200);
    assert_eq!(
        account_status(&app, &pending).await,
        401,
        "SM-4: the pending token is dead"
    );

    app.clock.advance(Duration::from_secs(60));
    let login = json(&api_login(&app, PASSWORD).await);
    assert_eq!(login["status"], "mfa_required");
    let pending = login["access_token"].as_str().unwrap().to_owned();
    let guess = send(
        &app.router,
        with_bearer(
            "POST",
            "/api/v1/sessions/mfa",
            &pending,
            Some(&json!({"code": "123456"})),
        ),
    )
    .await;
    assert_eq!(guess.status, 401);
    let code = secret.code_at(app.clock.now()).unwrap();
    let passed = send(
        &app.router,
        with_bearer(
            "POST",
            "/api/v1/sessions/mfa",
            &pending,
            Some(&json!({"code": code})),
        ),
    )
    .await;
    assert_eq!(passed.status, 200, "{}", passed.body);
    let (access, _) = tokens(&passed);
    assert_eq!(account_status(&app, &access).await, 200);
    let account = json(
        &send(
            &app.router,
            with_bearer("GET", "/api/v1/account", &access, None),
        )
        .await,
    );
    assert_eq!(account["second_factors"]["recovery_codes_left"], 10);
    let renewed = send(
        &app.router,
        with_bearer("POST", "/api/v1/mfa/recovery-codes", &access, None),
    )
    .await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    assert_eq!(
        json(&renewed)["recovery_codes"].as_array().unwrap().len(),
        10
    );
}

/// AU-1: the apps use passkeys through the API as the web pages do: added under a bearer
/// token, asked as the second step, and for passwordless login; a passkey is removed with 204.
async fn au_1_apps_add_and_use_passkeys(store: Store) {
    use webauthn_authenticator_rs::WebauthnAuthenticator as _;
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;
    use webauthn_rs_proto::{
        AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse,
    };

    let origin = url::Url::parse("http://localhost").unwrap();
    let app = test_app(store).await;
    verified(&app).await;
    let (access, _) = tokens(&api_login(&app, PASSWORD).await);
    let start = send(
        &app.router,
        with_bearer("POST", "/api/v1/passkeys/register/options", &access, None),
    )
    .await;
    assert_eq!(start.status, 200, "{}", start.body);
    let challenge = json(&start);
    let options: CreationChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    let handle = options.public_key.user.id.to_vec();
    let mut authenticator = SoftPasskey::new(true);
    let credential = authenticator
        .do_registration(origin.clone(), options)
        .unwrap();
    let credential_id = credential.raw_id.to_vec();
    let added = send(
        &app.router,
        with_bearer(
            "POST",
            "/api/v1/passkeys/register",
            &access,
            Some(&json!({"ceremony": challenge["ceremony"], "credential": credential})),
        ),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(json(&added)["recovery_codes"].as_array().unwrap().len(), 10);

    let login = json(&api_login(&app, PASSWORD).await);
    assert_eq!(login["status"], "mfa_required");
    let pending = login["access_token"].as_str().unwrap().to_owned();
    let start = send(
        &app.router,
        with_bearer(
            "POST",
            "/api/v1/sessions/mfa/passkey/options",
            &pending,
            None,
        ),
    )
    .await;
    let challenge = json(&start);
    let options: RequestChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    let assertion = authenticator
        .do_authentication(origin.clone(), options)
        .unwrap();
    let passed = send(
        &app.router,
        with_bearer(
            "POST",
            "/api/v1/sessions/mfa/passkey",
            &pending,
            Some(&json!({"ceremony": challenge["ceremony"], "credential": assertion})),
        ),
    )
    .await;
    assert_eq!(passed.status, 200, "{}", passed.body);
    let full = json(&passed)["session"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(account_status(&app, &full).await, 200);
    assert_eq!(account_status(&app, &pending).await, 401, "SM-4");

    let start = send(
        &app.router,
        json_post("/api/v1/sessions/passkey/options", &json!({})),
    )
    .await;
    let challenge = json(&start);
    let mut options: RequestChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    options.public_key.allow_credentials = vec![AllowCredentials {
        type_: "public-key".to_owned(),
        id: credential_id,
        transports: None,
    }];
    let mut assertion: PublicKeyCredential =
        authenticator.do_authentication(origin, options).unwrap();
    assertion.response.user_handle = Some(handle);
    let passwordless = send(
        &app.router,
        json_post(
            "/api/v1/sessions/passkey",
            &json!({"ceremony": challenge["ceremony"], "credential": assertion}),
        ),
    )
    .await;
    assert_eq!(passwordless.status, 200, "{}", passwordless.body);
    let (access, _) = tokens(&passwordless);
    assert_eq!(account_status(&app, &access).await, 200);

    let account = json(
        &send(
            &app.router,
            with_bearer("GET", "/api/v1/account", &access, None),
        )
        .await,
    );
    assert_eq!(account["second_factors"]["passkeys"], 1);
    let id = account["passkeys"][0]["id"].as_str().unwrap().to_owned();
    assert!(account["passkeys"][0]["last_used_at"].is_string());
    let removed = send(
        &app.router,
        with_bearer(
            "POST",
            &format!("/api/v1/passkeys/{id}/remove"),
            &access,
            None,
        ),
    )
    .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let account = json(
        &send(
            &app.router,
            with_bearer("GET", "/api/v1/account", &access, None),
        )
        .await,
    );
    assert_eq!(account["second_factors"]["passkeys"], 0);
}

/// SM-16: an app lists the account's sessions (no IDs or tokens) and ends one or the others.
async fn sm_16_apps_list_and_end_sessions(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let (first, _) = tokens(&api_login(&app, PASSWORD).await);
    let (second, _) = tokens(&api_login(&app, PASSWORD).await);
    let browser = send(
        &app.router,
        form_post(
            "/login",
            &format!(
                "email=lucia.mora%40example.com&password={}",
                PASSWORD.replace(' ', "+")
            ),
        ),
    )
    .await;
    assert_eq!(browser.status, 303);
    let listed = send(
        &app.router,
        with_bearer("GET", "/api/v1/sessions", &first, None),
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    for secret in [&first, &second] {
        assert!(!listed.body.contains(secret.as_str()));
    }
    let sessions = json(&listed);
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(sessions.iter().filter(|s| s["client"] == "app").count(), 2);

    let ended = send(
        &app.router,
        with_bearer("POST", "/api/v1/sessions/end-others", &first, None),
    )
    .await;
    assert_eq!(ended.status, 204);
    assert_eq!(
        account_status(&app, &second).await,
        401,
        "the other app is out"
    );
    let listed = json(
        &send(
            &app.router,
            with_bearer("GET", "/api/v1/sessions", &first, None),
        )
        .await,
    );
    let only = listed.as_array().unwrap();
    assert_eq!(only.len(), 1, "the browser is out too");
    let own = only[0]["id"].as_str().unwrap().to_owned();
    let missing = send(
        &app.router,
        with_bearer(
            "POST",
            "/api/v1/sessions/00112233445566778899aabbccddeeff/end",
            &first,
            None,
        ),
    )
    .await;
    assert_eq!(missing.status, 404);
    let bye = send(
        &app.router,
        with_bearer("POST", &format!("/api/v1/sessions/{own}/end"), &first, None),
    )
    .await;
    assert_eq!(bye.status, 204);
    assert_eq!(account_status(&app, &first).await, 401);
}

async fn in_2_hostile_api_input_gets_a_clear_4xx(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    for body in [
        json!({"email": EMAIL}),
        json!({"email": EMAIL, "password": PASSWORD, "admin": true}),
        json!({"email": 7, "password": []}),
        json!([EMAIL, PASSWORD]),
    ] {
        let answer = send(&app.router, json_post("/api/v1/sessions", &body)).await;
        assert!(
            (400..500).contains(&answer.status),
            "{body}: {}",
            answer.status
        );
        assert!(
            answer
                .header("content-type")
                .unwrap()
                .contains("problem+json")
        );
    }
    for body in [
        json!({}),
        json!({"refresh_token": "\u{0000}"}),
        json!({"refresh_token": "A".repeat(9000)}),
    ] {
        let answer = send(&app.router, json_post("/api/v1/sessions/refresh", &body)).await;
        assert!(
            (400..500).contains(&answer.status),
            "{body}: {}",
            answer.status
        );
    }
}

/// SM-15: an app that logs in again sends the token of the session it holds; the new login
/// ends that session, whether the token is its access token (even expired) or its refresh
/// token. A failed login ends nothing.
async fn sm_15_an_app_logging_in_again_ends_the_session_it_held(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let relogin = |bearer: &str, password: &str| {
        let mut request = json_post(
            "/api/v1/sessions",
            &json!({"email": EMAIL, "password": password}),
        );
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {bearer}").parse().unwrap());
        request
    };
    let (first_access, first_refresh) = tokens(&api_login(&app, PASSWORD).await);
    let failed = send(
        &app.router,
        relogin(&first_access, "not the right password"),
    )
    .await;
    assert_eq!(failed.status, 401);
    assert_eq!(
        account_status(&app, &first_access).await,
        200,
        "a failed login ends nothing"
    );

    // Eleven minutes on, the access token has expired; logging in again with it still ends
    // its session (its refresh token stops working).
    app.clock.advance(Duration::from_secs(11 * 60));
    let second = send(&app.router, relogin(&first_access, PASSWORD)).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(refresh(&app, &first_refresh).await.status, 401);
    let (second_access, second_refresh) = tokens(&second);
    assert_eq!(account_status(&app, &second_access).await, 200);

    let third = send(&app.router, relogin(&second_refresh, PASSWORD)).await;
    assert_eq!(third.status, 200);
    assert_eq!(account_status(&app, &second_access).await, 401, "replaced");
    let (third_access, _) = tokens(&third);
    assert_eq!(account_status(&app, &third_access).await, 200);
    let listed = send(
        &app.router,
        with_bearer("GET", "/api/v1/sessions", &third_access, None),
    )
    .await;
    assert_eq!(
        json(&listed).as_array().unwrap().len(),
        1,
        "one session left"
    );
}

helio_store::dual_backend_tests!(
    sm_15_an_app_logging_in_again_ends_the_session_it_held,
    au_4_api_login_failures_look_the_same,
    sm_8_refresh_rotates_both_tokens_and_reuse_ends_the_session,
    sm_8_access_tokens_expire_and_logout_ends_the_session,
    ds_3_the_api_ignores_cookies_and_pages_ignore_bearer_tokens,
    au_1_the_api_asks_for_the_second_factor_and_forces_enrolment,
    in_2_hostile_api_input_gets_a_clear_4xx,
    au_1_apps_add_and_use_passkeys,
    sm_16_apps_list_and_end_sessions,
);
