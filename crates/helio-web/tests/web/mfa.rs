//! AU-1, AU-3, SM-4, SM-6: TOTP enrolment and challenge, replay, recovery codes, and staff
//! held at enrolment until they have a second factor.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use helio_core::mfa::TotpSecret;
use helio_core::time::Clock as _;
use helio_store::Store;
use helio_store::testing::{dump, execute_raw};

use crate::support::{Answer, TestApp, csrf_for, form_post, send, test_app};

const EMAIL: &str = "noa.sanz@example.com";
const PASSWORD: &str = "quartz pebbles in a blue bowl";

async fn verified(app: &TestApp) {
    app.verified_customer("Noa Sanz", EMAIL, PASSWORD).await;
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
                "email=noa.sanz%40example.com&password={}",
                PASSWORD.replace(' ', "+")
            ),
        ),
    )
    .await
}

fn get_as(path: &str, session: &str) -> Request<Body> {
    Request::get(path)
        .header("cookie", format!("__Host-helio={session}"))
        .body(Body::empty())
        .unwrap()
}

/// A form post from one of the session's pages, with the page's CSRF token.
fn post_as(path: &str, session: &str, body: &str) -> Request<Body> {
    let csrf = format!("csrf={}", csrf_for(session));
    let body = if body.is_empty() {
        csrf
    } else {
        format!("{body}&{csrf}")
    };
    Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("__Host-helio={session}"))
        .body(Body::from(body))
        .unwrap()
}

