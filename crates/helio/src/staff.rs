//! `helio staff create`: the only way the first admin (or any staff member) comes to exist.
//! It prints a one-time invitation link, never a password: there are no default credentials.

use helio_core::role::Role;
use helio_web::services::accounts::AccountError;

use crate::config::Settings;
use crate::serve;

pub(crate) async fn create(
    settings: Settings,
    email: String,
    name: String,
    role: Role,
) -> anyhow::Result<()> {
    let (store, services) = serve::open_for_command(&settings).await?;
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
