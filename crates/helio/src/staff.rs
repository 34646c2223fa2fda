//! `helio staff create`: the only way the first admin (or any staff member) comes to exist.
//! It prints a one-time invitation link, never a password: there are no default credentials.
//! Run again for an invitation not yet accepted, it prints a fresh link for the same account.
//! `helio staff set-role`: another staff role, with every session of the account ended.
//! `helio sessions end-all`: every session of any account ended, with a reason.

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
    let (id, link) = match services.accounts.create_staff(&email, &name, role).await {
        Ok(created) => created,
        Err(AccountError::Invalid(errors)) => {
            let text: Vec<_> = errors.iter().map(ToString::to_string).collect();
            anyhow::bail!("refused: {}", text.join("; "));
        }
        Err(other) => return Err(other.into()),
    };
    store.close().await;
    crate::output::err(&format!(
        "Invitation for the {role} account {id} (any earlier link for it is now void). Give this link to its holder over a trusted channel; it works once, for 72 hours, and sets the password (two-step verification follows at first login):"
    ));
    crate::output::out(&link);
    Ok(())
}

pub(crate) async fn set_role(settings: Settings, email: String, role: Role) -> anyhow::Result<()> {
    let (store, services) = serve::open_for_command(&settings).await?;
    let changed = match services.accounts.change_staff_role(&email, role).await {
        Ok(changed) => changed,
        Err(AccountError::Invalid(errors)) => {
            let text: Vec<_> = errors.iter().map(ToString::to_string).collect();
            anyhow::bail!("refused: {}", text.join("; "));
        }
        Err(other) => return Err(other.into()),
    };
    store.close().await;
    crate::output::out(&format!(
        "Account {} is now {role} (was {}); {} of its sessions ended, so the new role applies from its next login.",
        changed.account, changed.from, changed.sessions_ended
    ));
    Ok(())
}

pub(crate) async fn end_sessions(
    settings: Settings,
    email: String,
    reason: String,
) -> anyhow::Result<()> {
    let (store, services) = serve::open_for_command(&settings).await?;
    let (account, ended) = match services
        .accounts
        .end_sessions_by_staff(&email, &reason)
        .await
    {
        Ok(done) => done,
        Err(AccountError::Invalid(errors)) => {
            let text: Vec<_> = errors.iter().map(ToString::to_string).collect();
            anyhow::bail!("refused: {}", text.join("; "));
        }
        Err(other) => return Err(other.into()),
    };
    store.close().await;
    crate::output::out(&format!(
        "Ended {ended} sessions of account {account}; the owner sees it in their security activity."
    ));
    Ok(())
}
