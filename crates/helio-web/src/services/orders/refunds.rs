//! Refunds and high-value transactions (SYS-1, AC-5, DS-2). Support ask for a refund of a
//! cancelled or completed order, for a reason, of at most what was paid; up to
//! `pricing.refund_limit_cents` it is paid out at once, above it an admin other than the
//! requester approves first (the store's UPDATE checks that too). The payout is spread over
//! the order's charges newest first, each provider call idempotent by the request's ID, so
//! a payout that failed half-way is retried without refunding twice. Every payment, refund
//! and price change of at least `pricing.high_value_cents` is an audit entry.

use helio_core::access::Capability;
use helio_core::account::AccountId;
use helio_core::audit::{AuditAction, Reason};
use helio_core::crypto::random_bytes;
use helio_core::order::{OrderEvent, OrderId, Party, next};
use helio_core::refund::{RefundId, RefundState, needs_approval, spread};
use helio_core::time::Timestamp;
use helio_core::values::FieldError;
use helio_store::{OrderEventRecord, PaymentKind, PaymentRecord, RefundRecord};

use super::staff::{reason, require};
use super::{OrderError, Orders};
use crate::services::audit_log::{Actor, Audited};

/// What asking for a refund did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Within the limit: paid out.
    Paid,
    /// Above the limit: waiting for an admin.
    AwaitingApproval,
}

/// A refund request as the approvals page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundView {
    /// The request.
    pub id: RefundId,
    /// The order.
    pub order: OrderId,
    /// How much, cents.
    pub amount_cents: u64,
    /// Why.
    pub reason: String,
    /// Who asked.
    pub requested_by: AccountId,
    /// When.
    pub requested_at: Timestamp,
    /// Pending (to decide) or approved (paying out failed; retry).
    pub state: RefundState,
}

/// How many requests the approvals page lists.
const PENDING_LIMIT: u32 = 100;

fn invalid(field: &'static str, message: &'static str) -> OrderError {
    OrderError::Invalid(vec![FieldError { field, message }])
}

impl Orders {
    /// Writes a high-value transaction to the audit trail when `amount_cents` reaches the
    /// configured amount.
    pub(crate) async fn audit_high_value(
        &self,
        actor: &Actor,
        customer: AccountId,
        what: &str,
        order: OrderId,
        amount_cents: u64,
    ) -> Result<(), OrderError> {
        if amount_cents < self.model.high_value_cents {
            return Ok(());
        }
        let Some(detail) =
            Reason::parse(&format!("{what} of {amount_cents} cents on order {order}"))
        else {
            return Ok(());
        };
        self.audit_log()
            .record(
                actor,
                Audited::on(AuditAction::HighValueTransaction, customer, Some(&detail)),
            )
            .await?;
        Ok(())
    }

    /// Support ask for a refund of `amount_cents` of order `id` for `why`; paid out at once
    /// within the limit, otherwise left for an admin. The order's customer and the outcome.
    pub async fn request_refund(
        &self,
        actor: &Actor,
        id: OrderId,
        amount_cents: u64,
        why: &str,
    ) -> Result<(AccountId, RefundOutcome), OrderError> {
        require(actor, Capability::Refund)?;
        let why = reason(why)?;
        let record = self.any_order(id).await?;
        next(record.state, OrderEvent::Refund, Party::Support).map_err(OrderError::Refused)?;
        let paid = self.paid_cents(id).await?;
        if amount_cents == 0 || amount_cents > paid {
            return Err(invalid(
                "amount",
                "The refund must be more than zero and at most what the customer paid.",
            ));
        }
        let approval = needs_approval(amount_cents, self.model.refund_limit_cents);
        let request = RefundRecord {
            id: RefundId::random(),
            order: id,
            amount_cents,
            reason: why.as_str().to_owned(),
            requested_by: actor.account,
            requested_at: self.clock.now(),
            state: if approval {
                RefundState::Pending
            } else {
                RefundState::Approved
            },
            decided_by: None,
        };
        if !self.store.refunds().request(&request).await? {
            return Err(OrderError::Conflict);
        }
        self.audit_log()
            .record(
                actor,
                Audited::on(AuditAction::RefundRequested, record.customer, Some(&why)),
            )
            .await?;
        tracing::info!(target: "helio::activity", event = "refund_requested", order = %id, by = %actor.account, amount_cents, needs_approval = approval, "refund requested");
        if approval {
            return Ok((record.customer, RefundOutcome::AwaitingApproval));
        }
        self.pay_out(actor, &request).await?;
        Ok((record.customer, RefundOutcome::Paid))
    }

