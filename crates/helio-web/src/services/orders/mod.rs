//! A customer's orders (SYS-1, SYS-2, AC-5): created from a quote the server computes again
//! (the client never sends a price), once per idempotency key; listed, shown with their
//! timeline, and moved only as `helio_core::order::next` allows. Every read and move names
//! the customer, so another customer's order ID is "not found".

use std::sync::Arc;

use helio_core::account::AccountId;
use helio_core::crypto::blind_index::{BlindIndexer, IndexPurpose};
use helio_core::crypto::field::FieldContext;
use helio_core::crypto::random_bytes;
use helio_core::dispatch::Stars;
use helio_core::order::{
    IdempotencyKey, OrderEvent, OrderId, OrderState, Party, TransitionRefused, next,
};
use helio_core::payment::{PaymentToken, deposit_cents};
use helio_core::quote::{self, PricingModel, QuoteRequest};
use helio_core::schedule::{Day, HORIZON_DAYS};
use helio_core::security_event::{Budget, SecurityEvent};
use helio_core::throttle::ThrottlePolicy;
use helio_core::time::{Clock, Timestamp};
use helio_core::values::{Address, FieldError};
use helio_store::{
    Booked, OrderEventRecord, OrderRecord, PaymentKind, PaymentRecord, Store, StoreError,
};

use super::audit_log::{Actor, AuditError};
use super::counters::{self, CounterError};
use super::dispatch;
use super::keyring::Keyring;
use super::notify::{Notice, Notifier};
use super::payments::{PaymentProvider, ProviderError};
use super::quotes::{self, QuoteInput};

/// What a customer sends to order: the quote's facts and the job site.
#[derive(Debug, Clone, Copy)]
pub struct OrderInput<'a> {
    /// Street and number of the house.
    pub street: &'a str,
    /// Its postal code (also the quote's location).
    pub postal_code: &'a str,
    /// Its city.
    pub city: &'a str,
    /// kWh a month.
    pub monthly_kwh: Option<f64>,
    /// Or the bill, cents…
    pub monthly_bill_cents: Option<u64>,
    /// …at this tariff.
    pub tariff_cents_per_kwh: Option<f64>,
    /// Usable roof, m².
    pub roof_m2: Option<f64>,
    /// The client's name for this attempt.
    pub idempotency_key: &'a str,
    /// The address the request came from (orders are budgeted per source too).
    pub source: std::net::IpAddr,
}

/// Why an order action is refused.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The input is invalid; each field says why.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// No such order of this customer.
    #[error("not found")]
    NotFound,
    /// The caller's role does not hold what this needs.
    #[error("not permitted")]
    Forbidden,
    /// The state machine refuses the move.
    #[error("move refused")]
    Refused(TransitionRefused),
    /// The order moved meanwhile.
    #[error("the order changed")]
    Conflict,
    /// Too many orders this hour.
    #[error("too many orders")]
    TooMany,
    /// The provider declined the payment.
    #[error("payment declined")]
    Declined,
    /// No payment provider is configured, or it failed; nothing was charged.
    #[error("payments unavailable")]
    PaymentsUnavailable,
    /// Stored data did not decrypt.
    #[error("stored data is unreadable")]
    Unreadable,
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// The audit trail refused the entry.
    #[error("audit failure")]
    Audit(#[from] AuditError),
}

impl From<CounterError> for OrderError {
    fn from(error: CounterError) -> Self {
        match error {
            CounterError::Store(error) => Self::Store(error),
            CounterError::Contended => Self::TooMany,
        }
    }
}

/// An order as its customer sees it.
#[derive(Clone)]
pub struct OrderView {
    /// The order.
    pub id: OrderId,
    /// Where it stands.
    pub state: OrderState,
    /// Panels.
    pub panels: u32,
    /// Peak power, watts.
    pub system_watts: u64,
    /// First-year production, kWh.
    pub yearly_kwh: u64,
    /// Price, cents.
    pub price_cents: u64,
    /// What has been paid, cents.
    pub paid_cents: u64,
    /// The job site's street, postal code and country, one per line.
    pub site: String,
    /// The job site's city.
    pub city: String,
    /// Created.
    pub created_at: Timestamp,
    /// The installation day, once booked.
    pub booked_day: Option<Day>,
    /// The customer's rating of the job, once given.
    pub rating: Option<Stars>,
    /// Its moves, oldest first.
    pub timeline: Vec<OrderEventRecord>,
}

