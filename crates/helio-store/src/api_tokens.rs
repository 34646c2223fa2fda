//! Bearer tokens of mobile-app sessions (SM-8). The session itself is a row of `sessions`
//! (client `api`), so lifetimes, listing and "end every session" apply to apps as to
//! browsers; the tokens are how an app reaches it. Only token hashes are stored.

use helio_core::crypto::token::TokenHash;
use helio_core::time::Timestamp;
use sqlx::{AnyPool, Row};

use crate::sessions::{NewSession, SeenFrom, SessionClient, insert_session};
use crate::{ActiveSession, StoreError};

/// A token about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewToken<'a> {
    /// SHA-256 of the token.
    pub hash: &'a TokenHash,
    /// Access (presented with each request) or refresh (spent to get a new pair).
    pub kind: TokenKind,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Sent as `Authorization: Bearer` with each request; short-lived.
    Access,
    /// Spent once for a new access and refresh token.
    Refresh,
}

impl TokenKind {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    /// The token was live and is now spent; [`ApiTokens::replace`] stores the next pair.
    Rotated(TokenHash, ActiveSession),
    /// The token had been spent already: someone replayed it, so its session is ended (the
    /// session, if this presentation is the one that ended it).
    Reused(Option<crate::EndedSession>),
    /// Unknown, expired, or its session is over.
    Invalid,
}

/// Reads and writes app tokens.
#[derive(Debug, Clone, Copy)]
pub struct ApiTokens<'a> {
    pool: &'a AnyPool,
}

async fn insert_token<'e, E>(
    executor: E,
    session: &TokenHash,
    token: &NewToken<'_>,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO api_tokens (token_hash, session_hash, kind, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(token.hash.0.to_vec())
    .bind(session.0.to_vec())
    .bind(token.kind.as_str())
    .bind(token.expires_at.unix_micros())
    .execute(executor)
    .await?;
    Ok(())
}

impl<'a> ApiTokens<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Creates an app session with its first tokens, together.
    pub async fn start(
        &self,
        session: &NewSession<'_>,
        tokens: &[NewToken<'_>],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_session(&mut *tx, session, SessionClient::Api).await?;
        for token in tokens {
            insert_token(&mut *tx, session.id, token).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The session an unexpired access token belongs to, if it is live (checked and marked
    /// seen as for browsers).
    pub async fn authenticate(
        &self,
        access: &TokenHash,
        now: Timestamp,
        seen: Option<SeenFrom<'_>>,
    ) -> Result<Option<(TokenHash, ActiveSession)>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT session_hash FROM api_tokens \
             WHERE token_hash = ? AND kind = 'access' AND expires_at > ?",
        )
        .bind(access.0.to_vec())
        .bind(now.unix_micros())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(None);
        };
        let session = session_hash(row.try_get(0)?)?;
        let active = crate::Sessions::new(self.pool)
            .touch(&session, SessionClient::Api, now, seen, false)
            .await?;
        Ok(active.map(|active| (session, active)))
    }

    /// The session any of its stored tokens belongs to (access or refresh, spent or
    /// expired), to end the session an app presents when it logs in again (SM-15).
    pub async fn session_of(&self, token: &TokenHash) -> Result<Option<TokenHash>, StoreError> {
        let Some(row) = sqlx::query("SELECT session_hash FROM api_tokens WHERE token_hash = ?")
            .bind(token.0.to_vec())
            .fetch_optional(self.pool)
            .await?
        else {
            return Ok(None);
        };
        session_hash(row.try_get(0)?).map(Some)
    }

    /// Spends a refresh token. A token spent before ends its session: the legitimate app and
    /// a thief cannot both go on, so neither does (reuse detection).
    pub async fn refresh(
        &self,
        refresh: &TokenHash,
        now: Timestamp,
    ) -> Result<Refreshed, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT session_hash, used_at FROM api_tokens \
             WHERE token_hash = ? AND kind = 'refresh' AND expires_at > ?",
        )
        .bind(refresh.0.to_vec())
        .bind(now.unix_micros())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(Refreshed::Invalid);
        };
        let session = session_hash(row.try_get(0)?)?;
        let spent_before = row.try_get::<Option<i64>, _>(1)?.is_some();
        let spent_now = !spent_before
            && sqlx::query(
                "UPDATE api_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
            )
            .bind(now.unix_micros())
            .bind(refresh.0.to_vec())
            .execute(self.pool)
            .await?
            .rows_affected()
                == 1;
        if !spent_now {
            let ended = crate::Sessions::new(self.pool)
                .end(&session, "refresh_token_reused", now)
                .await?;
            return Ok(Refreshed::Reused(ended));
        }
        Ok(
            match crate::Sessions::new(self.pool)
                .touch(&session, SessionClient::Api, now, None, true)
                .await?
            {
                Some(active) => Refreshed::Rotated(session, active),
                None => Refreshed::Invalid,
            },
        )
    }

    /// Replaces a session's access tokens with a new pair, together.
    pub async fn replace(
        &self,
        session: &TokenHash,
        next: [NewToken<'_>; 2],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM api_tokens WHERE session_hash = ? AND kind = 'access'")
            .bind(session.0.to_vec())
            .execute(&mut *tx)
            .await?;
        for token in &next {
            insert_token(&mut *tx, session, token).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn session_hash(bytes: Vec<u8>) -> Result<TokenHash, StoreError> {
    Ok(TokenHash(bytes.try_into().map_err(|_| {
        StoreError::Corrupt("session hash is not 32 bytes")
    })?))
}
