//! LM-2, SM-3: the access log names the request and never its secrets.

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use serde_json::Value;

use crate::support::{LogCapture, app, send};

async fn sm_3_access_log_never_writes_credentials_or_query_strings(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let answer = send(
        &app(store).await,
        Request::get("/healthz?token=query-secret-123")
            .header("authorization", "Bearer header-secret-456")
            .header("cookie", "__Host-helio=cookie-secret-789")
            .header("user-agent", "evil\tagent")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200);
    let text = capture.text();
    for secret in ["query-secret-123", "header-secret-456", "cookie-secret-789"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the log:\n{text}"
        );
    }
    let access: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["target"] == "helio::access")
        .collect();
    assert_eq!(access.len(), 1, "{text}");
    let line = &access[0];
    assert_eq!(line["path"], "/healthz");
    assert_eq!(line["status"], 200);
    assert_eq!(line["method"], "GET");
    assert_eq!(line["request_id"].as_str(), answer.header("x-request-id"));
}

async fn lm_2_internal_errors_are_logged_with_the_request_id(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let app = app(store.clone()).await;
    store.close().await;
    let answer = send(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, 503);
    let id = answer.header("x-request-id").unwrap();
    let text = capture.text();
    // The driver may warn on its own about the closed pool; the request's warning must carry
    // the request's ID.
    assert!(
        text.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .any(|l| l["level"] == "WARN" && l["request_id"] == id),
        "no warning with request ID {id}:\n{text}"
    );
}

/// LM-2 ([Audit]'s log-injection test): a username carrying newlines, a forged JSON line
/// and control characters, sent at login on the page and the API, cannot forge a second log
/// line: every line is one JSON object of Helio's own, and the username is not logged at all
/// (it is personal data).
async fn lm_2_a_hostile_username_at_login_cannot_forge_a_log_line(store: Store) {
    let capture = LogCapture::default();
    let _guard = capture.install();
    let app = app(store).await;
    let forged = "mallory@example.com\n{\"ts\":\"2026-12-02T00:00:00Z\",\"level\":\"ERROR\",\"target\":\"helio::security\",\"message\":\"forged admin login\"}\r\u{7}\u{1b}[2J";
    let body = format!(
        "email={}&password=whatever-password",
        form_urlencoded::byte_serialize(forged.as_bytes()).collect::<String>()
    );
    let page = send(&app, crate::support::form_post("/login", &body)).await;
    assert!(page.status < 500, "{}", page.status);
    let api = send(
        &app,
        crate::support::json_post(
            "/api/v1/sessions",
            &serde_json::json!({"email": forged, "password": "whatever-password"}),
        ),
    )
    .await;
    assert!(api.status < 500 && api.status >= 400, "{}", api.status);
    let text = capture.text();
    assert!(!text.is_empty());
    for line in text.lines() {
        let parsed: Value = serde_json::from_str(line)
            .unwrap_or_else(|_| panic!("a log line is not one JSON object: {line:?}"));
        assert_ne!(parsed["message"], "forged admin login", "{line}");
        assert!(!line.contains('\u{7}') && !line.contains('\u{1b}') && !line.contains('\r'));
    }
    assert!(
        !text.contains("mallory"),
        "the username is not logged: {text}"
    );
    assert!(text.contains("\"event\":\"login_failed\""), "{text}");
}

helio_store::dual_backend_tests!(
    sm_3_access_log_never_writes_credentials_or_query_strings,
    lm_2_internal_errors_are_logged_with_the_request_id,
    lm_2_a_hostile_username_at_login_cannot_forge_a_log_line,
);

mod security_events {
    use axum::body::Body;
    use axum::http::Request;
    use helio_store::Store;
    use serde_json::{Value, json};

    use crate::support::{
        LogCapture, csrf_for, form_post, json_post, link_token, over, send, test_app,
    };

    const EMAIL: &str = "ada.log@example.com";
    const PASSWORD: &str = "heron lanterns above the canal";

