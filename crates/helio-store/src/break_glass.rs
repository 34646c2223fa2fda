//! Break-glass grants (AC-4, AC-5): requests, their decisions and their ends. Every change is
//! a compare-and-swap on the stored decision, so two admins deciding at once cannot both win
//! and an end cannot reopen a refused request.

use helio_core::account::AccountId;
use helio_core::break_glass::{GrantDecision, GrantId};
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::error::account_id;

/// A stored request and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// The request.
    pub id: GrantId,
    /// The engineer asking.
    pub requester: AccountId,
    /// The customer whose record it opens.
    pub subject: AccountId,
    /// Why, as typed.
    pub reason: String,
    /// How long, once approved.
    pub minutes: u32,
    /// What was decided.
    pub decision: GrantDecision,
    /// When it was asked for.
    pub requested_at: Timestamp,
    /// The admin who decided, once decided.
    pub decided_by: Option<AccountId>,
    /// When it was decided.
    pub decided_at: Option<Timestamp>,
    /// Why it was refused, if it was.
    pub refusal: Option<String>,
    /// When access ends, once approved.
    pub expires_at: Option<Timestamp>,
    /// When it was ended early, if it was.
    pub ended_at: Option<Timestamp>,
}

/// Reads and writes break-glass grants.
#[derive(Debug, Clone, Copy)]
pub struct BreakGlassGrants<'a> {
    pool: &'a AnyPool,
}

/// The one SELECT of a grant's columns, with its WHERE clause appended (a literal, so the
/// query stays a `&'static str`).
macro_rules! select_grants {
    ($tail:literal) => {
        concat!(
            "SELECT id, requester_id, subject_id, reason, minutes, decision, requested_at, \
             decided_by, decided_at, refusal, expires_at, ended_at FROM break_glass_grants",
            $tail
        )
    };
}

fn grant_id(bytes: Vec<u8>) -> Result<GrantId, StoreError> {
    let bytes: [u8; 16] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("grant id is not 16 bytes"))?;
    Ok(GrantId::from_bytes(bytes))
}

fn decode(row: &AnyRow) -> Result<GrantRecord, StoreError> {
    let decision: String = row.try_get(5)?;
    let decided_by: Option<Vec<u8>> = row.try_get(7)?;
    let minutes: i64 = row.try_get(4)?;
    Ok(GrantRecord {
        id: grant_id(row.try_get(0)?)?,
        requester: account_id(row.try_get(1)?)?,
        subject: account_id(row.try_get(2)?)?,
        reason: row.try_get(3)?,
        minutes: u32::try_from(minutes).map_err(|_| StoreError::Corrupt("grant minutes"))?,
        decision: GrantDecision::parse(&decision)
            .ok_or(StoreError::Corrupt("unknown grant decision"))?,
        requested_at: Timestamp::from_unix_micros(row.try_get(6)?),
        decided_by: decided_by.map(account_id).transpose()?,
        decided_at: row
            .try_get::<Option<i64>, _>(8)?
            .map(Timestamp::from_unix_micros),
        refusal: row.try_get(9)?,
        expires_at: row
            .try_get::<Option<i64>, _>(10)?
            .map(Timestamp::from_unix_micros),
        ended_at: row
            .try_get::<Option<i64>, _>(11)?
            .map(Timestamp::from_unix_micros),
    })
}

impl<'a> BreakGlassGrants<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Stores a new pending request.
    pub async fn insert(&self, grant: &GrantRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO break_glass_grants (id, requester_id, subject_id, reason, minutes, \
             decision, requested_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
        )
        .bind(grant.id.as_bytes().to_vec())
        .bind(grant.requester.as_bytes().to_vec())
        .bind(grant.subject.as_bytes().to_vec())
        .bind(grant.reason.clone())
        .bind(i64::from(grant.minutes))
        .bind(grant.requested_at.unix_micros())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// One request.
    pub async fn by_id(&self, id: GrantId) -> Result<Option<GrantRecord>, StoreError> {
        sqlx::query(select_grants!(" WHERE id = ?"))
            .bind(id.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// The latest `limit` requests of one engineer, newest first.
    pub async fn of_requester(
        &self,
        requester: AccountId,
        limit: u32,
    ) -> Result<Vec<GrantRecord>, StoreError> {
        sqlx::query(select_grants!(
            " WHERE requester_id = ? ORDER BY requested_at DESC LIMIT ?"
        ))
        .bind(requester.as_bytes().to_vec())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// The latest `limit` requests of everyone, newest first (the admins' oversight).
    pub async fn recent(&self, limit: u32) -> Result<Vec<GrantRecord>, StoreError> {
        sqlx::query(select_grants!(" ORDER BY requested_at DESC LIMIT ?"))
            .bind(i64::from(limit))
            .fetch_all(self.pool)
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    /// Requests still waiting that were made at or after `since`, oldest first.
    pub async fn pending_since(
        &self,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<GrantRecord>, StoreError> {
        sqlx::query(select_grants!(
            " WHERE decision = 'pending' AND requested_at >= ? ORDER BY requested_at LIMIT ?"
        ))
        .bind(since.unix_micros())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Approves a waiting request until `expires_at`; `false` if it was no longer waiting.
    pub async fn approve(
        &self,
        id: GrantId,
        by: AccountId,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE break_glass_grants SET decision = 'approved', decided_by = ?, decided_at = ?, \
             expires_at = ? WHERE id = ? AND decision = 'pending' AND requester_id <> ?",
        )
        .bind(by.as_bytes().to_vec())
        .bind(at.unix_micros())
        .bind(expires_at.unix_micros())
        .bind(id.as_bytes().to_vec())
        .bind(by.as_bytes().to_vec())
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Refuses a waiting request with `why`; `false` if it was no longer waiting.
    pub async fn refuse(
        &self,
        id: GrantId,
        by: AccountId,
        at: Timestamp,
        why: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE break_glass_grants SET decision = 'refused', decided_by = ?, decided_at = ?, \
             refusal = ? WHERE id = ? AND decision = 'pending'",
        )
        .bind(by.as_bytes().to_vec())
        .bind(at.unix_micros())
        .bind(why.to_owned())
        .bind(id.as_bytes().to_vec())
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends an approved grant before its expiry; `false` if it was not open.
    pub async fn end(&self, id: GrantId, at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE break_glass_grants SET decision = 'ended', ended_at = ? \
             WHERE id = ? AND decision = 'approved' AND expires_at > ?",
        )
        .bind(at.unix_micros())
        .bind(id.as_bytes().to_vec())
        .bind(at.unix_micros())
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