mod refunds;
mod staff;

pub use refunds::{RefundOutcome, RefundView};
pub use staff::StaffOrder;

/// How many orders a customer's list shows.
const LIST_LIMIT: u32 = 50;

fn field<'a>(order: &'a OrderId, column: &'static str) -> FieldContext<'a> {
    FieldContext {
        table: "orders",
        column,
        row: order.as_bytes(),
    }
}

/// The orders service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Orders {
    store: Store,
    keys: Arc<Keyring>,
    indexer: Arc<BlindIndexer>,
    clock: Arc<dyn Clock>,
    model: PricingModel,
    provider: Option<Arc<dyn PaymentProvider>>,
}

impl Orders {
    /// The service over its dependencies, the configured price model and the payment
    /// provider (`None`: payments are refused as unavailable).
    #[must_use]
    pub fn new(
        store: Store,
        keys: Arc<Keyring>,
        indexer: Arc<BlindIndexer>,
        clock: Arc<dyn Clock>,
        model: PricingModel,
        provider: Option<Arc<dyn PaymentProvider>>,
    ) -> Self {
        Self {
            store,
            keys,
            indexer,
            clock,
            model,
            provider,
        }
    }

    /// The largest discount sales may give, percent.
    #[must_use]
    pub fn max_discount_percent(&self) -> u32 {
        self.model.max_discount_percent
    }

    /// The largest refund support may make without an admin, cents.
    #[must_use]
    pub fn refund_limit_cents(&self) -> u64 {
        self.model.refund_limit_cents
    }

    /// The days the customer's ordered order can be booked on: from tomorrow, within the
    /// horizon, where a crew serving its province has room.
    pub async fn free_days(
        &self,
        customer: AccountId,
        id: OrderId,
    ) -> Result<Vec<Day>, OrderError> {
        let record = self.own(customer, id).await?;
        let Some(province) = record
            .province
            .filter(|_| record.state == OrderState::Ordered)
        else {
            return Ok(Vec::new());
        };
        let today = Day::of(self.clock.now());
        Ok(self
            .store
            .crew_schedule()
            .free_days(
                &province,
                today.next(),
                Day::from_number(today.number() + HORIZON_DAYS),
            )
            .await?)
    }

    /// Books the customer's ordered order on `day` (`YYYY-MM-DD`) with a crew serving its
    /// province that has room; the last slot of a day goes to one booking only.
    pub async fn book(
        &self,
        customer: AccountId,
        id: OrderId,
        day: &str,
    ) -> Result<Day, OrderError> {
        let day = Day::parse(day).map_err(|e| OrderError::Invalid(vec![e]))?;
        if !day.bookable_at(self.clock.now()) {
            return Err(OrderError::Invalid(vec![FieldError {
                field: "day",
                message: "Choose a day from tomorrow to 90 days ahead.",
            }]));
        }
        let record = self.own(customer, id).await?;
        let to =
            next(record.state, OrderEvent::Book, Party::Customer).map_err(OrderError::Refused)?;
        let province = record.province.ok_or_else(|| {
            OrderError::Invalid(vec![FieldError {
                field: "day",
                message: "No crew serves this address yet; support will contact you.",
            }])
        })?;
        let moved = OrderEventRecord::moving(
            self.clock.next_ordered(),
            OrderEvent::Book,
            record.state,
            to,
            Some(customer),
            Party::Customer,
        );
        let ranked = dispatch::ranked_crews(&self.store, &province, day, &[]).await?;
        match self
            .store
            .crew_schedule()
            .book(
                id,
                day,
                &ranked,
                &moved,
                &dispatch::new_offer(self.clock.as_ref()),
            )
            .await?
        {
            Booked::Crew(crew) => {
                tracing::info!(target: "helio::activity", event = "order_booked", order = %id, crew = %crew, day = %day.format(), "installation day booked; the job is offered to the crew");
                Notifier::new(&self.store, &self.keys)
                    .crew(crew, Notice::JOB_OFFERED)
                    .await;
                Ok(day)
            }
            Booked::Full => Err(OrderError::Invalid(vec![FieldError {
                field: "day",
                message: "That day is no longer free; choose another.",
            }])),
            Booked::OrderMoved => Err(OrderError::Conflict),
        }
    }

