//! `helio keys rotate`: a new data key version, then every personal-data ciphertext
//! re-encrypted under it in batches, while the service keeps running (CR-4). Interrupted?
//! `helio keys rotate --resume` finishes without creating another version. `helio keys retire`
//! then deletes the old versions. `helio keys rotate-kek` moves every data key to a new
//! key-encryption key.

use std::path::PathBuf;

use anyhow::Context as _;
use helio_core::keys::MasterKey;
use helio_core::time::Timestamp;
use helio_store::Store;
use helio_web::services::kek_rotation::rotate_kek as rewrap_under;
use helio_web::services::keyring::Keyring;
use helio_web::services::rotation::{RETIRE_GRACE, Retirement, reencrypt_all, retire_old_keys};

use crate::config::Settings;
use crate::keys;

pub(crate) async fn rotate(settings: Settings, resume: bool, batch: u32) -> anyhow::Result<()> {
    let (store, keyring) = open(&settings).await?;
    if !resume {
        let version = keyring.add_version().await?;
        crate::output::err(&format!("created data key version {}", version.get()));
    }
    let (version, report) = reencrypt_all(&store, &keyring, batch).await?;
    store.close().await;
    crate::output::out(&format!(
        "data key version {}: re-encrypted {} accounts, {} queued messages, {} second factors",
        version.get(),
        report.accounts,
        report.mail,
        report.totp
    ));
    if report.raced > 0 {
        crate::output::err(&format!(
            "{} rows changed during the run; run `helio keys rotate --resume` to finish them",
            report.raced
        ));
    }
    Ok(())
}

/// The store and the keyring, loaded with the master keys.
async fn open(settings: &Settings) -> anyhow::Result<(Store, std::sync::Arc<Keyring>)> {
    let (store, kek) = connect(settings).await?;
    let keyring = Keyring::load(store.clone(), kek)
        .await
        .context("cannot load the data keys")?;
    Ok((store, keyring))
}

/// The store and the current KEK from keys.dir.
async fn connect(settings: &Settings) -> anyhow::Result<(Store, MasterKey)> {
    let keys_dir = settings
        .keys_dir
        .as_deref()
        .context("keys.dir is not set")?;
    let master_keys =
        keys::load(keys_dir).map_err(|problems| keys::unusable("master", &problems))?;
    let store = Store::connect(&settings.database_url, &settings.pool)
        .await
        .context("cannot connect to the database")?;
    Ok((store, master_keys.kek))
}

pub(crate) async fn rotate_kek(settings: Settings, new_kek_dir: PathBuf) -> anyhow::Result<()> {
    let new_kek =
        keys::load_kek(&new_kek_dir).map_err(|problem| keys::unusable("master", &[problem]))?;
    let (store, old_kek) = connect(&settings).await?;
    let outcome = rewrap_under(&store, &old_kek, &new_kek, Timestamp::now()).await;
    store.close().await;
    let done = outcome?;
    crate::output::out(&format!(
        "re-wrapped {} data key version(s) under the new key-encryption key ({} already were)",
        done.rewrapped, done.already
    ));
    crate::output::err(
        "now replace kek.key in keys.dir with the new one and restart every replica; keep the old one as long as backups taken before now are kept",
    );
    Ok(())
}

pub(crate) async fn retire(settings: Settings) -> anyhow::Result<()> {
    let (store, keyring) = open(&settings).await?;
    let outcome = retire_old_keys(&store, &keyring, RETIRE_GRACE, Timestamp::now()).await;
    store.close().await;
    match outcome? {
        Retirement::Retired { current, count } => {
            crate::output::out(&format!(
                "every row is on data key version {}; deleted {count} older version(s)",
                current.get()
            ));
            Ok(())
        }
        Retirement::TooSoon => anyhow::bail!(
            "refused: the newest data key is less than {} minutes old; a running replica may still write under an older one",
            RETIRE_GRACE.as_secs() / 60
        ),
        Retirement::StillInUse => anyhow::bail!(
            "refused: rows still name an older data key; run `helio keys rotate --resume` first"
        ),
    }
}
