//! A login from a new device mails its owner a notice with a "this wasn't me" link (SM-16);
//! following it ends every session, voids the password and removes what the intruder added.

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use helio_store::testing::dump;

use crate::support::{
    Answer, TestApp, get_with_session, link_token, log_in_form, send, session_cookie, test_app,
};

const EMAIL: &str = "olga.vidal@example.com";
const PASSWORD: &str = "saffron tiles on a rainy roof";
const NEW_PASSWORD: &str = "a fresh quiet password for olga";

fn device_cookie(answer: &Answer) -> Option<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-helio-device="))
        .map(|c| c["__Host-helio-device=".len()..c.find(';').unwrap()].to_owned())
}

async fn log_in_with_device(app: &TestApp, device: &str) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("email", EMAIL)
        .append_pair("password", PASSWORD)
        .finish();
    let request = Request::post("/login")
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("__Host-helio-device={device}"))
        .body(Body::from(body))
        .unwrap();
    send(&app.router, request).await
}

fn form(path: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(fields.iter().copied());
    Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.finish()))
        .unwrap()
}

async fn notices(app: &TestApp) -> Vec<String> {
    app.sent_mail()
        .await
        .into_iter()
        .filter(|m| m.to == EMAIL && m.kind == "new_device_login")
        .map(|m| m.body)
        .collect()
}

async fn sm_16_a_new_device_login_is_reported_and_can_be_disowned(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Olga Vidal", EMAIL, PASSWORD).await;

    // The owner's first login on a browser is from a new device; later ones are not.
    let owner_login = log_in_form(&app, EMAIL, PASSWORD).await;
    let owner = session_cookie(&owner_login);
    let device = device_cookie(&owner_login).expect("a new device gets its cookie");
    assert_eq!(
        notices(&app).await.len(),
        1,
        "the first login on this browser"
    );
    let again = log_in_with_device(&app, &device).await;
    assert!(device_cookie(&again).is_none());
    assert_ne!(session_cookie(&again), owner);
    let owner = session_cookie(&again);
    assert!(
        notices(&app).await.is_empty(),
        "a known device is not reported"
    );

    // Someone else logs in with the password and adds an authenticator app of their own.
    let intruder = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    crate::mfa::enrol(&app, &intruder).await;
    let notice = notices(&app)
        .await
        .pop()
        .expect("a notice for the intruder's login");
    assert!(notice.contains("/not-me?token="), "{notice}");
    assert!(
        !notice.contains(&intruder) && !notice.contains(&owner),
        "no session IDs in mail"
    );
    let token = link_token(&notice);

    // Opening the link only shows a button (mail scanners prefetch links).
    for _ in 0..2 {
        let page = send(
            &app.router,
            Request::get(format!("/not-me?token={token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(r#"action="/not-me""#));
    }
    assert_eq!(
        send(&app.router, get_with_session("/account", &owner))
            .await
            .status,
        200
    );

    let done = send(&app.router, form("/not-me", &[("token", &token)])).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your account is secured"));
    for session in [&owner, &intruder] {
        let after = send(&app.router, get_with_session("/account", session)).await;
        assert_eq!(
            after.header("location"),
            Some("/login"),
            "every session ended"
        );
    }
    let login = log_in_form(&app, EMAIL, PASSWORD).await;
    assert_eq!(login.status, 401, "the old password no longer works");
    let totp = String::from_utf8_lossy(&dump(&app.store, "SELECT COUNT(*) FROM mfa_totp").await)
        .into_owned();
    assert!(
        totp.contains('0'),
        "the intruder's authenticator app is gone: {totp}"
    );
    let codes =
        String::from_utf8_lossy(&dump(&app.store, "SELECT COUNT(*) FROM recovery_codes").await)
            .into_owned();
    assert!(codes.contains('0'), "and the recovery codes it came with");

    // The link works once; the owner chooses a new password with the mailed reset link.
    let twice = send(&app.router, form("/not-me", &[("token", &token)])).await;
    assert_eq!(twice.status, 400);
    let reset = app
        .sent_mail()
        .await
        .into_iter()
        .find(|m| m.to == EMAIL && m.kind == "reset_password")
        .expect("a reset link");
    let reset_token = link_token(&reset.body);
    let reset = send(
        &app.router,
        form(
            "/reset-password",
            &[("token", &reset_token), ("password", NEW_PASSWORD)],
        ),
    )
    .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_eq!(log_in_form(&app, EMAIL, NEW_PASSWORD).await.status, 303);
}

async fn sm_16_a_bad_report_link_changes_nothing(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Olga Vidal", EMAIL, PASSWORD).await;
    let owner = session_cookie(&log_in_form(&app, EMAIL, PASSWORD).await);
    for hostile in ["", "x", "%3Cscript%3E", &"A".repeat(43), &"A".repeat(5000)] {
        let page = send(
            &app.router,
            Request::get(format!("/not-me?token={hostile}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, 400, "{hostile}");
        assert!(!page.body.contains("<script>"));
        let post = send(&app.router, form("/not-me", &[("token", hostile)])).await;
        assert_eq!(post.status, 400, "{hostile}");
    }
    let cross_site = Request::post("/not-me")
        .header("host", "localhost")
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("token=x"))
        .unwrap();
    assert_eq!(send(&app.router, cross_site).await.status, 403);
    assert_eq!(
        send(&app.router, get_with_session("/account", &owner))
            .await
            .status,
        200
    );
    assert_eq!(
        log_in_form(&app, EMAIL, PASSWORD).await.status,
        303,
        "nothing changed"
    );
}

helio_store::dual_backend_tests!(
    sm_16_a_new_device_login_is_reported_and_can_be_disowned,
    sm_16_a_bad_report_link_changes_nothing,
);