    /// Refund requests waiting for an admin (and approved ones whose payout failed).
    pub async fn pending_refunds(&self, actor: &Actor) -> Result<Vec<RefundView>, OrderError> {
        require(actor, Capability::ApproveRefunds)?;
        Ok(self
            .store
            .refunds()
            .pending(PENDING_LIMIT)
            .await?
            .into_iter()
            .map(|refund| RefundView {
                id: refund.id,
                order: refund.order,
                amount_cents: refund.amount_cents,
                reason: refund.reason,
                requested_by: refund.requested_by,
                requested_at: refund.requested_at,
                state: refund.state,
            })
            .collect())
    }

    async fn refund_of(&self, id: RefundId) -> Result<(RefundRecord, AccountId), OrderError> {
        let refund = self
            .store
            .refunds()
            .by_id(id)
            .await?
            .ok_or(OrderError::NotFound)?;
        let customer = self.any_order(refund.order).await?.customer;
        Ok((refund, customer))
    }

    /// An admin approves someone else's pending refund, and it is paid out.
    pub async fn approve_refund(&self, actor: &Actor, id: RefundId) -> Result<(), OrderError> {
        require(actor, Capability::ApproveRefunds)?;
        let (refund, customer) = self.refund_of(id).await?;
        if refund.requested_by == actor.account {
            return Err(OrderError::Forbidden);
        }
        if refund.state == RefundState::Pending {
            if !self
                .store
                .refunds()
                .decide(id, actor.account, true, self.clock.now())
                .await?
            {
                return Err(OrderError::Conflict);
            }
            self.audit_log()
                .record(
                    actor,
                    Audited::on(AuditAction::RefundApproved, customer, None),
                )
                .await?;
        } else if refund.state != RefundState::Approved {
            return Err(OrderError::Conflict);
        }
        let approved = RefundRecord {
            state: RefundState::Approved,
            ..refund
        };
        self.pay_out(actor, &approved).await
    }

    /// An admin refuses someone else's pending refund for `why`.
    pub async fn refuse_refund(
        &self,
        actor: &Actor,
        id: RefundId,
        why: &str,
    ) -> Result<(), OrderError> {
        require(actor, Capability::ApproveRefunds)?;
        let why = reason(why)?;
        let (refund, customer) = self.refund_of(id).await?;
        if refund.requested_by == actor.account {
            return Err(OrderError::Forbidden);
        }
        if !self
            .store
            .refunds()
            .decide(id, actor.account, false, self.clock.now())
            .await?
        {
            return Err(OrderError::Conflict);
        }
        self.audit_log()
            .record(
                actor,
                Audited::on(AuditAction::RefundRefused, customer, Some(&why)),
            )
            .await?;
        Ok(())
    }

    /// Pays an approved request out through the provider and records it with the order's
    /// move to refunded.
    async fn pay_out(&self, actor: &Actor, refund: &RefundRecord) -> Result<(), OrderError> {
        let record = self.any_order(refund.order).await?;
        let to =
            next(record.state, OrderEvent::Refund, Party::Support).map_err(OrderError::Refused)?;
        let charges = self.store.payments().of_order(refund.order).await?;
        let charged: Vec<(&str, u64)> = charges
            .iter()
            .filter(|p| p.kind != PaymentKind::Refund)
            .map(|p| (p.provider_ref.as_str(), p.amount_cents))
            .collect();
        let parts = spread(refund.amount_cents, &charged).ok_or(OrderError::Conflict)?;
        let provider = self
            .provider
            .as_ref()
            .ok_or(OrderError::PaymentsUnavailable)?;
        let now = self.clock.next_ordered();
        let mut payments = Vec::new();
        for (n, (reference, amount)) in parts.into_iter().enumerate() {
            let key = format!("refund-{}-{n}", refund.id);
            let provider_ref = provider
                .refund(reference, amount, &key)
                .await
                .map_err(|_| OrderError::PaymentsUnavailable)?;
            payments.push(PaymentRecord {
                id: random_bytes(),
                order: refund.order,
                kind: PaymentKind::Refund,
                amount_cents: amount,
                provider_ref,
                idempotency_hash: {
                    use sha2::Digest as _;
                    sha2::Sha256::digest(key.as_bytes()).into()
                },
                created_at: now,
            });
        }
        let moved = OrderEventRecord::moving(
            now,
            OrderEvent::Refund,
            record.state,
            to,
            Some(refund.requested_by),
            Party::Support,
        );
        if !self
            .store
            .refunds()
            .pay(refund.id, &payments, &moved)
            .await?
        {
            return Err(OrderError::Conflict);
        }
        tracing::info!(target: "helio::activity", event = "refund_paid", order = %refund.order, amount_cents = refund.amount_cents, "refund paid out; order refunded");
        self.audit_high_value(
            actor,
            record.customer,
            "refund",
            refund.order,
            refund.amount_cents,
        )
        .await
    }
}
