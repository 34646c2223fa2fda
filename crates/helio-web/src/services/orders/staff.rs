//! The back office's order tools (AC-3, DS-2): support and sales see a customer's orders
//! (number, stage, price, city; never the street) and find a customer by order number;
//! support cancel an order for a reason; sales give one discount on a priced order, up to the
//! configured limit, for a reason. Every use is audited with the customer as its subject.

use helio_core::access::{Capability, permits};
use helio_core::account::AccountId;
use helio_core::audit::{AuditAction, Reason};
use helio_core::order::{OrderEvent, OrderId, OrderState, Party, next};
use helio_core::values::FieldError;
use helio_store::{OrderEventRecord, OrderRecord, PassedOn};

use super::{OrderError, Orders};
use crate::services::audit_log::{Actor, AuditLog, Audited};
use crate::services::dispatch::{self, Leaving};
use crate::services::notify::{Notice, Notifier};

/// An order as the back office lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffOrder {
    /// The order number.
    pub id: OrderId,
    /// Where it stands.
    pub state: OrderState,
    /// Price, cents (after any discount).
    pub price_cents: u64,
    /// The discount given, percent.
    pub discount_percent: u32,
    /// The job site's city.
    pub city: String,
}

pub(super) fn reason(typed: &str) -> Result<Reason, OrderError> {
    Reason::parse(typed).ok_or_else(|| {
        OrderError::Invalid(vec![FieldError {
            field: "reason",
            message: "Give a reason of 3 to 200 characters on one line (a ticket number, what the customer asked).",
        }])
    })
}

pub(super) fn require(actor: &Actor, capability: Capability) -> Result<(), OrderError> {
    if permits(actor.role, capability) {
        Ok(())
    } else {
        Err(OrderError::Forbidden)
    }
}

impl Orders {
    /// Any customer's order, for staff tools (the caller has checked the capability).
    pub(super) async fn any_order(&self, id: OrderId) -> Result<OrderRecord, OrderError> {
        self.store
            .orders()
            .by_id(id)
            .await?
            .ok_or(OrderError::NotFound)
    }

    pub(super) fn audit_log(&self) -> AuditLog {
        AuditLog::new(self.store.clone(), std::sync::Arc::clone(&self.clock))
    }

    async fn staff_order(&self, record: OrderRecord) -> Result<StaffOrder, OrderError> {
        Ok(StaffOrder {
            city: self.open(&record.city_ct, &record.id, "city").await?,
            id: record.id,
            state: record.state,
            price_cents: record.price_cents,
            discount_percent: record.discount_percent,
        })
    }

    /// A customer's orders as the back office sees them (the record's view is audited by
    /// the record page itself).
    pub async fn orders_of(
        &self,
        actor: &Actor,
        customer: AccountId,
    ) -> Result<Vec<StaffOrder>, OrderError> {
        require(actor, Capability::SearchCustomers)?;
        let mut orders = Vec::new();
        for record in self.store.orders().list_of_customer(customer, 50).await? {
            orders.push(self.staff_order(record).await?);
        }
        Ok(orders)
    }

    /// The customer whose order has this number; the search is audited (not the number).
    pub async fn customer_of(&self, actor: &Actor, id: OrderId) -> Result<AccountId, OrderError> {
        require(actor, Capability::SearchCustomers)?;
        let found = self.store.orders().by_id(id).await?;
        self.audit_log()
            .record(
                actor,
                Audited {
                    action: AuditAction::CustomersSearched,
                    subject: None,
                    reason: None,
                    grant: None,
                },
            )
            .await?;
        found
            .map(|order| order.customer)
            .ok_or(OrderError::NotFound)
    }

    /// Support cancel an order for `why`, as the state machine allows support to; the
    /// order's customer.
    pub async fn cancel_by_support(
        &self,
        actor: &Actor,
        id: OrderId,
        why: &str,
    ) -> Result<AccountId, OrderError> {
        self.let_go_by_support(
            actor,
            id,
            why,
            OrderEvent::Cancel,
            AuditAction::OrderCancelled,
        )
        .await
    }

    /// Support free an order's booked day for `why` (the customer asked to move it; the crew
    /// cannot come), so the customer books another; the order's customer.
    pub async fn reschedule_by_support(
        &self,
        actor: &Actor,
        id: OrderId,
        why: &str,
    ) -> Result<AccountId, OrderError> {
        self.let_go_by_support(
            actor,
            id,
            why,
            OrderEvent::Unbook,
            AuditAction::OrderRescheduled,
        )
        .await
    }

