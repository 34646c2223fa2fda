//! Shared counters in the database (failed logins, mail and request budgets), updated by
//! compare-and-swap so every replica's events are counted exactly once.

use helio_core::crypto::blind_index::{BlindIndexer, IndexPurpose};
use helio_core::security_event::{Budget, SecurityEvent};
use helio_core::throttle::{Decision, THROTTLE_RETENTION, ThrottlePolicy};
use helio_core::time::Timestamp;
use helio_store::{Store, StoreError};

use super::security_log;

/// Why a counter could not be updated.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CounterError {
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// Other writers kept changing the counter; the caller should answer "try again".
    #[error("the counter is contended")]
    Contended,
}

const ATTEMPTS: usize = 8;

/// Adds one event to the counter at `key`; `true` when this event locked it.
pub(crate) async fn count(
    store: &Store,
    key: &[u8; 32],
    policy: ThrottlePolicy,
    now: Timestamp,
) -> Result<bool, CounterError> {
    for _ in 0..ATTEMPTS {
        let stored = store.login_throttle().get(key).await?;
        let (next, locked) = policy.after_failure(stored.map(|s| s.counter), now);
        if store
            .login_throttle()
            .save(key, &next, stored.map(|s| s.version))
            .await?
        {
            return Ok(locked);
        }
    }
    Err(CounterError::Contended)
}

/// Spends one unit of the budget at `key`: `false` (nothing counted) when the budget is
/// exhausted, otherwise counts the use and returns `true`.
pub(crate) async fn spend(
    store: &Store,
    key: &[u8; 32],
    policy: ThrottlePolicy,
    now: Timestamp,
) -> Result<bool, CounterError> {
    for _ in 0..ATTEMPTS {
        let stored = store.login_throttle().get(key).await?;
        if policy.decide(stored.map(|s| s.counter), now) != Decision::Allow {
            return Ok(false);
        }
        let (next, _) = policy.after_failure(stored.map(|s| s.counter), now);
        if store
            .login_throttle()
            .save(key, &next, stored.map(|s| s.version))
            .await?
        {
            return Ok(true);
        }
    }
    Err(CounterError::Contended)
}

/// Spends one unit of the per-source budget named `budget` ("requests", "logins", ...) for
/// the address `ip`; `false`, with a security event, when it is spent. The counter's key is
/// the keyed hash of the name and the address's prefix, so the table holds no address.
pub(crate) async fn spend_source_budget(
    store: &Store,
    indexer: &BlindIndexer,
    budget: &'static str,
    ip: std::net::IpAddr,
    policy: ThrottlePolicy,
    now: Timestamp,
) -> Result<bool, CounterError> {
    let key = indexer.index(
        IndexPurpose::ThrottleSource,
        &format!("{budget}|{}", source_prefix(ip)),
    );
    let spent = spend(store, &key, policy, now).await?;
    if !spent {
        security_log::log_only(&SecurityEvent::budget_spent(Budget::Requests(budget), None));
    }
    Ok(spent)
}

/// Sources count by IPv4 host or IPv6 /64 (one customer's whole IPv6 network).
pub(crate) fn source_prefix(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    }
}

/// Deletes login-throttling data whose last failure is older than [`THROTTLE_RETENTION`]
/// (LM-6): idle counters and stuffing spreads decide nothing any more. How many rows.
pub async fn prune_throttling(store: &Store, now: Timestamp) -> Result<u64, StoreError> {
    let cutoff = Timestamp::from_unix_micros(
        now.unix_micros()
            .saturating_sub(i64::try_from(THROTTLE_RETENTION.as_micros()).unwrap_or(i64::MAX)),
    );
    store.login_throttle().prune_before(cutoff).await
}

/// Prunes every `every`, for as long as the server runs.
pub async fn run_throttle_pruner(store: Store, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        if let Err(error) = prune_throttling(&store, Timestamp::now()).await {
            tracing::warn!(%error, "login throttling data could not be pruned; trying again later");
        }
    }
}
