//! Repository of accounts. It stores what it is given: personal data arrives already encrypted
//! and indexed (core does that), so this layer never sees a plaintext name, email or phone.

use helio_core::account::{AccountId, AccountStatus};
use helio_core::activity::ActivityKind;
use helio_core::keys::KeyVersion;
use helio_core::role::Role;
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// An account row as stored: ciphertexts, blind indexes and metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// Public identifier; also bound into every ciphertext of the row.
    pub id: AccountId,
    /// Role.
    pub role: Role,
    /// Lifecycle state.
    pub status: AccountStatus,
    /// Encrypted email.
    pub email_ct: Vec<u8>,
    /// Blind index of the normalised email (unique).
    pub email_bidx: [u8; 32],
    /// Encrypted name.
    pub name_ct: Vec<u8>,
    /// Encrypted phone, if given.
    pub phone_ct: Option<Vec<u8>>,
    /// Blind index of the phone, if given.
    pub phone_bidx: Option<[u8; 32]>,
    /// Encrypted street, postal code and country, if given.
    pub address_ct: Option<Vec<u8>>,
    /// Encrypted city, if given.
    pub city_ct: Option<Vec<u8>>,
    /// Argon2id PHC string; `None` until the holder sets one (staff enrolment).
    pub password_hash: Option<String>,
    /// The data key every ciphertext of this row uses.
    pub data_key_version: KeyVersion,
    /// When the email address was proved.
    pub email_verified_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A staff account as the access review shows it: the account, and how it logs in and when
/// it last did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffReviewRow {
    /// The account.
    pub record: AccountRecord,
    /// The latest login in the security activity (kept a year), if any.
    pub last_login: Option<Timestamp>,
    /// Whether an authenticator app is confirmed.
    pub totp: bool,
    /// How many passkeys it has.
    pub passkeys: u32,
}

impl std::fmt::Debug for AccountRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRecord")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Reads and writes accounts.
#[derive(Debug, Clone, Copy)]
pub struct Accounts<'a> {
    pool: &'a AnyPool,
}

