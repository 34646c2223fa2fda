//! Server-side sessions, looked up by the SHA-256 of their ID (SM-5): a database reader
//! cannot present a stored session.

use std::time::Duration;

use helio_core::account::AccountId;
use helio_core::crypto::token::TokenHash;
use helio_core::role::Role;
use helio_core::session::touch_granularity;
use helio_core::time::Timestamp;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::error::account_id;

/// How far a login has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Fully signed in.
    Full,
    /// Password accepted; the second factor is still to come.
    MfaPending,
    /// Password accepted; the role needs a second factor that is not set up yet.
    EnrolmentPending,
}

impl SessionStage {
    /// The stored and logged name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::MfaPending => "mfa",
            Self::EnrolmentPending => "enrol",
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        [Self::Full, Self::MfaPending, Self::EnrolmentPending]
            .into_iter()
            .find(|s| s.as_str() == stored)
    }
}

/// What holds a session: a browser (the cookie) or a mobile app (bearer tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionClient {
    /// A browser, through the `__Host-helio` cookie.
    Browser,
    /// An app, through access and refresh tokens.
    Api,
}

impl SessionClient {
    /// The stored and logged name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Browser => "browser",
            Self::Api => "api",
        }
    }

    pub(crate) fn parse(stored: &str) -> Option<Self> {
        [Self::Browser, Self::Api]
            .into_iter()
            .find(|c| c.as_str() == stored)
    }
}

/// A live session and whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveSession {
    /// The account.
    pub account: AccountId,
    /// The account's role, read with the session so a role change applies at once.
    pub role: Role,
    /// When it started.
    pub created_at: Timestamp,
    /// How far the login has got.
    pub stage: SessionStage,
    /// Longest quiet spell before it ends.
    pub idle_timeout_secs: u32,
    /// Its absolute end.
    pub expires_at: Timestamp,
}

/// Why the sweeper found a session over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryReason {
    /// No request for longer than its idle limit.
    Idle,
    /// Its absolute lifetime ran out.
    Absolute,
    /// Its last page was closed and nothing came after (SM-10).
    Closed,
}

/// A session the sweeper found past its idle or absolute limit, or closed, and deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredSession {
    /// Whose it was.
    pub account: AccountId,
    /// Browser or app.
    pub client: SessionClient,
    /// Why it is over.
    pub reason: ExpiryReason,
    /// Browser and system of its latest request.
    pub device: Option<String>,
    /// Network of its latest request.
    pub network: Option<String>,
}

/// Where a session's latest request came from, coarsely: shown to its owner.
#[derive(Debug, Clone, Copy)]
pub struct SeenFrom<'a> {
    /// Browser and system, e.g. "Firefox on Windows".
    pub device: &'a str,
    /// The network, e.g. "203.0.113.0/24".
    pub network: &'a str,
}

/// A live session as its owner's list shows it: never its ID or hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedSession {
    /// Its public handle.
    pub public_id: [u8; 16],
    /// Browser or app.
    pub client: SessionClient,
    /// When it started.
    pub created_at: Timestamp,
    /// Its latest request.
    pub last_seen_at: Timestamp,
    /// Browser and system of the latest request.
    pub device: Option<String>,
    /// Network of the latest request.
    pub network: Option<String>,
    /// Whether it is the session asking.
    pub current: bool,
}

/// A session just ended, and whose it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedSession {
    /// Whose.
    pub account: AccountId,
    /// Browser or app.
    pub client: SessionClient,
    /// Browser and system of its latest request.
    pub device: Option<String>,
    /// Network of its latest request.
    pub network: Option<String>,
}

/// Reads `account_id, client, device_label, seen_from`.
fn ended_session(row: &sqlx::any::AnyRow) -> Result<EndedSession, StoreError> {
    let account: Vec<u8> = row.try_get(0)?;
    let client: String = row.try_get(1)?;
    Ok(EndedSession {
        account: account_id(account)?,
        client: SessionClient::parse(&client)
            .ok_or(StoreError::Corrupt("unknown session client"))?,
        device: row.try_get(2)?,
        network: row.try_get(3)?,
    })
}

