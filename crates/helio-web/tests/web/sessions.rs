//! Login, the session cookie, the account page and logout ([Accounts] login, [Sessions] basics).

use axum::body::Body;
use axum::http::Request;
use helio_store::Store;
use helio_store::testing::dump;

use crate::support::{Answer, TestApp, csrf_for, form_post, get, send, test_app};

const EMAIL: &str = "ines.ferreira@example.com";
const PASSWORD: &str = "amber lanterns over quiet harbours";

async fn verified_account(app: &TestApp) {
    app.verified_customer("Inês Ferreira", EMAIL, PASSWORD)
        .await;
}

async fn log_in(app: &TestApp, email: &str, password: &str) -> Answer {
    let body = format!(
        "email={}&password={}",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    );
    send(&app.router, form_post("/login", &body)).await
}

fn session_id(answer: &Answer) -> String {
    let cookie = answer.header("set-cookie").expect("a session cookie");
    cookie["__Host-helio=".len()..cookie.find(';').unwrap()].to_owned()
}

fn with_cookie(path: &str, id: &str) -> Request<Body> {
    Request::get(path)
        .header("cookie", format!("__Host-helio={id}"))
        .body(Body::empty())
        .unwrap()
}

fn logout(id: &str) -> Request<Body> {
    Request::post("/logout")
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("cookie", format!("__Host-helio={id}"))
        .header("x-csrf-token", csrf_for(id))
        .body(Body::empty())
        .unwrap()
}

async fn sm_1_login_issues_a_long_random_id_in_a_host_only_cookie(store: Store) {
    let app = test_app(store).await;
    verified_account(&app).await;
    let first = log_in(&app, EMAIL, PASSWORD).await;
    assert_eq!(first.status, 303);
    assert_eq!(first.header("location"), Some("/account"));
    let cookie = first.header("set-cookie").unwrap();
    for attribute in [
        "__Host-helio=",
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let id = session_id(&first);
    assert_eq!(id.len(), 43, "256 bits, base64url");
    let second = session_id(&log_in(&app, EMAIL, PASSWORD).await);
    assert_ne!(id, second, "a new ID at every login");
    let raw =
        String::from_utf8_lossy(&dump(&app.store, "SELECT * FROM sessions").await).into_owned();
    assert!(
        !raw.contains(&id) && !raw.contains(&second),
        "SM-5: only hashes are stored"
    );
}

async fn sm_2_the_account_page_needs_a_live_session(store: Store) {
    let app = test_app(store).await;
    verified_account(&app).await;
    let anonymous = get(&app.router, "/account").await;
    assert_eq!(
        (anonymous.status, anonymous.header("location")),
        (303, Some("/login"))
    );
    for forged in ["x", "not-a-session", &"A".repeat(43), &"A".repeat(500)] {
        let answer = send(&app.router, with_cookie("/account", forged)).await;
        assert_eq!(answer.status, 303, "{forged}");
        assert!(answer.header("set-cookie").unwrap().contains("Max-Age=0"));
    }
    let id = session_id(&log_in(&app, EMAIL, PASSWORD).await);
    let page = send(&app.router, with_cookie("/account", &id)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Inês Ferreira") && page.body.contains(EMAIL));
    assert!(
        page.body.contains(r#"action="/logout""#),
        "SM-20: logout on every authenticated page"
    );
    assert_eq!(page.header("cache-control"), Some("no-store"), "SM-14");
}

async fn sm_7_logout_ends_the_session_on_the_server(store: Store) {
    let app = test_app(store).await;
    verified_account(&app).await;
    let id = session_id(&log_in(&app, EMAIL, PASSWORD).await);
    let out = send(&app.router, logout(&id)).await;
    assert_eq!((out.status, out.header("location")), (303, Some("/login")));
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let cleared = out.header("clear-site-data").unwrap();
    assert!(cleared.contains("\"storage\"") && cleared.contains("\"cache\""));
    let replay = send(&app.router, with_cookie("/account", &id)).await;
    assert_eq!(replay.status, 303, "the old ID no longer works");
}

async fn sm_15_logging_in_again_ends_the_session_the_browser_held(store: Store) {
    let app = test_app(store).await;
    verified_account(&app).await;
    let old = session_id(&log_in(&app, EMAIL, PASSWORD).await);
    let body = format!(
        "email={}&password={}",
        EMAIL.replace('@', "%40"),
        PASSWORD.replace(' ', "+")
    );
    let again = Request::post("/login")
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("__Host-helio={old}"))
        .body(Body::from(body))
        .unwrap();
    let new = session_id(&send(&app.router, again).await);
    assert_ne!(new, old);
    assert_eq!(
        send(&app.router, with_cookie("/account", &old))
            .await
            .status,
        303
    );
    assert_eq!(
        send(&app.router, with_cookie("/account", &new))
            .await
            .status,
        200
    );
}

async fn au_4_failed_logins_look_the_same(store: Store) {
    let app = test_app(store).await;
    verified_account(&app).await;
    let unknown = log_in(&app, "someone.else@example.com", PASSWORD).await;
    let wrong = log_in(&app, EMAIL, "amber lanterns over quiet harbour").await;
    assert_eq!((unknown.status, wrong.status), (401, 401));
    assert!(unknown.header("set-cookie").is_none() && wrong.header("set-cookie").is_none());
    let strip = |body: &str| {
        body.replace("someone.else@example.com", "")
            .replace(EMAIL, "")
    };
    assert_eq!(
        strip(&unknown.body),
        strip(&wrong.body),
        "same page, same message"
    );
}

async fn ds_3_a_cross_site_login_post_is_refused(store: Store) {
    let app = test_app(store).await;
    verified_account(&app).await;
    let forged = Request::post("/login")
        .header("host", "localhost")
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "email={}&password={}",
            EMAIL.replace('@', "%40"),
            PASSWORD.replace(' ', "+")
        )))
        .unwrap();
    let answer = send(&app.router, forged).await;
    assert_eq!(answer.status, 403);
    assert!(answer.header("set-cookie").is_none());
}

