//! AU-1: passkeys added from the account page, used as the second step after a password,
//! for passwordless login, and instead of an app when staff must enrol a second factor.
//! A software authenticator signs real WebAuthn responses for the origin `http://localhost`.

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use helio_store::testing::{dump, execute_raw};
use serde_json::{Value, json};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator as _;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs_proto::{
    AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse,
};

use crate::support::{Answer, TestApp, csrf_for, form_post, send, test_app};

const EMAIL: &str = "ines.vidal@example.com";
const PASSWORD: &str = "copper kettles sing at dawn";

fn origin() -> Url {
    Url::parse("http://localhost").unwrap()
}

async fn verified(app: &TestApp) {
    verified_as(app, EMAIL, "Inés Vidal").await;
}

async fn verified_as(app: &TestApp, email: &str, name: &str) {
    app.verified_customer(name, email, PASSWORD).await;
}

fn cookie_of(answer: &Answer) -> String {
    let cookie = answer.header("set-cookie").expect("a session cookie");
    cookie["__Host-helio=".len()..cookie.find(';').unwrap()].to_owned()
}

async fn log_in(app: &TestApp) -> Answer {
    send(
        &app.router,
        form_post(
            "/login",
            &format!(
                "email=ines.vidal%40example.com&password={}",
                PASSWORD.replace(' ', "+")
            ),
        ),
    )
    .await
}

/// A same-origin JSON post from the page's script, with the session cookie if any.
fn script_post(path: &str, session: Option<&str>, body: &Value) -> Request<Body> {
    let mut request = Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/json")
        .header("accept", "application/json");
    if let Some(session) = session {
        request = request
            .header("cookie", format!("__Host-helio={session}"))
            .header("x-csrf-token", csrf_for(session));
    }
    request.body(Body::from(body.to_string())).unwrap()
}

fn get_as(path: &str, session: &str) -> Request<Body> {
    Request::get(path)
        .header("cookie", format!("__Host-helio={session}"))
        .header("x-csrf-token", csrf_for(session))
        .body(Body::empty())
        .unwrap()
}

fn json(answer: &Answer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|_| panic!("not JSON: {}", answer.body))
}

/// Registers a passkey from `session`; returns the registration answer, the authenticator's
/// user handle and the credential ID.
async fn register(
    app: &TestApp,
    authenticator: &mut SoftPasskey,
    session: &str,
) -> (Answer, Vec<u8>, Vec<u8>) {
    let start = send(
        &app.router,
        script_post("/passkeys/register/options", Some(session), &json!({})),
    )
    .await;
    assert_eq!(start.status, 200, "{}", start.body);
    let challenge = json(&start);
    let options: CreationChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    assert_eq!(options.public_key.rp.id, "localhost");
    let handle = options.public_key.user.id.to_vec();
    assert_ne!(
        handle.len(),
        0,
        "the authenticator gets a random handle, never the account ID"
    );
    let credential = authenticator.do_registration(origin(), options).unwrap();
    let credential_id = credential.raw_id.to_vec();
    let done = send(
        &app.router,
        script_post(
            "/passkeys/register",
            Some(session),
            &json!({"ceremony": challenge["ceremony"], "credential": credential}),
        ),
    )
    .await;
    (done, handle, credential_id)
}

async fn assert_signed_in(app: &TestApp, session: &str) {
    let page = send(&app.router, get_as("/account", session)).await;
    assert_eq!(page.status, 200, "{:?}", page.header("location"));
}

