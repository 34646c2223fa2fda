//! SM-3 (checklist item 9): a whole account life is run with the log captured, and the log is
//! then scanned for every secret Helio issued or received on the way: passwords, verification,
//! reset tokens, session IDs, CSRF tokens, device cookies and tokens, the
//! TOTP secret, recovery codes, passkey ceremony IDs, app access and refresh tokens, and the
//! email address. None may appear.

use axum::body::Body;
use axum::http::Request;
use helio_core::mfa::TotpSecret;
use helio_core::time::Clock as _;
use helio_store::Store;
use serde_json::{Value, json};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator as _;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs_proto::CreationChallengeResponse;

use crate::support::{
    Answer, LogCapture, csrf_for, form_post, json_post, link_token, log_in_form, post_with_session,
    send, session_cookie, test_app,
};

const EMAIL: &str = "scan.me@example.com";
const PASSWORD: &str = "otters juggling pebbles at noon";
const NEW_PASSWORD: &str = "kingfishers nesting in the reeds";

fn cookies(answer: &Answer) -> Vec<(String, String)> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| {
            let v = v.to_str().ok()?;
            let (name, rest) = v.split_once('=')?;
            Some((name.to_owned(), rest[..rest.find(';')?].to_owned()))
        })
        .collect()
}

fn cookie(answer: &Answer, name: &str) -> String {
    cookies(answer)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

fn signed(path: &str, session: &str, content_type: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", content_type)
        .header("accept", "application/json")
        .header("cookie", format!("__Host-helio={session}"))
        .header("x-csrf-token", csrf_for(session))
        .body(Body::from(body))
        .unwrap()
}

fn get_as(path: &str, session: &str) -> Request<Body> {
    Request::get(path)
        .header("cookie", format!("__Host-helio={session}"))
        .body(Body::empty())
        .unwrap()
}

fn json(answer: &Answer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|_| panic!("not JSON: {}", answer.body))
}

