//! SM-2, SM-8: every lookup checks the session is live; the last-seen time is written only
//! when it is a little stale, so a busy session costs reads, not writes, and can only ever
//! end a little early, never late.

use std::time::Duration;

use helio_core::account::AccountStatus;
use helio_core::crypto::token::SecretToken;
use helio_core::time::Timestamp;
use helio_store::testing::dump;
use helio_store::{NewSession, SeenFrom, SessionClient, SessionStage, Store};

use crate::accounts::{T0, account};

fn at(seconds: u64) -> Timestamp {
    T0.saturating_add(Duration::from_secs(seconds))
}

async fn last_seen(store: &Store) -> String {
    String::from_utf8_lossy(&dump(store, "SELECT last_seen_at FROM sessions").await)
        .trim_end_matches('\0')
        .to_owned()
}

async fn sm_8_last_seen_is_written_when_stale_and_the_idle_limit_never_stretches(store: Store) {
    let mut owner = account(50);
    owner.status = AccountStatus::Active;
    store.accounts().insert(&owner).await.unwrap();
    let id = SecretToken::generate().hash();
    store
        .sessions()
        .create(&NewSession {
            id: &id,
            public_id: [5; 16],
            account: owner.id,
            stage: SessionStage::Full,
            now: T0,
            idle_timeout_secs: 1800,
            expires_at: at(12 * 3600),
        })
        .await
        .unwrap();
    let sessions = store.sessions();
    let seen = SeenFrom {
        device: "Firefox on Linux",
        network: "203.0.113.0/24",
    };
    // The first request records the device; within 15 s later ones only read.
    assert!(
        sessions
            .touch(&id, SessionClient::Browser, at(1), Some(seen), false)
            .await
            .unwrap()
            .is_some()
    );
    let first = last_seen(&store).await;
    assert_eq!(first, at(1).unix_micros().to_string());
    assert!(
        sessions
            .touch(&id, SessionClient::Browser, at(10), Some(seen), false)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        last_seen(&store).await,
        first,
        "a fresh last-seen is not rewritten"
    );
    assert!(
        sessions
            .touch(&id, SessionClient::Browser, at(12), None, true)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        last_seen(&store).await,
        at(12).unix_micros().to_string(),
        "a keep-alive writes"
    );
    assert!(
        sessions
            .touch(&id, SessionClient::Browser, at(30), Some(seen), false)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        last_seen(&store).await,
        at(30).unix_micros().to_string(),
        "stale: written"
    );
    // A closing session is written at once, which cancels the close.
    assert!(sessions.mark_closing(&id, at(45)).await.unwrap());
    assert!(
        sessions
            .touch(&id, SessionClient::Browser, at(31), Some(seen), false)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        sessions
            .touch(&id, SessionClient::Browser, at(50), Some(seen), false)
            .await
            .unwrap()
            .is_some(),
        "the close was cancelled"
    );

    // However many unrecorded reads came after it, the session ends 30 minutes after its
    // last recorded request: early by at most the granularity, never late.
    let recorded: u64 = last_seen(&store)
        .await
        .parse::<i64>()
        .unwrap()
        .cast_unsigned();
    let limit = (recorded - T0.unix_micros().cast_unsigned()) / 1_000_000 + 1800;
    assert!(
        sessions
            .touch(&id, SessionClient::Browser, at(limit), None, false)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        sessions
            .touch(&id, SessionClient::Browser, at(limit - 1), None, false)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        sessions
            .touch(&id, SessionClient::Api, at(limit - 1), None, false)
            .await
            .unwrap()
            .is_none(),
        "never another client's"
    );
}

helio_store::dual_backend_tests!(
    sm_8_last_seen_is_written_when_stale_and_the_idle_limit_never_stretches
);
