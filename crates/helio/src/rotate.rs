//! `helio keys rotate`: a new data key version, then every personal-data ciphertext
//! re-encrypted under it in batches, while the service keeps running (CR-4). Interrupted?
//! `helio keys rotate --resume` finishes without creating another version. `helio keys retire`
//! then deletes the old versions.

use anyhow::Context as _;
use helio_core::time::Timestamp;
use helio_store::Store;
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
    let keys_dir = settings
        .keys_dir
        .as_deref()
        .context("keys.dir is not set")?;
    let master_keys = keys::load(keys_dir).map_err(|problems| {
        let text: Vec<_> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("master keys unusable: {}", text.join("; "))
    })?;
    let store = Store::connect(&settings.database_url, &settings.pool)
        .await
        .context("cannot connect to the database")?;
    let keyring = Keyring::load(store.clone(), master_keys.kek)
        .await
        .context("cannot load the data keys")?;
    Ok((store, keyring))
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
