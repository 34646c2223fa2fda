//! Partner installer companies and their crews: created by Helio's operators, who then invite
//! installers into a crew ([`super::accounts::Accounts::invite_installer`]).

use std::sync::Arc;

use helio_core::partner::{CompanyId, CrewId, OrgName};
use helio_core::time::Clock;
use helio_core::values::FieldError;
use helio_store::{CrewRecord, Store, StoreError};

/// Why a partner operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    /// The input is invalid; each field says why.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
}

/// Companies and crews.
#[derive(Debug, Clone)]
pub struct PartnerService {
    store: Store,
    clock: Arc<dyn Clock>,
}

fn taken(field: &'static str, message: &'static str) -> impl FnOnce(StoreError) -> PartnerError {
    move |error| match error {
        StoreError::Conflict => PartnerError::Invalid(vec![FieldError { field, message }]),
        other => PartnerError::Store(other),
    }
}

impl PartnerService {
    /// The service over the store.
    #[must_use]
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Adds a partner company.
    pub async fn add_company(&self, name: &str) -> Result<CompanyId, PartnerError> {
        let name = OrgName::parse(name).map_err(|e| PartnerError::Invalid(vec![e]))?;
        let id = CompanyId::random();
        self.store
            .partners()
            .add_company(id, name.as_str(), self.clock.now())
            .await
            .map_err(taken("name", "A company with this name exists already."))?;
        tracing::info!(target: "helio::activity", event = "partner_company_added", company = %id, "partner company added");
        Ok(id)
    }

    /// Adds a crew to a company.
    pub async fn add_crew(&self, company: CompanyId, name: &str) -> Result<CrewId, PartnerError> {
        let mut errors = Vec::new();
        let name = OrgName::parse(name).map_err(|e| errors.push(e)).ok();
        if !self.store.partners().company_exists(company).await? {
            errors.push(FieldError {
                field: "company",
                message: "There is no company with this ID.",
            });
        }
        let (Some(name), true) = (name, errors.is_empty()) else {
            return Err(PartnerError::Invalid(errors));
        };
        let id = CrewId::random();
        self.store
            .partners()
            .add_crew(id, company, name.as_str(), self.clock.now())
            .await
            .map_err(taken(
                "name",
                "This company has a crew with this name already.",
            ))?;
        tracing::info!(target: "helio::activity", event = "crew_added", crew = %id, %company, "crew added");
        Ok(id)
    }

    /// Every crew with its company.
    pub async fn crews(&self) -> Result<Vec<CrewRecord>, PartnerError> {
        Ok(self.store.partners().crews().await?)
    }
}
