//! Time as Helio stores it: UTC instants with microsecond precision.
//!
//! Both database backends store instants as a plain integer (microseconds since the Unix
//! epoch), so there is no time-zone or column-type difference between MySQL and SQLite to get
//! wrong, and ordering is a plain integer comparison.

use std::sync::atomic::{AtomicI64, Ordering};
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

/// RFC 3339 in UTC, cut to the second (never rounded up past the instant), for operators'
/// messages (never parsed back).
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match jiff::Timestamp::from_microsecond(self.0) {
            Ok(at) => {
                let second = jiff::TimestampRound::new()
                    .smallest(jiff::Unit::Second)
                    .mode(jiff::RoundMode::Trunc);
                write!(f, "{}", at.round(second).unwrap_or(at))
            }
            Err(_) => write!(f, "{} µs after the epoch", self.0),
        }
    }
}

/// Where services read the time from, so tests can move it (lock windows, token expiry)
/// instead of sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;

    /// Now, but strictly after every instant this clock gave out here before, so records of
    /// one request (a failure, then the lock it caused) keep their order even within one
    /// microsecond. Each clock keeps its own order ([`ordered_after`]).
    fn next_ordered(&self) -> Timestamp;
}

/// `now`, or just after the latest instant `last` holds if that is not earlier, and `last`
/// moved to the result: the ordering behind [`Clock::next_ordered`].
pub fn ordered_after(last: &AtomicI64, now: Timestamp) -> Timestamp {
    let now = now.unix_micros();
    let previous = last
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |latest| {
            Some(now.max(latest.saturating_add(1)))
        })
        .unwrap_or(now);
    Timestamp::from_unix_micros(now.max(previous.saturating_add(1)))
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// The latest instant the system clock gave out in order, in microseconds.
static SYSTEM_LAST_ORDERED: AtomicI64 = AtomicI64::new(0);

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn next_ordered(&self) -> Timestamp {
        ordered_after(&SYSTEM_LAST_ORDERED, Timestamp::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_instant_shows_cut_to_its_second() {
        let at = Timestamp::from_unix_micros(1_764_680_124_999_999);
        assert_eq!(at.to_string(), "2025-12-02T12:55:24Z");
    }

    #[test]
    fn ordered_instants_strictly_increase_even_when_the_clock_stands_still() {
        let last = AtomicI64::new(0);
        let now = Timestamp::from_unix_micros(1_000);
        let first = ordered_after(&last, now);
        let second = ordered_after(&last, now);
        assert_eq!(first, now);
        assert!(second > first);
        assert_eq!(
            ordered_after(&last, Timestamp::from_unix_micros(5_000)),
            Timestamp::from_unix_micros(5_000)
        );
    }

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
