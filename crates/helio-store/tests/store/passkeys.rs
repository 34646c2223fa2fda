//! AU-1: a WebAuthn ceremony is taken once, even by concurrent requests, and only for its
//! purpose and before it expires; refresh tokens are spent once under concurrency (SM-8).

use std::time::Duration;

use helio_core::account::AccountStatus;
use helio_core::crypto::token::{SecretToken, TokenHash};
use helio_store::{
    CeremonyPurpose, NewSession, NewToken, Refreshed, SessionClient, SessionStage, Store, TokenKind,
};

use crate::accounts::{T0, account};

async fn au_1_a_ceremony_is_taken_once_under_concurrency(store: Store) {
    let id = SecretToken::generate().hash();
    let expires = T0.saturating_add(Duration::from_secs(300));
    store
        .passkeys()
        .start_ceremony(&id, CeremonyPurpose::Login, None, "{}", T0, expires)
        .await
        .unwrap();
    assert_eq!(
        store
            .passkeys()
            .take_ceremony(&id, CeremonyPurpose::Register, T0)
            .await
            .unwrap(),
        None,
        "only for its purpose"
    );
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .passkeys()
                    .take_ceremony(&id, CeremonyPurpose::Login, T0)
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for attempt in attempts {
        if attempt.await.unwrap().unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);

    let late = SecretToken::generate().hash();
    store
        .passkeys()
        .start_ceremony(&late, CeremonyPurpose::Login, None, "{}", T0, expires)
        .await
        .unwrap();
    assert_eq!(
        store
            .passkeys()
            .take_ceremony(&late, CeremonyPurpose::Login, expires)
            .await
            .unwrap(),
        None,
        "an expired ceremony is gone"
    );
}

async fn sm_8_a_refresh_token_is_spent_once_under_concurrency(store: Store) {
    let mut owner = account(40);
    owner.status = AccountStatus::Active;
    store.accounts().insert(&owner).await.unwrap();
    let session = TokenHash(helio_core::crypto::random_bytes());
    let refresh = SecretToken::generate().hash();
    let later = T0.saturating_add(Duration::from_secs(3600));
    store
        .api_tokens()
        .start(
            &NewSession {
                id: &session,
                public_id: [1; 16],
                account: owner.id,
                stage: SessionStage::Full,
                now: T0,
                idle_timeout_secs: 1800,
                expires_at: later,
            },
            &[NewToken {
                hash: &refresh,
                kind: TokenKind::Refresh,
                expires_at: later,
            }],
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .sessions()
            .touch(&session, SessionClient::Browser, T0, None, false)
            .await
            .unwrap(),
        None,
        "an app's session is never a browser's"
    );
    assert!(
        store
            .sessions()
            .touch(&session, SessionClient::Api, T0, None, false)
            .await
            .unwrap()
            .is_some()
    );
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.api_tokens().refresh(&refresh, T0).await })
        })
        .collect();
    let mut rotated = 0;
    for attempt in attempts {
        if matches!(attempt.await.unwrap().unwrap(), Refreshed::Rotated(..)) {
            rotated += 1;
        }
    }
    assert!(rotated <= 1, "at most one request gets new tokens");
    assert_eq!(
        store
            .sessions()
            .touch(&session, SessionClient::Api, T0, None, false)
            .await
            .unwrap(),
        None,
        "the losers' attempts count as reuse and end the session"
    );
    assert_eq!(
        store.api_tokens().refresh(&refresh, T0).await.unwrap(),
        Refreshed::Reused(None),
        "already ended by an earlier presentation"
    );
}

helio_store::dual_backend_tests!(
    au_1_a_ceremony_is_taken_once_under_concurrency,
    sm_8_a_refresh_token_is_spent_once_under_concurrency,
);