    /// Moves order `id` on `event` (giving its day up, or cancelling) as `party`, and lets
    /// go of its booked day: the crew's capacity is freed and an open offer withdrawn.
    pub(crate) async fn let_go(
        &self,
        record: &OrderRecord,
        event: OrderEvent,
        actor: AccountId,
        party: Party,
    ) -> Result<OrderState, OrderError> {
        let to = next(record.state, event, party).map_err(OrderError::Refused)?;
        let moved = OrderEventRecord::moving(
            self.clock.next_ordered(),
            event,
            record.state,
            to,
            Some(actor),
            party,
        );
        if self
            .store
            .crew_schedule()
            .move_and_free_day(record.id, &moved)
            .await?
        {
            tracing::info!(target: "helio::activity", event = "order_moved", order = %record.id, from = record.state.as_str(), to = to.as_str(), party = party.as_str(), "order moved");
            Ok(to)
        } else {
            Err(OrderError::Conflict)
        }
    }

    /// The customer gives up their order's booked day, to book another.
    pub async fn unbook_as_customer(
        &self,
        customer: AccountId,
        id: OrderId,
    ) -> Result<(), OrderError> {
        let record = self.own(customer, id).await?;
        self.let_go(&record, OrderEvent::Unbook, customer, Party::Customer)
            .await
            .map(|_| ())
    }

    /// Whether a payment provider is configured.
    #[must_use]
    pub fn payments_available(&self) -> bool {
        self.provider.is_some()
    }

    /// Pays the deposit of the customer's priced order with a provider token, and orders
    /// it (quote → ordered).
    pub async fn pay_deposit(
        &self,
        customer: &Actor,
        id: OrderId,
        token: &str,
        idempotency_key: &str,
    ) -> Result<(), OrderError> {
        self.pay(customer, id, PaymentKind::Deposit, token, idempotency_key)
            .await
    }

    /// Pays the balance of the customer's inspected order (the price less the deposit)
    /// with a provider token, and completes it (inspected → completed).
    pub async fn pay_balance(
        &self,
        customer: &Actor,
        id: OrderId,
        token: &str,
        idempotency_key: &str,
    ) -> Result<(), OrderError> {
        self.pay(customer, id, PaymentKind::Balance, token, idempotency_key)
            .await
    }