async fn sm_3_no_issued_secret_reaches_the_log(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let app = test_app(store).await;
    let mut secrets: Vec<String> = vec![
        PASSWORD.to_owned(),
        NEW_PASSWORD.to_owned(),
        EMAIL.to_owned(),
    ];

    // Sign-up and verification.
    let signup = json!({"name": "Scan Me", "email": EMAIL, "password": PASSWORD});
    assert_eq!(
        send(&app.router, json_post("/api/v1/accounts", &signup))
            .await
            .status,
        202
    );
    let verification = link_token(&app.sent_mail().await[0].body);
    let verified = send(
        &app.router,
        form_post("/verify-email", &format!("token={verification}")),
    )
    .await;
    assert_eq!(verified.status, 200);
    secrets.push(verification);

    // Browser login, a page with its CSRF token, TOTP enrolment with recovery codes.
    let login_form = format!(
        "email=scan.me%40example.com&password={}",
        PASSWORD.replace(' ', "+")
    );
    let login = send(&app.router, form_post("/login", &login_form)).await;
    let session = cookie(&login, "__Host-helio");
    secrets.push(session.clone());
    secrets.push(cookie(&login, "__Host-helio-device"));
    let page = send(&app.router, get_as("/mfa/enrol", &session)).await;
    let start = page.body.find(r#"name="csrf" value=""#).unwrap() + 19;
    secrets.push(page.body[start..start + 86].to_owned());
    let start = page.body.find(r#"id="totp-secret">"#).unwrap() + r#"id="totp-secret">"#.len();
    let secret_text = page.body[start..start + page.body[start..].find('<').unwrap()].to_owned();
    let totp = TotpSecret::from_base32(&secret_text).unwrap();
    secrets.push(secret_text);
    let code = totp.code_at(app.clock.now()).unwrap();
    let enrolled = send(
        &app.router,
        signed(
            "/mfa/enrol",
            &session,
            "application/x-www-form-urlencoded",
            format!("code={code}"),
        ),
    )
    .await;
    assert_eq!(enrolled.status, 200);
    let codes: Vec<String> = enrolled
        .body
        .split("<li><code>")
        .skip(1)
        .map(|part| part[..part.find('<').unwrap()].to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    secrets.extend(codes.iter().cloned());

    // A passkey ceremony.
    let options = send(
        &app.router,
        signed(
            "/passkeys/register/options",
            &session,
            "application/json",
            "{}".to_owned(),
        ),
    )
    .await;
    let challenge = json(&options);
    let ceremony = challenge["ceremony"].as_str().unwrap().to_owned();
    let creation: CreationChallengeResponse =
        serde_json::from_value(challenge["options"].clone()).unwrap();
    let credential = SoftPasskey::new(true)
        .do_registration(Url::parse("http://localhost").unwrap(), creation)
        .unwrap();
    let added = send(
        &app.router,
        signed(
            "/passkeys/register",
            &session,
            "application/json",
            json!({"ceremony": ceremony, "credential": credential}).to_string(),
        ),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    secrets.push(ceremony);

    // Logout, then a password reset.
    let out = send(
        &app.router,
        signed(
            "/logout",
            &session,
            "application/x-www-form-urlencoded",
            String::new(),
        ),
    )
    .await;
    assert_eq!(out.status, 303);
    app.sent_mail().await;
    send(
        &app.router,
        form_post("/forgot-password", "email=scan.me%40example.com"),
    )
    .await;
    let reset = link_token(
        &app.sent_mail()
            .await
            .iter()
            .find(|m| m.kind == "reset_password")
            .unwrap()
            .body,
    );
    let done = send(
        &app.router,
        form_post(
            "/reset-password",
            &format!("token={reset}&password={}", NEW_PASSWORD.replace(' ', "+")),
        ),
    )
    .await;
    assert_eq!(done.status, 200);
    secrets.push(reset);

    // The app: login, second step with a recovery code, refresh, logout.
    let login = json(
        &send(
            &app.router,
            json_post(
                "/api/v1/sessions",
                &json!({"email": EMAIL, "password": NEW_PASSWORD}),
            ),
        )
        .await,
    );
    assert_eq!(login["status"], "mfa_required");
    let pending = login["access_token"].as_str().unwrap().to_owned();
    secrets.push(pending.clone());
    secrets.push(login["device_token"].as_str().unwrap().to_owned());
    let passed = json(
        &send(
            &app.router,
            Request::post("/api/v1/sessions/mfa")
                .header("authorization", format!("Bearer {pending}"))
                .header("content-type", "application/json")
                .body(Body::from(json!({"code": codes[5]}).to_string()))
                .unwrap(),
        )
        .await,
    );
    let refresh = passed["refresh_token"].as_str().unwrap().to_owned();
    secrets.push(passed["access_token"].as_str().unwrap().to_owned());
    secrets.push(refresh.clone());
    let rotated = json(
        &send(
            &app.router,
            json_post(
                "/api/v1/sessions/refresh",
                &json!({"refresh_token": refresh}),
            ),
        )
        .await,
    );
    let access = rotated["access_token"].as_str().unwrap().to_owned();
    secrets.push(access.clone());
    secrets.push(rotated["refresh_token"].as_str().unwrap().to_owned());
    let end = send(
        &app.router,
        Request::post("/api/v1/sessions/end")
            .header("authorization", format!("Bearer {access}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(end.status, 204);

    // The new-device notices' "this wasn't me" links, a password change with its new
    // session, and a staff member ending every session with a reason.
    for mail in app.sent_mail().await {
        if mail.kind == "new_device_login" {
            secrets.push(link_token(&mail.body));
        }
    }
    let browser = session_cookie(&log_in_form(&app, EMAIL, NEW_PASSWORD).await);
    let promoted = send(
        &app.router,
        post_with_session("/mfa", &browser, &[("code", &codes[6])]),
    )
    .await;
    let browser = session_cookie(&promoted);
    secrets.push(browser.clone());
    let third_password = "quiet orchards under the snow line";
    secrets.push(third_password.to_owned());
    let changed = send(
        &app.router,
        post_with_session(
            "/account/password",
            &browser,
            &[
                ("current_password", NEW_PASSWORD),
                ("new_password", third_password),
            ],
        ),
    )
    .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    secrets.push(session_cookie(&changed));
    app.accounts
        .end_sessions_by_staff(EMAIL, "ticket 99")
        .await
        .unwrap();

    let log = capture.text();
    for event in [
        "email_verified",
        "login_succeeded",
        "mfa_enrolled",
        "passkey_added",
        "session_ended",
        "session_refreshed",
        "new_device_notice_sent",
        "password_changed",
        "sessions_ended_by_staff",
    ] {
        assert!(log.contains(event), "the flow was logged: {event} missing");
    }
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "an issued secret reached the log ({} characters)",
            secret.len()
        );
    }
}

helio_store::dual_backend_tests!(sm_3_no_issued_secret_reaches_the_log);
