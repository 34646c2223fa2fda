//! AU-2: brute-force and credential-stuffing defence through the login service, with the
//! clock moved by hand instead of waiting.

use std::time::Duration;

use helio_store::Store;
use helio_web::services::accounts::{LoginOutcome, LoginSource};

use crate::support::{TestApp, from_ip, test_app};

const EMAIL: &str = "carmen.vidal@example.com";
const PASSWORD: &str = "seven herons fishing at dawn";
const WRONG: &str = "seven herons fishing at dusk";
const ATTACKER: &str = "203.0.113.66";

async fn verified(app: &TestApp, email: &str) {
    app.verified_customer("Carmen Vidal", email, PASSWORD).await;
}

/// Fails `count` logins from `source`, waiting out each delay on the manual clock.
async fn fail(app: &TestApp, email: &str, source: LoginSource<'_>, count: usize) {
    for _ in 0..count {
        app.clock.advance(Duration::from_secs(31));
        assert_eq!(
            app.accounts.login(email, WRONG, source).await.unwrap(),
            LoginOutcome::Failed
        );
    }
}

fn succeeded(outcome: &LoginOutcome) -> bool {
    matches!(outcome, LoginOutcome::Success(_))
}

/// Refused: failed, or over the source's budget.
fn refused(outcome: Result<LoginOutcome, helio_web::services::accounts::AccountError>) -> bool {
    matches!(
        outcome,
        Ok(LoginOutcome::Failed) | Err(helio_web::services::accounts::AccountError::TooMany)
    )
}

async fn au_2_ten_failures_lock_unknown_sources_and_the_lock_expires(store: Store) {
    let app = test_app(store).await;
    verified(&app, EMAIL).await;
    fail(&app, EMAIL, from_ip(ATTACKER), 10).await;
    let locked = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip(ATTACKER))
        .await
        .unwrap();
    assert!(
        !succeeded(&locked),
        "the right password does not help while locked"
    );
    let elsewhere = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip("198.51.100.4"))
        .await
        .unwrap();
    assert!(
        !succeeded(&elsewhere),
        "unknown sources share the account's untrusted lock"
    );
    let kinds: Vec<String> = app.sent_mail().await.into_iter().map(|m| m.kind).collect();
    assert_eq!(kinds, ["account_locked"], "the owner is told once");
    app.clock.advance(Duration::from_secs(15 * 60));
    let after = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip(ATTACKER))
        .await
        .unwrap();
    assert!(succeeded(&after), "the lock ends by itself");
}

async fn au_2_a_known_device_keeps_working_during_a_lock(store: Store) {
    let app = test_app(store).await;
    verified(&app, EMAIL).await;
    let LoginOutcome::Success(first) = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip("198.51.100.4"))
        .await
        .unwrap()
    else {
        panic!("the owner's first login works");
    };
    let device = first
        .new_device_cookie
        .expect("a device cookie for a new device");
    fail(&app, EMAIL, from_ip(ATTACKER), 12).await;
    let owner = LoginSource {
        ip: "198.51.100.4".parse().unwrap(),
        device_cookie: Some(&device),
        ..from_ip("198.51.100.4")
    };
    let outcome = app.accounts.login(EMAIL, PASSWORD, owner).await.unwrap();
    let LoginOutcome::Success(again) = outcome else {
        panic!("the owner's device is not locked out by the attacker");
    };
    assert_eq!(
        again.new_device_cookie, None,
        "a known device keeps its cookie"
    );
    let stolen = LoginSource {
        ip: ATTACKER.parse().unwrap(),
        device_cookie: Some("forged-device-cookie-that-does-not-verify-at-all-xxxxxxxxxxxxxxx"),
        ..from_ip(ATTACKER)
    };
    assert!(!succeeded(
        &app.accounts.login(EMAIL, PASSWORD, stolen).await.unwrap()
    ));
}

async fn au_2_delays_refuse_rapid_guesses_without_checking(store: Store) {
    let app = test_app(store).await;
    verified(&app, EMAIL).await;
    for _ in 0..3 {
        assert!(!succeeded(
            &app.accounts
                .login(EMAIL, WRONG, from_ip(ATTACKER))
                .await
                .unwrap()
        ));
    }
    let too_soon = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip(ATTACKER))
        .await
        .unwrap();
    assert!(!succeeded(&too_soon), "the fourth attempt must wait");
    app.clock.advance(Duration::from_secs(2));
    assert!(succeeded(
        &app.accounts
            .login(EMAIL, PASSWORD, from_ip(ATTACKER))
            .await
            .unwrap()
    ));
}

