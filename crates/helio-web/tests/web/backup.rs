//! CR-7, IG-2: a backup of a lived-in database restores row for row into an empty database of the
//! other backend, where the same master keys open it for business and its audit chain still
//! verifies; a flipped byte, another key, a hostile snapshot or a non-empty target is refused
//! and leaves the target as it was; a schema the backup does not cover stops the backup.

use helio_core::backup::{self, BackupKeys, Cell, DEFAULT_MAX_SNAPSHOT_BYTES, Snapshot};
use helio_core::keys::MasterKey;
use helio_core::time::Timestamp;
use helio_store::testing::{MYSQL_URL_VAR, TestDb, execute_raw};
use helio_store::{SnapshotProblem, Store};
use serde_json::json;

use crate::support::{json_post, same_keys_on, send, test_app, test_audit_signer};

fn keys() -> BackupKeys {
    BackupKeys::new(
        MasterKey::from_bytes([31; 32]),
        &MasterKey::from_bytes([32; 32]),
    )
}

/// The other backend when there is one: MySQL for a SQLite source (when CI names a server),
/// SQLite for a MySQL source.
async fn other_backend(source: &Store) -> TestDb {
    match source.backend() {
        helio_store::Backend::Sqlite if std::env::var(MYSQL_URL_VAR).is_ok() => {
            TestDb::mysql().await
        }
        _ => TestDb::sqlite().await,
    }
}

async fn taken(store: &Store) -> Snapshot {
    store
        .snapshots()
        .take(store.schema_version())
        .await
        .unwrap()
        .unwrap()
}

async fn cr_7_a_backup_restores_row_for_row_on_the_other_backend(store: Store) {
    let app = test_app(store).await;
    let demo = app.demo();
    let logins = demo.seed().await.unwrap().expect("seeded");
    let customer = logins
        .iter()
        .find(|login| login.role == helio_core::role::Role::Customer)
        .expect("a demo customer");
    let signed_in = send(
        &app.router,
        json_post(
            "/api/v1/sessions",
            &json!({"email": customer.email, "password": customer.password}),
        ),
    )
    .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);

    let original = taken(&app.store).await;
    let filled: Vec<&str> = original
        .tables
        .iter()
        .filter(|table| !table.rows.is_empty())
        .map(|table| table.table.as_str())
        .collect();
    for table in [
        "data_keys",
        "accounts",
        "sessions",
        "api_tokens",
        "partner_companies",
        "crews",
        "orders",
        "order_events",
        "payments",
        "job_offers",
        "crew_ratings",
        "audit_trail",
        "audit_chain_head",
    ] {
        assert!(filled.contains(&table), "{table} is empty in the source");
    }

    let file = backup::seal(
        &original,
        &app.store.backend().to_string(),
        Timestamp::now(),
        &keys(),
    )
    .unwrap();
    let mut flipped = file.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    assert!(backup::open(&flipped, &keys(), DEFAULT_MAX_SNAPSHOT_BYTES).is_err());
    let (_, opened) = backup::open(&file, &keys(), DEFAULT_MAX_SNAPSHOT_BYTES).unwrap();

    let target = other_backend(&app.store).await;
    let restored = target
        .store()
        .snapshots()
        .restore(&opened)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(restored.rows, original.row_count());
    let round_tripped = taken(target.store()).await;
    for (before, after) in original.tables.iter().zip(&round_tripped.tables) {
        assert_eq!(
            before, after,
            "table {} differs after the round trip",
            before.table
        );
    }
    assert_eq!(round_tripped, original);

    let again = target.store().snapshots().restore(&opened).await.unwrap();
    assert!(
        matches!(again, Err(SnapshotProblem::TargetNotEmpty(_))),
        "{again:?}"
    );
    assert_eq!(
        taken(target.store()).await,
        original,
        "the refusal changed nothing"
    );

    let verified = target
        .store()
        .audit_trail()
        .verify(&test_audit_signer().public_key())
        .await
        .unwrap();
    assert!(
        matches!(verified, helio_store::Verified::Intact { .. }),
        "{verified:?}"
    );

    let restored_app = same_keys_on(&app, target.store().clone()).await;
    let answer = send(
        &restored_app.router,
        json_post(
            "/api/v1/sessions",
            &json!({"email": customer.email, "password": customer.password}),
        ),
    )
    .await;
    assert_eq!(
        answer.status, 200,
        "the restored database serves logins: {}",
        answer.body
    );
    target.finish().await;
}