/// Enrols TOTP from a signed-in session; returns the secret and the recovery codes shown.
pub(crate) async fn enrol(app: &TestApp, session: &str) -> (TotpSecret, Vec<String>) {
    let page = send(&app.router, get_as("/mfa/enrol", session)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"), "a server-rendered QR code");
    let start = page.body.find(r#"id="totp-secret">"#).unwrap() + r#"id="totp-secret">"#.len();
    let secret_text = &page.body[start..start + page.body[start..].find('<').unwrap()];
    let secret = TotpSecret::from_base32(secret_text).unwrap();
    let wrong = send(&app.router, post_as("/mfa/enrol", session, "code=000000")).await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains(secret_text),
        "the same secret is shown again"
    );
    let code = secret.code_at(app.clock.now()).unwrap();
    let done = send(
        &app.router,
        post_as("/mfa/enrol", session, &format!("code={code}")),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .map(|part| part[..part.find('<').unwrap()].to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn au_1_totp_is_asked_after_the_password_and_replay_is_refused(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let (secret, _) = enrol(&app, &full).await;
    let raw =
        String::from_utf8_lossy(&dump(&app.store, "SELECT * FROM mfa_totp").await).into_owned();
    assert!(
        !raw.contains(&secret.base32().unwrap()),
        "the secret is stored encrypted"
    );

    app.clock.advance(Duration::from_secs(60));
    let login = log_in(&app).await;
    assert_eq!(login.header("location"), Some("/mfa"));
    let pending = cookie_of(&login);
    let blocked = send(&app.router, get_as("/account", &pending)).await;
    assert_eq!(
        (blocked.status, blocked.header("location")),
        (303, Some("/mfa")),
        "nothing before the second factor"
    );
    let code = secret.code_at(app.clock.now()).unwrap();
    let ok = send(
        &app.router,
        post_as("/mfa", &pending, &format!("code={code}")),
    )
    .await;
    assert_eq!((ok.status, ok.header("location")), (303, Some("/account")));
    let promoted = cookie_of(&ok);
    assert_ne!(
        promoted, pending,
        "SM-4: a new ID once the second factor is done"
    );
    assert_eq!(
        send(&app.router, get_as("/account", &promoted))
            .await
            .status,
        200
    );
    assert_eq!(
        send(&app.router, get_as("/account", &pending)).await.status,
        303,
        "the pending ID is dead"
    );

    let again = cookie_of(&log_in(&app).await);
    let replay = send(
        &app.router,
        post_as("/mfa", &again, &format!("code={code}")),
    )
    .await;
    assert_eq!(replay.status, 401, "the same code never works twice");
}

async fn au_3_recovery_codes_work_once(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let (_, codes) = enrol(&app, &full).await;
    let raw = String::from_utf8_lossy(&dump(&app.store, "SELECT * FROM recovery_codes").await)
        .into_owned();
    assert!(
        codes
            .iter()
            .all(|c| !raw.contains(c.as_str()) && !raw.contains(&c.replace('-', "")))
    );
    let first = cookie_of(&log_in(&app).await);
    let used = send(
        &app.router,
        post_as("/mfa", &first, &format!("code={}", codes[3].to_uppercase())),
    )
    .await;
    assert_eq!(used.status, 303);
    let second = cookie_of(&log_in(&app).await);
    let reused = send(
        &app.router,
        post_as("/mfa", &second, &format!("code={}", codes[3])),
    )
    .await;
    assert_eq!(reused.status, 401);
    let other = send(
        &app.router,
        post_as("/mfa", &second, &format!("code={}", codes[4])),
    )
    .await;
    assert_eq!(other.status, 303);
}

async fn au_1_staff_reach_nothing_before_enrolling(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    execute_raw(&app.store, "UPDATE accounts SET role = 'support'").await;
    let login = log_in(&app).await;
    assert_eq!(login.header("location"), Some("/mfa/enrol"));
    assert!(
        login
            .header("set-cookie")
            .unwrap()
            .contains("SameSite=Strict"),
        "staff cookies are Strict"
    );
    let pending = cookie_of(&login);
    for path in ["/account", "/mfa"] {
        let answer = send(&app.router, get_as(path, &pending)).await;
        assert_eq!(
            (answer.status, answer.header("location")),
            (303, Some("/mfa/enrol")),
            "{path}"
        );
    }
    let logout = send(&app.router, post_as("/logout", &pending, "")).await;
    assert_eq!(
        logout.header("location"),
        Some("/mfa/enrol"),
        "not even the full-session routes"
    );
    let (_, codes) = enrol(&app, &pending).await;
    assert_eq!(codes.len(), 10);
}

async fn sm_6_a_half_finished_login_expires_in_minutes(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let (secret, _) = enrol(&app, &full).await;
    app.clock.advance(Duration::from_secs(60));
    let pending = cookie_of(&log_in(&app).await);
    app.clock.advance(Duration::from_secs(5 * 60 + 1));
    let code = secret.code_at(app.clock.now()).unwrap();
    let late = send(
        &app.router,
        post_as("/mfa", &pending, &format!("code={code}")),
    )
    .await;
    assert_eq!(
        (late.status, late.header("location")),
        (303, Some("/login"))
    );
}

async fn au_2_second_factor_guesses_are_throttled(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let (secret, _) = enrol(&app, &full).await;
    app.clock.advance(Duration::from_secs(60));
    let pending = cookie_of(&log_in(&app).await);
    for guess in 0..4 {
        let answer = send(
            &app.router,
            post_as(
                "/mfa",
                &pending,
                &format!("code={:06}", 111_111 * (guess % 9 + 1)),
            ),
        )
        .await;
        assert_eq!(answer.status, 401);
    }
    let code = secret.code_at(app.clock.now()).unwrap();
    let throttled = send(
        &app.router,
        post_as("/mfa", &pending, &format!("code={code}")),
    )
    .await;
    assert_eq!(
        throttled.status, 401,
        "after failures, even a right code must wait"
    );
}

/// AU-1: the authenticator app can be removed from a recent login, unless it is the only
/// second factor of a role that must have one; the owner is mailed on setup and removal, and
/// recovery codes go with the last factor.
async fn au_1_the_authenticator_app_is_removed_only_within_the_rules(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let (secret, _) = enrol(&app, &full).await;
    let kinds: Vec<String> = app.sent_mail().await.into_iter().map(|m| m.kind).collect();
    assert!(
        kinds.contains(&"authenticator_app_added".to_owned()),
        "{kinds:?}"
    );

    app.clock.advance(Duration::from_secs(11 * 60));
    let stale = send(&app.router, post_as("/mfa/totp/remove", &full, "")).await;
    assert_eq!(stale.status, 403, "a login from the last 10 minutes only");

    // A support agent whose only second factor is the app keeps it.
    execute_raw(&app.store, "UPDATE accounts SET role = 'support'").await;
    let pending = cookie_of(&log_in(&app).await);
    let code = secret.code_at(app.clock.now()).unwrap();
    let staff = cookie_of(
        &send(
            &app.router,
            post_as("/mfa", &pending, &format!("code={code}")),
        )
        .await,
    );
    let refused = send(&app.router, post_as("/mfa/totp/remove", &staff, "")).await;
    assert_eq!(refused.status, 409, "staff keep their only factor");

    // A customer may drop it; the recovery codes go with the last factor.
    execute_raw(&app.store, "UPDATE accounts SET role = 'customer'").await;
    let removed = send(&app.router, post_as("/mfa/totp/remove", &staff, "")).await;
    assert_eq!(
        (removed.status, removed.header("location")),
        (303, Some("/account"))
    );
    assert!(dump(&app.store, "SELECT * FROM mfa_totp").await.is_empty());
    assert!(
        dump(&app.store, "SELECT * FROM recovery_codes")
            .await
            .is_empty(),
        "recovery codes go with the last factor"
    );
    let kinds: Vec<String> = app.sent_mail().await.into_iter().map(|m| m.kind).collect();
    assert!(
        kinds.contains(&"authenticator_app_removed".to_owned()),
        "{kinds:?}"
    );
    assert_eq!(
        log_in(&app).await.header("location"),
        Some("/account"),
        "no second step left"
    );
}

/// AU-3: the account page counts the recovery codes left, and new ones replace every old one
/// (from a recent login only); the owner is told.
async fn au_3_new_recovery_codes_replace_the_old_ones(store: Store) {
    let app = test_app(store).await;
    verified(&app).await;
    let full = cookie_of(&log_in(&app).await);
    let (_, old) = enrol(&app, &full).await;
    app.clock.advance(Duration::from_secs(60));
    let pending = cookie_of(&log_in(&app).await);
    let session = cookie_of(
        &send(
            &app.router,
            post_as("/mfa", &pending, &format!("code={}", old[0])),
        )
        .await,
    );
    let page = send(&app.router, get_as("/account", &session)).await;
    assert!(
        page.body
            .contains(r#"<span id="recovery-codes-left">9</span>"#),
        "one used, nine left"
    );
    let fresh = send(&app.router, post_as("/mfa/recovery-codes", &session, "")).await;
    assert_eq!(fresh.status, 200);
    let new: Vec<String> = fresh
        .body
        .split("<li><code>")
        .skip(1)
        .map(|part| part[..part.find('<').unwrap()].to_owned())
        .collect();
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(code)));
    let kinds: Vec<String> = app.sent_mail().await.into_iter().map(|m| m.kind).collect();
    assert!(
        kinds.contains(&"recovery_codes_replaced".to_owned()),
        "{kinds:?}"
    );
    let pending = cookie_of(&log_in(&app).await);
    let stale = send(
        &app.router,
        post_as("/mfa", &pending, &format!("code={}", old[1])),
    )
    .await;
    assert_eq!(stale.status, 401, "the old codes are void");
    let works = send(
        &app.router,
        post_as("/mfa", &pending, &format!("code={}", new[0])),
    )
    .await;
    assert_eq!(works.status, 303);

    app.clock.advance(Duration::from_secs(11 * 60));
    let later = send(
        &app.router,
        post_as("/mfa/recovery-codes", &cookie_of(&works), ""),
    )
    .await;
    assert_eq!(later.status, 403, "only from a recent login");
}

helio_store::dual_backend_tests!(
    au_1_totp_is_asked_after_the_password_and_replay_is_refused,
    au_3_recovery_codes_work_once,
    au_1_staff_reach_nothing_before_enrolling,
    sm_6_a_half_finished_login_expires_in_minutes,
    au_2_second_factor_guesses_are_throttled,
    au_1_the_authenticator_app_is_removed_only_within_the_rules,
    au_3_new_recovery_codes_replace_the_old_ones,
);

mod invitation {
    use helio_core::role::Role;
    use helio_store::Store;
    use helio_web::services::accounts::LoginOutcome;

    use crate::support::{form_post, from_ip, get, send, test_app};

    const STAFF: &str = "marta.gil@helio.example";
    const CHOSEN: &str = "tangerine kites over the bay";

    async fn au_3_staff_start_with_a_one_time_link_and_no_password(store: Store) {
        let app = test_app(store).await;
        let (account, first) = app
            .accounts
            .create_staff(STAFF, "Marta Gil", Role::Admin)
            .await
            .unwrap();
        let first = first.split("token=").nth(1).unwrap().to_owned();
        for guess in ["", "admin", "password", "changeme", CHOSEN] {
            assert_eq!(
                app.accounts
                    .login(STAFF, guess, from_ip("192.0.2.9"))
                    .await
                    .unwrap(),
                LoginOutcome::Failed,
                "no default credentials: {guess:?}"
            );
        }
        let (again, link) = app
            .accounts
            .create_staff(STAFF, "Marta Gil", Role::Admin)
            .await
            .unwrap();
        assert_eq!(again, account, "inviting again reaches the same account");
        let token = link.split("token=").nth(1).unwrap().to_owned();
        assert_eq!(
            send(
                &app.router,
                form_post(
                    "/welcome",
                    &format!("token={first}&password=a+perfectly+long+passphrase")
                ),
            )
            .await
            .status,
            400,
            "the earlier link is void"
        );
        assert!(
            app.accounts
                .create_staff(STAFF, "Marta Gil", Role::Support)
                .await
                .is_err(),
            "not as another role"
        );
        assert!(
            app.accounts
                .create_staff("x@helio.example", "X", Role::Customer)
                .await
                .is_err(),
            "staff roles only"
        );
        assert_eq!(
            get(&app.router, &format!("/welcome?token={token}"))
                .await
                .status,
            200
        );
        let body = format!("token={token}&password={}", CHOSEN.replace(' ', "+"));
        assert_eq!(
            send(&app.router, form_post("/welcome", &body)).await.status,
            200
        );
        assert_eq!(
            send(&app.router, form_post("/welcome", &body)).await.status,
            400,
            "single use"
        );
        assert!(
            app.accounts
                .create_staff(STAFF, "Marta Gil", Role::Admin)
                .await
                .is_err(),
            "an accepted invitation is an account in use: never invited again"
        );
        // The guesses above put the account's unknown sources into a delay; wait it out.
        app.clock.advance(std::time::Duration::from_secs(60));
        let login = send(
            &app.router,
            form_post(
                "/login",
                &format!(
                    "email=marta.gil%40helio.example&password={}",
                    CHOSEN.replace(' ', "+")
                ),
            ),
        )
        .await;
        assert_eq!(
            login.header("location"),
            Some("/mfa/enrol"),
            "an admin enrols a second factor first"
        );
    }

    helio_store::dual_backend_tests!(au_3_staff_start_with_a_one_time_link_and_no_password);
}
