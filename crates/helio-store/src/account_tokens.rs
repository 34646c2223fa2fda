//! Single-use tokens (email verification, password reset), stored only as SHA-256 hashes.

use helio_core::account::{AccountId, TokenPurpose};
use helio_core::crypto::token::TokenHash;
use helio_core::time::Timestamp;
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// Issues and redeems single-use tokens.
#[derive(Debug, Clone, Copy)]
pub struct AccountTokens<'a> {
    pool: &'a AnyPool,
}

impl<'a> AccountTokens<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Records a new token for `account`, valid until `expires_at`.
    pub async fn issue(
        &self,
        hash: &TokenHash,
        account: AccountId,
        purpose: TokenPurpose,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(hash.0.to_vec())
        .bind(account.as_bytes().to_vec())
        .bind(purpose.as_str())
        .bind(expires_at.unix_micros())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// The account a token is for, if it is unused, unexpired and of `purpose`, without using
    /// it up (to check a form before spending the token).
    pub async fn peek(
        &self,
        hash: &TokenHash,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<AccountId>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT account_id FROM account_tokens \
             WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(hash.0.to_vec())
        .bind(purpose.as_str())
        .bind(now.unix_micros())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id: Vec<u8> = row.try_get(0)?;
        let id: [u8; 16] = id
            .try_into()
            .map_err(|_| StoreError::Corrupt("account id is not 16 bytes"))?;
        Ok(Some(AccountId::from_bytes(id)))
    }

    /// Redeems a token: succeeds at most once, only before expiry and only for its purpose.
    /// The check and the marking are one conditional update, so two concurrent redemptions
    /// cannot both succeed.
    pub async fn redeem(
        &self,
        hash: &TokenHash,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<AccountId>, StoreError> {
        let marked = sqlx::query(
            "UPDATE account_tokens SET used_at = ? \
             WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(now.unix_micros())
        .bind(hash.0.to_vec())
        .bind(purpose.as_str())
        .bind(now.unix_micros())
        .execute(self.pool)
        .await?;
        if marked.rows_affected() != 1 {
            return Ok(None);
        }
        let row = sqlx::query("SELECT account_id FROM account_tokens WHERE token_hash = ?")
            .bind(hash.0.to_vec())
            .fetch_one(self.pool)
            .await?;
        let id: Vec<u8> = row.try_get(0)?;
        let id: [u8; 16] = id
            .try_into()
            .map_err(|_| StoreError::Corrupt("account id is not 16 bytes"))?;
        Ok(Some(AccountId::from_bytes(id)))
    }

    /// Voids every unused token of `purpose` for an account (a new reset link voids older
    /// ones; a completed reset voids all).
    pub async fn void_all(
        &self,
        account: AccountId,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE account_tokens SET used_at = ? \
             WHERE account_id = ? AND purpose = ? AND used_at IS NULL",
        )
        .bind(now.unix_micros())
        .bind(account.as_bytes().to_vec())
        .bind(purpose.as_str())
        .execute(self.pool)
        .await?;
        Ok(())
    }
}