async fn cr_7_a_hostile_snapshot_is_refused_and_writes_nothing(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Ana", "ana@example.com", "correct horse battery staple")
        .await;
    let original = taken(&app.store).await;
    let target = TestDb::sqlite().await;
    let empty = taken(target.store()).await;

    let mut short_row = original.clone();
    let accounts = short_row
        .tables
        .iter_mut()
        .find(|table| table.table == "accounts")
        .unwrap();
    accounts.rows[0].pop();
    let mut renamed = original.clone();
    renamed.tables[1].table = "accounts; DROP TABLE accounts".to_owned();
    let mut missing = original.clone();
    missing.tables.pop();
    for hostile in [short_row, renamed, missing] {
        let refused = target.store().snapshots().restore(&hostile).await.unwrap();
        assert!(
            matches!(refused, Err(SnapshotProblem::SnapshotMismatch(_))),
            "{refused:?}"
        );
    }

    // A value of the wrong type fails inside the transaction: nothing is left behind.
    let mut wrong_type = original.clone();
    let accounts = wrong_type
        .tables
        .iter_mut()
        .find(|table| table.table == "accounts")
        .unwrap();
    accounts.rows[0][0] = Cell::Null;
    assert!(
        target
            .store()
            .snapshots()
            .restore(&wrong_type)
            .await
            .is_err()
    );
    assert_eq!(taken(target.store()).await, empty, "nothing was written");

    let restored = target.store().snapshots().restore(&original).await.unwrap();
    assert!(restored.is_ok(), "{restored:?}");
    target.finish().await;

    // A target holding anything (here one data key, the audit head still the genesis) is
    // refused by name before a row is written.
    let occupied = TestDb::sqlite().await;
    occupied
        .store()
        .data_keys()
        .insert(&helio_core::keys::WrappedDataKey {
            version: helio_core::keys::KeyVersion::FIRST,
            wrapped: vec![7; 60],
            created_at: Timestamp::from_unix_micros(1),
        })
        .await
        .unwrap();
    let before = taken(occupied.store()).await;
    let refused = occupied
        .store()
        .snapshots()
        .restore(&original)
        .await
        .unwrap();
    assert_eq!(refused, Err(SnapshotProblem::TargetNotEmpty("data_keys")));
    assert_eq!(taken(occupied.store()).await, before);
    occupied.finish().await;
}

async fn cr_7_a_schema_the_backup_does_not_cover_stops_the_backup(store: Store) {
    execute_raw(
        &store,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
    )
    .await;
    let refused = store
        .snapshots()
        .take(store.schema_version())
        .await
        .unwrap();
    match refused {
        Err(SnapshotProblem::SchemaNotCovered(what)) => {
            assert!(what.contains("table notes is not backed up"), "{what}");
        }
        other => panic!("a table outside the backup was accepted: {other:?}"),
    }
    execute_raw(&store, "DROP TABLE notes").await;
    execute_raw(&store, "ALTER TABLE orders ADD COLUMN note TEXT").await;
    let refused = store
        .snapshots()
        .take(store.schema_version())
        .await
        .unwrap();
    assert!(
        matches!(&refused, Err(SnapshotProblem::SchemaNotCovered(what)) if what.contains("column orders.note is not backed up")),
        "{refused:?}"
    );
}

helio_store::dual_backend_tests!(
    cr_7_a_backup_restores_row_for_row_on_the_other_backend,
    cr_7_a_hostile_snapshot_is_refused_and_writes_nothing,
    cr_7_a_schema_the_backup_does_not_cover_stops_the_backup,
);
