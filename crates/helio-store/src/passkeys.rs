//! Passkeys at rest and the WebAuthn ceremonies in progress (AU-1).
//!
//! A credential is stored as the serialised public-key record the WebAuthn library produced;
//! it is looked up by the SHA-256 of its credential ID so the unique index has a fixed width.
//! A ceremony is taken with a single conditional delete, so a challenge answers once even
//! when two replicas receive the same response at the same moment.

use helio_core::account::AccountId;
use helio_core::crypto::token::TokenHash;
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::error::account_id;

/// One stored passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    /// Helio's own ID for it (shown in the account page's remove button).
    pub id: [u8; 16],
    /// Whose it is.
    pub account: AccountId,
    /// The serialised credential: public key, credential ID and signature counter.
    pub credential: String,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it last signed someone in.
    pub last_used_at: Option<Timestamp>,
}

/// A passkey about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewPasskey<'a> {
    /// Helio's ID for it.
    pub id: [u8; 16],
    /// Whose it is.
    pub account: AccountId,
    /// The random per-account handle authenticators return at passwordless login.
    pub user_handle: [u8; 16],
    /// SHA-256 of the credential ID.
    pub credential_hash: [u8; 32],
    /// The serialised credential.
    pub credential: &'a str,
    /// When it was registered.
    pub created_at: Timestamp,
}

/// What a ceremony is for; a response is only accepted by the step it was started for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyPurpose {
    /// Adding a passkey to a signed-in account.
    Register,
    /// A passkey as the second step after a password.
    SecondFactor,
    /// Passwordless login with a discoverable passkey.
    Login,
}

impl CeremonyPurpose {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SecondFactor => "second_factor",
            Self::Login => "login",
        }
    }
}

/// A ceremony taken out of the store: its account (none for passwordless login) and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenCeremony {
    /// The account it was started for.
    pub account: Option<AccountId>,
    /// The serialised challenge state.
    pub state: String,
}

/// Reads and writes passkeys and ceremonies.
#[derive(Debug, Clone, Copy)]
pub struct Passkeys<'a> {
    pool: &'a AnyPool,
}

fn passkey(row: &AnyRow) -> Result<StoredPasskey, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    Ok(StoredPasskey {
        id: id
            .try_into()
            .map_err(|_| StoreError::Corrupt("passkey id is not 16 bytes"))?,
        account: account_id(row.try_get(1)?)?,
        credential: row.try_get(2)?,
        created_at: Timestamp::from_unix_micros(row.try_get(3)?),
        last_used_at: row
            .try_get::<Option<i64>, _>(4)?
            .map(Timestamp::from_unix_micros),
    })
}

