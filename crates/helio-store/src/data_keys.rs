//! Repository of the versioned, wrapped data keys (CR-4).

use helio_core::keys::{KeyVersion, WrappedDataKey};
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// Reads and appends data keys. A key is never replaced by another; only its wrapping changes,
/// when the KEK is rotated ([`DataKeys::rewrap`]). An old version is deleted only by
/// [`DataKeys::retire_below`], once rotation has re-encrypted every row that named it.
#[derive(Debug, Clone, Copy)]
pub struct DataKeys<'a> {
    pool: &'a AnyPool,
}

impl<'a> DataKeys<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Stores a new version. Fails with [`StoreError::Conflict`] when the version exists, so two
    /// replicas rotating at once cannot both win.
    pub async fn insert(&self, key: &WrappedDataKey) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO data_keys (version, wrapped_key, created_at) VALUES (?, ?, ?)")
            .bind(i64::from(key.version.get()))
            .bind(key.wrapped.clone())
            .bind(key.created_at.unix_micros())
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// One version, if it exists.
    pub async fn get(&self, version: KeyVersion) -> Result<Option<WrappedDataKey>, StoreError> {
        sqlx::query("SELECT version, wrapped_key, created_at FROM data_keys WHERE version = ?")
            .bind(i64::from(version.get()))
            .fetch_optional(self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// The newest version, which encrypts new data; `None` before the first key exists.
    pub async fn latest(&self) -> Result<Option<WrappedDataKey>, StoreError> {
        sqlx::query(
            "SELECT version, wrapped_key, created_at FROM data_keys ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(self.pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    /// Every version, oldest first, for start-up (all are needed to decrypt old rows).
    pub async fn all(&self) -> Result<Vec<WrappedDataKey>, StoreError> {
        sqlx::query("SELECT version, wrapped_key, created_at FROM data_keys ORDER BY version")
            .fetch_all(self.pool)
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    /// Stores each `(before, after)` pair's new wrapping of the same version, all or none, and
    /// each only if the version is still stored exactly as `before` (compare-and-swap). A
    /// version changed or deleted meanwhile fails the whole change with
    /// [`StoreError::Conflict`]: half the keys under one KEK and half under another is
    /// recoverable, but a wrapping written over one nobody read is not.
    pub async fn rewrap(
        &self,
        changes: &[(WrappedDataKey, WrappedDataKey)],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (before, after) in changes {
            if before.version != after.version {
                return Err(StoreError::Corrupt("a rewrap must keep the key's version"));
            }
            let done = sqlx::query(
                "UPDATE data_keys SET wrapped_key = ? WHERE version = ? AND wrapped_key = ?",
            )
            .bind(after.wrapped.clone())
            .bind(i64::from(before.version.get()))
            .bind(before.wrapped.clone())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict);
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes every version older than `current`; returns how many. The caller has checked
    /// that no row still names one: after this, such a row could never be decrypted.
    pub async fn retire_below(&self, current: KeyVersion) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM data_keys WHERE version < ?")
            .bind(i64::from(current.get()))
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

fn decode(row: &AnyRow) -> Result<WrappedDataKey, StoreError> {
    let version: i64 = row.try_get(0)?;
    let version = u32::try_from(version)
        .ok()
        .and_then(|v| KeyVersion::new(v).ok())
        .ok_or(StoreError::Corrupt("data key version out of range"))?;
    Ok(WrappedDataKey {
        version,
        wrapped: row.try_get(1)?,
        created_at: Timestamp::from_unix_micros(row.try_get(2)?),
    })
}
