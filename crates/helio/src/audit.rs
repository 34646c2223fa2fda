//! `helio audit verify`: checks the audit trail's hash chain from its first entry to its
//! recorded head, and every signed checkpoint against it with the audit key's public half.
//! Intact, it prints how many entries and checkpoints and exits 0; otherwise it names the
//! first bad entry and fails. The result is recorded for the operations page and is a
//! security log event either way. `helio audit checkpoint` signs the newest entry now.

use anyhow::Context as _;
use helio_core::audit_chain::CheckpointSigner;
use helio_core::time::SystemClock;
use helio_store::Store;

use crate::config::{Mode, Settings};

/// The store (migrated first where the configuration says so) and the audit signer.
pub(crate) async fn open(settings: &Settings) -> anyhow::Result<(Store, CheckpointSigner)> {
    let keys_dir = settings
        .keys_dir
        .as_deref()
        .context("keys.dir is not set")?;
    if settings.mode == Mode::Dev {
        crate::serve::prepare_dev(settings, keys_dir)?;
    }
    let keys = crate::keys::load(keys_dir)
        .map_err(|problems| crate::keys::unusable("master", &problems))?;
    if settings.migrate_on_start {
        crate::serve::migrate_at_start(settings).await?;
    }
    let store = Store::connect(&settings.database_url, &settings.pool)
        .await
        .context("cannot connect to the database")?;
    Ok((
        store,
        CheckpointSigner::from_seed(keys.audit_signing.expose()),
    ))
}

pub(crate) async fn checkpoint(settings: Settings) -> anyhow::Result<()> {
    let (store, signer) = open(&settings).await?;
    let signed =
        helio_web::services::audit_integrity::checkpoint_now(&store, &signer, &SystemClock)
            .await
            .context("cannot sign a checkpoint")?;
    store.close().await;
    crate::output::out(&match signed {
        Some(seq) => format!("checkpoint signed at entry {seq}"),
        None => "nothing new to sign".to_owned(),
    });
    Ok(())
}

pub(crate) async fn verify(settings: Settings) -> anyhow::Result<()> {
    let (store, signer) = open(&settings).await?;
    let found = helio_web::services::audit_integrity::verify_and_record(
        &store,
        &signer.public_key(),
        &SystemClock,
    )
    .await
    .context("cannot read the audit trail")?;
    store.close().await;
    match found.finding {
        None => {
            crate::output::out(&format!(
                "audit trail intact: {} entries, {} signed checkpoints",
                found.entries, found.checkpoints
            ));
            Ok(())
        }
        Some(finding) => anyhow::bail!("audit trail broken: {finding}"),
    }
}

pub(crate) async fn public_key(settings: Settings) -> anyhow::Result<()> {
    let (store, signer) = open(&settings).await?;
    store.close().await;
    crate::output::out(&base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        signer.public_key(),
    ));
    Ok(())
}
