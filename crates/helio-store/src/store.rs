//! The connection pool and the entry point to every repository.

use std::sync::Once;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Executor};

use crate::{Backend, DataKeys, StoreError};

/// How the pool behaves; the defaults suit one replica of the service.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Upper bound on open connections from this process.
    pub max_connections: u32,
    /// How long a request waits for a connection before the database counts as unavailable.
    /// Kept short so readiness turns red within seconds of an outage.
    pub acquire_timeout: Duration,
    /// Idle connections are closed after this long.
    pub idle_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
            idle_timeout: Duration::from_secs(300),
        }
    }
}

/// A handle to the database. Cheap to clone: clones share one pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static INSTALL_DRIVERS: Once = Once::new();

/// Registers the MySQL and SQLite drivers with sqlx's `Any` layer, once per process.
pub(crate) fn install_drivers() {
    INSTALL_DRIVERS.call_once(sqlx::any::install_default_drivers);
}

impl Store {
    /// Opens a pool to the database the URL names and checks that it answers.
    ///
    /// Every connection gets the same session settings (strict SQL mode and UTC on MySQL;
    /// foreign keys, WAL and a busy timeout on SQLite) so the two backends behave alike.
    pub async fn connect(url: &SecretString, settings: &PoolSettings) -> Result<Self, StoreError> {
        let backend = Backend::from_url(url.expose_secret())?;
        install_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .idle_timeout(settings.idle_timeout)
            .after_connect(move |conn, _meta| Box::pin(prepare_connection(conn, backend)))
            .connect(url.expose_secret())
            .await?;
        Ok(Self { pool, backend })
    }

    /// Which engine this store talks to.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Accounts.
    #[must_use]
    pub fn accounts(&self) -> crate::Accounts<'_> {
        crate::Accounts::new(&self.pool)
    }

    /// Single-use account tokens.
    #[must_use]
    pub fn account_tokens(&self) -> crate::AccountTokens<'_> {
        crate::AccountTokens::new(&self.pool)
    }

    /// Failed-login counters.
    #[must_use]
    pub fn login_throttle(&self) -> crate::LoginThrottle<'_> {
        crate::LoginThrottle::new(&self.pool)
    }

    /// Second factors: TOTP enrolments and recovery codes.
    #[must_use]
    pub fn mfa(&self) -> crate::Mfa<'_> {
        crate::Mfa::new(&self.pool)
    }

    /// Partner companies, crews and crew membership.
    #[must_use]
    pub fn partners(&self) -> crate::Partners<'_> {
        crate::Partners::new(&self.pool)
    }

    /// Passkeys and WebAuthn ceremonies.
    #[must_use]
    pub fn passkeys(&self) -> crate::Passkeys<'_> {
        crate::Passkeys::new(&self.pool)
    }

    /// Bearer tokens of app sessions.
    #[must_use]
    pub fn api_tokens(&self) -> crate::ApiTokens<'_> {
        crate::ApiTokens::new(&self.pool)
    }

    /// The audit trail of staff actions and personal-data access.
    #[must_use]
    pub fn audit_trail(&self) -> crate::AuditTrail<'_> {
        crate::AuditTrail::new(&self.pool)
    }

    /// Break-glass requests and grants.
    #[must_use]
    pub fn break_glass(&self) -> crate::BreakGlassGrants<'_> {
        crate::BreakGlassGrants::new(&self.pool)
    }

    /// Refund requests.
    #[must_use]
    pub fn refunds(&self) -> crate::Refunds<'_> {
        crate::Refunds::new(&self.pool)
    }

    /// Job offers and crews' ratings.
    #[must_use]
    pub fn dispatch(&self) -> crate::Dispatch<'_> {
        crate::Dispatch::new(&self.pool)
    }

    /// Crews' areas and daily capacity.
    #[must_use]
    pub fn crew_schedule(&self) -> crate::CrewSchedule<'_> {
        crate::CrewSchedule::new(&self.pool)
    }

    /// Payments of orders.
    #[must_use]
    pub fn payments(&self) -> crate::Payments<'_> {
        crate::Payments::new(&self.pool)
    }

    /// Orders and their moves.
    #[must_use]
    pub fn orders(&self) -> crate::Orders<'_> {
        crate::Orders::new(&self.pool)
    }

    /// The counts of the operations page.
    #[must_use]
    pub fn operations_summary(&self) -> crate::OperationsSummary<'_> {
        crate::OperationsSummary::new(&self.pool)
    }

    /// Each account's security activity.
    #[must_use]
    pub fn activity(&self) -> crate::AccountActivity<'_> {
        crate::AccountActivity::new(&self.pool)
    }

    /// "This wasn't me" links of new-device login notices.
    #[must_use]
    pub fn login_reports(&self) -> crate::LoginReports<'_> {
        crate::LoginReports::new(&self.pool)
    }

    /// Server-side sessions.
    #[must_use]
    pub fn sessions(&self) -> crate::Sessions<'_> {
        crate::Sessions::new(&self.pool)
    }

    /// Queued mail.
    #[must_use]
    pub fn outbox(&self) -> crate::Outbox<'_> {
        crate::Outbox::new(&self.pool)
    }

    /// The versioned data keys.
    #[must_use]
    pub fn data_keys(&self) -> DataKeys<'_> {
        DataKeys::new(&self.pool)
    }

    /// Whole-database snapshots, for backups and restores.
    #[must_use]
    pub fn snapshots(&self) -> crate::Snapshots<'_> {
        crate::Snapshots::new(&self.pool, self.backend)
    }

    /// Waits for open connections to finish and closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

async fn prepare_connection(conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    match backend {
        Backend::MySql => {
            conn.execute(
                "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
                 ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT', \
                 time_zone = '+00:00'",
            )
            .await?;
        }
        Backend::Sqlite => {
            conn.execute(
                "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
            )
            .await?;
        }
    }
    Ok(())
}