helio_store::dual_backend_tests!(
    sm_1_login_issues_a_long_random_id_in_a_host_only_cookie,
    sm_2_the_account_page_needs_a_live_session,
    sm_7_logout_ends_the_session_on_the_server,
    au_4_failed_logins_look_the_same,
    ds_3_a_cross_site_login_post_is_refused,
    sm_15_logging_in_again_ends_the_session_the_browser_held,
);

mod csrf {
    use axum::body::Body;
    use axum::http::Request;
    use helio_store::Store;

    use super::{EMAIL, PASSWORD, log_in, session_id, verified_account, with_cookie};
    use crate::support::{csrf_for, send, test_app};

    fn page_token(body: &str) -> String {
        let start = body.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
        body[start..start + body[start..].find('"').unwrap()].to_owned()
    }

    fn post(path: &str, session: &str, body: &str, header: Option<&str>) -> Request<Body> {
        let mut request = Request::post(path)
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("__Host-helio={session}"));
        if let Some(token) = header {
            request = request.header("x-csrf-token", token);
        }
        request.body(Body::from(body.to_owned())).unwrap()
    }

    /// DS-3: a state-changing request of a signed-in session needs that session's token, from
    /// the page's form field or the script's header; pages carry it, masked afresh each time.
    async fn ds_3_signed_in_posts_need_the_sessions_csrf_token(store: Store) {
        let app = test_app(store).await;
        verified_account(&app).await;
        let session = session_id(&log_in(&app, EMAIL, PASSWORD).await);
        let other = session_id(&log_in(&app, EMAIL, PASSWORD).await);
        assert_ne!(session, other);
        let session = session_id(&log_in(&app, EMAIL, PASSWORD).await);

        let refused = [
            post("/logout", &session, "", None),
            post("/logout", &session, "csrf=", None),
            post(
                "/logout",
                &session,
                &format!("csrf={}", csrf_for(&other)),
                None,
            ),
            post("/logout", &session, "", Some(&csrf_for(&other))),
            post("/logout", &session, "", Some("not-a-token")),
            post(
                "/logout",
                &session,
                &format!("csrf={0}&csrf={0}", csrf_for(&session)),
                None,
            ),
        ];
        for request in refused {
            let answer = send(&app.router, request).await;
            assert_eq!(answer.status, 403, "{}", answer.body);
        }
        let alive = send(&app.router, with_cookie("/account", &session)).await;
        assert_eq!(alive.status, 200, "nothing was done");

        let first = page_token(&alive.body);
        let second = page_token(
            &send(&app.router, with_cookie("/account", &session))
                .await
                .body,
        );
        assert_ne!(first, second, "masked afresh for every page");
        let enrol = send(&app.router, with_cookie("/mfa/enrol", &session)).await;
        let token = page_token(&enrol.body);
        let wrong_code = send(
            &app.router,
            post(
                "/mfa/enrol",
                &session,
                &format!("code=000000&csrf={token}"),
                None,
            ),
        )
        .await;
        assert_eq!(
            wrong_code.status, 422,
            "the token is checked and removed; the form's own fields reach the handler"
        );
        let out = send(
            &app.router,
            post("/logout", &session, &format!("csrf={first}"), None),
        )
        .await;
        assert_eq!((out.status, out.header("location")), (303, Some("/login")));
    }

    helio_store::dual_backend_tests!(ds_3_signed_in_posts_need_the_sessions_csrf_token);
}

mod sweeper {
    use std::time::Duration;

    use helio_store::Store;
    use helio_store::testing::{dump, execute_raw};
    use serde_json::{Value, json};

