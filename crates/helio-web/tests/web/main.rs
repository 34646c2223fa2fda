//! The web layer through its real router and middleware, in-process and over real sockets.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod accounts;
mod activity;
mod alerts;
mod api_sessions;
mod audit_chain;
mod back_office;
mod backup;
mod break_glass;
mod checklist;
mod demo;
mod dispatch;
mod errors;
mod headers;
mod hostile;
mod installers;
mod limits;
mod log_scan;
mod logs;
mod metrics;
mod mfa;
mod new_device;
mod openapi;
mod orders;
mod passkeys;
mod password_change;
mod probes;
mod quotes;
mod refunds;
mod reset;
mod retention;
mod role_change;
mod rotation;
mod routes;
mod schedule;
mod server;
mod session_pages;
mod sessions;
mod smtp;
mod staff_admin;
mod support;
mod throttle;
