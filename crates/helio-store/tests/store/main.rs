//! The store through its public API, on SQLite always and on MySQL when one is named.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod accounts;
mod audit_trail;
mod break_glass;
mod data_keys;
mod in_1_queries_are_parameterised;
mod passkeys;
mod readiness;
mod sessions;