    use super::{EMAIL, PASSWORD, log_in, session_id, verified_account, with_cookie};
    use crate::support::{LogCapture, json_post, send, test_app};

    fn expiries(log: &str) -> Vec<String> {
        log.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["event"] == "session_expired")
            .map(|l| l["reason"].as_str().unwrap().to_owned())
            .collect()
    }

    /// SM-8: the sweeper deletes idle and worn-out sessions (browser and app) from the server
    /// and logs each expiry with its reason; ended sessions go too.
    async fn sm_8_expired_sessions_are_deleted_and_logged(store: Store) {
        let capture = LogCapture::default();
        let _guard = capture.install();
        let app = test_app(store).await;
        verified_account(&app).await;
        let idle = session_id(&log_in(&app, EMAIL, PASSWORD).await);
        let app_login = send(
            &app.router,
            json_post(
                "/api/v1/sessions",
                &json!({"email": EMAIL, "password": PASSWORD}),
            ),
        )
        .await;
        assert_eq!(app_login.status, 200);
        let busy = session_id(&log_in(&app, EMAIL, PASSWORD).await);
        assert_eq!(app.sessions.sweep().await.unwrap(), 0, "nothing due yet");

        // Half an hour of silence ends the idle ones; the busy one keeps being used.
        for _ in 0..2 {
            app.clock.advance(Duration::from_secs(20 * 60));
            assert_eq!(
                send(&app.router, with_cookie("/account", &busy))
                    .await
                    .status,
                200
            );
        }
        assert_eq!(app.sessions.sweep().await.unwrap(), 2);
        assert_eq!(expiries(&capture.text()), ["idle_timeout", "idle_timeout"]);
        assert_eq!(
            send(&app.router, with_cookie("/account", &idle))
                .await
                .status,
            303,
            "an expired session is logged out"
        );

        // Twelve hours after login the busy one ends too, however active.
        for _ in 0..34 {
            app.clock.advance(Duration::from_secs(20 * 60));
            send(&app.router, with_cookie("/account", &busy)).await;
        }
        assert_eq!(app.sessions.sweep().await.unwrap(), 1);
        assert_eq!(
            expiries(&capture.text()).last().unwrap(),
            "absolute_timeout"
        );
        assert!(
            dump(&app.store, "SELECT id_hash FROM sessions")
                .await
                .is_empty(),
            "nothing is left on the server"
        );
        assert!(
            dump(&app.store, "SELECT token_hash FROM api_tokens")
                .await
                .is_empty()
        );
    }

    /// SM-8: staff sessions are shorter: 15 minutes idle and 8 hours at most.
    async fn sm_8_staff_sessions_end_after_15_idle_minutes_and_8_hours(store: Store) {
        use helio_core::role::Role;
        use helio_store::{SeenFrom, SessionStage};
        use helio_web::services::accounts::LoggedIn;

        let app = test_app(store).await;
        let (account, _) = app
            .accounts
            .create_staff("ops@helio.example", "Ops", Role::Support)
            .await
            .unwrap();
        let who = LoggedIn {
            account,
            role: Role::Support,
        };
        execute_raw(&app.store, "UPDATE accounts SET status = 'active'").await;
        let seen = SeenFrom {
            device: "Firefox on Linux",
            network: "192.0.2.0/24",
        };
        let idle = app.sessions.start(who, SessionStage::Full).await.unwrap();
        app.clock.advance(Duration::from_secs(14 * 60));
        assert!(
            app.sessions
                .authenticate(idle.expose(), seen)
                .await
                .unwrap()
                .is_some()
        );
        app.clock.advance(Duration::from_secs(15 * 60 + 1));
        assert!(
            app.sessions
                .authenticate(idle.expose(), seen)
                .await
                .unwrap()
                .is_none(),
            "15 minutes without a request end a staff session"
        );

        let busy = app.sessions.start(who, SessionStage::Full).await.unwrap();
        for _ in 0..34 {
            app.clock.advance(Duration::from_secs(14 * 60));
            assert!(
                app.sessions
                    .authenticate(busy.expose(), seen)
                    .await
                    .unwrap()
                    .is_some()
            );
        }
        app.clock.advance(Duration::from_secs(5 * 60));
        assert!(
            app.sessions
                .authenticate(busy.expose(), seen)
                .await
                .unwrap()
                .is_none(),
            "8 hours after login it ends, however active"
        );
    }

    helio_store::dual_backend_tests!(
        sm_8_expired_sessions_are_deleted_and_logged,
        sm_8_staff_sessions_end_after_15_idle_minutes_and_8_hours,
    );
}

mod list {
    use axum::body::Body;
    use axum::http::Request;
    use helio_store::Store;
    use serde_json::json;

