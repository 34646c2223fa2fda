//! `helio migrate`: applies pending migrations as the migration user and exits.

use anyhow::Context as _;
use helio_store::{Readiness, Store};

use crate::config::Settings;

pub(crate) async fn migrate(settings: Settings) -> anyhow::Result<()> {
    crate::serve::prepare_sqlite_dir(&settings)?;
    let store = Store::connect(&settings.migration_url, &settings.pool)
        .await
        .context("cannot connect to the database with the migration URL")?;
    store.migrate().await.context("migration failed")?;
    let readiness = store
        .readiness()
        .await
        .context("cannot read the migration state")?;
    store.close().await;
    anyhow::ensure!(
        readiness == Readiness::Ready,
        "after migrating, the database is still not ready: {readiness:?}"
    );
    tracing::info!(backend = %store.backend(), "database migrated");
    crate::output::err("database is up to date");
    Ok(())
}
