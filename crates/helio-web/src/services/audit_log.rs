//! Writing the audit trail (AC-3, AC-5, LM-1): every staff action goes through here, so each
//! entry has the same who, what, which record, why, when and from where, and an action that
//! needs a reason cannot be recorded without one.

use std::sync::Arc;

use helio_core::account::AccountId;
use helio_core::audit::{AuditAction, Reason};
use helio_core::break_glass::GrantId;
use helio_core::crypto::random_bytes;
use helio_core::role::Role;
use helio_core::security_event::EventFields;
use helio_core::time::Clock;
use helio_store::{AuditEntry, Store, StoreError};

/// Who is acting: a signed-in staff member, from where, in which request.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The staff account.
    pub account: AccountId,
    /// Its role now.
    pub role: Role,
    /// The coarse network of the request.
    pub network: String,
    /// The request's ID.
    pub request_id: String,
}

/// One action to record.
#[derive(Debug, Clone, Copy)]
pub struct Audited<'a> {
    /// What was done.
    pub action: AuditAction,
    /// The account it was done to, if any.
    pub subject: Option<AccountId>,
    /// Why, for actions that need it.
    pub reason: Option<&'a Reason>,
    /// The break-glass grant it was done under, if any.
    pub grant: Option<GrantId>,
}

impl<'a> Audited<'a> {
    /// An action on `subject`, for `reason`.
    #[must_use]
    pub fn on(action: AuditAction, subject: AccountId, reason: Option<&'a Reason>) -> Self {
        Self {
            action,
            subject: Some(subject),
            reason,
            grant: None,
        }
    }
}

/// What refuses an entry.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The action needs a reason and none was given (a programming error: the caller parses
    /// the reason first).
    #[error("the audited action {0} needs a reason")]
    ReasonMissing(&'static str),
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
}

/// Appends to the audit trail. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditLog {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl AuditLog {
    /// The log over its store and clock.
    #[must_use]
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Records `what` by `actor`, now.
    pub async fn record(&self, actor: &Actor, what: Audited<'_>) -> Result<(), AuditError> {
        if what.action.needs_reason() && what.reason.is_none() {
            return Err(AuditError::ReasonMissing(what.action.as_str()));
        }
        self.store
            .audit_trail()
            .append(&AuditEntry {
                id: random_bytes(),
                at: self.clock.now(),
                actor: actor.account,
                actor_role: actor.role,
                action: what.action,
                subject: what.subject,
                reason: what.reason.map(|r| r.as_str().to_owned()),
                seen_from: Some(actor.network.clone()),
                request_id: Some(actor.request_id.clone()),
                grant: what.grant,
            })
            .await?;
        super::security_log::log_line(
            what.action.as_str(),
            what.action.severity(),
            &EventFields {
                account: what.subject,
                by: Some(actor.account),
                ..EventFields::default()
            },
            "staff action recorded in the audit trail",
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use helio_core::time::SystemClock;
    use helio_store::testing::TestDb;

    use super::*;

    /// LM-1: an action that needs a reason is never recorded without one, and only the
    /// complete entry reaches the trail.
    #[tokio::test]
    async fn lm_1_an_action_needing_a_reason_is_not_recorded_without_one() {
        let db = TestDb::sqlite().await;
        let log = AuditLog::new(db.store().clone(), Arc::new(SystemClock));
        let actor = Actor {
            account: AccountId::random(),
            role: Role::Support,
            network: "203.0.113.0/24".to_owned(),
            request_id: "r-1".to_owned(),
        };
        let subject = AccountId::random();
        let refused = log
            .record(
                &actor,
                Audited::on(AuditAction::PersonalDataRevealed, subject, None),
            )
            .await;
        assert!(matches!(refused, Err(AuditError::ReasonMissing(_))));
        assert!(
            db.store()
                .audit_trail()
                .about(subject, 5)
                .await
                .unwrap()
                .is_empty()
        );
        let reason = Reason::parse("ticket 9").unwrap();
        log.record(
            &actor,
            Audited::on(AuditAction::PersonalDataRevealed, subject, Some(&reason)),
        )
        .await
        .unwrap();
        let stored = db.store().audit_trail().about(subject, 5).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].reason.as_deref(), Some("ticket 9"));
        assert_eq!(stored[0].seen_from.as_deref(), Some("203.0.113.0/24"));
        db.finish().await;
    }
}
