//! Test support: one isolated, migrated database per test, on either backend.
//!
//! The same test function runs on SQLite always and on MySQL when `HELIO_TEST_MYSQL_URL` names
//! a server (CI sets it). [`dual_backend_tests!`](crate::dual_backend_tests) generates both
//! variants; when the variable was not set at build time the MySQL variants are reported as
//! ignored, with the reason, in the test output.
#![expect(
    clippy::expect_used,
    reason = "test support: a broken fixture must stop the test loudly"
)]

use rand::RngCore;
use secrecy::SecretString;
use sqlx::{AssertSqlSafe, Connection, Executor};

use crate::{PoolSettings, Store};

/// The environment variable naming an administrative MySQL URL for tests.
pub const MYSQL_URL_VAR: &str = "HELIO_TEST_MYSQL_URL";

/// A migrated database that exists only for one test.
#[derive(Debug)]
pub struct TestDb {
    store: Store,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(tempfile::TempDir),
    MySql { admin_url: String, database: String },
}

impl TestDb {
    /// A fresh SQLite database file in its own temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("helio.db").display()
        );
        let store = connect_and_migrate(url).await;
        Self {
            store,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh database on the MySQL server named by [`MYSQL_URL_VAR`].
    pub async fn mysql() -> Self {
        let admin_url = std::env::var(MYSQL_URL_VAR)
            .expect("HELIO_TEST_MYSQL_URL must name a MySQL server for the MySQL test variants");
        let database = format!("helio_t_{}", random_suffix());
        crate::store::install_drivers();
        let mut admin = sqlx::AnyConnection::connect(&admin_url)
            .await
            .expect("connect to the MySQL test server");
        // The name is generated above from hex digits only; nothing from outside reaches it.
        admin
            .execute(AssertSqlSafe(format!("CREATE DATABASE `{database}`")))
            .await
            .expect("create the test database (the CI user needs CREATE on helio\\_t\\_%)");
        let mut url = url::Url::parse(&admin_url).expect("HELIO_TEST_MYSQL_URL is a URL");
        url.set_path(&database);
        let store = connect_and_migrate(url.to_string()).await;
        Self {
            store,
            cleanup: Cleanup::MySql {
                admin_url,
                database,
            },
        }
    }

    /// The store under test.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Closes the pool and removes the database.
    pub async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::MySql {
                admin_url,
                database,
            } => {
                let mut admin = sqlx::AnyConnection::connect(&admin_url)
                    .await
                    .expect("reconnect to the MySQL test server");
                admin
                    .execute(AssertSqlSafe(format!("DROP DATABASE `{database}`")))
                    .await
                    .expect("drop the test database");
            }
        }
    }
}

/// Runs a fixed statement directly against the store's database, bypassing the repositories:
/// for tests that simulate tampering or an operator's mistake.
pub async fn execute_raw(store: &Store, sql: &'static str) {
    store.pool().execute(sql).await.expect("raw test statement");
}

/// Every value of every row a fixed query returns, as raw bytes (text as UTF-8, integers in
/// decimal): for tests that check what an attacker holding the database would see.
pub async fn dump(store: &Store, sql: &'static str) -> Vec<u8> {
    use sqlx::{Column as _, Row as _};
    let rows = sqlx::query(sql)
        .fetch_all(store.pool())
        .await
        .expect("dump query");
    let mut out = Vec::new();
    for row in &rows {
        for column in row.columns() {
            let index = column.ordinal();
            if let Ok(Some(bytes)) = row.try_get::<Option<Vec<u8>>, _>(index) {
                out.extend_from_slice(&bytes);
            } else if let Ok(Some(text)) = row.try_get::<Option<String>, _>(index) {
                out.extend_from_slice(text.as_bytes());
            } else if let Ok(Some(number)) = row.try_get::<Option<i64>, _>(index) {
                out.extend_from_slice(number.to_string().as_bytes());
            }
            out.push(0);
        }
    }
    out
}

async fn connect_and_migrate(url: String) -> Store {
    let store = Store::connect(&SecretString::from(url), &PoolSettings::default())
        .await
        .expect("connect to the test database");
    store.migrate().await.expect("migrate the test database");
    store
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Generates, for each named `async fn(Store)`, a test on SQLite (`sqlite::name`) and one on
/// MySQL (`mysql::name`), each on its own fresh database.
#[macro_export]
macro_rules! dual_backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::testing::TestDb::sqlite().await;
                    super::$name(db.store().clone()).await;
                    db.finish().await;
                }
            )+
        }
        mod mysql {
            $(
                #[tokio::test]
                #[cfg_attr(
                    not(helio_test_mysql),
                    ignore = "MySQL SKIPPED: HELIO_TEST_MYSQL_URL was not set when the tests were built"
                )]
                async fn $name() {
                    let db = $crate::testing::TestDb::mysql().await;
                    super::$name(db.store().clone()).await;
                    db.finish().await;
                }
            )+
        }
    };
}
