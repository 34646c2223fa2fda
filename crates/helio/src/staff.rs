//! `helio staff create`: the only way the first admin (or any staff member) comes to exist.
//! It prints a one-time invitation link, never a password: there are no default credentials.

use anyhow::Context as _;
use helio_core::role::Role;
use helio_store::Store;
use helio_web::services::accounts::AccountError;

use crate::config::{Mode, Settings};
use crate::{keys, serve};

pub(crate) async fn create(
    settings: Settings,
    email: String,
    name: String,
    role: Role,
) -> anyhow::Result<()> {
    let keys_dir = settings
        .keys_dir
        .as_deref()
        .context("keys.dir is not set")?;
    if settings.mode == Mode::Dev {
        serve::prepare_dev(&settings, keys_dir)?;
    }
    let master_keys = keys::load(keys_dir).map_err(|problems| {
        let text: Vec<_> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("master keys unusable: {}", text.join("; "))
    })?;
    if settings.migrate_on_start {
        serve::migrate_at_start(&settings).await?;
    }
    let store = Store::connect(&settings.database_url, &settings.pool)
        .await
        .context("cannot connect to the database")?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| serve::listening_url(settings.tls.is_some(), settings.bind));
    let services = serve::services(&settings, &store, master_keys, &public_url).await?;
    let link = match services.accounts.create_staff(&email, &name, role).await {
        Ok(link) => link,
        Err(AccountError::Invalid(errors)) => {
            let text: Vec<_> = errors.iter().map(ToString::to_string).collect();
            anyhow::bail!("refused: {}", text.join("; "));
        }
        Err(other) => return Err(other.into()),
    };
    store.close().await;
    crate::output::err(&format!(
        "Created a {role} account. Give this link to its holder over a trusted channel; it works once, for 72 hours, and sets the password (two-step verification follows at first login):"
    ));
    crate::output::out(&link);
    Ok(())
}
