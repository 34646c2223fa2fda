//! Helio's domain: the rules and values every other layer relies on, with no I/O.
//!
//! Everything here is pure so it can be tested exhaustively (unit and property tests) and so
//! the store and the web layer cannot disagree about what a valid value is.
#![forbid(unsafe_code)]

pub mod access;
pub mod account;
pub mod activity;
pub mod audit;
pub mod audit_chain;
pub mod backup;
pub mod break_glass;
pub mod crypto;
pub mod dispatch;
pub mod id;
pub mod keys;
pub mod masking;
pub mod mfa;
pub mod order;
pub mod partner;
pub mod password;
pub mod payment;
pub mod quote;
pub mod refund;
pub mod role;
pub mod schedule;
pub mod security_event;
pub mod session;
pub mod throttle;
pub mod time;
pub mod values;
