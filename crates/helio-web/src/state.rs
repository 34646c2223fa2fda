//! What every handler can reach.

use std::sync::Arc;

use helio_store::Store;

use crate::HttpSettings;

/// Shared application state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    store: Store,
    settings: Arc<HttpSettings>,
}

impl AppState {
    /// State over an open store.
    #[must_use]
    pub fn new(store: Store, settings: HttpSettings) -> Self {
        Self {
            store,
            settings: Arc::new(settings),
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn settings(&self) -> &Arc<HttpSettings> {
        &self.settings
    }
}
