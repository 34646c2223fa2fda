//! What the engineer's operations page shows (AC-4): the service's own state, never customer
//! data: its version and database backend, whether the database is ready, and the effective
//! configuration with every secret redacted (the same report as `helio config check`), and
//! the last verification of the audit chain.

use std::sync::Arc;
use std::time::Duration;

use helio_core::break_glass::PENDING_LAPSE;
use helio_core::time::{Clock, Timestamp};
use helio_store::{OperationsCounts, Readiness, Store, StoreError, VerificationRecord};

/// The window the summary counts logins, failures and lockouts over.
pub const SUMMARY_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The state of the database as the operations page reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseState {
    /// It answers and its schema is this build's.
    Ready,
    /// Migrations are pending.
    MigrationsPending(usize),
    /// It holds migrations this build does not know.
    SchemaMismatch,
    /// It did not answer in time, or failed.
    Unreachable,
}

/// The operations facts. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Operations {
    store: Store,
    configuration: Arc<str>,
    audit_public_key: [u8; 32],
    clock: Arc<dyn Clock>,
}

impl Operations {
    /// `configuration` is the redacted report of the settings the process runs with, made
    /// once at start; `audit_public_key` verifies the audit chain's checkpoints.
    #[must_use]
    pub fn new(
        store: Store,
        configuration: &str,
        audit_public_key: [u8; 32],
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            configuration: configuration.into(),
            audit_public_key,
            clock,
        }
    }

    /// The last verification of the audit chain, if one ran.
    pub async fn last_verification(&self) -> Result<Option<VerificationRecord>, StoreError> {
        self.store.audit_trail().last_verification().await
    }

    /// Verifies the audit chain now and records the result.
    pub async fn verify_audit_trail(&self) -> Result<VerificationRecord, StoreError> {
        super::audit_integrity::verify_and_record(
            &self.store,
            &self.audit_public_key,
            self.clock.as_ref(),
        )
        .await
    }

    /// The operations counts now: live sessions, the last [`SUMMARY_WINDOW`]'s logins,
    /// failures and lockouts, the mail backlog, break-glass requests waiting and open.
    pub async fn counts(&self) -> Result<OperationsCounts, StoreError> {
        let now = self.clock.now();
        let before = |window: Duration| {
            Timestamp::from_unix_micros(
                now.unix_micros()
                    .saturating_sub(i64::try_from(window.as_micros()).unwrap_or(i64::MAX)),
            )
        };
        self.store
            .operations_summary()
            .counts(now, before(SUMMARY_WINDOW), before(PENDING_LAPSE))
            .await
    }

    /// The effective configuration, secrets redacted.
    #[must_use]
    pub fn configuration(&self) -> &str {
        &self.configuration
    }

    /// The database backend's name.
    #[must_use]
    pub fn backend(&self) -> String {
        self.store.backend().to_string()
    }

    /// The database's state, asked within `timeout`.
    pub async fn database(&self, timeout: Duration) -> DatabaseState {
        match tokio::time::timeout(timeout, self.store.readiness()).await {
            Ok(Ok(Readiness::Ready)) => DatabaseState::Ready,
            Ok(Ok(Readiness::MigrationsPending { pending })) => {
                DatabaseState::MigrationsPending(pending)
            }
            Ok(Ok(Readiness::SchemaMismatch)) => DatabaseState::SchemaMismatch,
            Ok(Err(_)) | Err(_) => DatabaseState::Unreachable,
        }
    }
}
