//! Helio's persistence: one store API over MySQL (production) and SQLite (embedded default).
//!
//! Every query is a `&'static str` with bind parameters (IN-1): sqlx 0.9 refuses any other
//! string at compile time, and `tests/in_1_queries_are_parameterised.rs` refuses the escape
//! hatches. Callers see repositories and [`StoreError`], never SQL or driver types.
#![forbid(unsafe_code)]

mod account_tokens;
mod accounts;
mod activity;
mod api_tokens;
mod audit_trail;
mod backend;
mod break_glass;
mod crew_schedule;
mod data_keys;
mod dispatch;
mod error;
mod login_reports;
mod login_throttle;
mod mfa;
mod migrations;
mod operations_summary;
mod orders;
mod outbox;
mod partners;
mod passkeys;
mod payments;
mod refunds;
mod sessions;
mod snapshots;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use account_tokens::AccountTokens;
pub use accounts::{AccountRecord, Accounts, StaffReviewRow};
pub use activity::{AccountActivity, ActivityOrigin, ActivityRecord};
pub use api_tokens::{ApiTokens, NewToken, Refreshed, TokenKind};
pub use audit_trail::{
    AuditEntry, AuditTrail, ChainedEntry, Checkpoint, EventEntry, VerificationRecord, Verified,
};
pub use backend::Backend;
pub use break_glass::{BreakGlassGrants, GrantRecord};
pub use crew_schedule::{Booked, CrewDay, CrewSchedule};
pub use data_keys::DataKeys;
pub use dispatch::{CandidateRow, Dispatch, NewOffer, OfferRecord, PassedOn};
pub use error::StoreError;
pub use login_reports::{LoginReports, ReportedLogin};
pub use login_throttle::{LoginThrottle, VersionedCounter};
pub use mfa::{Mfa, TotpEnrolment};
pub use migrations::Readiness;
pub use operations_summary::{OperationsCounts, OperationsSummary};
pub use orders::{OrderEventRecord, OrderRecord, Orders, PipelineCell};
pub use outbox::{MailRecord, Outbox};
pub use partners::{CrewRecord, Partners};
pub use passkeys::{CeremonyPurpose, NewPasskey, Passkeys, StoredPasskey, TakenCeremony};
pub use payments::{PaymentKind, PaymentRecord, Payments};
pub use refunds::{RefundRecord, Refunds};
pub use sessions::{
    ActiveSession, EndedSession, ExpiredSession, ExpiryReason, ListedSession, NewSession, SeenFrom,
    SessionClient, SessionStage, Sessions,
};
pub use snapshots::{Restored, SnapshotProblem, Snapshots};
pub use store::{PoolSettings, Store};
