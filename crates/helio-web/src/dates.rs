//! Times as people read them on Helio's pages and in its mail: UTC, to the minute.

use helio_core::time::Timestamp;

/// `2026-12-01 21:10 UTC`.
pub(crate) fn utc_minute(at: Timestamp) -> String {
    jiff::Timestamp::from_microsecond(at.unix_micros())
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A time as the API writes it: RFC 3339, UTC.
pub(crate) fn rfc3339(at: Timestamp) -> String {
    jiff::Timestamp::from_microsecond(at.unix_micros())
        .map(|t| t.to_string())
        .unwrap_or_default()
}