    /// Charges a deposit or a balance and makes the move it pays for, together. The same
    /// idempotency key again returns the first payment's outcome and charges nothing. If the
    /// order moved meanwhile (another attempt paid it), the charge is refunded and
    /// [`OrderError::Conflict`] returned.
    async fn pay(
        &self,
        actor: &Actor,
        id: OrderId,
        kind: PaymentKind,
        token: &str,
        idempotency_key: &str,
    ) -> Result<(), OrderError> {
        let customer = actor.account;
        let mut errors = Vec::new();
        let key = IdempotencyKey::parse(idempotency_key)
            .map_err(|e| errors.push(e))
            .ok();
        let token = PaymentToken::parse(token).map_err(|e| errors.push(e)).ok();
        let record = self.own(customer, id).await?;
        let (Some(key), Some(token)) = (key, token) else {
            return Err(OrderError::Invalid(errors));
        };
        let payments = self.store.payments();
        if payments
            .by_idempotency(id, kind, &key.hash())
            .await?
            .is_some()
        {
            return Ok(());
        }
        let (event, notice) = match kind {
            PaymentKind::Deposit => (OrderEvent::Place, Notice::ORDER_CONFIRMED),
            PaymentKind::Balance => (OrderEvent::Complete, Notice::ORDER_COMPLETED),
            PaymentKind::Refund => return Err(OrderError::Forbidden),
        };
        let to = next(record.state, event, Party::Customer).map_err(OrderError::Refused)?;
        let amount = match kind {
            PaymentKind::Deposit => deposit_cents(record.price_cents),
            PaymentKind::Balance | PaymentKind::Refund => record
                .price_cents
                .saturating_sub(self.paid_cents(id).await?),
        };
        if amount == 0 {
            return Err(OrderError::Conflict);
        }
        let provider = self
            .provider
            .as_ref()
            .ok_or(OrderError::PaymentsUnavailable)?;
        let reference = match provider.charge(&token, amount, &key).await {
            Ok(reference) => reference,
            Err(ProviderError::Declined) => {
                tracing::info!(target: "helio::activity", event = "payment_declined", kind = kind.as_str(), order = %id, account = %customer, "payment declined by the provider");
                return Err(OrderError::Declined);
            }
            Err(ProviderError::Unavailable) => return Err(OrderError::PaymentsUnavailable),
        };
        let now = self.clock.next_ordered();
        let payment = PaymentRecord {
            id: random_bytes(),
            order: id,
            kind,
            amount_cents: amount,
            provider_ref: reference.clone(),
            idempotency_hash: key.hash(),
            created_at: now,
        };
        let moved = OrderEventRecord::moving(
            now,
            event,
            record.state,
            to,
            Some(customer),
            Party::Customer,
        );
        match payments.record_with_move(&payment, &moved).await {
            Ok(true) => {
                tracing::info!(target: "helio::activity", event = "payment_captured", kind = kind.as_str(), order = %id, account = %customer, amount_cents = amount, to = to.as_str(), "payment captured; order moved");
                Notifier::new(&self.store, &self.keys)
                    .customer(customer, id, notice)
                    .await;
                self.audit_high_value(actor, customer, kind.as_str(), id, amount)
                    .await
            }
            // The same key raced us and won: its payment is this request's too.
            Err(StoreError::Conflict)
                if payments
                    .by_idempotency(id, kind, &key.hash())
                    .await?
                    .is_some() =>
            {
                Ok(())
            }
            Ok(false) | Err(StoreError::Conflict) => {
                // Another attempt paid this order first: give this charge back.
                let refund_key = format!("refund-{}", key.as_str());
                if provider
                    .refund(&reference, amount, &refund_key)
                    .await
                    .is_err()
                {
                    tracing::error!(target: "helio::activity", event = "refund_failed", order = %id, "a duplicate payment could not be refunded automatically; support must refund it");
                }
                Err(OrderError::Conflict)
            }
            Err(other) => Err(other.into()),
        }
    }

    /// What has been paid on the order (deposit and balance, less nothing: refunds are
    /// counted separately), cents.
    async fn paid_cents(&self, id: OrderId) -> Result<u64, OrderError> {
        Ok(self
            .store
            .payments()
            .of_order(id)
            .await?
            .iter()
            .map(|p| match p.kind {
                PaymentKind::Refund => 0,
                PaymentKind::Deposit | PaymentKind::Balance => p.amount_cents,
            })
            .sum())
    }