/// A session about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    /// SHA-256 of its ID.
    pub id: &'a TokenHash,
    /// A random handle that names it on the account page instead of its ID.
    pub public_id: [u8; 16],
    /// Whose.
    pub account: AccountId,
    /// How far the login has got.
    pub stage: SessionStage,
    /// When it starts.
    pub now: Timestamp,
    /// Longest quiet spell before it ends.
    pub idle_timeout_secs: u32,
    /// Its absolute end.
    pub expires_at: Timestamp,
}

/// The one INSERT of a session, for browser sessions and inside an app session's
/// transaction.
pub(crate) async fn insert_session<'e, E>(
    executor: E,
    session: &NewSession<'_>,
    client: SessionClient,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO sessions (id_hash, account_id, stage, created_at, last_seen_at, \
         idle_timeout_secs, expires_at, client, public_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(session.id.0.to_vec())
    .bind(session.account.as_bytes().to_vec())
    .bind(session.stage.as_str())
    .bind(session.now.unix_micros())
    .bind(session.now.unix_micros())
    .bind(i64::from(session.idle_timeout_secs))
    .bind(session.expires_at.unix_micros())
    .bind(client.as_str())
    .bind(session.public_id.to_vec())
    .execute(executor)
    .await?;
    Ok(())
}

/// Reads and writes sessions.
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'a> {
    pool: &'a AnyPool,
}

