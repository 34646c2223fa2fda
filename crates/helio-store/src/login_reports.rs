//! "This wasn't me" links sent with new-device login notices (SM-16), stored only as SHA-256
//! hashes and spent once.

use helio_core::account::AccountId;
use helio_core::crypto::token::TokenHash;
use helio_core::time::Timestamp;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::error::account_id;

/// A reported login: whose, and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportedLogin {
    /// The account.
    pub account: AccountId,
    /// When the reported login happened.
    pub login_at: Timestamp,
}

/// Issues and spends "this wasn't me" links.
#[derive(Debug, Clone, Copy)]
pub struct LoginReports<'a> {
    pool: &'a AnyPool,
}

impl<'a> LoginReports<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Records a link for the login of `account` at `login_at`, valid until `expires_at`.
    pub async fn issue(
        &self,
        hash: &TokenHash,
        login: ReportedLogin,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO login_reports (token_hash, account_id, login_at, expires_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(hash.0.to_vec())
        .bind(login.account.as_bytes().to_vec())
        .bind(login.login_at.unix_micros())
        .bind(expires_at.unix_micros())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// Whether a link is unused and unexpired, without spending it.
    pub async fn is_live(&self, hash: &TokenHash, now: Timestamp) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 FROM login_reports WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(hash.0.to_vec())
        .bind(now.unix_micros())
        .fetch_optional(self.pool)
        .await?
        .is_some())
    }

    /// Spends a link: at most once (one conditional update), only before it expires.
    pub async fn redeem(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<ReportedLogin>, StoreError> {
        let marked = sqlx::query(
            "UPDATE login_reports SET used_at = ? \
             WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(now.unix_micros())
        .bind(hash.0.to_vec())
        .bind(now.unix_micros())
        .execute(self.pool)
        .await?;
        if marked.rows_affected() != 1 {
            return Ok(None);
        }
        let row =
            sqlx::query("SELECT account_id, login_at FROM login_reports WHERE token_hash = ?")
                .bind(hash.0.to_vec())
                .fetch_one(self.pool)
                .await?;
        let id: Vec<u8> = row.try_get(0)?;
        Ok(Some(ReportedLogin {
            account: account_id(id)?,
            login_at: Timestamp::from_unix_micros(row.try_get(1)?),
        }))
    }

    /// Deletes links past their expiry; returns how many.
    pub async fn delete_expired(&self, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM login_reports WHERE expires_at <= ?")
            .bind(now.unix_micros())
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