    /// Orders the quoted system for `customer`. The same idempotency key again returns the
    /// first order (`false`: nothing new was created), whatever else the request says.
    pub async fn place(
        &self,
        customer: AccountId,
        input: &OrderInput<'_>,
    ) -> Result<(OrderId, bool), OrderError> {
        let key = IdempotencyKey::parse(input.idempotency_key)
            .map_err(|e| OrderError::Invalid(vec![e]))?;
        let hash = key.hash();
        let orders = self.store.orders();
        if let Some(existing) = orders.by_idempotency(customer, &hash).await? {
            return Ok((existing.id, false));
        }
        let mut errors = Vec::new();
        let address = Address::parse(input.street, input.postal_code, input.city, "ES")
            .map_err(|mut e| errors.append(&mut e))
            .ok();
        let asked = quotes::request(&QuoteInput {
            postal_code: Some(input.postal_code),
            latitude: None,
            monthly_kwh: input.monthly_kwh,
            monthly_bill_cents: input.monthly_bill_cents,
            tariff_cents_per_kwh: input.tariff_cents_per_kwh,
            roof_m2: input.roof_m2,
        })
        .map_err(|mut e| errors.append(&mut e))
        .ok();
        let (Some(address), Some(asked), true) = (address, asked, errors.is_empty()) else {
            errors.dedup_by_key(|e| e.field);
            return Err(OrderError::Invalid(errors));
        };
        let priced = quote::quote(&asked, &self.model).map_err(|_| {
            OrderError::Invalid(vec![FieldError {
                field: "roof_m2",
                message: "Not even one panel fits on this roof area.",
            }])
        })?;
        let budget = self
            .indexer
            .index(IndexPurpose::ThrottleAccount, &format!("orders|{customer}"));
        if !counters::spend(
            &self.store,
            &budget,
            ThrottlePolicy::ORDERS,
            self.clock.now(),
        )
        .await?
        {
            crate::services::security_log::log_only(&SecurityEvent::budget_spent(
                Budget::Orders,
                Some(customer),
            ));
            return Err(OrderError::TooMany);
        }
        if !counters::spend_source_budget(
            &self.store,
            &self.indexer,
            "orders",
            input.source,
            ThrottlePolicy::ORDERS_PER_SOURCE,
            self.clock.now(),
        )
        .await?
        {
            crate::services::security_log::log_only(&SecurityEvent::budget_spent(
                Budget::SourceOrders,
                Some(customer),
            ));
            return Err(OrderError::TooMany);
        }
        let id = OrderId::random();
        let cipher = self.keys.current();
        let now = self.clock.next_ordered();
        let site = format!(
            "{}\n{}\n{}",
            address.street(),
            address.postal_code(),
            address.country().as_str()
        );
        let record = OrderRecord {
            id,
            customer,
            state: OrderState::Quote,
            panels: priced.panels,
            system_watts: u64::from(priced.panels) * u64::from(self.model.panel_watts),
            yearly_kwh: quote::whole(priced.yearly_kwh),
            price_cents: priced.price_cents,
            latitude_milli: latitude_milli(&asked),
            address_ct: cipher.encrypt(&site, field(&id, "address")),
            city_ct: cipher.encrypt(address.city(), field(&id, "city")),
            data_key_version: cipher.current_version(),
            idempotency_hash: hash,
            created_at: now,
            updated_at: now,
            province: quote::province_of(address.postal_code()).map(str::to_owned),
            discount_percent: 0,
            booked_day: None,
            booked_crew: None,
        };
        let created = OrderEventRecord {
            id: random_bytes(),
            at: now,
            event: None,
            from: None,
            to: OrderState::Quote,
            actor: Some(customer),
            party: Party::Customer,
        };
        match orders.insert(&record, &created).await {
            Ok(()) => {
                tracing::info!(target: "helio::activity", event = "order_created", order = %id, account = %customer, price_cents = priced.price_cents, "order created from a quote");
                Ok((id, true))
            }
            // A concurrent retry with the same key won: its order is this request's too.
            Err(StoreError::Conflict) => orders
                .by_idempotency(customer, &hash)
                .await?
                .map(|existing| (existing.id, false))
                .ok_or(OrderError::Conflict),
            Err(other) => Err(other.into()),
        }
    }

    /// The customer's orders, newest first, each with its timeline.
    pub async fn list(&self, customer: AccountId) -> Result<Vec<OrderView>, OrderError> {
        let mut views = Vec::new();
        for record in self
            .store
            .orders()
            .list_of_customer(customer, LIST_LIMIT)
            .await?
        {
            views.push(self.view_of(record).await?);
        }
        Ok(views)
    }

    /// The customer's order `id`; another customer's is [`OrderError::NotFound`].
    pub async fn view(&self, customer: AccountId, id: OrderId) -> Result<OrderView, OrderError> {
        let record = self.own(customer, id).await?;
        self.view_of(record).await
    }

