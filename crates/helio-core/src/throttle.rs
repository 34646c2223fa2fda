//! Brute-force and credential-stuffing defence as pure rules (AU-2).
//!
//! A counter of failed logins is kept per *key* (the store keeps them in the database, so every
//! replica sees the same count). Keys are (account, source) pairs and source addresses, so:
//! - after a few failures each further attempt must wait longer (progressive delay);
//! - after [`ThrottlePolicy::lock_after`] failures the key is locked for a while;
//! - a lock for unknown sources does not lock out the owner's known devices, which have keys
//!   of their own (the OWASP "device cookie" scheme), so the lock is no denial-of-service tool.

use std::time::Duration;

use crate::time::Timestamp;

/// The failures recorded against one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCounter {
    /// Failures in the current window.
    pub failures: u32,
    /// When the window started (the first failure counted).
    pub window_start: Timestamp,
    /// The latest failure.
    pub last_failure: Timestamp,
    /// Until when the key is locked, if it is.
    pub locked_until: Option<Timestamp>,
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Check the password.
    Allow,
    /// Too soon after the previous failure; refuse without checking.
    Wait {
        /// When the next attempt is allowed.
        until: Timestamp,
    },
    /// Locked; refuse without checking.
    Locked {
        /// When the lock ends.
        until: Timestamp,
    },
}

/// Different accounts one source must fail to log in to, within [`STUFFING_WINDOW`], to be
/// taken for a credential list being tried ([`ThrottlePolicy::STUFFING_MARK`]). A person who
/// mistypes their own email a few times never gets near it; a list does within a minute.
pub const STUFFING_ACCOUNTS: u64 = 10;

/// The window [`STUFFING_ACCOUNTS`] is counted in.
pub const STUFFING_WINDOW: Duration = Duration::from_secs(10 * 60);

/// How long what login throttling stores is kept after its last failure (LM-6): far longer
/// than any window or lock above, so pruning never forgets a live decision.
pub const THROTTLE_RETENTION: Duration = Duration::from_secs(2 * 24 * 60 * 60);

/// The numbers of the defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before delays start.
    pub free_failures: u32,
    /// Longest delay between attempts.
    pub max_delay: Duration,
    /// Failures that lock the key.
    pub lock_after: u32,
    /// How long a lock lasts.
    pub lock_for: Duration,
    /// A window with no failure for this long starts the count again.
    pub window: Duration,
}

impl ThrottlePolicy {
    /// Per (account, source): 3 free failures, then 1, 2, 4, ... up to 30 seconds between
    /// attempts, a 15-minute lock at 10 failures, counts forgotten after 15 quiet minutes.
    pub const ACCOUNT: Self = Self {
        free_failures: 3,
        max_delay: Duration::from_secs(30),
        lock_after: 10,
        lock_for: Duration::from_secs(15 * 60),
        window: Duration::from_secs(15 * 60),
    };

