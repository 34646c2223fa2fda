//! Break-glass (AC-4, AC-5): an engineer asks for one customer's record with a reason and a
//! length; an admin who is not the requester approves or refuses; while the grant is open
//! the engineer sees the record, each view audited under the grant; at its expiry (an hour
//! at most) access ends by itself, because every view checks the grant against the clock.
//! The object-level check (this engineer's grant, open now, for this customer) is here and
//! nowhere else.

use std::time::Duration;

use helio_core::access::Capability;
use helio_core::account::{AccountId, AccountStatus};
use helio_core::audit::{AuditAction, Reason};
use helio_core::break_glass::{
    DecisionRefused, Grant, GrantDecision, GrantId, GrantLength, GrantStatus, PENDING_LAPSE,
};
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::time::Timestamp;
use helio_core::values::FieldError;
use helio_store::{ActivityRecord, AuditEntry, GrantRecord};

use super::{Actor, BackOffice, BackOfficeError, RevealedData, reason_required};
use crate::services::audit_log::Audited;
use crate::services::security_log;

/// How many requests the lists show.
const LIST_LIMIT: u32 = 50;

/// How much of the customer's security activity a grant shows.
const ACTIVITY_LIMIT: u32 = 20;

/// A request as the lists show it.
#[derive(Clone)]
pub struct GrantSummary {
    /// The request.
    pub id: GrantId,
    /// The engineer asking.
    pub requester: AccountId,
    /// The engineer's name.
    pub requester_name: String,
    /// The customer's account.
    pub subject: AccountId,
    /// Why, as typed.
    pub reason: String,
    /// How long it lasts once approved.
    pub minutes: u32,
    /// Where it stands now.
    pub status: GrantStatus,
    /// When it was asked for.
    pub requested_at: Timestamp,
    /// Why it was refused, if it was.
    pub refusal: Option<String>,
}

/// The customer's record as an open grant shows it.
pub struct BrokenGlass {
    /// The grant, open until `until`.
    pub grant: GrantSummary,
    /// When access ends.
    pub until: Timestamp,
    /// How long until then (for the page to leave by itself).
    pub left: Duration,
    /// The customer's personal data.
    pub data: RevealedData,
    /// Active, unverified or locked.
    pub status: AccountStatus,
    /// Whether an authenticator app is confirmed.
    pub totp: bool,
    /// How many passkeys.
    pub passkeys: u32,
    /// The latest security activity.
    pub activity: Vec<ActivityRecord>,
}

/// An admin's decision on a request.
pub enum Decision<'a> {
    /// Open the record for the requested length, from now.
    Approve,
    /// Refuse, saying why (one line, shown to the requester).
    Refuse(&'a str),
}

fn rules(record: &GrantRecord) -> Grant {
    Grant {
        requester: record.requester,
        subject: record.subject,
        decision: record.decision,
        requested_at: record.requested_at,
        expires_at: record.expires_at,
    }
}

impl BackOffice {
    async fn summary(&self, record: GrantRecord) -> Result<GrantSummary, BackOfficeError> {
        let requester_name = match self.store.accounts().by_id(record.requester).await? {
            Some(account) => self.text(&account.name_ct, &account.id, "name").await?,
            None => "(account removed)".to_owned(),
        };
        Ok(GrantSummary {
            id: record.id,
            requester: record.requester,
            requester_name,
            subject: record.subject,
            status: rules(&record).status(self.clock.now()),
            reason: record.reason,
            minutes: record.minutes,
            requested_at: record.requested_at,
            refusal: record.refusal,
        })
    }

    async fn summaries(
        &self,
        records: Vec<GrantRecord>,
    ) -> Result<Vec<GrantSummary>, BackOfficeError> {
        let mut summaries = Vec::with_capacity(records.len());
        for record in records {
            summaries.push(self.summary(record).await?);
        }
        Ok(summaries)
    }

    async fn grant(&self, id: GrantId) -> Result<GrantRecord, BackOfficeError> {
        self.store
            .break_glass()
            .by_id(id)
            .await?
            .ok_or(BackOfficeError::NotFound)
    }

