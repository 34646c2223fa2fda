//! The application services: what Helio does, independent of HTTP. Handlers (pages and API)
//! translate requests into calls here; these combine core's rules and crypto with the store.
//! Nothing in this module knows about requests, responses, cookies or status codes.

pub mod accounts;
pub mod activity;
pub mod app_sessions;
pub mod audit_integrity;
pub mod audit_log;
pub mod back_office;
pub mod counters;
pub mod demo;
mod dispatch;
pub mod jobs;
pub mod kek_rotation;
pub mod keyring;
pub mod mail;
pub mod mfa;
pub mod notify;
pub mod operations;
pub mod orders;
pub mod partners;
pub mod passkeys;
pub mod payments;
pub mod quotes;
pub mod rotation;
pub mod security_log;
pub mod sessions;
pub mod staff_admin;