impl<'a> Passkeys<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// The handle already given to the account's authenticators, if it has any passkey.
    pub async fn user_handle(&self, account: AccountId) -> Result<Option<[u8; 16]>, StoreError> {
        let row = sqlx::query("SELECT user_handle FROM passkeys WHERE account_id = ? LIMIT 1")
            .bind(account.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?;
        row.map(|row| {
            let handle: Vec<u8> = row.try_get(0)?;
            handle
                .try_into()
                .map_err(|_| StoreError::Corrupt("user handle is not 16 bytes"))
        })
        .transpose()
    }

    /// Stores a new passkey; [`StoreError::Conflict`] when the credential is registered
    /// already (to this account or another).
    pub async fn insert(&self, passkey: NewPasskey<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO passkeys (id, account_id, user_handle, credential_hash, credential, \
             created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(passkey.id.to_vec())
        .bind(passkey.account.as_bytes().to_vec())
        .bind(passkey.user_handle.to_vec())
        .bind(passkey.credential_hash.to_vec())
        .bind(passkey.credential.to_owned())
        .bind(passkey.created_at.unix_micros())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// The account's passkeys, oldest first.
    pub async fn of_account(&self, account: AccountId) -> Result<Vec<StoredPasskey>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, account_id, credential, created_at, last_used_at FROM passkeys \
             WHERE account_id = ? ORDER BY created_at, id",
        )
        .bind(account.as_bytes().to_vec())
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(passkey).collect()
    }

    /// How many passkeys the account has.
    pub async fn count(&self, account: AccountId) -> Result<u32, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM passkeys WHERE account_id = ?")
            .bind(account.as_bytes().to_vec())
            .fetch_one(self.pool)
            .await?;
        let count: i64 = row.try_get(0)?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// The passkey an authenticator named at passwordless login: both the handle and the
    /// credential must match, so one account's handle cannot reach another's credential.
    pub async fn by_credential(
        &self,
        user_handle: &[u8; 16],
        credential_hash: &[u8; 32],
    ) -> Result<Option<StoredPasskey>, StoreError> {
        let row = sqlx::query(
            "SELECT id, account_id, credential, created_at, last_used_at FROM passkeys \
             WHERE user_handle = ? AND credential_hash = ?",
        )
        .bind(user_handle.to_vec())
        .bind(credential_hash.to_vec())
        .fetch_optional(self.pool)
        .await?;
        row.as_ref().map(passkey).transpose()
    }

    /// Records a use: the updated credential (its signature counter) and the time.
    pub async fn record_use(
        &self,
        id: &[u8; 16],
        credential: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE passkeys SET credential = ?, last_used_at = ? WHERE id = ?")
            .bind(credential.to_owned())
            .bind(now.unix_micros())
            .bind(id.to_vec())
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// Removes one of the account's passkeys; `false` if it has no such passkey.
    pub async fn remove(&self, account: AccountId, id: &[u8; 16]) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM passkeys WHERE id = ? AND account_id = ?")
            .bind(id.to_vec())
            .bind(account.as_bytes().to_vec())
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the account's passkeys added at or after `since`; returns how many.
    pub async fn remove_added_since(
        &self,
        account: AccountId,
        since: Timestamp,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM passkeys WHERE account_id = ? AND created_at >= ?")
            .bind(account.as_bytes().to_vec())
            .bind(since.unix_micros())
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Keeps a ceremony's state until `expires_at`, first clearing ceremonies that expired,
    /// so abandoned ones do not pile up.
    pub async fn start_ceremony(
        &self,
        id: &TokenHash,
        purpose: CeremonyPurpose,
        account: Option<AccountId>,
        state: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= ?")
            .bind(now.unix_micros())
            .execute(self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id_hash, purpose, account_id, state, expires_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id.0.to_vec())
        .bind(purpose.as_str())
        .bind(account.map(|a| a.as_bytes().to_vec()))
        .bind(state.to_owned())
        .bind(expires_at.unix_micros())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// Takes a live ceremony of `purpose` out of the store. Only the caller whose delete
    /// removed the row gets it; an expired, used or unknown one is `None`.
    pub async fn take_ceremony(
        &self,
        id: &TokenHash,
        purpose: CeremonyPurpose,
        now: Timestamp,
    ) -> Result<Option<TakenCeremony>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT account_id, state FROM webauthn_ceremonies \
             WHERE id_hash = ? AND purpose = ? AND expires_at > ?",
        )
        .bind(id.0.to_vec())
        .bind(purpose.as_str())
        .bind(now.unix_micros())
        .fetch_optional(self.pool)
        .await?
        else {
            return Ok(None);
        };
        let taken = sqlx::query("DELETE FROM webauthn_ceremonies WHERE id_hash = ?")
            .bind(id.0.to_vec())
            .execute(self.pool)
            .await?;
        if taken.rows_affected() != 1 {
            return Ok(None);
        }
        Ok(Some(TakenCeremony {
            account: row
                .try_get::<Option<Vec<u8>>, _>(0)?
                .map(account_id)
                .transpose()?,
            state: row.try_get(1)?,
        }))
    }
}
