//! Schema migrations, embedded in the binary, one folder per backend with identical names.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::migrate::Migrator;

use crate::{Backend, Store, StoreError};

static MYSQL: Migrator = sqlx::migrate!("../../migrations/mysql");
static SQLITE: Migrator = sqlx::migrate!("../../migrations/sqlite");

fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::MySql => &MYSQL,
        Backend::Sqlite => &SQLITE,
    }
}

/// Whether the service may take traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// The database answers and its schema is exactly what this build expects.
    Ready,
    /// Migrations this build needs have not been applied successfully.
    MigrationsPending {
        /// How many of this build's migrations are missing or unsuccessful.
        pending: usize,
    },
    /// The database holds a migration this build does not know, or one whose text changed:
    /// an older binary against a newer schema, or tampering.
    SchemaMismatch,
}

impl Store {
    /// Applies every pending migration. Needs a user with DDL rights; the runtime user does not.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrator(self.backend()).run(self.pool()).await?;
        Ok(())
    }

    /// The newest migration this build knows: the schema version its backups carry and its
    /// restores need. Both backends' folders hold the same versions.
    #[must_use]
    pub fn schema_version(&self) -> i64 {
        migrator(self.backend())
            .iter()
            .map(|migration| migration.version)
            .max()
            .unwrap_or(0)
    }

    /// Checks that the database answers and that its schema matches this build.
    ///
    /// Only reads, so the least-privileged runtime user can run it on every probe.
    pub async fn readiness(&self) -> Result<Readiness, StoreError> {
        let applied = match sqlx::query(
            "SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE",
        )
        .fetch_all(self.pool())
        .await
        {
            Ok(rows) => rows,
            Err(error) => return self.classify_missing_table(error).await,
        };
        // Failed attempts are left out: they count as pending. (Booleans are not selected because
        // the Any driver cannot decode MySQL's TINYINT.)
        let mut applied_by_version = HashMap::with_capacity(applied.len());
        for row in &applied {
            let version: i64 = row.try_get(0)?;
            let checksum: Vec<u8> = row.try_get(1)?;
            applied_by_version.insert(version, checksum);
        }
        let expected: Vec<_> = migrator(self.backend())
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .collect();
        if applied_by_version
            .keys()
            .any(|version| !expected.iter().any(|m| m.version == *version))
        {
            return Ok(Readiness::SchemaMismatch);
        }
        let mut pending = 0;
        for migration in expected {
            match applied_by_version.get(&migration.version) {
                Some(checksum) if *checksum == *migration.checksum => {}
                Some(_) => return Ok(Readiness::SchemaMismatch),
                None => pending += 1,
            }
        }
        Ok(if pending == 0 {
            Readiness::Ready
        } else {
            Readiness::MigrationsPending { pending }
        })
    }

    /// A failed read of the migrations table is either "never migrated" (the database answers
    /// a trivial query) or an outage (it does not).
    async fn classify_missing_table(&self, error: sqlx::Error) -> Result<Readiness, StoreError> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        match error {
            sqlx::Error::Database(_) => Ok(Readiness::MigrationsPending {
                pending: migrator(self.backend()).iter().count(),
            }),
            other => Err(other.into()),
        }
    }
}
