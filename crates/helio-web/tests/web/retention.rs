//! LM-6: sent mail (encrypted, with long-expired links) is deleted 30 days after it went out;
//! mail not yet sent is kept however old.

use std::time::Duration;

use helio_core::time::Clock as _;
use helio_store::Store;
use helio_store::testing::dump;
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

helio_store::dual_backend_tests!(lm_6_sent_mail_is_deleted_after_thirty_days);
