//! Time as Helio stores it: UTC instants with microsecond precision.
//!
//! Both database backends store instants as a plain integer (microseconds since the Unix
//! epoch), so there is no time-zone or column-type difference between MySQL and SQLite to get
//! wrong, and ordering is a plain integer comparison.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// A UTC instant, microseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant from its stored form.
    #[must_use]
    pub const fn from_unix_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// The stored form: microseconds since the Unix epoch.
    #[must_use]
    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    /// The current instant from the system clock; clamps to the epoch if the clock is earlier.
    #[must_use]
    pub fn now() -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        Self(i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX))
    }

    /// This instant moved forward, saturating instead of overflowing.
    #[must_use]
    pub fn saturating_add(self, by: Duration) -> Self {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(micros))
    }
}

/// Where services read the time from, so tests can move it (lock windows, token expiry)
/// instead of sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn now_is_after_2020() {
        assert!(Timestamp::now().unix_micros() > 1_577_836_800_000_000);
    }

    proptest! {
        #[test]
        fn stored_form_round_trips(micros in any::<i64>()) {
            prop_assert_eq!(Timestamp::from_unix_micros(micros).unix_micros(), micros);
        }

        #[test]
        fn adding_never_goes_backwards(micros in any::<i64>(), secs in any::<u64>()) {
            let start = Timestamp::from_unix_micros(micros);
            prop_assert!(start.saturating_add(Duration::from_secs(secs)) >= start);
        }
    }
}
