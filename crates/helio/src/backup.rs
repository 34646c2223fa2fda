//! `helio backup` and `helio restore` (CR-7, IG-2): a logical snapshot of the whole database in one
//! compressed, encrypted and signed file (`helio_core::backup`), and its restore into an
//! empty database of either backend.
//!
//! The backup job runs with the read-only backup user and the two backup keys only; it never
//! holds the service's master keys, so the personal data inside stays encrypted under data
//! keys that stay wrapped under the KEK. A restore checks the file's signature, key and
//! schema before it touches the database, then writes everything in one transaction and
//! records `backup_restored` at the end of the restored audit chain.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use helio_core::backup::{self, BackupKeys, DEFAULT_MAX_SNAPSHOT_BYTES};
use helio_core::keys::MasterKeyId;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::time::{Clock as _, SystemClock, Timestamp};
use helio_store::{Readiness, Store};
use helio_web::services::security_log;

use crate::config::{Mode, Settings};

/// The largest file `helio restore` reads: a compressed snapshot is far smaller than the
/// decompressed ceiling, so anything bigger is not a backup of ours.
const MAX_FILE_BYTES: u64 = DEFAULT_MAX_SNAPSHOT_BYTES;

fn backup_keys(settings: &Settings, generate_in_dev: bool) -> anyhow::Result<BackupKeys> {
    let keys_dir = settings
        .keys_dir
        .as_deref()
        .context("keys.dir is not set (it must hold backup.key and backup-signing.key)")?;
    if settings.mode == Mode::Dev && generate_in_dev {
        crate::serve::prepare_dev_keys(settings, keys_dir, &MasterKeyId::BACKUP)?;
    }
    crate::keys::load_backup(keys_dir)
        .map_err(|problems| crate::keys::unusable("backup", &problems))
}

async fn ready_store(url: &secrecy::SecretString, settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(url, &settings.pool)
        .await
        .context("cannot connect to the database")?;
    ensure_ready(&store).await?;
    Ok(store)
}

async fn ensure_ready(store: &Store) -> anyhow::Result<()> {
    let readiness = store
        .readiness()
        .await
        .context("cannot read the migration state")?;
    anyhow::ensure!(
        readiness == Readiness::Ready,
        "the database's schema is not this release's ({readiness:?}); run `helio migrate` or use the matching release"
    );
    Ok(())
}

/// Writes a backup of the configured database to `output`, which must not exist.
pub(crate) async fn backup(settings: Settings, output: PathBuf) -> anyhow::Result<()> {
    let keys = backup_keys(&settings, true)?;
    if settings.migrate_on_start {
        crate::serve::migrate_at_start(&settings).await?;
    }
    let store = ready_store(&settings.database_url, &settings).await?;
    let taken_at = SystemClock.now();
    let snapshot = store
        .snapshots()
        .take(store.schema_version())
        .await
        .context("cannot read the database")?
        .map_err(|problem| anyhow::anyhow!("backup refused: {problem}"))?;
    let backend = store.backend();
    store.close().await;
    let sealed = backup::seal(&snapshot, &backend.to_string(), taken_at, &keys)
        .context("cannot seal the backup")?;
    write_new(&output, &sealed)?;
    let rows = snapshot.row_count();
    security_log::log_only(
        &SecurityEvent::bare(EventName::BackupCreated)
            .counting(u64::try_from(rows).unwrap_or(u64::MAX)),
    );
    crate::output::out(&format!(
        "backup written to {}: {} tables, {rows} rows, schema {}, {} bytes, key {}",
        output.display(),
        snapshot.tables.len(),
        snapshot.schema_version,
        sealed.len(),
        keys.key_id()
    ));
    Ok(())
}

/// Creates the file readable by its owner only, refusing to replace anything.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist)", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Restores `input` into the configured database (migrated first, with the migration URL),
/// which must be empty.
pub(crate) async fn restore(settings: Settings, input: PathBuf) -> anyhow::Result<()> {
    let keys = backup_keys(&settings, false)?;
    let size = std::fs::metadata(&input)
        .with_context(|| format!("cannot read {}", input.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_FILE_BYTES,
        "restore refused: {} is larger than any Helio backup ({size} bytes)",
        input.display()
    );
    let file = std::fs::read(&input).with_context(|| format!("cannot read {}", input.display()))?;
    let (header, snapshot) = backup::open(&file, &keys, DEFAULT_MAX_SNAPSHOT_BYTES)
        .map_err(|error| anyhow::anyhow!("restore refused: {error}"))?;
    crate::serve::prepare_sqlite_dir(&settings)?;
    let store = Store::connect(&settings.migration_url, &settings.pool)
        .await
        .context("cannot connect to the database with the migration URL")?;
    anyhow::ensure!(
        snapshot.schema_version == store.schema_version(),
        "restore refused: the backup has schema {}, this release has {}; restore with the release that took it, then upgrade",
        snapshot.schema_version,
        store.schema_version()
    );
    store.migrate().await.context("migration failed")?;
    ensure_ready(&store).await?;
    let restored = store
        .snapshots()
        .restore(&snapshot)
        .await
        .context("the restore failed; nothing was written")?
        .map_err(|problem| anyhow::anyhow!("restore refused: {problem}"))?;
    security_log::record(
        &store,
        SystemClock.now(),
        SecurityEvent::bare(EventName::BackupRestored)
            .counting(u64::try_from(restored.rows).unwrap_or(u64::MAX)),
    )
    .await
    .context("restored, but the restore could not be recorded in the audit trail")?;
    store.close().await;
    crate::output::out(&format!(
        "restored {} rows into {} tables from a {} backup taken at {} (schema {}); check it with `helio audit verify`",
        restored.rows,
        restored.tables,
        header.source,
        Timestamp::from_unix_micros(header.taken_at),
        header.schema_version
    ));
    Ok(())
}