    /// The customer's own order `id`: the one object-level check for customers (another
    /// customer's order is [`OrderError::NotFound`], never "forbidden").
    async fn own(&self, customer: AccountId, id: OrderId) -> Result<OrderRecord, OrderError> {
        self.store
            .orders()
            .of_customer(customer, id)
            .await?
            .ok_or(OrderError::NotFound)
    }

    async fn open(
        &self,
        sealed: &[u8],
        id: &OrderId,
        column: &'static str,
    ) -> Result<String, OrderError> {
        self.keys
            .decrypt(sealed, field(id, column))
            .await
            .map(|text| text.to_string())
            .map_err(|_| OrderError::Unreadable)
    }

    async fn view_of(&self, record: OrderRecord) -> Result<OrderView, OrderError> {
        let id = record.id;
        let site = self.open(&record.address_ct, &id, "address").await?;
        let city = self.open(&record.city_ct, &id, "city").await?;
        Ok(OrderView {
            id,
            state: record.state,
            panels: record.panels,
            system_watts: record.system_watts,
            yearly_kwh: record.yearly_kwh,
            price_cents: record.price_cents,
            paid_cents: self.paid_cents(id).await?,
            site,
            city,
            created_at: record.created_at,
            booked_day: record.booked_day.map(Day::from_number),
            rating: self.store.dispatch().rating_of(id).await?,
            timeline: self.store.orders().events(id).await?,
        })
    }

    /// The customer rates the crew that did their completed order `id`, once.
    pub async fn rate(
        &self,
        customer: AccountId,
        id: OrderId,
        stars: &str,
    ) -> Result<Stars, OrderError> {
        let stars = Stars::parse(stars).map_err(|e| OrderError::Invalid(vec![e]))?;
        let record = self.own(customer, id).await?;
        let (OrderState::Completed, Some(crew)) = (record.state, record.booked_crew) else {
            return Err(OrderError::Refused(TransitionRefused::NotFromHere));
        };
        if self
            .store
            .dispatch()
            .rate(id, crew, customer, stars, self.clock.now())
            .await?
        {
            tracing::info!(target: "helio::activity", event = "job_rated", order = %id, %crew, stars = stars.get(), "customer rated the crew");
            Ok(stars)
        } else {
            Err(OrderError::Conflict)
        }
    }

    /// The customer cancels their order `id` from `source` (within the customer's and the
    /// source's hourly cancellation budgets, DS-2), freeing its booked day.
    pub async fn cancel_as_customer(
        &self,
        customer: AccountId,
        id: OrderId,
        source: std::net::IpAddr,
    ) -> Result<OrderState, OrderError> {
        let record = self.own(customer, id).await?;
        next(record.state, OrderEvent::Cancel, Party::Customer).map_err(OrderError::Refused)?;
        let budget = self.indexer.index(
            IndexPurpose::ThrottleAccount,
            &format!("cancellations|{customer}"),
        );
        if !counters::spend(
            &self.store,
            &budget,
            ThrottlePolicy::CANCELLATIONS,
            self.clock.now(),
        )
        .await?
        {
            crate::services::security_log::log_only(&SecurityEvent::budget_spent(
                Budget::Cancellations,
                Some(customer),
            ));
            return Err(OrderError::TooMany);
        }
        if !counters::spend_source_budget(
            &self.store,
            &self.indexer,
            "cancellations",
            source,
            ThrottlePolicy::CANCELLATIONS_PER_SOURCE,
            self.clock.now(),
        )
        .await?
        {
            crate::services::security_log::log_only(&SecurityEvent::budget_spent(
                Budget::SourceCancellations,
                Some(customer),
            ));
            return Err(OrderError::TooMany);
        }
        self.let_go(&record, OrderEvent::Cancel, customer, Party::Customer)
            .await
    }
}

fn latitude_milli(asked: &QuoteRequest) -> i32 {
    let milli = (asked.location.latitude() * 1_000.0).round();
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a latitude is within ±90,000 thousandths"
    )]
    let milli = milli.clamp(-90_000.0, 90_000.0) as i32;
    milli
}
