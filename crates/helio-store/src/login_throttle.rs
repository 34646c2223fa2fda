//! Failed-login counters, updated by compare-and-swap so that concurrent failures on several
//! replicas are all counted (AU-2).

use helio_core::throttle::FailureCounter;
use helio_core::time::Timestamp;
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// A counter and the version it was read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionedCounter {
    /// The counter.
    pub counter: FailureCounter,
    /// Pass back to [`LoginThrottle::save`] to update only if nobody else did meanwhile.
    pub version: i64,
}

/// Reads and writes failed-login counters.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle<'a> {
    pool: &'a AnyPool,
}

impl<'a> LoginThrottle<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// The counter for a key, if any.
    pub async fn get(&self, key: &[u8; 32]) -> Result<Option<VersionedCounter>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT failures, window_start, last_failure, locked_until, version \
             FROM login_throttle WHERE key_hash = ?",
        )
        .bind(key.to_vec())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(None);
        };
        let failures: i64 = row.try_get(0)?;
        Ok(Some(VersionedCounter {
            counter: FailureCounter {
                failures: u32::try_from(failures).unwrap_or(u32::MAX),
                window_start: Timestamp::from_unix_micros(row.try_get(1)?),
                last_failure: Timestamp::from_unix_micros(row.try_get(2)?),
                locked_until: row
                    .try_get::<Option<i64>, _>(3)?
                    .map(Timestamp::from_unix_micros),
            },
            version: row.try_get(4)?,
        }))
    }

    /// Writes `counter` if the stored one is still at `expected` (`None`: none stored yet).
    /// `false` means someone else changed it first: read again and retry.
    pub async fn save(
        &self,
        key: &[u8; 32],
        counter: &FailureCounter,
        expected: Option<i64>,
    ) -> Result<bool, StoreError> {
        let locked_until = counter.locked_until.map(Timestamp::unix_micros);
        let result =
            match expected {
                None => sqlx::query(
                    "INSERT INTO login_throttle (key_hash, failures, window_start, last_failure, \
                     locked_until, version) VALUES (?, ?, ?, ?, ?, 1)",
                )
                .bind(key.to_vec())
                .bind(i64::from(counter.failures))
                .bind(counter.window_start.unix_micros())
                .bind(counter.last_failure.unix_micros())
                .bind(locked_until)
                .execute(self.pool)
                .await,
                Some(version) => sqlx::query(
                    "UPDATE login_throttle SET failures = ?, window_start = ?, last_failure = ?, \
                     locked_until = ?, version = version + 1 WHERE key_hash = ? AND version = ?",
                )
                .bind(i64::from(counter.failures))
                .bind(counter.window_start.unix_micros())
                .bind(counter.last_failure.unix_micros())
                .bind(locked_until)
                .bind(key.to_vec())
                .bind(version)
                .execute(self.pool)
                .await,
            };
        match result.map_err(StoreError::from) {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(StoreError::Conflict) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Forgets a key's failures (after a successful login from that source).
    pub async fn clear(&self, key: &[u8; 32]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE key_hash = ?")
            .bind(key.to_vec())
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// Notes that `source` failed a login to `target` at `at`: one row per pair, its time
    /// moved forward on each failure (an UPDATE, else an INSERT; a racing INSERT of the same
    /// pair is a conflict that the UPDATE then settles).
    pub async fn note_spread(
        &self,
        source: &[u8; 32],
        target: &[u8; 32],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let update = || {
            sqlx::query(
                "UPDATE login_failure_spread SET last_failed_at = ? \
                 WHERE source_key = ? AND target_key = ?",
            )
            .bind(at.unix_micros())
            .bind(source.to_vec())
            .bind(target.to_vec())
            .execute(self.pool)
        };
        if update().await?.rows_affected() > 0 {
            return Ok(());
        }
        let inserted = sqlx::query(
            "INSERT INTO login_failure_spread (source_key, target_key, last_failed_at) \
             VALUES (?, ?, ?)",
        )
        .bind(source.to_vec())
        .bind(target.to_vec())
        .bind(at.unix_micros())
        .execute(self.pool)
        .await
        .map_err(StoreError::from);
        match inserted {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict) => update().await.map(|_| ()).map_err(Into::into),
            Err(other) => Err(other),
        }
    }

    /// How many different targets `source` failed against at or after `since`.
    pub async fn spread_since(
        &self,
        source: &[u8; 32],
        since: Timestamp,
    ) -> Result<u64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM login_failure_spread WHERE source_key = ? AND last_failed_at >= ?",
        )
        .bind(source.to_vec())
        .bind(since.unix_micros())
        .fetch_one(self.pool)
        .await?;
        u64::try_from(row.try_get::<i64, _>(0)?).map_err(|_| StoreError::Corrupt("count"))
    }

    /// Deletes what no longer decides anything (LM-6): spread rows and counters whose last
    /// failure is before `cutoff`, unless the counter is still locked then. How many rows.
    pub async fn prune_before(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let spread = sqlx::query("DELETE FROM login_failure_spread WHERE last_failed_at < ?")
            .bind(cutoff.unix_micros())
            .execute(self.pool)
            .await?
            .rows_affected();
        let counters = sqlx::query(
            "DELETE FROM login_throttle WHERE last_failure < ? \
             AND (locked_until IS NULL OR locked_until < ?)",
        )
        .bind(cutoff.unix_micros())
        .bind(cutoff.unix_micros())
        .execute(self.pool)
        .await?
        .rows_affected();
        Ok(spread + counters)
    }
}