async fn au_1_a_passkey_is_the_second_step_after_the_password(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let mut authenticator = SoftPasskey::new(true);
    let (done, _, _) = register(&app, &mut authenticator, &full).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let done = json(&done);
    assert_eq!(done["next"], "/account");
    assert_eq!(
        done["recovery_codes"].as_array().unwrap().len(),
        10,
        "a first second factor comes with recovery codes"
    );
    let notices: Vec<_> = app
        .sent_mail()
        .await
        .into_iter()
        .filter(|m| m.kind == "passkey_added")
        .collect();
    assert_eq!(notices.len(), 1, "the owner is told a passkey was added");
    let page = send(&app.router, get_as("/account", &full)).await;
    assert!(page.body.contains("Passkey added"), "{}", page.body);

    let login = log_in(&app).await;
    assert_eq!(login.header("location"), Some("/mfa"), "now a second step");
    let pending = cookie_of(&login);
    let challenge_page = send(&app.router, get_as("/mfa", &pending)).await;
    assert!(challenge_page.body.contains("Use a passkey"));
    let start = send(
        &app.router,
        script_post("/mfa/passkey/options", Some(&pending), &json!({})),
    )
    .await;
    assert_eq!(start.status, 200, "{}", start.body);
    let challenge = json(&start);
    let options: RequestChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    let assertion = authenticator.do_authentication(origin(), options).unwrap();
    let answer = json!({"ceremony": challenge["ceremony"], "credential": assertion});
    let ok = send(
        &app.router,
        script_post("/mfa/passkey", Some(&pending), &answer),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let promoted = cookie_of(&ok);
    assert_ne!(promoted, pending, "SM-4: a new ID after the second step");
    assert_signed_in(&app, &promoted).await;

    let again = cookie_of(&log_in(&app).await);
    let replay = send(
        &app.router,
        script_post("/mfa/passkey", Some(&again), &answer),
    )
    .await;
    assert_eq!(replay.status, 400, "a ceremony answers once");
    assert_eq!(
        send(&app.router, get_as("/account", &again)).await.status,
        303,
        "the replay signed nobody in"
    );
}

/// A passwordless login. The software authenticator keeps no discoverable credentials, so
/// the test plays the browser's part: it picks the credential and returns `handle` with it.
async fn passwordless(
    app: &TestApp,
    authenticator: &mut SoftPasskey,
    credential_id: &[u8],
    handle: Vec<u8>,
) -> Answer {
    let start = send(
        &app.router,
        script_post("/login/passkey/options", None, &json!({})),
    )
    .await;
    assert_eq!(start.status, 200, "{}", start.body);
    let challenge = json(&start);
    let mut options: RequestChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    assert!(
        options.public_key.allow_credentials.is_empty(),
        "passwordless: the server names no one"
    );
    options.public_key.allow_credentials = vec![AllowCredentials {
        type_: "public-key".to_owned(),
        id: credential_id.to_vec(),
        transports: None,
    }];
    let mut assertion: PublicKeyCredential =
        authenticator.do_authentication(origin(), options).unwrap();
    assertion.response.user_handle = Some(handle);
    send(
        &app.router,
        script_post(
            "/login/passkey",
            None,
            &json!({"ceremony": challenge["ceremony"], "credential": assertion}),
        ),
    )
    .await
}

async fn au_1_passwordless_login_with_a_passkey(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let mut authenticator = SoftPasskey::new(true);
    let (done, handle, credential_id) = register(&app, &mut authenticator, &full).await;
    assert_eq!(done.status, 200);

    let login = passwordless(&app, &mut authenticator, &credential_id, handle.clone()).await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(json(&login)["next"], "/account");
    assert_signed_in(&app, &cookie_of(&login)).await;

    let stranger = passwordless(&app, &mut authenticator, &credential_id, vec![7; 16]).await;
    assert_eq!(stranger.status, 400, "another handle reaches nothing");
    assert!(stranger.header("set-cookie").is_none());

    execute_raw(&app.store, "UPDATE accounts SET status = 'disabled'").await;
    let disabled = passwordless(&app, &mut authenticator, &credential_id, handle).await;
    assert_eq!(disabled.status, 400, "a disabled account cannot log in");
    assert!(disabled.header("set-cookie").is_none());
}

async fn au_1_staff_may_enrol_a_passkey_and_cannot_remove_their_only_factor(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    execute_raw(&app.store, "UPDATE accounts SET role = 'support'").await;
    let login = log_in(&app).await;
    assert_eq!(login.header("location"), Some("/mfa/enrol"));
    let pending = cookie_of(&login);
    let enrol_page = send(&app.router, get_as("/mfa/enrol", &pending)).await;
    assert!(enrol_page.body.contains("Add a passkey instead"));
    let mut authenticator = SoftPasskey::new(true);
    let (done, _, _) = register(&app, &mut authenticator, &pending).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let promoted = cookie_of(&done);
    assert_ne!(
        promoted, pending,
        "enrolment finishes the login under a new ID"
    );
    assert_eq!(json(&done)["recovery_codes"].as_array().unwrap().len(), 10);
    let page = send(&app.router, get_as("/account", &promoted)).await;
    assert_eq!(page.status, 200);
    let start = page.body.find("/passkeys/").unwrap() + "/passkeys/".len();
    let id = &page.body[start..start + 32];
    let refused = send(
        &app.router,
        Request::post(format!("/passkeys/{id}/remove"))
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("cookie", format!("__Host-helio={promoted}"))
            .header("x-csrf-token", csrf_for(&promoted))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(refused.status, 409, "staff keep at least one second factor");
    let stored = dump(&app.store, "SELECT id FROM passkeys").await;
    assert!(!stored.is_empty(), "nothing was removed");
}

async fn au_1_hostile_passkey_requests_are_refused_and_change_nothing(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let mut authenticator = SoftPasskey::new(true);
    let (done, _, _) = register(&app, &mut authenticator, &full).await;
    assert_eq!(done.status, 200);
    let before = dump(&app.store, "SELECT * FROM passkeys").await;

    let cases = [
        (
            "/passkeys/register",
            json!({"ceremony": "x", "credential": {}}),
        ),
        (
            "/passkeys/register",
            json!({"ceremony": "A".repeat(43), "credential": {"id": "a"}}),
        ),
        ("/passkeys/register", json!({"unexpected": true})),
        ("/passkeys/register", json!([1, 2, 3])),
        (
            "/login/passkey",
            json!({"ceremony": "A".repeat(43), "credential": {"id": "\u{0000}"}}),
        ),
        (
            "/login/passkey",
            json!({"ceremony": "B".repeat(5000), "credential": {}}),
        ),
    ];
    for (path, body) in cases {
        let answer = send(&app.router, script_post(path, Some(&full), &body)).await;
        assert!(
            (400..500).contains(&answer.status),
            "{path} {body}: {} {}",
            answer.status,
            answer.body
        );
        assert!(!answer.body.contains("serde"), "no parser detail leaks");
    }

    // Someone else's ceremony: started by this account, finished by another.
    let start = send(
        &app.router,
        script_post("/passkeys/register/options", Some(&full), &json!({})),
    )
    .await;
    let challenge = json(&start);
    let options: CreationChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    let credential = SoftPasskey::new(true)
        .do_registration(origin(), options)
        .unwrap();
    let other = send(
        &app.router,
        script_post(
            "/login/passkey",
            None,
            &json!({"ceremony": challenge["ceremony"], "credential": credential}),
        ),
    )
    .await;
    assert!((400..500).contains(&other.status));

    // An answer signed for another site (a phishing page) is refused.
    let start = send(
        &app.router,
        script_post("/passkeys/register/options", Some(&full), &json!({})),
    )
    .await;
    let challenge = json(&start);
    let mut options: CreationChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    // The phishing page relays Helio's challenge under its own domain, which is all a
    // browser will let it use.
    options.public_key.rp.id = "helio-login.example".to_owned();
    let phished = SoftPasskey::new(true)
        .do_registration(Url::parse("https://helio-login.example").unwrap(), options)
        .unwrap();
    let refused = send(
        &app.router,
        script_post(
            "/passkeys/register",
            Some(&full),
            &json!({"ceremony": challenge["ceremony"], "credential": phished}),
        ),
    )
    .await;
    assert_eq!(refused.status, 400, "the origin is part of what is signed");

    // Someone else's ceremony: started by this account, finished by another account.
    verified_as(&app, "otro@example.com", "Otro").await;
    let intruder = cookie_of(
        &send(
            &app.router,
            form_post(
                "/login",
                &format!(
                    "email=otro%40example.com&password={}",
                    PASSWORD.replace(' ', "+")
                ),
            ),
        )
        .await,
    );
    let start = send(
        &app.router,
        script_post("/passkeys/register/options", Some(&full), &json!({})),
    )
    .await;
    let challenge = json(&start);
    let options: CreationChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    let credential = SoftPasskey::new(true)
        .do_registration(origin(), options)
        .unwrap();
    let stolen = send(
        &app.router,
        script_post(
            "/passkeys/register",
            Some(&intruder),
            &json!({"ceremony": challenge["ceremony"], "credential": credential}),
        ),
    )
    .await;
    assert_eq!(
        stolen.status, 400,
        "a ceremony belongs to the account that started it"
    );
    let page = send(&app.router, get_as("/account", &full)).await;
    let start = page.body.find("/passkeys/").unwrap() + "/passkeys/".len();
    let victims = page.body[start..start + 32].to_owned();
    let removal = send(
        &app.router,
        Request::post(format!("/passkeys/{victims}/remove"))
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("cookie", format!("__Host-helio={intruder}"))
            .header("x-csrf-token", csrf_for(&intruder))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        removal.status, 404,
        "nobody removes another account's passkey"
    );

    let cross_site = send(
        &app.router,
        Request::post("/login/passkey/options")
            .header("host", "localhost")
            .header("origin", "https://evil.example")
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(
        cross_site.status, 403,
        "the same-origin check covers passkeys"
    );
    assert_eq!(dump(&app.store, "SELECT * FROM passkeys").await, before);
}

async fn au_1_changing_second_factors_needs_a_recent_login(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let session = cookie_of(&log_in(&app).await);
    let mut authenticator = SoftPasskey::new(true);
    let (done, _, _) = register(&app, &mut authenticator, &session).await;
    assert_eq!(done.status, 200, "a fresh login may add a passkey");
    let page = send(&app.router, get_as("/account", &session)).await;
    let start = page.body.find("/passkeys/").unwrap() + "/passkeys/".len();
    let id = page.body[start..start + 32].to_owned();

    app.clock.advance(std::time::Duration::from_secs(11 * 60));
    assert_signed_in(&app, &session).await;
    let stale = send(
        &app.router,
        script_post("/passkeys/register/options", Some(&session), &json!({})),
    )
    .await;
    assert_eq!(stale.status, 403, "{}", stale.body);
    assert!(
        json(&stale)["detail"]
            .as_str()
            .unwrap()
            .contains("log in again")
    );
    let enrol = send(&app.router, get_as("/mfa/enrol", &session)).await;
    assert_eq!(enrol.status, 403, "nor an authenticator app");
    let remove = send(
        &app.router,
        Request::post(format!("/passkeys/{id}/remove"))
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("cookie", format!("__Host-helio={session}"))
            .header("x-csrf-token", csrf_for(&session))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(remove.status, 403, "nor remove a passkey");
    assert!(!dump(&app.store, "SELECT id FROM passkeys").await.is_empty());

    let fresh = log_in(&app).await;
    assert_eq!(fresh.header("location"), Some("/mfa"));
}

async fn au_1_passwordless_challenges_are_budgeted_per_source(store: Store) {
    let app = test_app(store).await;
    let mut last = 0;
    for _ in 0..61 {
        last = send(
            &app.router,
            script_post("/login/passkey/options", None, &json!({})),
        )
        .await
        .status;
    }
    assert_eq!(last, 429, "the 61st challenge in 15 minutes is refused");
}

helio_store::dual_backend_tests!(
    au_1_a_passkey_is_the_second_step_after_the_password,
    au_1_passwordless_login_with_a_passkey,
    au_1_staff_may_enrol_a_passkey_and_cannot_remove_their_only_factor,
    au_1_hostile_passkey_requests_are_refused_and_change_nothing,
    au_1_passwordless_challenges_are_budgeted_per_source,
    au_1_changing_second_factors_needs_a_recent_login,
);
