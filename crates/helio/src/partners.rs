//! `helio partners ...`: operators add partner installer companies and crews, and invite
//! installers into a crew. The invitation goes to the installer's mailbox through the outbox;
//! the operator never sees the link or a password.

use helio_core::partner::{CompanyId, CrewId};
use helio_core::values::FieldError;
use helio_web::services::accounts::AccountError;
use helio_web::services::partners::PartnerError;

use crate::cli::PartnersCommand;
use crate::config::Settings;
use crate::output;
use crate::serve;

/// Runs one `helio partners` command.
pub(crate) async fn run(settings: Settings, command: PartnersCommand) -> anyhow::Result<()> {
    match command {
        PartnersCommand::AddCompany { name } => add_company(settings, name).await,
        PartnersCommand::AddCrew { company, name } => add_crew(settings, company, name).await,
        PartnersCommand::List => list(settings).await,
        PartnersCommand::InviteInstaller { crew, email, name } => {
            invite_installer(settings, crew, email, name).await
        }
    }
}

fn refused(errors: &[FieldError]) -> anyhow::Error {
    let text: Vec<_> = errors.iter().map(ToString::to_string).collect();
    anyhow::anyhow!("refused: {}", text.join("; "))
}

fn partner_failure(error: PartnerError) -> anyhow::Error {
    match error {
        PartnerError::Invalid(errors) => refused(&errors),
        other => other.into(),
    }
}

async fn add_company(settings: Settings, name: String) -> anyhow::Result<()> {
    let (store, services) = serve::open_for_command(&settings).await?;
    let id = services
        .partners
        .add_company(&name)
        .await
        .map_err(partner_failure)?;
    store.close().await;
    output::err("Added the company. Its ID:");
    output::out(&id.to_string());
    Ok(())
}

async fn add_crew(settings: Settings, company: CompanyId, name: String) -> anyhow::Result<()> {
    let (store, services) = serve::open_for_command(&settings).await?;
    let id = services
        .partners
        .add_crew(company, &name)
        .await
        .map_err(partner_failure)?;
    store.close().await;
    output::err("Added the crew. Its ID:");
    output::out(&id.to_string());
    Ok(())
}

async fn list(settings: Settings) -> anyhow::Result<()> {
    let (store, services) = serve::open_for_command(&settings).await?;
    let crews = services.partners.crews().await.map_err(partner_failure)?;
    store.close().await;
    for crew in crews {
        output::out(&format!(
            "{}\t{}\t{}\t{}",
            crew.company, crew.company_name, crew.id, crew.name
        ));
    }
    Ok(())
}

async fn invite_installer(
    settings: Settings,
    crew: CrewId,
    email: String,
    name: String,
) -> anyhow::Result<()> {
    let (store, services) = serve::open_for_command(&settings).await?;
    let id = match services
        .accounts
        .invite_installer(&email, &name, crew)
        .await
    {
        Ok(id) => id,
        Err(AccountError::Invalid(errors)) => return Err(refused(&errors)),
        Err(other) => return Err(other.into()),
    };
    store.close().await;
    output::err(
        "Invited the installer: the invitation link (once, 72 hours) is queued for their mailbox. Their account ID:",
    );
    output::out(&id.to_string());
    Ok(())
}
