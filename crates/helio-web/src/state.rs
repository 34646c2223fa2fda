//! What every handler can reach.

use std::sync::Arc;

use helio_store::Store;

use crate::HttpSettings;
use crate::services::accounts::Accounts;
use crate::services::app_sessions::AppSessions;
use crate::services::back_office::BackOffice;
use crate::services::jobs::Jobs;
use crate::services::mfa::MfaService;
use crate::services::operations::Operations;
use crate::services::orders::Orders;
use crate::services::passkeys::Passkeys;
use crate::services::quotes::Quotes;
use crate::services::sessions::Sessions;
use crate::services::staff_admin::StaffAdmin;

/// The application services the routes call, built once at start.
#[derive(Debug, Clone)]
pub struct AppServices {
    /// Accounts, login, sign-up, resets, invitations.
    pub accounts: Accounts,
    /// Browser sessions.
    pub sessions: Sessions,
    /// App (bearer-token) sessions.
    pub app_sessions: AppSessions,
    /// TOTP and recovery codes.
    pub mfa: MfaService,
    /// Passkeys.
    pub passkeys: Passkeys,
    /// The back office's customer tools.
    pub back_office: BackOffice,
    /// What the operations page shows.
    pub operations: Operations,
    /// The admins' staff tools and access review.
    pub staff_admin: StaffAdmin,
    /// The quote calculator.
    pub quotes: Quotes,
    /// Customers' orders.
    pub orders: Orders,
    /// Crews' calendars.
    pub jobs: Jobs,
}

/// Shared application state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    store: Store,
    settings: Arc<HttpSettings>,
    services: AppServices,
}

impl AppState {
    /// State over an open store.
    #[must_use]
    pub fn new(store: Store, settings: HttpSettings, services: AppServices) -> Self {
        Self {
            store,
            settings: Arc::new(settings),
            services,
        }
    }

    pub(crate) fn accounts(&self) -> &Accounts {
        &self.services.accounts
    }

    pub(crate) fn sessions(&self) -> &Sessions {
        &self.services.sessions
    }

    pub(crate) fn app_sessions(&self) -> &AppSessions {
        &self.services.app_sessions
    }

    pub(crate) fn mfa(&self) -> &MfaService {
        &self.services.mfa
    }

    pub(crate) fn passkeys(&self) -> &Passkeys {
        &self.services.passkeys
    }

    pub(crate) fn back_office(&self) -> &BackOffice {
        &self.services.back_office
    }

    pub(crate) fn jobs(&self) -> &Jobs {
        &self.services.jobs
    }

    pub(crate) fn orders(&self) -> &Orders {
        &self.services.orders
    }

    pub(crate) fn quotes(&self) -> &Quotes {
        &self.services.quotes
    }

    pub(crate) fn staff_admin(&self) -> &StaffAdmin {
        &self.services.staff_admin
    }

    pub(crate) fn operations(&self) -> &Operations {
        &self.services.operations
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn settings(&self) -> &Arc<HttpSettings> {
        &self.settings
    }
}
