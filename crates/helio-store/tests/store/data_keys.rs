//! The data-key repository, on both backends.

use helio_core::keys::{KeyVersion, WrappedDataKey};
use helio_core::time::Timestamp;
use helio_store::{Readiness, Store, StoreError};

fn key(version: u32, wrapped: Vec<u8>) -> WrappedDataKey {
    WrappedDataKey {
        version: KeyVersion::new(version).unwrap(),
        wrapped,
        created_at: Timestamp::from_unix_micros(1_790_000_000_000_000 + i64::from(version)),
    }
}

async fn a_fresh_database_is_ready_and_empty(store: Store) {
    assert_eq!(store.readiness().await.unwrap(), Readiness::Ready);
    assert_eq!(store.data_keys().latest().await.unwrap(), None);
    assert!(store.data_keys().all().await.unwrap().is_empty());
}

async fn stored_keys_round_trip_byte_for_byte(store: Store) {
    let hostile: Vec<u8> = (0..=255u8)
        .chain([0, 0, b'\'', b'"', b';', b'\\'])
        .collect();
    let original = key(1, hostile);
    store.data_keys().insert(&original).await.unwrap();
    assert_eq!(
        store.data_keys().get(KeyVersion::FIRST).await.unwrap(),
        Some(original)
    );
}

async fn latest_is_the_highest_version(store: Store) {
    for version in [2, 1, 3] {
        store
            .data_keys()
            .insert(&key(version, vec![version as u8; 40]))
            .await
            .unwrap();
    }
    let latest = store.data_keys().latest().await.unwrap().unwrap();
    assert_eq!(latest.version.get(), 3);
    let versions: Vec<u32> = store
        .data_keys()
        .all()
        .await
        .unwrap()
        .iter()
        .map(|k| k.version.get())
        .collect();
    assert_eq!(versions, [1, 2, 3]);
}

async fn a_duplicate_version_is_a_conflict_and_keeps_the_original(store: Store) {
    let original = key(1, vec![1; 40]);
    store.data_keys().insert(&original).await.unwrap();
    let result = store.data_keys().insert(&key(1, vec![2; 40])).await;
    assert_eq!(result, Err(StoreError::Conflict));
    assert_eq!(
        store.data_keys().get(KeyVersion::FIRST).await.unwrap(),
        Some(original)
    );
}

async fn concurrent_inserts_of_one_version_have_one_winner(store: Store) {
    let attempts = (0..8u8).map(|i| {
        let store = store.clone();
        tokio::spawn(async move { store.data_keys().insert(&key(7, vec![i; 40])).await })
    });
    let mut winners = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(()) => winners += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!(winners, 1);
    assert_eq!(store.data_keys().all().await.unwrap().len(), 1);
}

async fn oversized_and_empty_keys_are_refused_by_the_schema(store: Store) {
    assert!(store.data_keys().insert(&key(1, vec![])).await.is_err());
    assert!(
        store
            .data_keys()
            .insert(&key(2, vec![9; 4096]))
            .await
            .is_err()
    );
    assert!(store.data_keys().all().await.unwrap().is_empty());
}

async fn migrating_twice_changes_nothing(store: Store) {
    store
        .data_keys()
        .insert(&key(1, vec![5; 40]))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.readiness().await.unwrap(), Readiness::Ready);
    assert_eq!(store.data_keys().all().await.unwrap().len(), 1);
}

helio_store::dual_backend_tests!(
    a_fresh_database_is_ready_and_empty,
    stored_keys_round_trip_byte_for_byte,
    latest_is_the_highest_version,
    a_duplicate_version_is_a_conflict_and_keeps_the_original,
    concurrent_inserts_of_one_version_have_one_winner,
    oversized_and_empty_keys_are_refused_by_the_schema,
    migrating_twice_changes_nothing,
);
