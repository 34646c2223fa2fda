//! The outbox: mail is written in the same place as the change that causes it and sent later
//! by a sender, so a crash between the two loses nothing and a slow mail server slows no
//! request. Recipient and body arrive encrypted.

use helio_core::keys::KeyVersion;
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// One message as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct MailRecord {
    /// Random 16-byte ID; bound into the ciphertexts.
    pub id: [u8; 16],
    /// What kind of message (`verify_email`, `account_exists`, ...), for logs and metrics.
    pub kind: String,
    /// Encrypted recipient address.
    pub recipient_ct: Vec<u8>,
    /// Subject line (never personal data).
    pub subject: String,
    /// Encrypted body.
    pub body_ct: Vec<u8>,
    /// The data key both ciphertexts use.
    pub data_key_version: KeyVersion,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Delivery attempts so far.
    pub attempts: u32,
}

impl std::fmt::Debug for MailRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailRecord")
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// Queues and hands out mail.
#[derive(Debug, Clone, Copy)]
pub struct Outbox<'a> {
    pool: &'a AnyPool,
}

impl<'a> Outbox<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Queues a message for sending now.
    pub async fn enqueue(&self, mail: &MailRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (id, kind, recipient_ct, subject, body_ct, data_key_version, \
             created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
        )
        .bind(mail.id.to_vec())
        .bind(mail.kind.clone())
        .bind(mail.recipient_ct.clone())
        .bind(mail.subject.clone())
        .bind(mail.body_ct.clone())
        .bind(i64::from(mail.data_key_version.get()))
        .bind(mail.created_at.unix_micros())
        .bind(mail.created_at.unix_micros())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// Unsent messages whose next attempt is due, oldest first.
    pub async fn due(&self, now: Timestamp, limit: u32) -> Result<Vec<MailRecord>, StoreError> {
        sqlx::query(
            "SELECT id, kind, recipient_ct, subject, body_ct, data_key_version, created_at, attempts \
             FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ? \
             ORDER BY next_attempt_at, created_at LIMIT ?",
        )
        .bind(now.unix_micros())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Up to `limit` messages still under a data key older than `current`.
    pub async fn on_older_key(
        &self,
        current: KeyVersion,
        limit: u32,
    ) -> Result<Vec<MailRecord>, StoreError> {
        sqlx::query(
            "SELECT id, kind, recipient_ct, subject, body_ct, data_key_version, created_at, attempts \
             FROM outbox WHERE data_key_version < ? LIMIT ?",
        )
        .bind(i64::from(current.get()))
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Stores a re-encrypted message if it is still on `expected`.
    pub async fn replace_ciphertexts(
        &self,
        mail: &MailRecord,
        expected: KeyVersion,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET recipient_ct = ?, body_ct = ?, data_key_version = ? \
             WHERE id = ? AND data_key_version = ?",
        )
        .bind(mail.recipient_ct.clone())
        .bind(mail.body_ct.clone())
        .bind(i64::from(mail.data_key_version.get()))
        .bind(mail.id.to_vec())
        .bind(i64::from(expected.get()))
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes mail sent before `cutoff`; how many. Mail not yet sent is kept.
    pub async fn delete_sent_before(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?")
            .bind(cutoff.unix_micros())
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Records a delivery.
    pub async fn mark_sent(&self, id: &[u8; 16], at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?")
            .bind(at.unix_micros())
            .bind(id.to_vec())
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed attempt and when to try again.
    pub async fn mark_failed(&self, id: &[u8; 16], retry_at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?")
            .bind(retry_at.unix_micros())
            .bind(id.to_vec())
            .execute(self.pool)
            .await?;
        Ok(())
    }
}

fn decode(row: &AnyRow) -> Result<MailRecord, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let version: i64 = row.try_get(5)?;
    let attempts: i64 = row.try_get(7)?;
    Ok(MailRecord {
        id: id
            .try_into()
            .map_err(|_| StoreError::Corrupt("outbox id is not 16 bytes"))?,
        kind: row.try_get(1)?,
        recipient_ct: row.try_get(2)?,
        subject: row.try_get(3)?,
        body_ct: row.try_get(4)?,
        data_key_version: u32::try_from(version)
            .ok()
            .and_then(|v| KeyVersion::new(v).ok())
            .ok_or(StoreError::Corrupt("data key version out of range"))?,
        created_at: Timestamp::from_unix_micros(row.try_get(6)?),
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
    })
}
