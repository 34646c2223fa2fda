//! LM-6: sent mail (encrypted, with long-expired links) is deleted 30 days after it went out;
//! mail not yet sent is kept however old. Login-throttling data goes two days after its last
//! failure.

use std::time::Duration;

use helio_core::throttle::THROTTLE_RETENTION;
use helio_core::time::Clock as _;
use helio_store::Store;
use helio_store::testing::dump;
use helio_web::services::counters::prune_throttling;
use helio_web::services::mail::{SENT_RETENTION, prune_sent};

use crate::support::test_app;

async fn count(store: &Store, sql: &'static str) -> String {
    String::from_utf8_lossy(&dump(store, sql).await)
        .trim_end_matches('\0')
        .to_owned()
}

async fn lm_6_sent_mail_is_deleted_after_thirty_days(store: Store) {
    let app = test_app(store).await;
    app.verified_customer(
        "Ada Mar",
        "ada.mar@example.com",
        "a passphrase kept in a vault",
    )
    .await;
    let sent = count(
        &app.store,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL",
    )
    .await;
    assert_ne!(sent, "0", "the confirmation went out");
    app.accounts
        .request_reset("ada.mar@example.com", "192.0.2.7".parse().unwrap())
        .await
        .unwrap();
    let waiting = count(
        &app.store,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL",
    )
    .await;
    assert_eq!(waiting, "1", "a reset mail waits for the sender");

    let now = app.clock.now();
    assert_eq!(
        prune_sent(&app.store, now).await.unwrap(),
        0,
        "nothing is old yet"
    );
    let later = now.saturating_add(SENT_RETENTION + Duration::from_secs(60));
    assert_eq!(
        prune_sent(&app.store, later).await.unwrap().to_string(),
        sent,
        "every sent mail goes"
    );
    assert_eq!(
        count(
            &app.store,
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"
        )
        .await,
        "1",
        "unsent mail stays"
    );
}

/// LM-6: login-throttling data (failure counters, the stuffing watch's spreads) is deleted
/// two days after its last failure, when it decides nothing any more; fresh data stays.
async fn lm_6_idle_throttle_data_is_deleted_after_two_days(store: Store) {
    let app = test_app(store).await;
    let wrong = "not the password of anyone here";
    let old = crate::support::from_ip("203.0.113.70");
    // Two accounts tried from the old source, one from the fresh: the two sets differ in
    // size, so the counts tell which rows went.
    for email in ["old.try@example.com", "older.try@example.com"] {
        app.accounts.login(email, wrong, old).await.unwrap();
    }
    let rows = |app: &crate::support::TestApp| {
        let store = app.store.clone();
        async move {
            (
                count(&store, "SELECT COUNT(*) FROM login_throttle").await,
                count(&store, "SELECT COUNT(*) FROM login_failure_spread").await,
            )
        }
    };
    let (counters, spreads) = rows(&app).await;
    assert!(
        counters.parse::<u32>().unwrap() >= 3,
        "source and pairs counted"
    );
    assert_eq!(spreads, "2");
    app.clock
        .advance(THROTTLE_RETENTION + Duration::from_secs(60));
    let fresh = crate::support::from_ip("198.51.100.70");
    app.accounts
        .login("new.try@example.com", wrong, fresh)
        .await
        .unwrap();
    let (with_fresh, _) = rows(&app).await;
    let (old_counters, with_fresh) = (
        counters.parse::<u64>().unwrap(),
        with_fresh.parse::<u64>().unwrap(),
    );
    let pruned = prune_throttling(&app.store, app.clock.now()).await.unwrap();
    assert_eq!(
        pruned,
        old_counters + 2,
        "the old counters and the old spreads"
    );
    let (left, spreads) = rows(&app).await;
    assert_eq!(spreads, "1", "the fresh spread stays");
    assert_eq!(
        left.parse::<u64>().unwrap(),
        with_fresh - old_counters,
        "every fresh counter stays"
    );
    assert_eq!(
        prune_throttling(&app.store, app.clock.now()).await.unwrap(),
        0,
        "and stays on the next run"
    );
}

helio_store::dual_backend_tests!(
    lm_6_sent_mail_is_deleted_after_thirty_days,
    lm_6_idle_throttle_data_is_deleted_after_two_days,
);
