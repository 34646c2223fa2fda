//! The store's one error type. Callers branch on its kind; the driver detail stays inside for
//! the log and never reaches a client.

use thiserror::Error;

/// Why a store operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A record with the same unique key already exists.
    #[error("a record with the same key already exists")]
    Conflict,
    /// The database could not be reached or did not answer in time.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database answered with an error.
    #[error("the database reported an error")]
    Database(#[source] sqlx::Error),
    /// Applying or reading migrations failed.
    #[error("database migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
    /// A stored value is outside what the schema allows; the row was not trusted.
    #[error("stored data is invalid: {0}")]
    Corrupt(&'static str),
    /// The database URL names an engine Helio does not support.
    #[error("unsupported database URL: the scheme must be mysql:// or sqlite:")]
    UnsupportedUrl,
}

impl PartialEq for StoreError {
    /// Compares kinds only: driver errors carry no meaningful equality.
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict,
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Self::Unavailable(error),
            _ => Self::Database(error),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self::Migration(error)
    }
}

/// An account ID from its stored 16 bytes; any other length is corruption, not a default.
pub(crate) fn account_id(bytes: Vec<u8>) -> Result<helio_core::account::AccountId, StoreError> {
    Ok(helio_core::account::AccountId::from_bytes(
        bytes
            .try_into()
            .map_err(|_| StoreError::Corrupt("account id is not 16 bytes"))?,
    ))
}

/// A crew ID read back from its stored 16 bytes.
pub(crate) fn crew_id(bytes: Vec<u8>) -> Result<helio_core::partner::CrewId, StoreError> {
    Ok(helio_core::partner::CrewId::from_bytes(
        bytes
            .try_into()
            .map_err(|_| StoreError::Corrupt("crew id is not 16 bytes"))?,
    ))
}
