//! Readiness: the database answers and its schema is exactly what this build expects.

use helio_store::testing::execute_raw;
use helio_store::{Readiness, Store, StoreError};

async fn missing_migrations_are_pending(store: Store) {
    execute_raw(
        &store,
        "DELETE FROM _sqlx_migrations WHERE version = 20261123000005",
    )
    .await;
    assert_eq!(
        store.readiness().await.unwrap(),
        Readiness::MigrationsPending { pending: 1 }
    );
    store.migrate().await.unwrap_err();
}

async fn an_unknown_applied_migration_is_a_mismatch(store: Store) {
    execute_raw(
        &store,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from a newer build', TRUE, X'00', 0)",
    )
    .await;
    assert_eq!(store.readiness().await.unwrap(), Readiness::SchemaMismatch);
}

async fn an_edited_migration_is_a_mismatch(store: Store) {
    execute_raw(&store, "UPDATE _sqlx_migrations SET checksum = X'00'").await;
    assert_eq!(store.readiness().await.unwrap(), Readiness::SchemaMismatch);
}

async fn a_failed_migration_counts_as_pending(store: Store) {
    execute_raw(
        &store,
        "UPDATE _sqlx_migrations SET success = FALSE WHERE version = 20261123000001",
    )
    .await;
    assert_eq!(
        store.readiness().await.unwrap(),
        Readiness::MigrationsPending { pending: 1 }
    );
}

async fn a_closed_pool_is_unavailable(store: Store) {
    store.close().await;
    assert!(matches!(
        store.readiness().await,
        Err(StoreError::Unavailable(_))
    ));
}

helio_store::dual_backend_tests!(
    missing_migrations_are_pending,
    an_unknown_applied_migration_is_a_mismatch,
    an_edited_migration_is_a_mismatch,
    a_failed_migration_counts_as_pending,
    a_closed_pool_is_unavailable,
);
