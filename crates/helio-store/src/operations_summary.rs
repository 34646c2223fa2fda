//! The operations summary (AC-4): counts an engineer watches, none of them about a person:
//! live sessions, the last day's logins, failures and lockouts, the mail backlog, and
//! break-glass requests waiting or open. One read, for the operations page.

use helio_core::activity::ActivityKind;
use helio_core::time::Timestamp;
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// The counts, each a number and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OperationsCounts {
    /// Sessions not ended and not past their absolute expiry.
    pub live_sessions: u64,
    /// Logins (known and new devices) since the window's start.
    pub logins: u64,
    /// Wrong passwords and second-step codes since the window's start.
    pub failures: u64,
    /// Sources locked out since the window's start.
    pub lockouts: u64,
    /// Mail not yet sent.
    pub mail_backlog: u64,
    /// Break-glass requests waiting for a decision (made since the lapse cut-off).
    pub break_glass_waiting: u64,
    /// Break-glass grants open now.
    pub break_glass_open: u64,
}

/// Reads the operations summary.
#[derive(Debug, Clone, Copy)]
pub struct OperationsSummary<'a> {
    pool: &'a AnyPool,
}

fn count(row: &sqlx::any::AnyRow, index: usize) -> Result<u64, StoreError> {
    let value: i64 = row.try_get(index)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt("negative count"))
}

impl<'a> OperationsSummary<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// The counts at `now`, activity counted from `since`, waiting requests from
    /// `waiting_since`.
    pub async fn counts(
        &self,
        now: Timestamp,
        since: Timestamp,
        waiting_since: Timestamp,
    ) -> Result<OperationsCounts, StoreError> {
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL AND expires_at > ?), \
             (SELECT COUNT(*) FROM account_activity WHERE at >= ? AND kind IN (?, ?)), \
             (SELECT COUNT(*) FROM account_activity WHERE at >= ? AND kind IN (?, ?)), \
             (SELECT COUNT(*) FROM account_activity WHERE at >= ? AND kind = ?), \
             (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL), \
             (SELECT COUNT(*) FROM break_glass_grants WHERE decision = 'pending' \
              AND requested_at >= ?), \
             (SELECT COUNT(*) FROM break_glass_grants WHERE decision = 'approved' \
              AND expires_at > ?)",
        )
        .bind(now.unix_micros())
        .bind(since.unix_micros())
        .bind(ActivityKind::LoginSucceeded.as_str())
        .bind(ActivityKind::LoginFromNewDevice.as_str())
        .bind(since.unix_micros())
        .bind(ActivityKind::LoginFailed.as_str())
        .bind(ActivityKind::SecondFactorFailed.as_str())
        .bind(since.unix_micros())
        .bind(ActivityKind::LoginLocked.as_str())
        .bind(waiting_since.unix_micros())
        .bind(now.unix_micros())
        .fetch_one(self.pool)
        .await?;
        Ok(OperationsCounts {
            live_sessions: count(&row, 0)?,
            logins: count(&row, 1)?,
            failures: count(&row, 2)?,
            lockouts: count(&row, 3)?,
            mail_backlog: count(&row, 4)?,
            break_glass_waiting: count(&row, 5)?,
            break_glass_open: count(&row, 6)?,
        })
    }
}