    /// Asks for `minutes` of access to the customer account `subject`, for `reason`.
    pub async fn request_break_glass(
        &self,
        actor: &Actor,
        subject: &str,
        reason: &str,
        minutes: u32,
    ) -> Result<GrantId, BackOfficeError> {
        Self::require(actor, Capability::RequestBreakGlass)?;
        let mut errors = Vec::new();
        let subject = AccountId::parse(subject);
        if subject.is_none() {
            errors.push(FieldError {
                field: "customer",
                message: "Give the customer's account ID (from the ticket or the logs).",
            });
        }
        let length = GrantLength::from_minutes(minutes);
        if length.is_none() {
            errors.push(FieldError {
                field: "minutes",
                message: "Ask for 5 to 60 minutes.",
            });
        }
        let reason = Reason::parse(reason);
        if reason.is_none()
            && let BackOfficeError::Invalid(mut fields) = reason_required()
        {
            errors.append(&mut fields);
        }
        let (Some(subject), Some(length), Some(reason)) = (subject, length, reason) else {
            return Err(BackOfficeError::Invalid(errors));
        };
        if self.customer(subject).await.is_err() {
            return Err(BackOfficeError::Invalid(vec![FieldError {
                field: "customer",
                message: "There is no customer account with this ID.",
            }]));
        }
        let now = self.clock.now();
        let grants = self.store.break_glass();
        let mine = grants.of_requester(actor.account, LIST_LIMIT).await?;
        if mine.iter().any(|g| {
            g.subject == subject
                && matches!(
                    rules(g).status(now),
                    GrantStatus::Pending | GrantStatus::Active(_)
                )
        }) {
            return Err(BackOfficeError::Invalid(vec![FieldError {
                field: "customer",
                message: "You already have a request for this customer waiting or open.",
            }]));
        }
        let id = GrantId::random();
        grants
            .insert(&GrantRecord {
                id,
                requester: actor.account,
                subject,
                reason: reason.as_str().to_owned(),
                minutes: length.minutes(),
                decision: GrantDecision::Pending,
                requested_at: now,
                decided_by: None,
                decided_at: None,
                refusal: None,
                expires_at: None,
                ended_at: None,
            })
            .await?;
        self.audit_log
            .record(
                actor,
                Audited {
                    grant: Some(id),
                    ..Audited::on(AuditAction::BreakGlassRequested, subject, Some(&reason))
                },
            )
            .await?;
        Ok(id)
    }

    /// The actor's own requests, newest first.
    pub async fn my_break_glass(
        &self,
        actor: &Actor,
    ) -> Result<Vec<GrantSummary>, BackOfficeError> {
        Self::require(actor, Capability::RequestBreakGlass)?;
        let records = self
            .store
            .break_glass()
            .of_requester(actor.account, LIST_LIMIT)
            .await?;
        self.summaries(records).await
    }

    /// The customer's record under the actor's open grant `id`; the view is audited under
    /// the grant. Someone else's grant is "not found"; a grant that is not open now (waiting,
    /// refused, ended, expired) is refused.
    pub async fn open_break_glass(
        &self,
        actor: &Actor,
        id: GrantId,
    ) -> Result<BrokenGlass, BackOfficeError> {
        Self::require(actor, Capability::RequestBreakGlass)?;
        let record = self.grant(id).await?;
        if record.requester != actor.account {
            return Err(BackOfficeError::NotFound);
        }
        let now = self.clock.now();
        let until = match rules(&record).status(now) {
            GrantStatus::Active(until) => until,
            GrantStatus::Expired => {
                security_log::record(
                    &self.store,
                    now,
                    SecurityEvent::about(EventName::BreakGlassExpired, record.subject)
                        .done_by(actor.account),
                )
                .await?;
                return Err(BackOfficeError::GrantClosed);
            }
            _ => return Err(BackOfficeError::GrantClosed),
        };
        let subject = record.subject;
        let customer = self.customer(subject).await?;
        let reason = Reason::parse(&record.reason).ok_or(BackOfficeError::Unreadable)?;
        self.audit_log
            .record(
                actor,
                Audited {
                    grant: Some(id),
                    ..Audited::on(AuditAction::BreakGlassRecordViewed, subject, Some(&reason))
                },
            )
            .await?;
        let data = self.personal_data(&customer).await?;
        let totp = self
            .store
            .mfa()
            .totp(subject)
            .await?
            .is_some_and(|t| t.confirmed_at.is_some());
        Ok(BrokenGlass {
            data,
            status: customer.status,
            totp,
            passkeys: self.store.passkeys().count(subject).await?,
            activity: self
                .store
                .activity()
                .recent(subject, ACTIVITY_LIMIT)
                .await?,
            until,
            left: Duration::from_micros(
                u64::try_from(until.unix_micros().saturating_sub(now.unix_micros())).unwrap_or(0),
            ),
            grant: self.summary(record).await?,
        })
    }