    use super::{EMAIL, PASSWORD, session_id, verified_account};
    use crate::support::{TestApp, csrf_for, json_post, over, send, test_app};

    const FIREFOX: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";

    fn browser(request: Request<Body>, ip: &str) -> Request<Body> {
        let mut request = over(&format!("{ip}:5000"), false, request);
        request
            .headers_mut()
            .insert("user-agent", FIREFOX.parse().unwrap());
        request
    }

    async fn log_in_from(app: &TestApp, email: &str, ip: &str) -> String {
        let body = format!(
            "email={}&password={}",
            email.replace('@', "%40"),
            PASSWORD.replace(' ', "+")
        );
        let request = Request::post("/login")
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        session_id(&send(&app.router, browser(request, ip)).await)
    }

    async fn account_page(app: &TestApp, session: &str) -> (u16, String) {
        let request = Request::get("/account")
            .header("cookie", format!("__Host-helio={session}"))
            .body(Body::empty())
            .unwrap();
        let answer = send(&app.router, browser(request, "203.0.113.40")).await;
        (answer.status, answer.body)
    }

    async fn post(app: &TestApp, path: &str, session: &str) -> u16 {
        let request = Request::post(path)
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("__Host-helio={session}"))
            .body(Body::from(format!("csrf={}", csrf_for(session))))
            .unwrap();
        send(&app.router, request).await.status
    }

    fn handles(page: &str) -> Vec<String> {
        page.match_indices("/account/sessions/")
            .map(|(at, _)| &page[at + "/account/sessions/".len()..])
            .filter(|rest| !rest.starts_with("end-others"))
            .map(|rest| rest[..32].to_owned())
            .collect()
    }

    /// SM-16: the account page lists the account's live sessions (browsers and apps) with a
    /// coarse device and network and never an ID; the owner ends one, or all others.
    async fn sm_16_owners_list_and_end_their_sessions(store: Store) {
        let app = test_app(store).await;
        verified_account(&app).await;
        let here = log_in_from(&app, EMAIL, "203.0.113.40").await;
        let there = log_in_from(&app, EMAIL, "198.51.100.7").await;
        let phone = send(
            &app.router,
            json_post(
                "/api/v1/sessions",
                &json!({"email": EMAIL, "password": PASSWORD}),
            ),
        )
        .await;
        let phone: serde_json::Value = serde_json::from_str(&phone.body).unwrap();
        let phone = phone["access_token"].as_str().unwrap().to_owned();
        // Each session is seen once more, so its device and network are known.
        account_page(&app, &there).await;
        let api = Request::get("/api/v1/account")
            .header("authorization", format!("Bearer {phone}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            send(&app.router, over("192.0.2.10:1", false, api))
                .await
                .status,
            200
        );

        let (status, page) = account_page(&app, &here).await;
        assert_eq!(status, 200);
        assert_eq!(page.matches("signed in ").count(), 3, "{page}");
        assert_eq!(page.matches("this browser").count(), 1);
        assert!(page.contains("Firefox on Windows") && page.contains("203.0.113.0/24"));
        assert!(page.contains("(app)"));
        for secret in [&here, &there, &phone] {
            assert!(
                !page.contains(secret.as_str()),
                "no session ID or token is shown"
            );
        }
        let others = handles(&page);
        assert_eq!(
            others.len(),
            2,
            "the current session has no sign-out button of its own"
        );

        // Another account cannot end them.
        app.verified_customer("Otro", "otro@example.com", PASSWORD)
            .await;
        let intruder = log_in_from(&app, "otro@example.com", "192.0.2.99").await;
        for handle in &others {
            assert_eq!(
                post(&app, &format!("/account/sessions/{handle}/end"), &intruder).await,
                404
            );
        }
        assert_eq!(
            post(&app, "/account/sessions/zz/end", &here).await,
            404,
            "a malformed handle"
        );

        // The other browser's handle is the one its own page does not offer to end.
        let (_, there_page) = account_page(&app, &there).await;
        let there_handle = others
            .iter()
            .find(|h| !handles(&there_page).contains(h))
            .unwrap();
        assert_eq!(
            post(
                &app,
                &format!("/account/sessions/{there_handle}/end"),
                &here
            )
            .await,
            303
        );
        assert_eq!(
            account_page(&app, &there).await.0,
            303,
            "the other browser is out"
        );
        assert_eq!(post(&app, "/account/sessions/end-others", &here).await, 303);
        let api = Request::get("/api/v1/account")
            .header("authorization", format!("Bearer {phone}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app.router, api).await.status, 401, "and the app");
        let (status, page) = account_page(&app, &here).await;
        assert_eq!(status, 200, "this one stays");
        assert_eq!(page.matches("signed in ").count(), 1);
    }

    helio_store::dual_backend_tests!(sm_16_owners_list_and_end_their_sessions);
}
