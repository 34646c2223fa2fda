//! Second factors at rest: TOTP secrets (encrypted by the caller) and recovery-code hashes.
//! Both "use once" rules are single conditional updates, so two concurrent uses of one code
//! cannot both succeed.

use helio_core::account::AccountId;
use helio_core::keys::KeyVersion;
use helio_core::time::Timestamp;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::error::account_id;

/// A TOTP enrolment as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    /// The encrypted secret.
    pub secret_ct: Vec<u8>,
    /// When the holder proved their app works; `None` while enrolment is unfinished.
    pub confirmed_at: Option<Timestamp>,
    /// The last time step accepted (replay protection).
    pub last_step: Option<u64>,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpEnrolment")
            .field("confirmed_at", &self.confirmed_at)
            .finish_non_exhaustive()
    }
}

/// Reads and writes second factors.
#[derive(Debug, Clone, Copy)]
pub struct Mfa<'a> {
    pool: &'a AnyPool,
}

impl<'a> Mfa<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// The account's TOTP enrolment, confirmed or not.
    pub async fn totp(&self, account: AccountId) -> Result<Option<TotpEnrolment>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT secret_ct, confirmed_at, last_step FROM mfa_totp WHERE account_id = ?",
        )
        .bind(account.as_bytes().to_vec())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(TotpEnrolment {
            secret_ct: row.try_get(0)?,
            confirmed_at: row
                .try_get::<Option<i64>, _>(1)?
                .map(Timestamp::from_unix_micros),
            last_step: row
                .try_get::<Option<i64>, _>(2)?
                .and_then(|s| u64::try_from(s).ok()),
        }))
    }

    /// Starts (or restarts) an unconfirmed enrolment. Refused with [`StoreError::Conflict`]
    /// when a confirmed one exists: replacing a working factor needs its own, stronger flow.
    pub async fn start_totp(
        &self,
        account: AccountId,
        secret_ct: &[u8],
        version: KeyVersion,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM mfa_totp WHERE account_id = ? AND confirmed_at IS NULL")
            .bind(account.as_bytes().to_vec())
            .execute(self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO mfa_totp (account_id, secret_ct, data_key_version, created_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(account.as_bytes().to_vec())
        .bind(secret_ct.to_vec())
        .bind(i64::from(version.get()))
        .bind(now.unix_micros())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// Records the use of time step `step` if it is newer than the last one used; with
    /// `confirm`, also marks an unconfirmed enrolment confirmed. `false` means replayed.
    pub async fn use_step(
        &self,
        account: AccountId,
        step: u64,
        confirm: bool,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let step = i64::try_from(step).map_err(|_| StoreError::Corrupt("time step too large"))?;
        let query = if confirm {
            sqlx::query(
                "UPDATE mfa_totp SET last_step = ?, confirmed_at = ? WHERE account_id = ? \
                 AND confirmed_at IS NULL AND (last_step IS NULL OR last_step < ?)",
            )
            .bind(step)
            .bind(now.unix_micros())
        } else {
            sqlx::query(
                "UPDATE mfa_totp SET last_step = ? WHERE account_id = ? \
                 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?)",
            )
            .bind(step)
        };
        let done = query
            .bind(account.as_bytes().to_vec())
            .bind(step)
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the account's TOTP enrolment; `false` if there was none.
    pub async fn remove_totp(&self, account: AccountId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM mfa_totp WHERE account_id = ?")
            .bind(account.as_bytes().to_vec())
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the account's TOTP enrolment if it was made at or after `since` (by whoever
    /// held a session then); `false` if there was none such.
    pub async fn remove_totp_made_since(
        &self,
        account: AccountId,
        since: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM mfa_totp WHERE account_id = ? AND created_at >= ?")
            .bind(account.as_bytes().to_vec())
            .bind(since.unix_micros())
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the account's recovery codes made at or after `since`; returns how many.
    pub async fn delete_recovery_codes_made_since(
        &self,
        account: AccountId,
        since: Timestamp,
    ) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = ? AND created_at >= ?")
                .bind(account.as_bytes().to_vec())
                .bind(since.unix_micros())
                .execute(self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    /// Deletes the account's recovery codes.
    pub async fn delete_recovery_codes(&self, account: AccountId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = ?")
            .bind(account.as_bytes().to_vec())
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// Up to `limit` TOTP secrets still under a data key older than `current`, with their
    /// account and version.
    pub async fn totp_on_older_key(
        &self,
        current: KeyVersion,
        limit: u32,
    ) -> Result<Vec<(AccountId, Vec<u8>, KeyVersion)>, StoreError> {
        let rows = sqlx::query(
            "SELECT account_id, secret_ct, data_key_version FROM mfa_totp \
             WHERE data_key_version < ? LIMIT ?",
        )
        .bind(i64::from(current.get()))
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: Vec<u8> = row.try_get(0)?;
                let version: i64 = row.try_get(2)?;
                Ok((
                    account_id(id)?,
                    row.try_get(1)?,
                    u32::try_from(version)
                        .ok()
                        .and_then(|v| KeyVersion::new(v).ok())
                        .ok_or(StoreError::Corrupt("data key version out of range"))?,
                ))
            })
            .collect()
    }

    /// Stores a re-encrypted TOTP secret if it is still on `expected`.
    pub async fn replace_totp_secret(
        &self,
        account: AccountId,
        secret_ct: &[u8],
        version: KeyVersion,
        expected: KeyVersion,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE mfa_totp SET secret_ct = ?, data_key_version = ? \
             WHERE account_id = ? AND data_key_version = ?",
        )
        .bind(secret_ct.to_vec())
        .bind(i64::from(version.get()))
        .bind(account.as_bytes().to_vec())
        .bind(i64::from(expected.get()))
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces the account's recovery codes with new hashes.
    pub async fn replace_recovery_codes(
        &self,
        account: AccountId,
        hashes: &[[u8; 32]],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = ?")
            .bind(account.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        for hash in hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (code_hash, account_id, created_at) VALUES (?, ?, ?)",
            )
            .bind(hash.to_vec())
            .bind(account.as_bytes().to_vec())
            .bind(now.unix_micros())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Uses a recovery code of the account; `false` if it is unknown or already used.
    pub async fn use_recovery_code(
        &self,
        account: AccountId,
        hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = ? \
             WHERE code_hash = ? AND account_id = ? AND used_at IS NULL",
        )
        .bind(now.unix_micros())
        .bind(hash.to_vec())
        .bind(account.as_bytes().to_vec())
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many unused recovery codes the account has left.
    pub async fn recovery_codes_left(&self, account: AccountId) -> Result<u32, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL",
        )
        .bind(account.as_bytes().to_vec())
        .fetch_one(self.pool)
        .await?;
        let count: i64 = row.try_get(0)?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}
