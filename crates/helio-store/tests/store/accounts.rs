//! Accounts, single-use tokens and the outbox, on both backends.

use helio_core::account::{AccountId, AccountStatus, TokenPurpose};
use helio_core::crypto::token::SecretToken;
use helio_core::keys::KeyVersion;
use helio_core::role::Role;
use helio_core::time::Timestamp;
use helio_store::{AccountRecord, MailRecord, Store, StoreError};

pub(crate) const T0: Timestamp = Timestamp::from_unix_micros(1_790_000_000_000_000);

pub(crate) fn account(email_bidx: u8) -> AccountRecord {
    AccountRecord {
        id: AccountId::random(),
        role: Role::Customer,
        status: AccountStatus::Unverified,
        email_ct: vec![1, 2, 3, email_bidx],
        email_bidx: [email_bidx; 32],
        name_ct: vec![4, 5, 6],
        phone_ct: Some(vec![7; 40]),
        phone_bidx: Some([9; 32]),
        address_ct: None,
        city_ct: None,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        data_key_version: KeyVersion::FIRST,
        email_verified_at: None,
        created_at: T0,
        updated_at: T0,
    }
}

async fn accounts_round_trip_and_are_found_by_email_index(store: Store) {
    let stored = account(1);
    store.accounts().insert(&stored).await.unwrap();
    assert_eq!(
        store.accounts().by_id(stored.id).await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(
        store.accounts().by_email_index(&[1; 32]).await.unwrap(),
        Some(stored)
    );
    assert_eq!(
        store.accounts().by_email_index(&[2; 32]).await.unwrap(),
        None
    );
    assert_eq!(
        store.accounts().by_id(AccountId::random()).await.unwrap(),
        None
    );
}

async fn one_email_index_one_account_even_under_concurrency(store: Store) {
    let attempts = (0..6).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.accounts().insert(&account(3)).await })
    });
    let mut created = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(()) => created += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(created, 1);
}

async fn activation_happens_once(store: Store) {
    let stored = account(4);
    store.accounts().insert(&stored).await.unwrap();
    let later = T0.saturating_add(std::time::Duration::from_secs(60));
    assert!(
        store
            .accounts()
            .activate_verified(stored.id, later)
            .await
            .unwrap()
    );
    assert!(
        !store
            .accounts()
            .activate_verified(stored.id, later)
            .await
            .unwrap()
    );
    let now = store.accounts().by_id(stored.id).await.unwrap().unwrap();
    assert_eq!(now.status, AccountStatus::Active);
    assert_eq!(now.email_verified_at, Some(later));
}

async fn tokens_redeem_once_for_their_purpose_before_expiry(store: Store) {
    let stored = account(5);
    store.accounts().insert(&stored).await.unwrap();
    let tokens = store.account_tokens();
    let token = SecretToken::generate();
    let expires = T0.saturating_add(TokenPurpose::VerifyEmail.lifetime());
    tokens
        .issue(&token.hash(), stored.id, TokenPurpose::VerifyEmail, expires)
        .await
        .unwrap();
    assert_eq!(
        tokens
            .redeem(&token.hash(), TokenPurpose::ResetPassword, T0)
            .await
            .unwrap(),
        None,
        "wrong purpose"
    );
    assert_eq!(
        tokens
            .redeem(&token.hash(), TokenPurpose::VerifyEmail, expires)
            .await
            .unwrap(),
        None,
        "expired at the boundary"
    );
    assert_eq!(
        tokens
            .redeem(&token.hash(), TokenPurpose::VerifyEmail, T0)
            .await
            .unwrap(),
        Some(stored.id)
    );
    assert_eq!(
        tokens
            .redeem(&token.hash(), TokenPurpose::VerifyEmail, T0)
            .await
            .unwrap(),
        None,
        "single use"
    );
    assert_eq!(
        tokens
            .redeem(
                &SecretToken::generate().hash(),
                TokenPurpose::VerifyEmail,
                T0
            )
            .await
            .unwrap(),
        None
    );
}

async fn concurrent_redemptions_have_one_winner(store: Store) {
    let stored = account(6);
    store.accounts().insert(&stored).await.unwrap();
    let token = SecretToken::generate();
    let hash = token.hash();
    store
        .account_tokens()
        .issue(
            &hash,
            stored.id,
            TokenPurpose::ResetPassword,
            T0.saturating_add(TokenPurpose::ResetPassword.lifetime()),
        )
        .await
        .unwrap();
    let attempts = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .account_tokens()
                .redeem(&hash, TokenPurpose::ResetPassword, T0)
                .await
        })
    });
    let mut winners = 0;
    for attempt in attempts {
        if attempt.await.unwrap().unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

async fn voided_tokens_no_longer_redeem(store: Store) {
    let stored = account(7);
    store.accounts().insert(&stored).await.unwrap();
    let token = SecretToken::generate();
    let expires = T0.saturating_add(TokenPurpose::ResetPassword.lifetime());
    store
        .account_tokens()
        .issue(
            &token.hash(),
            stored.id,
            TokenPurpose::ResetPassword,
            expires,
        )
        .await
        .unwrap();
    store
        .account_tokens()
        .void_all(stored.id, TokenPurpose::ResetPassword, T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .account_tokens()
            .redeem(&token.hash(), TokenPurpose::ResetPassword, T0)
            .await
            .unwrap(),
        None
    );
}

async fn the_outbox_hands_out_due_mail_until_sent(store: Store) {
    let mail = MailRecord {
        id: [8; 16],
        kind: "verify_email".to_owned(),
        recipient_ct: vec![1; 50],
        subject: "Confirm your email address".to_owned(),
        body_ct: vec![2; 500],
        data_key_version: KeyVersion::FIRST,
        created_at: T0,
        attempts: 0,
    };
    let outbox = store.outbox();
    outbox.enqueue(&mail).await.unwrap();
    assert_eq!(
        outbox.due(T0, 10).await.unwrap(),
        std::slice::from_ref(&mail)
    );
    let retry = T0.saturating_add(std::time::Duration::from_secs(30));
    outbox.mark_failed(&mail.id, retry).await.unwrap();
    assert!(
        outbox.due(T0, 10).await.unwrap().is_empty(),
        "not due before the retry time"
    );
    let due = outbox.due(retry, 10).await.unwrap();
    assert_eq!(due[0].attempts, 1);
    outbox.mark_sent(&mail.id, retry).await.unwrap();
    assert!(outbox.due(retry, 10).await.unwrap().is_empty());
}

helio_store::dual_backend_tests!(
    accounts_round_trip_and_are_found_by_email_index,
    one_email_index_one_account_even_under_concurrency,
    activation_happens_once,
    tokens_redeem_once_for_their_purpose_before_expiry,
    concurrent_redemptions_have_one_winner,
    voided_tokens_no_longer_redeem,
    the_outbox_hands_out_due_mail_until_sent,
);