    /// Per source address, across all accounts (credential stuffing): 30 failures in 15
    /// minutes lock the address out for 15 minutes; no per-attempt delay.
    pub const SOURCE: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 30,
        lock_for: Duration::from_secs(15 * 60),
        window: Duration::from_secs(15 * 60),
    };

    /// Mail to one address from the unauthenticated flows (sign-up, reset): at most 5 messages
    /// an hour, so nobody can flood a stranger's inbox through Helio.
    pub const MAIL: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 5,
        lock_for: Duration::from_secs(60 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// Unauthenticated requests that create accounts or send mail, per source address: 20 an
    /// hour, then refused for the rest of the hour (scripted sign-up and reset floods).
    pub const REQUESTS: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 20,
        lock_for: Duration::from_secs(60 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// Quotes from one source address: 60 an hour (DS-2). A quote is cheap to compute, but
    /// a script asking thousands maps the price model and fills the counters' table.
    pub const QUOTES: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 60,
        lock_for: Duration::from_secs(60 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// Orders created by one customer: 10 an hour (DS-2), far above what a household needs.
    pub const ORDERS: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 10,
        lock_for: Duration::from_secs(60 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// Orders created from one source address, whatever the accounts: 30 an hour (DS-2), so
    /// many accounts behind one address cannot flood crews' calendars either.
    pub const ORDERS_PER_SOURCE: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 30,
        lock_for: Duration::from_secs(60 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// Orders cancelled from one source address, whatever the accounts: 15 an hour (DS-2).
    pub const CANCELLATIONS_PER_SOURCE: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 15,
        lock_for: Duration::from_secs(60 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// Orders one customer cancels: 5 an hour (DS-2). Each cancellation frees a booked day and
    /// withdraws a crew's offer, so an unbounded loop of book-and-cancel would churn crews.
    pub const CANCELLATIONS: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 5,
        lock_for: Duration::from_secs(60 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// A source found stuffing credentials ([`STUFFING_ACCOUNTS`] accounts failed within
    /// [`STUFFING_WINDOW`]) is marked by one count: locked (marked) for a day.
    pub const STUFFING_MARK: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 1,
        lock_for: Duration::from_secs(24 * 60 * 60),
        window: Duration::from_secs(24 * 60 * 60),
    };

    /// Password logins from a marked source: 2 an hour instead of 60 a quarter, so a
    /// credential list takes years from there, while a person behind the same address (a
    /// shared office, a carrier's NAT) can still try twice an hour, and from a known device
    /// as often as they like.
    pub const LOGINS_FROM_STUFFING_SOURCE: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 2,
        lock_for: Duration::from_secs(60 * 60),
        window: Duration::from_secs(60 * 60),
    };

    /// Password logins from one source address that is not a known device of the account:
    /// 60 in 15 minutes, then refused for 15 minutes. Bounds the Argon2id work one address
    /// can demand, whatever it guesses.
    pub const LOGINS: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 60,
        lock_for: Duration::from_secs(15 * 60),
        window: Duration::from_secs(15 * 60),
    };

    /// Passwordless-login challenges, per source address: 60 in 15 minutes. Each one keeps
    /// server-side state for five minutes, so the budget bounds what one source can leave.
    pub const CHALLENGES: Self = Self {
        free_failures: u32::MAX,
        max_delay: Duration::ZERO,
        lock_after: 60,
        lock_for: Duration::from_secs(15 * 60),
        window: Duration::from_secs(15 * 60),
    };

    /// The counter as it stands at `now`: expired locks and quiet windows are forgotten.
    #[must_use]
    pub fn current(
        &self,
        counter: Option<FailureCounter>,
        now: Timestamp,
    ) -> Option<FailureCounter> {
        let counter = counter?;
        if let Some(until) = counter.locked_until {
            return (until > now).then_some(counter);
        }
        (counter.last_failure.saturating_add(self.window) > now).then_some(counter)
    }

    fn delay(&self, failures: u32) -> Duration {
        if failures < self.free_failures {
            return Duration::ZERO;
        }
        let exponent = (failures - self.free_failures).min(16);
        Duration::from_secs(1u64 << exponent).min(self.max_delay)
    }

    /// May an attempt go ahead now?
    #[must_use]
    pub fn decide(&self, counter: Option<FailureCounter>, now: Timestamp) -> Decision {
        let Some(counter) = self.current(counter, now) else {
            return Decision::Allow;
        };
        if let Some(until) = counter.locked_until {
            return Decision::Locked { until };
        }
        let delay = self.delay(counter.failures);
        // No delay due means go ahead, even when another replica's clock, a little ahead of
        // ours, recorded the last event "after" our now.
        let next = counter.last_failure.saturating_add(delay);
        if !delay.is_zero() && next > now {
            Decision::Wait { until: next }
        } else {
            Decision::Allow
        }
    }

    /// The counter after one more failure at `now`. The second value says whether this failure
    /// locked the key (to notify the account owner once).
    #[must_use]
    pub fn after_failure(
        &self,
        counter: Option<FailureCounter>,
        now: Timestamp,
    ) -> (FailureCounter, bool) {
        let base = self.current(counter, now).unwrap_or(FailureCounter {
            failures: 0,
            window_start: now,
            last_failure: now,
            locked_until: None,
        });
        let failures = base.failures.saturating_add(1);
        let locks = base.locked_until.is_none() && failures >= self.lock_after;
        let locked_until = if locks {
            Some(now.saturating_add(self.lock_for))
        } else {
            base.locked_until
        };
        (
            FailureCounter {
                failures,
                window_start: base.window_start,
                last_failure: now,
                locked_until,
            },
            locks,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_unix_micros(1_800_000_000_000_000);

    fn at(secs: u64) -> Timestamp {
        T0.saturating_add(Duration::from_secs(secs))
    }

    #[test]
    fn au_2_delays_grow_then_the_key_locks_and_unlocks_after_the_window() {
        let policy = ThrottlePolicy::ACCOUNT;
        let mut counter = None;
        let mut now = 0;
        let mut locked_at = None;
        for attempt in 1..=10 {
            match policy.decide(counter, at(now)) {
                Decision::Allow => {}
                Decision::Wait { until } => {
                    now = (until.unix_micros() - T0.unix_micros()).unsigned_abs() / 1_000_000;
                    assert_eq!(policy.decide(counter, at(now)), Decision::Allow);
                }
                Decision::Locked { .. } => panic!("locked too early at attempt {attempt}"),
            }
            let (next, locked) = policy.after_failure(counter, at(now));
            if locked {
                locked_at = Some(attempt);
            }
            counter = Some(next);
        }
        assert_eq!(locked_at, Some(10));
        assert!(matches!(
            policy.decide(counter, at(now + 60)),
            Decision::Locked { .. }
        ));
        assert!(matches!(
            policy.decide(counter, at(now + 15 * 60 - 1)),
            Decision::Locked { .. }
        ));
        assert_eq!(
            policy.decide(counter, at(now + 15 * 60)),
            Decision::Allow,
            "the lock ends"
        );
        let (fresh, _) = policy.after_failure(counter, at(now + 15 * 60));
        assert_eq!(fresh.failures, 1, "counting starts again after a lock");
    }

    #[test]
    fn au_2_the_first_failures_cost_nothing_and_delays_are_capped() {
        let policy = ThrottlePolicy::ACCOUNT;
        assert_eq!(policy.delay(2), Duration::ZERO);
        assert_eq!(policy.delay(3), Duration::from_secs(1));
        assert_eq!(policy.delay(5), Duration::from_secs(4));
        assert_eq!(policy.delay(9), Duration::from_secs(30));
    }

    #[test]
    fn au_2_quiet_windows_are_forgotten() {
        let policy = ThrottlePolicy::ACCOUNT;
        let (counter, _) = policy.after_failure(None, T0);
        let (counter, _) = policy.after_failure(Some(counter), at(1));
        assert_eq!(policy.current(Some(counter), at(1 + 15 * 60)), None);
        let (after, _) = policy.after_failure(Some(counter), at(2 + 15 * 60));
        assert_eq!(after.failures, 1);
    }

    #[test]
    fn au_2_a_source_locks_after_many_failures_without_delays() {
        let policy = ThrottlePolicy::SOURCE;
        let mut counter = None;
        for second in 0..29 {
            assert_eq!(policy.decide(counter, at(second)), Decision::Allow);
            counter = Some(policy.after_failure(counter, at(second)).0);
        }
        let (last, locked) = policy.after_failure(counter, at(29));
        assert!(locked);
        assert!(matches!(
            policy.decide(Some(last), at(30)),
            Decision::Locked { .. }
        ));
    }

    #[test]
    fn a_budget_is_not_refused_by_a_replica_clock_slightly_ahead() {
        let policy = ThrottlePolicy::LOGINS;
        let (counter, _) = policy.after_failure(None, T0.saturating_add(Duration::from_millis(5)));
        assert_eq!(policy.decide(Some(counter), T0), Decision::Allow);
    }
}