    /// A support move that lets go of the order's day (cancel, free the day), for a reason,
    /// audited as `action`.
    async fn let_go_by_support(
        &self,
        actor: &Actor,
        id: OrderId,
        why: &str,
        event: OrderEvent,
        action: AuditAction,
    ) -> Result<AccountId, OrderError> {
        require(actor, Capability::ChangeOrders)?;
        let why = reason(why)?;
        let record = self.any_order(id).await?;
        self.let_go(&record, event, actor.account, Party::Support)
            .await?;
        self.audit_log()
            .record(actor, Audited::on(action, record.customer, Some(&why)))
            .await?;
        Ok(record.customer)
    }

    /// Support take an accepted job from its crew for `why` (the crew cannot make it), so it
    /// is offered to the next crew not yet asked; the order's customer.
    pub async fn reassign_by_support(
        &self,
        actor: &Actor,
        id: OrderId,
        why: &str,
    ) -> Result<AccountId, OrderError> {
        require(actor, Capability::ChangeOrders)?;
        let why = reason(why)?;
        let record = self.any_order(id).await?;
        let to = next(record.state, OrderEvent::Unassign, Party::Support)
            .map_err(OrderError::Refused)?;
        let moved = OrderEventRecord::moving(
            self.clock.next_ordered(),
            OrderEvent::Unassign,
            record.state,
            to,
            Some(actor.account),
            Party::Support,
        );
        if dispatch::pass_on(
            &self.store,
            &self.keys,
            self.clock.as_ref(),
            id,
            Leaving::Taken(moved),
        )
        .await?
            == PassedOn::NotOpen
        {
            return Err(OrderError::Conflict);
        }
        self.audit_log()
            .record(
                actor,
                Audited::on(AuditAction::OrderReassigned, record.customer, Some(&why)),
            )
            .await?;
        Ok(record.customer)
    }

    /// Support sign an installation's inspection off (installed → inspected) for `why` (the
    /// inspection report's reference), so the customer can pay the balance; the customer.
    pub async fn inspect_by_support(
        &self,
        actor: &Actor,
        id: OrderId,
        why: &str,
    ) -> Result<AccountId, OrderError> {
        require(actor, Capability::ChangeOrders)?;
        let why = reason(why)?;
        let record = self.any_order(id).await?;
        let to =
            next(record.state, OrderEvent::Inspect, Party::Support).map_err(OrderError::Refused)?;
        let moved = OrderEventRecord::moving(
            self.clock.next_ordered(),
            OrderEvent::Inspect,
            record.state,
            to,
            Some(actor.account),
            Party::Support,
        );
        if !self.store.orders().advance(id, &moved).await? {
            return Err(OrderError::Conflict);
        }
        self.audit_log()
            .record(
                actor,
                Audited::on(AuditAction::OrderInspected, record.customer, Some(&why)),
            )
            .await?;
        Notifier::new(&self.store, &self.keys)
            .customer(record.customer, id, Notice::STATUS_CHANGED)
            .await;
        Ok(record.customer)
    }

    /// Sales give a priced order its one discount of `percent` (1 to the configured limit)
    /// for `why`. A price change is a high-value event for the log. The order's customer.
    pub async fn discount(
        &self,
        actor: &Actor,
        id: OrderId,
        percent: u32,
        why: &str,
    ) -> Result<AccountId, OrderError> {
        require(actor, Capability::SellAndReport)?;
        let limit = self.model.max_discount_percent;
        let mut errors = Vec::new();
        if !(1..=limit).contains(&percent) {
            errors.push(FieldError {
                field: "percent",
                message: "The discount must be between 1 % and the configured limit.",
            });
        }
        let why = Reason::parse(why);
        if why.is_none()
            && let Err(OrderError::Invalid(mut fields)) = reason("")
        {
            errors.append(&mut fields);
        }
        let (Some(why), true) = (why, errors.is_empty()) else {
            return Err(OrderError::Invalid(errors));
        };
        let record = self.any_order(id).await?;
        let price = record.price_cents - record.price_cents * u64::from(percent) / 100;
        if record.state != OrderState::Quote
            || !self
                .store
                .orders()
                .discount(id, percent, price, self.clock.now())
                .await?
        {
            return Err(OrderError::Conflict);
        }
        self.audit_log()
            .record(
                actor,
                Audited::on(AuditAction::DiscountGiven, record.customer, Some(&why)),
            )
            .await?;
        tracing::warn!(target: "helio::activity", event = "price_changed", order = %id, by = %actor.account, percent, from_cents = record.price_cents, to_cents = price, "discount given on an order");
        self.audit_high_value(
            actor,
            record.customer,
            "discount",
            id,
            record.price_cents - price,
        )
        .await?;
        Ok(record.customer)
    }
}