impl<'a> Accounts<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Creates an account. [`StoreError::Conflict`] when the email (by blind index) is taken.
    pub async fn insert(&self, account: &AccountRecord) -> Result<(), StoreError> {
        insert_account(self.pool, account).await
    }

    /// The account whose email has this blind index.
    pub async fn by_email_index(
        &self,
        index: &[u8; 32],
    ) -> Result<Option<AccountRecord>, StoreError> {
        sqlx::query(
            "SELECT id, role, status, email_ct, email_bidx, name_ct, phone_ct, phone_bidx, \
             address_ct, city_ct, password_hash, data_key_version, email_verified_at, created_at, \
             updated_at FROM accounts WHERE email_bidx = ?",
        )
        .bind(index.to_vec())
        .fetch_optional(self.pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    /// The accounts (at most `limit`) whose phone has this blind index: a number can be
    /// shared, so there may be several.
    pub async fn by_phone_index(
        &self,
        index: &[u8; 32],
        limit: u32,
    ) -> Result<Vec<AccountRecord>, StoreError> {
        sqlx::query(
            "SELECT id, role, status, email_ct, email_bidx, name_ct, phone_ct, phone_bidx, \
             address_ct, city_ct, password_hash, data_key_version, email_verified_at, created_at, \
             updated_at FROM accounts WHERE phone_bidx = ? LIMIT ?",
        )
        .bind(index.to_vec())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Moves an account from status `from` to `to` (a lock or an unlock); `false` if it was
    /// not in `from` (changed meanwhile, or already there).
    pub async fn set_status(
        &self,
        id: AccountId,
        from: AccountStatus,
        to: AccountStatus,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE accounts SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
        )
        .bind(to.as_str())
        .bind(at.unix_micros())
        .bind(id.as_bytes().to_vec())
        .bind(from.as_str())
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every staff account (support, sales, engineer, admin), oldest first, up to `limit`,
    /// with its second factors and latest login: one query for the access review.
    pub async fn staff_review(&self, limit: u32) -> Result<Vec<StaffReviewRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.role, a.status, a.email_ct, a.email_bidx, a.name_ct, a.phone_ct, \
             a.phone_bidx, a.address_ct, a.city_ct, a.password_hash, a.data_key_version, \
             a.email_verified_at, a.created_at, a.updated_at, \
             (SELECT MAX(v.at) FROM account_activity v WHERE v.account_id = a.id \
              AND v.kind IN (?, ?)), \
             (SELECT COUNT(*) FROM mfa_totp t WHERE t.account_id = a.id \
              AND t.confirmed_at IS NOT NULL), \
             (SELECT COUNT(*) FROM passkeys p WHERE p.account_id = a.id) \
             FROM accounts a WHERE a.role IN (?, ?, ?, ?) ORDER BY a.created_at LIMIT ?",
        )
        .bind(ActivityKind::LoginSucceeded.as_str())
        .bind(ActivityKind::LoginFromNewDevice.as_str())
        .bind(Role::Support.as_str())
        .bind(Role::Sales.as_str())
        .bind(Role::Engineer.as_str())
        .bind(Role::Admin.as_str())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let totp: i64 = row.try_get(16)?;
                let passkeys: i64 = row.try_get(17)?;
                Ok(StaffReviewRow {
                    record: decode(row)?,
                    last_login: row
                        .try_get::<Option<i64>, _>(15)?
                        .map(Timestamp::from_unix_micros),
                    totp: totp > 0,
                    passkeys: u32::try_from(passkeys)
                        .map_err(|_| StoreError::Corrupt("passkey count"))?,
                })
            })
            .collect()
    }

    /// Replaces the row's personal data and its blind indexes (a corrected email or phone),
    /// every field under the data key `record` names, only if the row's email ciphertext is
    /// still `read_email_ct`. Each encryption has a fresh nonce, so that ciphertext changes
    /// with every rewrite of the row's personal data (a correction, a key rotation): a
    /// concurrent change wins and the caller reloads. `false` if not written;
    /// [`StoreError::Conflict`] when the new email is another account's.
    pub async fn replace_personal_data(
        &self,
        record: &AccountRecord,
        read_email_ct: &[u8],
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE accounts SET email_ct = ?, email_bidx = ?, name_ct = ?, phone_ct = ?, \
             phone_bidx = ?, address_ct = ?, city_ct = ?, data_key_version = ?, updated_at = ? \
             WHERE id = ? AND email_ct = ?",
        )
        .bind(record.email_ct.clone())
        .bind(record.email_bidx.to_vec())
        .bind(record.name_ct.clone())
        .bind(record.phone_ct.clone())
        .bind(record.phone_bidx.map(|b| b.to_vec()))
        .bind(record.address_ct.clone())
        .bind(record.city_ct.clone())
        .bind(i64::from(record.data_key_version.get()))
        .bind(record.updated_at.unix_micros())
        .bind(record.id.as_bytes().to_vec())
        .bind(read_email_ct.to_vec())
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The account with this ID.
    pub async fn by_id(&self, id: AccountId) -> Result<Option<AccountRecord>, StoreError> {
        sqlx::query(
            "SELECT id, role, status, email_ct, email_bidx, name_ct, phone_ct, phone_bidx, \
             address_ct, city_ct, password_hash, data_key_version, email_verified_at, created_at, \
             updated_at FROM accounts WHERE id = ?",
        )
        .bind(id.as_bytes().to_vec())
        .fetch_optional(self.pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    /// Marks the email proved and the account active, if it was waiting for that.
    /// Returns whether anything changed (a second click on the link changes nothing).
    pub async fn activate_verified(
        &self,
        id: AccountId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE accounts SET status = 'active', email_verified_at = ?, updated_at = ? \
             WHERE id = ? AND status = 'unverified'",
        )
        .bind(at.unix_micros())
        .bind(at.unix_micros())
        .bind(id.as_bytes().to_vec())
        .execute(self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Marks the email proved (a completed password reset proves it too) and activates an
    /// unverified account; a disabled account stays disabled.
    pub async fn confirm_email(&self, id: AccountId, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET status = CASE WHEN status = 'unverified' THEN 'active' ELSE status END, \
             email_verified_at = COALESCE(email_verified_at, ?), updated_at = ? WHERE id = ?",
        )
        .bind(at.unix_micros())
        .bind(at.unix_micros())
        .bind(id.as_bytes().to_vec())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// Up to `limit` accounts whose personal data is still under a data key older than
    /// `current` (key rotation works through them in batches).
    pub async fn on_older_key(
        &self,
        current: KeyVersion,
        limit: u32,
    ) -> Result<Vec<AccountRecord>, StoreError> {
        sqlx::query(
            "SELECT id, role, status, email_ct, email_bidx, name_ct, phone_ct, phone_bidx, \
             address_ct, city_ct, password_hash, data_key_version, email_verified_at, created_at, \
             updated_at FROM accounts WHERE data_key_version < ? LIMIT ?",
        )
        .bind(i64::from(current.get()))
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Stores re-encrypted personal data, only if the row is still on `expected` (a
    /// concurrent change wins; rotation picks the row up again later). `true` if written.
    pub async fn replace_ciphertexts(
        &self,
        record: &AccountRecord,
        expected: KeyVersion,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE accounts SET email_ct = ?, name_ct = ?, phone_ct = ?, address_ct = ?, \
             city_ct = ?, data_key_version = ? WHERE id = ? AND data_key_version = ?",
        )
        .bind(record.email_ct.clone())
        .bind(record.name_ct.clone())
        .bind(record.phone_ct.clone())
        .bind(record.address_ct.clone())
        .bind(record.city_ct.clone())
        .bind(i64::from(record.data_key_version.get()))
        .bind(record.id.as_bytes().to_vec())
        .bind(i64::from(expected.get()))
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Changes the role of an account from `from` to `to`; `false` if its role was not
    /// `from` (changed meanwhile), so two concurrent changes cannot both claim success.
    pub async fn set_role(
        &self,
        id: AccountId,
        from: Role,
        to: Role,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE accounts SET role = ?, updated_at = ? WHERE id = ? AND role = ?")
                .bind(to.as_str())
                .bind(at.unix_micros())
                .bind(id.as_bytes().to_vec())
                .bind(from.as_str())
                .execute(self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the password: no login works with any password until a reset sets one.
    pub async fn clear_password(&self, id: AccountId, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET password_hash = NULL, updated_at = ? WHERE id = ?")
            .bind(at.unix_micros())
            .bind(id.as_bytes().to_vec())
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// Replaces the password hash (change, reset, or transparent rehash at login).
    pub async fn set_password_hash(
        &self,
        id: AccountId,
        hash: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?")
            .bind(hash)
            .bind(at.unix_micros())
            .bind(id.as_bytes().to_vec())
            .execute(self.pool)
            .await?;
        Ok(())
    }
}

fn bytes32(row: &AnyRow, index: usize) -> Result<[u8; 32], StoreError> {
    let bytes: Vec<u8> = row.try_get(index)?;
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("blind index is not 32 bytes"))
}

fn decode(row: &AnyRow) -> Result<AccountRecord, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let id: [u8; 16] = id
        .try_into()
        .map_err(|_| StoreError::Corrupt("account id is not 16 bytes"))?;
    let role: String = row.try_get(1)?;
    let status: String = row.try_get(2)?;
    let phone_bidx: Option<Vec<u8>> = row.try_get(7)?;
    let version: i64 = row.try_get(11)?;
    Ok(AccountRecord {
        id: AccountId::from_bytes(id),
        role: Role::parse(&role).ok_or(StoreError::Corrupt("unknown role"))?,
        status: AccountStatus::parse(&status).ok_or(StoreError::Corrupt("unknown status"))?,
        email_ct: row.try_get(3)?,
        email_bidx: bytes32(row, 4)?,
        name_ct: row.try_get(5)?,
        phone_ct: row.try_get(6)?,
        phone_bidx: phone_bidx
            .map(|b| {
                b.try_into()
                    .map_err(|_| StoreError::Corrupt("phone index size"))
            })
            .transpose()?,
        address_ct: row.try_get(8)?,
        city_ct: row.try_get(9)?,
        password_hash: row.try_get(10)?,
        data_key_version: u32::try_from(version)
            .ok()
            .and_then(|v| KeyVersion::new(v).ok())
            .ok_or(StoreError::Corrupt("data key version out of range"))?,
        email_verified_at: row
            .try_get::<Option<i64>, _>(12)?
            .map(Timestamp::from_unix_micros),
        created_at: Timestamp::from_unix_micros(row.try_get(13)?),
        updated_at: Timestamp::from_unix_micros(row.try_get(14)?),
    })
}

/// The one INSERT of an account, for the repository and for transactions that create an
/// account together with something that belongs to it.
pub(crate) async fn insert_account<'e, E>(
    executor: E,
    account: &AccountRecord,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO accounts (id, role, status, email_ct, email_bidx, name_ct, phone_ct, \
             phone_bidx, address_ct, city_ct, password_hash, data_key_version, email_verified_at, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(account.id.as_bytes().to_vec())
    .bind(account.role.as_str())
    .bind(account.status.as_str())
    .bind(account.email_ct.clone())
    .bind(account.email_bidx.to_vec())
    .bind(account.name_ct.clone())
    .bind(account.phone_ct.clone())
    .bind(account.phone_bidx.map(|b| b.to_vec()))
    .bind(account.address_ct.clone())
    .bind(account.city_ct.clone())
    .bind(account.password_hash.clone())
    .bind(i64::from(account.data_key_version.get()))
    .bind(account.email_verified_at.map(Timestamp::unix_micros))
    .bind(account.created_at.unix_micros())
    .bind(account.updated_at.unix_micros())
    .execute(executor)
    .await?;
    Ok(())
}