async fn au_2_one_address_failing_across_many_accounts_is_locked_out(store: Store) {
    let app = test_app(store).await;
    verified(&app, EMAIL).await;
    for n in 0..30 {
        let victim = format!("victim{n}@example.com");
        assert!(refused(
            app.accounts.login(&victim, WRONG, from_ip(ATTACKER)).await
        ));
    }
    assert!(
        refused(app.accounts.login(EMAIL, PASSWORD, from_ip(ATTACKER)).await),
        "the stuffing address is locked for every account"
    );
    let elsewhere = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip("198.51.100.4"))
        .await
        .unwrap();
    assert!(succeeded(&elsewhere), "other addresses are not affected");
}

async fn au_2_a_known_device_behind_a_locked_address_still_logs_in(store: Store) {
    let app = test_app(store).await;
    verified(&app, EMAIL).await;
    let shared = "192.0.2.200";
    let LoginOutcome::Success(first) = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip(shared))
        .await
        .unwrap()
    else {
        panic!("the owner's first login works");
    };
    let device = first.new_device_cookie.unwrap();
    for n in 0..30 {
        let victim = format!("victim{n}@example.com");
        assert!(refused(
            app.accounts.login(&victim, WRONG, from_ip(shared)).await
        ));
    }
    assert!(refused(
        app.accounts.login(EMAIL, PASSWORD, from_ip(shared)).await
    ));
    let owner = LoginSource {
        ip: shared.parse().unwrap(),
        device_cookie: Some(&device),
        ..from_ip("198.51.100.4")
    };
    assert!(
        succeeded(&app.accounts.login(EMAIL, PASSWORD, owner).await.unwrap()),
        "the stuffing lock on a shared address does not lock out a known device"
    );
}

async fn au_2_unknown_emails_are_throttled_like_real_ones(store: Store) {
    let app = test_app(store).await;
    fail(&app, "ghost@example.com", from_ip(ATTACKER), 10).await;
    assert!(
        app.sent_mail().await.is_empty(),
        "no one to notify, and nothing revealed"
    );
    let kinds_before = app.sent_mail().await.len();
    assert_eq!(kinds_before, 0);
}

/// AU-2: one address gets 60 password logins in 15 minutes, whatever they try; a device that
/// has logged in to the account before is exempt, other addresses are not affected.
async fn au_2_each_source_address_has_a_login_budget(store: Store) {
    use helio_web::services::accounts::AccountError;

    let app = test_app(store).await;
    verified(&app, EMAIL).await;
    let LoginOutcome::Success(first) = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip("198.51.100.9"))
        .await
        .unwrap()
    else {
        panic!("the owner logs in");
    };
    let device = first.new_device_cookie.unwrap();
    // Nine accounts over and over: a budget test, not a credential list (which the
    // stuffing test covers).
    for n in 0..60 {
        let outcome = app
            .accounts
            .login(
                &format!("ghost{}@example.com", n % 9),
                WRONG,
                from_ip(ATTACKER),
            )
            .await
            .unwrap();
        assert_eq!(outcome, LoginOutcome::Failed);
    }
    assert!(matches!(
        app.accounts.login(EMAIL, PASSWORD, from_ip(ATTACKER)).await,
        Err(AccountError::TooMany)
    ));
    let known = LoginSource {
        ip: ATTACKER.parse().unwrap(),
        device_cookie: Some(&device),
        ..from_ip("198.51.100.4")
    };
    assert!(
        succeeded(&app.accounts.login(EMAIL, PASSWORD, known).await.unwrap()),
        "a known device is not the flood"
    );
    assert!(succeeded(
        &app.accounts
            .login(EMAIL, PASSWORD, from_ip("198.51.100.10"))
            .await
            .unwrap()
    ));
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert!(
        app.accounts
            .login(EMAIL, WRONG, from_ip(ATTACKER))
            .await
            .is_ok(),
        "the budget refills after the window"
    );
}

