//! `helio audit verify`: checks the audit trail's hash chain from its first entry to its
//! recorded head. Intact, it prints how many entries and the head hash and exits 0; otherwise
//! it names the first bad entry and fails. The result is a security log event either way.

use anyhow::Context as _;
use helio_store::{Store, Verified};

use crate::config::Settings;

pub(crate) async fn verify(settings: Settings) -> anyhow::Result<()> {
    crate::serve::prepare_sqlite_dir(&settings)?;
    if settings.migrate_on_start {
        crate::serve::migrate_at_start(&settings).await?;
    }
    let store = Store::connect(&settings.database_url, &settings.pool)
        .await
        .context("cannot connect to the database")?;
    let verified = store
        .audit_trail()
        .verify()
        .await
        .context("cannot read the audit trail")?;
    store.close().await;
    match verified {
        Verified::Intact { entries, head } => {
            let head: String = head.iter().map(|b| format!("{b:02x}")).collect();
            tracing::info!(target: "helio::security", event = "audit_verified", entries, head = %head, "audit trail intact");
            crate::output::out(&format!(
                "audit trail intact: {entries} entries, head {head}"
            ));
            Ok(())
        }
        Verified::Broken(broken) => {
            tracing::error!(target: "helio::security", event = "audit_verification_failed", finding = %broken, "audit trail broken");
            anyhow::bail!("audit trail broken: {broken}")
        }
        Verified::Outside(count) => {
            tracing::error!(target: "helio::security", event = "audit_verification_failed", outside = count, "audit entries outside the chain");
            anyhow::bail!("audit trail broken: {count} entries have no place in the chain")
        }
    }
}