    /// Ends the actor's open grant now (done before the hour is up).
    pub async fn end_break_glass(&self, actor: &Actor, id: GrantId) -> Result<(), BackOfficeError> {
        Self::require(actor, Capability::RequestBreakGlass)?;
        let record = self.grant(id).await?;
        if record.requester != actor.account {
            return Err(BackOfficeError::NotFound);
        }
        if !self.store.break_glass().end(id, self.clock.now()).await? {
            return Err(BackOfficeError::GrantClosed);
        }
        let reason = Reason::parse(&record.reason).ok_or(BackOfficeError::Unreadable)?;
        self.audit_log
            .record(
                actor,
                Audited {
                    grant: Some(id),
                    ..Audited::on(AuditAction::BreakGlassEnded, record.subject, Some(&reason))
                },
            )
            .await?;
        Ok(())
    }

    /// Requests waiting for a decision, oldest first; and the latest requests of everyone.
    pub async fn break_glass_oversight(
        &self,
        actor: &Actor,
    ) -> Result<(Vec<GrantSummary>, Vec<GrantSummary>), BackOfficeError> {
        Self::require(actor, Capability::ApproveBreakGlass)?;
        let since = Timestamp::from_unix_micros(
            self.clock
                .now()
                .unix_micros()
                .saturating_sub(i64::try_from(PENDING_LAPSE.as_micros()).unwrap_or(i64::MAX)),
        );
        let grants = self.store.break_glass();
        let pending = grants.pending_since(since, LIST_LIMIT).await?;
        let recent = grants.recent(LIST_LIMIT).await?;
        Ok((
            self.summaries(pending).await?,
            self.summaries(recent).await?,
        ))
    }

    /// Approves or refuses a waiting request. Never the actor's own (maker-checker), and
    /// only while it waits; two admins deciding at once cannot both win.
    pub async fn decide_break_glass(
        &self,
        actor: &Actor,
        id: GrantId,
        decision: Decision<'_>,
    ) -> Result<(), BackOfficeError> {
        Self::require(actor, Capability::ApproveBreakGlass)?;
        let record = self.grant(id).await?;
        let now = self.clock.now();
        match rules(&record).check_decision(actor.account, now) {
            Ok(()) => {}
            Err(DecisionRefused::OwnRequest) => {
                security_log::record(
                    &self.store,
                    now,
                    SecurityEvent::about(EventName::SelfApprovalRefused, record.subject)
                        .done_by(actor.account),
                )
                .await?;
                return Err(BackOfficeError::OwnRequest);
            }
            Err(DecisionRefused::NotPending) => return Err(BackOfficeError::Conflict),
        }
        let grants = self.store.break_glass();
        let (done, action, reason) = match decision {
            Decision::Approve => {
                let length =
                    GrantLength::from_minutes(record.minutes).ok_or(BackOfficeError::Unreadable)?;
                let until = now.saturating_add(length.duration());
                (
                    grants.approve(id, actor.account, now, until).await?,
                    AuditAction::BreakGlassApproved,
                    None,
                )
            }
            Decision::Refuse(why) => {
                let why = Reason::parse(why).ok_or_else(reason_required)?;
                (
                    grants.refuse(id, actor.account, now, why.as_str()).await?,
                    AuditAction::BreakGlassRefused,
                    Some(why),
                )
            }
        };
        if !done {
            return Err(BackOfficeError::Conflict);
        }
        self.audit_log
            .record(
                actor,
                Audited {
                    grant: Some(id),
                    ..Audited::on(action, record.subject, reason.as_ref())
                },
            )
            .await?;
        Ok(())
    }

    /// A grant and everything done under it, line by line, for the admins.
    pub async fn break_glass_lines(
        &self,
        actor: &Actor,
        id: GrantId,
    ) -> Result<(GrantSummary, Vec<AuditEntry>), BackOfficeError> {
        Self::require(actor, Capability::ApproveBreakGlass)?;
        let record = self.grant(id).await?;
        let lines = self.store.audit_trail().under_grant(id).await?;
        Ok((self.summary(record).await?, lines))
    }
}