    /// LM-1 and SM-3: authentication events are logged as structured security events, and the
    /// captured log of the whole flow holds no password, token or session ID that was issued.
    async fn lm_1_auth_events_are_logged_without_secrets(store: Store) {
        let capture = LogCapture::default();
        let _guard = capture.install();
        let app = test_app(store).await;
        let signup = json!({"name": "Ada Log", "email": EMAIL, "password": PASSWORD});
        assert_eq!(
            send(&app.router, json_post("/api/v1/accounts", &signup))
                .await
                .status,
            202
        );
        let mail = app.sent_mail().await;
        let body = &mail[0].body;
        let token = link_token(body);
        assert!(app.accounts.verify_email(&token).await.unwrap());
        let form = format!(
            "email=ada.log%40example.com&password={}",
            PASSWORD.replace(' ', "+")
        );
        let wrong = form.replace("canal", "river");
        assert_eq!(
            send(&app.router, form_post("/login", &wrong)).await.status,
            401
        );
        let login = send(&app.router, form_post("/login", &form)).await;
        let cookies: Vec<String> = login
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let value_of = |name: &str| {
            cookies
                .iter()
                .find(|c| c.starts_with(&format!("{name}=")))
                .map(|c| c[name.len() + 1..c.find(';').unwrap()].to_owned())
                .unwrap()
        };
        let session = value_of("__Host-helio");
        let device = value_of("__Host-helio-device");
        let logout = Request::post("/logout")
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("cookie", format!("__Host-helio={session}"))
            .header("x-csrf-token", csrf_for(&session))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app.router, logout).await.status, 303);

        let text = capture.text();
        let events: Vec<String> = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["target"] == "helio::security")
            .filter_map(|l| l["event"].as_str().map(str::to_owned))
            .collect();
        for expected in [
            "account_created",
            "email_verified",
            "login_failed",
            "login_succeeded",
            "session_created",
            "session_ended",
        ] {
            assert!(
                events.iter().any(|e| e == expected),
                "{expected} missing from {events:?}"
            );
        }
        for secret in [
            PASSWORD,
            token.as_str(),
            session.as_str(),
            device.as_str(),
            EMAIL,
        ] {
            assert!(
                !text.contains(secret),
                "a secret or personal datum reached the log"
            );
        }
    }

    fn security_events(text: &str) -> Vec<String> {
        text.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["target"] == "helio::security")
            .filter_map(|l| l["event"].as_str().map(str::to_owned))
            .collect()
    }

    /// LM-1, SM-9: a lock, an app login, a token refresh and a replayed refresh token are
    /// security events, and no access or refresh token reaches the log.
    async fn lm_1_lock_and_app_token_events_are_logged_without_secrets(store: Store) {
        let capture = LogCapture::default();
        let _guard = capture.install();
        let app = test_app(store).await;
        let signup = json!({"name": "Ada Log", "email": EMAIL, "password": PASSWORD});
        send(&app.router, json_post("/api/v1/accounts", &signup)).await;
        let mail = app.sent_mail().await;
        let body = &mail[0].body;
        let token = link_token(body);
        assert!(app.accounts.verify_email(&token).await.unwrap());
        let right = json!({"email": EMAIL, "password": PASSWORD});
        let first = send(&app.router, json_post("/api/v1/sessions", &right)).await;
        let first: Value = serde_json::from_str(&first.body).unwrap();
        let device = first["device_token"].as_str().unwrap().to_owned();
        let wrong = json!({"email": EMAIL, "password": "heron lanterns above the river"});
        for _ in 0..10 {
            let answer = send(
                &app.router,
                over(
                    "203.0.113.9:4000",
                    false,
                    json_post("/api/v1/sessions", &wrong),
                ),
            )
            .await;
            assert_eq!(answer.status, 401);
            app.clock.advance(std::time::Duration::from_secs(31));
        }
        let locked = send(
            &app.router,
            over(
                "198.51.100.7:4000",
                false,
                json_post("/api/v1/sessions", &right),
            ),
        )
        .await;
        assert_eq!(
            locked.status, 401,
            "unknown sources are locked out together"
        );
        let known = json!({"email": EMAIL, "password": PASSWORD, "device_token": device});
        let login = send(
            &app.router,
            over(
                "198.51.100.7:4000",
                false,
                json_post("/api/v1/sessions", &known),
            ),
        )
        .await;
        assert_eq!(login.status, 200, "the owner's known device still gets in");
        let tokens: Value = serde_json::from_str(&login.body).unwrap();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let rotated = send(
            &app.router,
            json_post(
                "/api/v1/sessions/refresh",
                &json!({"refresh_token": refresh}),
            ),
        )
        .await;
        assert_eq!(rotated.status, 200);
        let next: Value = serde_json::from_str(&rotated.body).unwrap();
        let replay = send(
            &app.router,
            json_post(
                "/api/v1/sessions/refresh",
                &json!({"refresh_token": refresh}),
            ),
        )
        .await;
        assert_eq!(replay.status, 401);

        let text = capture.text();
        let events = security_events(&text);
        for expected in [
            "login_failed",
            "account_source_locked",
            "login_succeeded",
            "session_created",
            "session_refreshed",
            "refresh_token_reused",
        ] {
            assert!(
                events.iter().any(|e| e == expected),
                "{expected} missing from {events:?}"
            );
        }
        for secret in [
            PASSWORD,
            refresh.as_str(),
            access.as_str(),
            next["refresh_token"].as_str().unwrap(),
            next["access_token"].as_str().unwrap(),
            device.as_str(),
            EMAIL,
        ] {
            assert!(
                !text.contains(secret),
                "a secret or personal datum reached the log"
            );
        }
    }

    /// LM-1, [Audit]: one writer sends each security event to both places: a failed login is
    /// one JSON log line with its name, severity and typed fields, and one entry of the audit
    /// chain with the same fields, the request's ID and its coarse network; the chain still
    /// verifies. Nothing typed (the email) is in either.
    async fn lm_1_a_security_event_is_one_log_line_and_one_trail_entry(store: Store) {
        let capture = LogCapture::default();
        let _guard = capture.install();
        let app = test_app(store).await;
        let wrong = "email=ada.log%40example.com&password=not+the+password+at+all";
        let answer = send(
            &app.router,
            over("203.0.113.9:4000", false, form_post("/login", wrong)),
        )
        .await;
        assert_eq!(answer.status, 401);
        let request_id = answer.header("x-request-id").unwrap().to_owned();
        let text = capture.text();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["target"] == "helio::security" && l["event"] == "login_failed")
            .collect();
        assert_eq!(lines.len(), 1, "{text}");
        assert_eq!(lines[0]["severity"], "notice");
        assert_eq!(lines[0]["reason"], "unknown_account");
        assert_eq!(lines[0]["method"], "password");
        assert_eq!(lines[0]["request_id"], request_id.as_str());
        let trail = String::from_utf8_lossy(
            &helio_store::testing::dump(
                &app.store,
                "SELECT severity, details, seen_from, request_id FROM audit_trail \
                 WHERE action = 'login_failed'",
            )
            .await,
        )
        .into_owned();
        for expected in [
            "notice",
            r#"{"method":"password","reason":"unknown_account"}"#,
            "203.0.113.0/24",
            request_id.as_str(),
        ] {
            assert!(trail.contains(expected), "{expected} missing from {trail}");
        }
        assert!(!text.contains(EMAIL) && !trail.contains(EMAIL));
        let verified = helio_web::services::audit_integrity::verify_and_record(
            &app.store,
            &crate::support::test_audit_signer().public_key(),
            &*app.clock,
        )
        .await
        .unwrap();
        assert!(verified.intact, "{:?}", verified.finding);
        assert!(verified.entries >= 1);
    }

    helio_store::dual_backend_tests!(
        lm_1_a_security_event_is_one_log_line_and_one_trail_entry,
        lm_1_auth_events_are_logged_without_secrets,
        lm_1_lock_and_app_token_events_are_logged_without_secrets,
    );
}
