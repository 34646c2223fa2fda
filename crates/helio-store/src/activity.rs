//! Each account's security activity (SM-16, SM-18): appended as things happen, read back
//! newest first for the owner, and pruned past the retention period.

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::time::Timestamp;
use sqlx::{AnyPool, Row};

use crate::{SessionClient, StoreError};

/// Where an entry came from, as coarsely as the session list shows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActivityOrigin<'a> {
    /// Browser or app, when a client was involved.
    pub client: Option<SessionClient>,
    /// Browser and system, e.g. "Firefox on Windows".
    pub device: Option<&'a str>,
    /// The network, e.g. "203.0.113.0/24".
    pub network: Option<&'a str>,
}

/// One entry, as its owner's page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    /// When.
    pub at: Timestamp,
    /// What happened.
    pub kind: ActivityKind,
    /// Browser or app.
    pub client: Option<SessionClient>,
    /// Browser and system.
    pub device: Option<String>,
    /// Network.
    pub network: Option<String>,
}

/// Reads and appends account activity.
#[derive(Debug, Clone, Copy)]
pub struct AccountActivity<'a> {
    pool: &'a AnyPool,
}

impl<'a> AccountActivity<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Appends one entry under a fresh random `id`.
    pub async fn record(
        &self,
        id: [u8; 16],
        account: AccountId,
        kind: ActivityKind,
        origin: ActivityOrigin<'_>,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO account_activity (id, account_id, at, kind, client, device_label, \
             seen_from) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_vec())
        .bind(account.as_bytes().to_vec())
        .bind(at.unix_micros())
        .bind(kind.as_str())
        .bind(origin.client.map(SessionClient::as_str))
        .bind(
            origin
                .device
                .map(|d| d.chars().take(64).collect::<String>()),
        )
        .bind(
            origin
                .network
                .map(|n| n.chars().take(64).collect::<String>()),
        )
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// The account's latest `limit` entries, newest first.
    pub async fn recent(
        &self,
        account: AccountId,
        limit: u32,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, kind, client, device_label, seen_from FROM account_activity \
             WHERE account_id = ? ORDER BY at DESC LIMIT ?",
        )
        .bind(account.as_bytes().to_vec())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get(1)?;
                let client: Option<String> = row.try_get(2)?;
                Ok(ActivityRecord {
                    at: Timestamp::from_unix_micros(row.try_get(0)?),
                    kind: ActivityKind::parse(&kind)
                        .ok_or(StoreError::Corrupt("unknown activity kind"))?,
                    client: client
                        .map(|c| {
                            SessionClient::parse(&c)
                                .ok_or(StoreError::Corrupt("unknown session client"))
                        })
                        .transpose()?,
                    device: row.try_get(3)?,
                    network: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// Deletes entries older than `before`; returns how many.
    pub async fn prune(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM account_activity WHERE at < ?")
            .bind(before.unix_micros())
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
