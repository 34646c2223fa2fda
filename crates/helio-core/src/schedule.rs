//! Installation days (SYS-1): crews publish how many jobs they can take on each day in the
//! provinces they serve; customers book a day some crew still has room on. A day is a civil
//! date in Spain's calendar, stored as days since 1970-01-01.

use jiff::civil::Date;

use crate::time::Timestamp;
use crate::values::FieldError;

/// How far ahead days can be booked or published.
pub const HORIZON_DAYS: i32 = 90;

/// The most jobs a crew can take on one day.
pub const MAX_DAILY_JOBS: u32 = 10;

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i32);

fn epoch() -> Date {
    Date::constant(1970, 1, 1)
}

impl Day {
    /// From its stored number (days since 1970-01-01).
    #[must_use]
    pub const fn from_number(number: i32) -> Self {
        Self(number)
    }

    /// Its stored number.
    #[must_use]
    pub const fn number(self) -> i32 {
        self.0
    }

    /// The UTC day of `at`.
    #[must_use]
    pub fn of(at: Timestamp) -> Self {
        Self(i32::try_from(at.unix_micros().div_euclid(86_400_000_000)).unwrap_or(i32::MAX))
    }

    /// Parses `YYYY-MM-DD`.
    ///
    /// # Errors
    /// When it is not a date.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let refused = FieldError {
            field: "day",
            message: "Choose a day (YYYY-MM-DD).",
        };
        let text = text.trim();
        if text.len() != 10 {
            return Err(refused);
        }
        let date: Date = text.parse().map_err(|_| refused)?;
        let days = date.since(epoch()).map_err(|_| refused)?.get_days();
        Ok(Self(days))
    }

    /// `YYYY-MM-DD`.
    #[must_use]
    pub fn format(self) -> String {
        epoch()
            .checked_add(jiff::Span::new().days(i64::from(self.0)))
            .map(|date| date.to_string())
            .unwrap_or_default()
    }

    /// Whether the day can be booked or published at `now`: from tomorrow to
    /// [`HORIZON_DAYS`] ahead.
    #[must_use]
    pub fn bookable_at(self, now: Timestamp) -> bool {
        let today = Self::of(now).0;
        (today + 1..=today + HORIZON_DAYS).contains(&self.0)
    }

    /// The next day.
    #[must_use]
    pub const fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn days_parse_format_and_are_bookable_only_ahead() {
        let day = Day::parse("2026-12-24").unwrap_or_else(|_| unreachable!());
        assert_eq!(day.format(), "2026-12-24");
        assert_eq!(Day::parse("1970-01-02").map(Day::number), Ok(1));
        for bad in [
            "",
            "2026-13-01",
            "2026-02-30",
            "24/12/2026",
            "2026-12-24T00:00",
            "x",
        ] {
            assert!(Day::parse(bad).is_err(), "{bad:?}");
        }
        let noon =
            Timestamp::from_unix_micros(i64::from(day.number()) * 86_400_000_000 + 43_200_000_000);
        assert_eq!(Day::of(noon), day);
        assert!(!day.bookable_at(noon), "not today");
        assert!(day.next().bookable_at(noon));
        assert!(Day::from_number(day.number() + HORIZON_DAYS).bookable_at(noon));
        assert!(!Day::from_number(day.number() + HORIZON_DAYS + 1).bookable_at(noon));
    }

    proptest! {
        #[test]
        fn stored_days_round_trip_through_their_text(number in 0_i32..100_000) {
            let day = Day::from_number(number);
            prop_assert_eq!(Day::parse(&day.format()), Ok(day));
        }
    }
}