/// AU-2, [Audit]: one source failing logins to ten different accounts within ten minutes is
/// a credential list being tried: a critical `credential_stuffing_suspected` event is logged
/// and chained (once), and from then on the source gets 2 password logins an hour instead
/// of 60 a quarter. Nine accounts are not enough; other sources and the owner's known
/// device are not affected.
async fn au_2_credential_stuffing_raises_an_event_and_tightens_the_source(store: Store) {
    use helio_web::services::accounts::AccountError;

    let capture = crate::support::LogCapture::default();
    let _guard = capture.install();
    let app = test_app(store).await;
    verified(&app, EMAIL).await;
    let LoginOutcome::Success(first) = app
        .accounts
        .login(EMAIL, PASSWORD, from_ip(ATTACKER))
        .await
        .unwrap()
    else {
        panic!("the owner logs in");
    };
    let device = first.new_device_cookie.unwrap();
    let stuffing = |log: &str| {
        log.lines()
            .filter(|l| l.contains(r#""event":"credential_stuffing_suspected""#))
            .count()
    };
    for n in 0..9 {
        app.clock.advance(Duration::from_secs(30));
        let outcome = app
            .accounts
            .login(&format!("list{n}@example.com"), WRONG, from_ip(ATTACKER))
            .await
            .unwrap();
        assert_eq!(outcome, LoginOutcome::Failed);
    }
    for _ in 0..5 {
        app.clock.advance(Duration::from_secs(31));
        let again = app
            .accounts
            .login("list0@example.com", WRONG, from_ip(ATTACKER))
            .await
            .unwrap();
        assert_eq!(
            again,
            LoginOutcome::Failed,
            "the same accounts again are not a list"
        );
    }
    assert_eq!(stuffing(&capture.text()), 0, "nine accounts are not a list");
    app.clock.advance(Duration::from_secs(30));
    let tenth = app
        .accounts
        .login("list9@example.com", WRONG, from_ip(ATTACKER))
        .await
        .unwrap();
    assert_eq!(tenth, LoginOutcome::Failed);
    let log = capture.text();
    assert_eq!(stuffing(&log), 1, "{log}");
    let line = log
        .lines()
        .find(|l| l.contains("credential_stuffing_suspected"))
        .unwrap();
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(event["severity"], "critical");
    assert_eq!(event["count"], 10);
    assert!(!line.contains("list9@example.com") && !line.contains(ATTACKER));
    let trail = String::from_utf8_lossy(
        &helio_store::testing::dump(
            &app.store,
            "SELECT severity, details FROM audit_trail WHERE action = 'credential_stuffing_suspected'",
        )
        .await,
    )
    .into_owned();
    assert!(
        trail.contains("critical") && trail.contains(r#""count":10"#),
        "{trail}"
    );

    for n in 10..12 {
        let outcome = app
            .accounts
            .login(&format!("list{n}@example.com"), WRONG, from_ip(ATTACKER))
            .await
            .unwrap();
        assert_eq!(outcome, LoginOutcome::Failed);
    }
    assert!(
        matches!(
            app.accounts.login(EMAIL, PASSWORD, from_ip(ATTACKER)).await,
            Err(AccountError::TooMany)
        ),
        "the third password login of the hour from the marked source is refused"
    );
    assert_eq!(stuffing(&capture.text()), 1, "one event per mark");
    let known = LoginSource {
        device_cookie: Some(&device),
        ..from_ip(ATTACKER)
    };
    assert!(
        succeeded(&app.accounts.login(EMAIL, PASSWORD, known).await.unwrap()),
        "the owner's known device is not the list"
    );
    assert!(
        succeeded(
            &app.accounts
                .login(EMAIL, PASSWORD, from_ip("198.51.100.4"))
                .await
                .unwrap()
        ),
        "other sources are not affected"
    );
    app.clock.advance(Duration::from_secs(25 * 60 * 60));
    assert!(
        succeeded(
            &app.accounts
                .login(EMAIL, PASSWORD, from_ip(ATTACKER))
                .await
                .unwrap()
        ),
        "the mark lapses after a day"
    );
}

helio_store::dual_backend_tests!(
    au_2_credential_stuffing_raises_an_event_and_tightens_the_source,
    au_2_each_source_address_has_a_login_budget,
    au_2_ten_failures_lock_unknown_sources_and_the_lock_expires,
    au_2_a_known_device_keeps_working_during_a_lock,
    au_2_delays_refuse_rapid_guesses_without_checking,
    au_2_one_address_failing_across_many_accounts_is_locked_out,
    au_2_unknown_emails_are_throttled_like_real_ones,
    au_2_a_known_device_behind_a_locked_address_still_logs_in,
);
