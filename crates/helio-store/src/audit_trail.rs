//! The audit trail (AC-3, AC-4, LM-1): appended to, read, never changed. This repository has
//! no way to update or delete an entry, and a test keeps it so.

use helio_core::account::AccountId;
use helio_core::audit::AuditAction;
use helio_core::break_glass::GrantId;
use helio_core::role::Role;
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::error::account_id;

/// One entry: who did what to which record, why, when and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// A random ID.
    pub id: [u8; 16],
    /// When.
    pub at: Timestamp,
    /// The staff account acting.
    pub actor: AccountId,
    /// Its role at the time.
    pub actor_role: Role,
    /// What it did.
    pub action: AuditAction,
    /// The account acted on, if any.
    pub subject: Option<AccountId>,
    /// The reason given, if the action takes one.
    pub reason: Option<String>,
    /// The coarse network the request came from.
    pub seen_from: Option<String>,
    /// The request's ID, to find its log lines.
    pub request_id: Option<String>,
    /// The break-glass grant the action was done under, if any.
    pub grant: Option<GrantId>,
}

/// Appends to and reads the audit trail.
#[derive(Debug, Clone, Copy)]
pub struct AuditTrail<'a> {
    pool: &'a AnyPool,
}

fn entry(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let role: String = row.try_get(3)?;
    let action: String = row.try_get(4)?;
    let subject: Option<Vec<u8>> = row.try_get(5)?;
    Ok(AuditEntry {
        id: id
            .try_into()
            .map_err(|_| StoreError::Corrupt("audit id is not 16 bytes"))?,
        at: Timestamp::from_unix_micros(row.try_get(1)?),
        actor: account_id(row.try_get(2)?)?,
        actor_role: Role::parse(&role).ok_or(StoreError::Corrupt("unknown role"))?,
        action: AuditAction::parse(&action).ok_or(StoreError::Corrupt("unknown audit action"))?,
        subject: subject.map(account_id).transpose()?,
        reason: row.try_get(6)?,
        seen_from: row.try_get(7)?,
        request_id: row.try_get(8)?,
        grant: row
            .try_get::<Option<Vec<u8>>, _>(9)?
            .map(|bytes| {
                <[u8; 16]>::try_from(bytes)
                    .map(GrantId::from_bytes)
                    .map_err(|_| StoreError::Corrupt("grant id is not 16 bytes"))
            })
            .transpose()?,
    })
}

impl<'a> AuditTrail<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Appends one entry.
    pub async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_trail (id, at, actor_id, actor_role, action, subject_id, reason, \
             seen_from, request_id, grant_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(entry.id.to_vec())
        .bind(entry.at.unix_micros())
        .bind(entry.actor.as_bytes().to_vec())
        .bind(entry.actor_role.as_str())
        .bind(entry.action.as_str())
        .bind(entry.subject.map(|s| s.as_bytes().to_vec()))
        .bind(entry.reason.clone())
        .bind(entry.seen_from.clone())
        .bind(entry.request_id.clone())
        .bind(entry.grant.map(|g| g.as_bytes().to_vec()))
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// The latest `limit` entries about one account, newest first.
    pub async fn about(
        &self,
        subject: AccountId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, \
             request_id, grant_id FROM audit_trail WHERE subject_id = ? ORDER BY at DESC LIMIT ?",
        )
        .bind(subject.as_bytes().to_vec())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }

    /// Everything done under one break-glass grant, oldest first (line by line).
    pub async fn under_grant(&self, grant: GrantId) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, \
             request_id, grant_id FROM audit_trail WHERE grant_id = ? ORDER BY at",
        )
        .bind(grant.as_bytes().to_vec())
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }

    /// The latest `limit` entries, newest first.
    pub async fn recent(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, \
             request_id, grant_id FROM audit_trail ORDER BY at DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }
}
