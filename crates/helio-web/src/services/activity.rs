//! Each account's security activity (SM-16, SM-18): the services record what happens to an
//! account as it happens, and the account page and API list it for the owner.

use std::sync::Arc;
use std::time::Duration;

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::crypto::random_bytes;
use helio_core::time::{Clock, Timestamp};
use helio_store::{ActivityOrigin, ActivityRecord, Store, StoreError};

/// How long entries are kept: a year of history is enough to notice and explain an old
/// intrusion, and bounds what an account accumulates.
pub const RETENTION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Records and lists account activity. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Activity {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl Activity {
    /// The service over the store.
    #[must_use]
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Appends one entry for `account`. A failure fails the operation it belongs to: nothing
    /// security-relevant happens unrecorded.
    pub async fn record(
        &self,
        account: AccountId,
        kind: ActivityKind,
        origin: ActivityOrigin<'_>,
    ) -> Result<(), StoreError> {
        self.store
            .activity()
            .record(
                random_bytes(),
                account,
                kind,
                origin,
                self.clock.next_ordered(),
            )
            .await
    }

    /// The account's latest `limit` entries, newest first.
    pub async fn recent(
        &self,
        account: AccountId,
        limit: u32,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        self.store.activity().recent(account, limit).await
    }

    /// Deletes entries past [`RETENTION`]; returns how many.
    pub async fn prune(&self) -> Result<u64, StoreError> {
        let cutoff = Timestamp::from_unix_micros(
            self.clock
                .now()
                .unix_micros()
                .saturating_sub(i64::try_from(RETENTION.as_micros()).unwrap_or(i64::MAX)),
        );
        self.store.activity().prune(cutoff).await
    }
}
