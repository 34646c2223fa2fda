//! What every handler can reach.

use std::sync::Arc;

use helio_store::Store;

use crate::HttpSettings;
use crate::services::accounts::Accounts;
use crate::services::mfa::MfaService;
use crate::services::passkeys::Passkeys;
use crate::services::sessions::Sessions;

/// Shared application state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    store: Store,
    settings: Arc<HttpSettings>,
    accounts: Accounts,
    sessions: Sessions,
    mfa: MfaService,
    passkeys: Passkeys,
}

impl AppState {
    /// State over an open store.
    #[must_use]
    pub fn new(
        store: Store,
        settings: HttpSettings,
        accounts: Accounts,
        sessions: Sessions,
        mfa: MfaService,
        passkeys: Passkeys,
    ) -> Self {
        Self {
            sessions,
            mfa,
            passkeys,
            store,
            settings: Arc::new(settings),
            accounts,
        }
    }

    pub(crate) fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    pub(crate) fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    pub(crate) fn mfa(&self) -> &MfaService {
        &self.mfa
    }

    pub(crate) fn passkeys(&self) -> &Passkeys {
        &self.passkeys
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn settings(&self) -> &Arc<HttpSettings> {
        &self.settings
    }
}