impl<'a> Sessions<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Records a new browser session.
    pub async fn create(&self, session: &NewSession<'_>) -> Result<(), StoreError> {
        insert_session(self.pool, session, SessionClient::Browser).await
    }

    /// The session if it is live at `now` (not ended, not idle too long, not past its absolute
    /// lifetime, not closed, account active) and held by `client`: a cookie never reaches an
    /// app's session, nor a token a browser's. Anything else is `None`.
    ///
    /// A live session is marked seen (which also cancels a pending close) when `force` is set,
    /// when its last-seen time is older than [`touch_granularity`] of its idle limit, or when
    /// it is closing or seen from another device or network; otherwise the request only reads.
    pub async fn touch(
        &self,
        id: &TokenHash,
        client: SessionClient,
        now: Timestamp,
        seen: Option<SeenFrom<'_>>,
        force: bool,
    ) -> Result<Option<ActiveSession>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT s.account_id, a.role, s.created_at, s.stage, s.idle_timeout_secs, \
             s.expires_at, s.last_seen_at, s.close_at, s.device_label, s.seen_from \
             FROM sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.id_hash = ? AND s.client = ? AND s.ended_at IS NULL AND s.expires_at > ? \
             AND s.last_seen_at + s.idle_timeout_secs * 1000000 > ? \
             AND (s.close_at IS NULL OR s.close_at > ?) AND a.status = 'active'",
        )
        .bind(id.0.to_vec())
        .bind(client.as_str())
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(None);
        };
        let device = seen.map(|s| s.device.chars().take(64).collect::<String>());
        let network = seen.map(|s| s.network.chars().take(64).collect::<String>());
        let idle_timeout_secs = u32::try_from(row.try_get::<i64, _>(4)?)
            .map_err(|_| StoreError::Corrupt("idle timeout out of range"))?;
        let last_seen = row.try_get::<i64, _>(6)?;
        let granularity = i64::try_from(
            touch_granularity(Duration::from_secs(u64::from(idle_timeout_secs))).as_micros(),
        )
        .unwrap_or(i64::MAX);
        let stale = now.unix_micros().saturating_sub(last_seen) >= granularity;
        let closing = row.try_get::<Option<i64>, _>(7)?.is_some();
        let moved = (device.is_some() && device != row.try_get::<Option<String>, _>(8)?)
            || (network.is_some() && network != row.try_get::<Option<String>, _>(9)?);
        if force || stale || closing || moved {
            let touched = sqlx::query(
                "UPDATE sessions SET last_seen_at = ?, close_at = NULL, \
                 device_label = COALESCE(?, device_label), seen_from = COALESCE(?, seen_from) \
                 WHERE id_hash = ? AND client = ? AND ended_at IS NULL AND expires_at > ? \
                 AND last_seen_at + idle_timeout_secs * 1000000 > ? \
                 AND (close_at IS NULL OR close_at > ?)",
            )
            .bind(now.unix_micros())
            .bind(device)
            .bind(network)
            .bind(id.0.to_vec())
            .bind(client.as_str())
            .bind(now.unix_micros())
            .bind(now.unix_micros())
            .bind(now.unix_micros())
            .execute(self.pool)
            .await?;
            if touched.rows_affected() != 1 {
                return Ok(None);
            }
        }
        let account: Vec<u8> = row.try_get(0)?;
        let role: String = row.try_get(1)?;
        let stage: String = row.try_get(3)?;
        Ok(Some(ActiveSession {
            account: account_id(account)?,
            role: Role::parse(&role).ok_or(StoreError::Corrupt("unknown role"))?,
            created_at: Timestamp::from_unix_micros(row.try_get(2)?),
            stage: SessionStage::parse(&stage)
                .ok_or(StoreError::Corrupt("unknown session stage"))?,
            idle_timeout_secs,
            expires_at: Timestamp::from_unix_micros(row.try_get(5)?),
        }))
    }

    /// Marks a live session as closing: unless another request of it comes before
    /// `close_at`, it is over then (SM-10). `false` if it was not live.
    pub async fn mark_closing(
        &self,
        id: &TokenHash,
        close_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let marked =
            sqlx::query("UPDATE sessions SET close_at = ? WHERE id_hash = ? AND ended_at IS NULL")
                .bind(close_at.unix_micros())
                .bind(id.0.to_vec())
                .execute(self.pool)
                .await?;
        Ok(marked.rows_affected() == 1)
    }

    /// Ends every live session of an account (password change or reset, staff action).
    /// Returns how many were ended.
    pub async fn end_all(
        &self,
        account: AccountId,
        reason: &'static str,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let ended = sqlx::query(
            "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE account_id = ? AND ended_at IS NULL",
        )
        .bind(now.unix_micros())
        .bind(reason)
        .bind(account.as_bytes().to_vec())
        .execute(self.pool)
        .await?;
        Ok(ended.rows_affected())
    }

    /// Ends a session and says whose it was; `None` if it was not live.
    pub async fn end(
        &self,
        id: &TokenHash,
        reason: &'static str,
        now: Timestamp,
    ) -> Result<Option<EndedSession>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT account_id, client, device_label, seen_from FROM sessions \
             WHERE id_hash = ? AND ended_at IS NULL",
        )
        .bind(id.0.to_vec())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(None);
        };
        let ended = sqlx::query(
            "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id_hash = ? AND ended_at IS NULL",
        )
        .bind(now.unix_micros())
        .bind(reason)
        .bind(id.0.to_vec())
        .execute(self.pool)
        .await?;
        if ended.rows_affected() != 1 {
            return Ok(None);
        }
        ended_session(&row).map(Some)
    }

    /// Deletes up to `limit` sessions that are past their idle or absolute limit at `now`
    /// (SM-8), or past a pending close (SM-10), and returns them. Each goes by a conditional
    /// delete, so a session two sweepers find is reported once; its app tokens go with it.
    pub async fn sweep_expired(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<ExpiredSession>, StoreError> {
        let rows = sqlx::query(
            "SELECT id_hash, account_id, client, expires_at, close_at, device_label, seen_from \
             FROM sessions WHERE ended_at IS NULL AND (expires_at <= ? \
             OR last_seen_at + idle_timeout_secs * 1000000 <= ? OR close_at <= ?) LIMIT ?",
        )
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        let mut expired = Vec::with_capacity(rows.len());
        for row in rows {
            let id: Vec<u8> = row.try_get(0)?;
            let account: Vec<u8> = row.try_get(1)?;
            let client: String = row.try_get(2)?;
            let reason = if row.try_get::<i64, _>(3)? <= now.unix_micros() {
                ExpiryReason::Absolute
            } else if row
                .try_get::<Option<i64>, _>(4)?
                .is_some_and(|close_at| close_at <= now.unix_micros())
            {
                ExpiryReason::Closed
            } else {
                ExpiryReason::Idle
            };
            let ended = sqlx::query(
                "DELETE FROM sessions WHERE id_hash = ? AND ended_at IS NULL \
                 AND (expires_at <= ? OR last_seen_at + idle_timeout_secs * 1000000 <= ? \
                 OR close_at <= ?)",
            )
            .bind(id)
            .bind(now.unix_micros())
            .bind(now.unix_micros())
            .bind(now.unix_micros())
            .execute(self.pool)
            .await?;
            if ended.rows_affected() == 1 {
                expired.push(ExpiredSession {
                    account: account_id(account)?,
                    client: SessionClient::parse(&client)
                        .ok_or(StoreError::Corrupt("unknown session client"))?,
                    reason,
                    device: row.try_get(5)?,
                    network: row.try_get(6)?,
                });
            }
        }
        Ok(expired)
    }

    /// Deletes sessions already ended (logout, replacement, reset: each logged when it
    /// ended); returns how many.
    pub async fn delete_ended(&self) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE ended_at IS NOT NULL")
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The account's live full sessions, newest first, marking the one whose hash is
    /// `current`.
    pub async fn live_of(
        &self,
        account: AccountId,
        current: &TokenHash,
        now: Timestamp,
    ) -> Result<Vec<ListedSession>, StoreError> {
        let rows = sqlx::query(
            "SELECT id_hash, public_id, client, created_at, last_seen_at, device_label, \
             seen_from FROM sessions WHERE account_id = ? AND stage = 'full' \
             AND ended_at IS NULL AND expires_at > ? \
             AND last_seen_at + idle_timeout_secs * 1000000 > ? AND public_id IS NOT NULL \
             AND (close_at IS NULL OR close_at > ?) ORDER BY last_seen_at DESC",
        )
        .bind(account.as_bytes().to_vec())
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let hash: Vec<u8> = row.try_get(0)?;
                let public_id: Vec<u8> = row.try_get(1)?;
                let client: String = row.try_get(2)?;
                Ok(ListedSession {
                    public_id: public_id
                        .try_into()
                        .map_err(|_| StoreError::Corrupt("public id is not 16 bytes"))?,
                    client: SessionClient::parse(&client)
                        .ok_or(StoreError::Corrupt("unknown session client"))?,
                    created_at: Timestamp::from_unix_micros(row.try_get(3)?),
                    last_seen_at: Timestamp::from_unix_micros(row.try_get(4)?),
                    device: row.try_get(5)?,
                    network: row.try_get(6)?,
                    current: hash == current.0,
                })
            })
            .collect()
    }

    /// Ends one of the account's sessions by its public handle and describes it; `None` if
    /// the account has no such live session.
    pub async fn end_by_public_id(
        &self,
        account: AccountId,
        public_id: &[u8; 16],
        reason: &'static str,
        now: Timestamp,
    ) -> Result<Option<EndedSession>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT account_id, client, device_label, seen_from FROM sessions \
             WHERE account_id = ? AND public_id = ? AND ended_at IS NULL",
        )
        .bind(account.as_bytes().to_vec())
        .bind(public_id.to_vec())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(None);
        };
        let ended = sqlx::query(
            "UPDATE sessions SET ended_at = ?, end_reason = ? \
             WHERE account_id = ? AND public_id = ? AND ended_at IS NULL",
        )
        .bind(now.unix_micros())
        .bind(reason)
        .bind(account.as_bytes().to_vec())
        .bind(public_id.to_vec())
        .execute(self.pool)
        .await?;
        if ended.rows_affected() != 1 {
            return Ok(None);
        }
        ended_session(&row).map(Some)
    }

    /// Ends every live session of the account but `keep`; returns how many.
    pub async fn end_all_except(
        &self,
        account: AccountId,
        keep: &TokenHash,
        reason: &'static str,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let ended = sqlx::query(
            "UPDATE sessions SET ended_at = ?, end_reason = ? \
             WHERE account_id = ? AND id_hash <> ? AND ended_at IS NULL",
        )
        .bind(now.unix_micros())
        .bind(reason)
        .bind(account.as_bytes().to_vec())
        .bind(keep.0.to_vec())
        .execute(self.pool)
        .await?;
        Ok(ended.rows_affected())
    }
}
