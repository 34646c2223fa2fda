//! Data-key rotation (CR-4): re-encrypts every personal-data ciphertext under the newest data
//! key, in small batches, while the service keeps running.
//!
//! Each row is rewritten only if it is still on the version it was read at (compare-and-swap),
//! so a row changed meanwhile is simply picked up by a later batch; running again resumes
//! where an interrupted run stopped. Old key versions stay in the database, still able to
//! decrypt, until an operator retires them ([`retire_old_keys`]) after a complete run.

use helio_core::account::AccountId;
use helio_core::crypto::field::{FieldCipher, FieldContext};
use helio_core::keys::KeyVersion;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::time::Timestamp;
use helio_store::{Store, StoreError};

use super::keyring::{KEY_REFRESH_INTERVAL, Keyring};
use super::security_log;

/// Why a rotation batch stopped.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// A ciphertext did not open: tampering, or a key missing from the database.
    #[error("a stored {table} ciphertext could not be opened; row left as it was")]
    Unreadable {
        /// Which table.
        table: &'static str,
    },
}

/// What one pass re-encrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Account rows.
    pub accounts: usize,
    /// Outbox messages.
    pub mail: usize,
    /// TOTP secrets.
    pub totp: usize,
    /// Rows changed by someone else meanwhile; a later batch takes them.
    pub raced: usize,
}

impl RotationReport {
    /// Rows rewritten.
    #[must_use]
    pub fn rewritten(&self) -> usize {
        self.accounts + self.mail + self.totp
    }

    fn add(&mut self, other: Self) {
        self.accounts += other.accounts;
        self.mail += other.mail;
        self.totp += other.totp;
        self.raced += other.raced;
    }
}

fn account_field<'a>(id: &'a AccountId, column: &'static str) -> FieldContext<'a> {
    FieldContext {
        table: "accounts",
        column,
        row: id.as_bytes(),
    }
}

async fn reseal(
    keys: &Keyring,
    cipher: &FieldCipher,
    sealed: &[u8],
    context: FieldContext<'_>,
    table: &'static str,
) -> Result<Vec<u8>, RotationError> {
    let opened = keys
        .decrypt_bytes(sealed, context)
        .await
        .map_err(|_| RotationError::Unreadable { table })?;
    Ok(cipher.encrypt_bytes(&opened, context))
}

/// Re-encrypts up to `batch` rows of each table that are not on the newest key.
pub async fn reencrypt_batch(
    store: &Store,
    keys: &Keyring,
    batch: u32,
) -> Result<RotationReport, RotationError> {
    let cipher = keys.current();
    let target = cipher.current_version();
    let mut report = RotationReport::default();
    for mut row in store.accounts().on_older_key(target, batch).await? {
        let expected = row.data_key_version;
        let id = row.id;
        row.email_ct = reseal(
            keys,
            &cipher,
            &row.email_ct,
            account_field(&id, "email"),
            "accounts",
        )
        .await?;
        row.name_ct = reseal(
            keys,
            &cipher,
            &row.name_ct,
            account_field(&id, "name"),
            "accounts",
        )
        .await?;
        for (value, column) in [
            (&mut row.phone_ct, "phone"),
            (&mut row.address_ct, "address"),
            (&mut row.city_ct, "city"),
        ] {
            if let Some(sealed) = value.as_deref() {
                *value = Some(
                    reseal(
                        keys,
                        &cipher,
                        sealed,
                        account_field(&id, column),
                        "accounts",
                    )
                    .await?,
                );
            }
        }
        row.data_key_version = target;
        if store.accounts().replace_ciphertexts(&row, expected).await? {
            report.accounts += 1;
        } else {
            report.raced += 1;
        }
    }
    for mut mail in store.outbox().on_older_key(target, batch).await? {
        let expected = mail.data_key_version;
        let id = mail.id;
        let context = |column| FieldContext {
            table: "outbox",
            column,
            row: &id,
        };
        mail.recipient_ct = reseal(
            keys,
            &cipher,
            &mail.recipient_ct,
            context("recipient"),
            "outbox",
        )
        .await?;
        mail.body_ct = reseal(keys, &cipher, &mail.body_ct, context("body"), "outbox").await?;
        mail.data_key_version = target;
        if store.outbox().replace_ciphertexts(&mail, expected).await? {
            report.mail += 1;
        } else {
            report.raced += 1;
        }
    }
    for (account, sealed, expected) in store.mfa().totp_on_older_key(target, batch).await? {
        let context = FieldContext {
            table: "mfa_totp",
            column: "secret",
            row: account.as_bytes(),
        };
        let resealed = reseal(keys, &cipher, &sealed, context, "mfa_totp").await?;
        if store
            .mfa()
            .replace_totp_secret(account, &resealed, target, expected)
            .await?
        {
            report.totp += 1;
        } else {
            report.raced += 1;
        }
    }
    Ok(report)
}

/// Runs batches until nothing is left on an older key (or a batch makes no progress, which
/// only happens while other writers keep changing the same rows; running again finishes).
pub async fn reencrypt_all(
    store: &Store,
    keys: &Keyring,
    batch: u32,
) -> Result<(KeyVersion, RotationReport), RotationError> {
    let mut total = RotationReport::default();
    loop {
        let report = reencrypt_batch(store, keys, batch).await?;
        total.add(report);
        tracing::info!(
            rewritten = report.rewritten(),
            raced = report.raced,
            "rotation batch"
        );
        if report.rewritten() == 0 {
            return Ok((keys.current().current_version(), total));
        }
    }
}

/// How long the newest data key must have existed before older ones may be deleted: ten key
/// reloads, so every running replica writes under it by then.
pub const RETIRE_GRACE: std::time::Duration = KEY_REFRESH_INTERVAL.saturating_mul(10);

/// What an attempt to retire old data keys did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retirement {
    /// The versions older than `current` are deleted (`count` of them, perhaps none).
    Retired {
        /// The version every row is on.
        current: KeyVersion,
        /// How many older versions were deleted.
        count: u64,
    },
    /// The newest version is younger than [`RETIRE_GRACE`]: a replica may still be writing
    /// under an older one.
    TooSoon,
    /// Rows still name an older version; finish the rotation first.
    StillInUse,
}

/// Deletes data-key versions older than the newest, once no row names them and the newest has
/// existed for `grace`, so the live database holds only the key its rows use. Backups are not
/// made unreadable by this: each carries its own copy of the data keys, wrapped under the KEK
/// of its day, and is protected by the backup key.
pub async fn retire_old_keys(
    store: &Store,
    keys: &Keyring,
    grace: std::time::Duration,
    now: Timestamp,
) -> Result<Retirement, RotationError> {
    keys.refresh()
        .await
        .map_err(|_| RotationError::Unreadable { table: "data_keys" })?;
    let Some(newest) = store.data_keys().latest().await? else {
        return Ok(Retirement::StillInUse);
    };
    if now.unix_micros() < newest.created_at.saturating_add(grace).unix_micros() {
        return Ok(Retirement::TooSoon);
    }
    let current = newest.version;
    if !store.accounts().on_older_key(current, 1).await?.is_empty()
        || !store.outbox().on_older_key(current, 1).await?.is_empty()
        || !store.mfa().totp_on_older_key(current, 1).await?.is_empty()
    {
        return Ok(Retirement::StillInUse);
    }
    let count = store.data_keys().retire_below(current).await?;
    security_log::record(
        store,
        now,
        SecurityEvent::bare(EventName::KeysRetired)
            .because("data")
            .counting(count),
    )
    .await?;
    Ok(Retirement::Retired { current, count })
}
