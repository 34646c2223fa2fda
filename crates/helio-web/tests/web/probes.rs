//! `/healthz` and `/readyz`.

use helio_store::Store;
use helio_store::testing::execute_raw;
use serde_json::Value;

use crate::support::{app, get};

async fn healthz_says_alive(store: Store) {
    let answer = get(&app(store).await, "/healthz").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(
        serde_json::from_str::<Value>(&answer.body).unwrap()["status"],
        "ok"
    );
}

async fn readyz_is_ready_on_a_migrated_database(store: Store) {
    let answer = get(&app(store).await, "/readyz").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&answer.body).unwrap()["status"],
        "ready"
    );
}

async fn readyz_is_503_when_migrations_are_pending(store: Store) {
    execute_raw(&store, "DELETE FROM _sqlx_migrations").await;
    let answer = get(&app(store).await, "/readyz").await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        !answer.body.contains("migration"),
        "no internals: {}",
        answer.body
    );
}

async fn readyz_is_503_when_the_database_is_gone(store: Store) {
    let app = app(store.clone()).await;
    store.close().await;
    let answer = get(&app, "/readyz").await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        get(&app, "/healthz").await.status,
        200,
        "alive, just not ready"
    );
}

helio_store::dual_backend_tests!(
    healthz_says_alive,
    readyz_is_ready_on_a_migrated_database,
    readyz_is_503_when_migrations_are_pending,
    readyz_is_503_when_the_database_is_gone,
);
