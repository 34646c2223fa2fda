//! An installer crew's work (SYS-1): its calendar (the provinces it serves and how many jobs
//! it can take each day) and its job board (offers to accept or decline, jobs to work).
//! Installers reach only their own crew's (AC-5): the crew comes from the signed-in
//! installer's membership, never from the request, and every offer and job is looked up
//! with the crew in the query. A job's full address is shown only from acceptance until
//! completion (`OrderState::crew_sees_address`), and each showing is audited.

use std::sync::Arc;

use helio_core::access::{Capability, permits};
use helio_core::audit::AuditAction;
use helio_core::crypto::field::FieldContext;
use helio_core::dispatch::{OfferId, OfferState};
use helio_core::order::{OrderEvent, OrderId, OrderState, Party, TransitionRefused, next};
use helio_core::partner::CrewId;
use helio_core::quote::province_name;
use helio_core::schedule::{Day, HORIZON_DAYS, MAX_DAILY_JOBS};
use helio_core::time::{Clock, Timestamp};
use helio_core::values::FieldError;
use helio_store::{
    CrewDay, OfferRecord, OrderEventRecord, OrderRecord, PassedOn, Store, StoreError,
};

use super::audit_log::{Actor, AuditError, AuditLog, Audited};
use super::dispatch::{self, Leaving};
use super::keyring::Keyring;
use super::notify::{Notice, Notifier};

/// Why a calendar change is refused.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The input is invalid; each field says why.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Not an installer in a crew.
    #[error("not permitted")]
    Forbidden,
    /// More jobs are booked than the new capacity.
    #[error("capacity below bookings")]
    BelowBookings,
    /// No such offer or job of this crew (another crew's is "not found" too).
    #[error("not found")]
    NotFound,
    /// The offer is no longer open (taken, declined, lapsed), or the job moved meanwhile.
    #[error("no longer open")]
    Gone,
    /// The state machine refuses the move.
    #[error("move refused")]
    Refused(TransitionRefused),
    /// Stored data did not decrypt.
    #[error("stored data is unreadable")]
    Unreadable,
    /// The audit trail refused the entry.
    #[error("audit failure")]
    Audit(#[from] AuditError),
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
}

/// A crew's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Its name.
    pub crew: String,
    /// The provinces it serves, by code.
    pub provinces: Vec<String>,
    /// Its published days from tomorrow.
    pub days: Vec<CrewDay>,
}

/// A job offered to the crew, as the board shows it: where (city and province) and when,
/// never the street.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferView {
    /// The offer.
    pub offer: OfferId,
    /// The job's order.
    pub order: OrderId,
    /// The day booked.
    pub day: Day,
    /// The job site's city.
    pub city: String,
    /// Its province's name.
    pub province: &'static str,
    /// Panels to install.
    pub panels: u32,
    /// Peak power, watts.
    pub system_watts: u64,
    /// When the offer lapses.
    pub expires_at: Timestamp,
}

/// A job the crew took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    /// The job's order.
    pub order: OrderId,
    /// Where it stands.
    pub state: OrderState,
    /// The day booked.
    pub day: Option<Day>,
    /// The job site's city.
    pub city: String,
    /// Panels to install.
    pub panels: u32,
    /// Peak power, watts.
    pub system_watts: u64,
    /// The full address (street, postal code, country), only while the crew may see it.
    pub site: Option<String>,
}

/// The crew's job board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// The crew's name.
    pub crew: String,
    /// Open offers, soonest to lapse first.
    pub offers: Vec<OfferView>,
    /// Jobs taken, latest day first (no addresses: the job's own page shows it).
    pub jobs: Vec<JobView>,
}

/// How many jobs the board lists.
const BOARD_LIMIT: u32 = 100;

/// How many lapsed offers one sweep passes on.
const SWEEP_BATCH: u32 = 100;

fn field<'a>(order: &'a OrderId, column: &'static str) -> FieldContext<'a> {
    FieldContext {
        table: "orders",
        column,
        row: order.as_bytes(),
    }
}

/// The crews' calendars and job boards. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Jobs {
    store: Store,
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
}

impl Jobs {
    /// The service over its store, keys (job sites are encrypted) and clock.
    #[must_use]
    pub fn new(store: Store, keys: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self { store, keys, clock }
    }

    async fn open(
        &self,
        sealed: &[u8],
        id: &OrderId,
        column: &'static str,
    ) -> Result<String, JobsError> {
        self.keys
            .decrypt(sealed, field(id, column))
            .await
            .map(|text| text.to_string())
            .map_err(|_| JobsError::Unreadable)
    }

    /// The actor's crew's board: open offers and jobs taken.
    pub async fn board(&self, actor: &Actor) -> Result<Board, JobsError> {
        let (crew, name) = self.crew_of(actor).await?;
        let now = self.clock.now();
        let mut offers = Vec::new();
        for offer in self.store.dispatch().open_offers_of(crew, now).await? {
            let Some(order) = self.store.orders().by_id(offer.order).await? else {
                continue;
            };
            let Some(day) = order.booked_day else {
                continue;
            };
            offers.push(OfferView {
                offer: offer.id,
                order: order.id,
                day: Day::from_number(day),
                city: self.open(&order.city_ct, &order.id, "city").await?,
                province: order
                    .province
                    .as_deref()
                    .and_then(province_name)
                    .unwrap_or("?"),
                panels: order.panels,
                system_watts: order.system_watts,
                expires_at: offer.expires_at,
            });
        }
        let mut jobs = Vec::new();
        for order in self.store.orders().jobs_of_crew(crew, BOARD_LIMIT).await? {
            jobs.push(JobView {
                city: self.open(&order.city_ct, &order.id, "city").await?,
                order: order.id,
                state: order.state,
                day: order.booked_day.map(Day::from_number),
                panels: order.panels,
                system_watts: order.system_watts,
                site: None,
            });
        }
        Ok(Board {
            crew: name,
            offers,
            jobs,
        })
    }

    /// The actor's crew's job `id`: the one object-level check for crews (a job of another
    /// crew, or not yet accepted, is [`JobsError::NotFound`]).
    async fn own_job(
        &self,
        actor: &Actor,
        id: OrderId,
    ) -> Result<(CrewId, OrderRecord), JobsError> {
        let (crew, _) = self.crew_of(actor).await?;
        let order = self
            .store
            .orders()
            .by_id(id)
            .await?
            .filter(|order| order.booked_crew == Some(crew))
            .filter(|order| order.state.taken_by_crew())
            .ok_or(JobsError::NotFound)?;
        Ok((crew, order))
    }

    /// One job of the actor's crew, with its full address while the crew may see it (that
    /// showing is audited, with the customer as its subject).
    pub async fn job(&self, actor: &Actor, id: OrderId) -> Result<JobView, JobsError> {
        let (_, order) = self.own_job(actor, id).await?;
        let site = if order.state.crew_sees_address() {
            AuditLog::new(self.store.clone(), Arc::clone(&self.clock))
                .record(
                    actor,
                    Audited::on(AuditAction::JobSiteViewed, order.customer, None),
                )
                .await?;
            Some(self.open(&order.address_ct, &id, "address").await?)
        } else {
            None
        };
        Ok(JobView {
            city: self.open(&order.city_ct, &id, "city").await?,
            order: id,
            state: order.state,
            day: order.booked_day.map(Day::from_number),
            panels: order.panels,
            system_watts: order.system_watts,
            site,
        })
    }

    async fn own_open_offer(&self, crew: CrewId, id: OfferId) -> Result<OfferRecord, JobsError> {
        let offer = self
            .store
            .dispatch()
            .offer(id)
            .await?
            .filter(|offer| offer.crew == crew)
            .ok_or(JobsError::NotFound)?;
        if offer.state != OfferState::Open || offer.expires_at <= self.clock.now() {
            return Err(JobsError::Gone);
        }
        Ok(offer)
    }

    /// The actor's crew takes the job offered (scheduled → assigned); the job's order.
    /// Of any number of concurrent acceptances, one wins; the others get [`JobsError::Gone`].
    pub async fn accept(&self, actor: &Actor, id: OfferId) -> Result<OrderId, JobsError> {
        let (crew, _) = self.crew_of(actor).await?;
        let offer = self.own_open_offer(crew, id).await?;
        let to = next(OrderState::Scheduled, OrderEvent::Assign, Party::Crew)
            .map_err(JobsError::Refused)?;
        let moved = OrderEventRecord::moving(
            self.clock.next_ordered(),
            OrderEvent::Assign,
            OrderState::Scheduled,
            to,
            Some(actor.account),
            Party::Crew,
        );
        if !self
            .store
            .dispatch()
            .accept(id, crew, offer.order, &moved)
            .await?
        {
            return Err(JobsError::Gone);
        }
        tracing::info!(target: "helio::activity", event = "job_accepted", order = %offer.order, %crew, by = %actor.account, "crew accepted the job");
        if let Some(order) = self.store.orders().by_id(offer.order).await? {
            Notifier::new(&self.store, &self.keys)
                .customer(order.customer, order.id, Notice::CREW_ASSIGNED)
                .await;
        }
        Ok(offer.order)
    }

    /// The actor's crew declines the job offered; it goes to the next crew.
    pub async fn decline(&self, actor: &Actor, id: OfferId) -> Result<(), JobsError> {
        let (crew, _) = self.crew_of(actor).await?;
        let offer = self.own_open_offer(crew, id).await?;
        match dispatch::pass_on(
            &self.store,
            &self.keys,
            self.clock.as_ref(),
            offer.order,
            Leaving::Offer(&offer, OfferState::Declined),
        )
        .await?
        {
            PassedOn::NotOpen => Err(JobsError::Gone),
            PassedOn::Offered(_) | PassedOn::Unbooked => Ok(()),
        }
    }

    /// The actor's crew reports its job surveyed or installed.
    pub async fn report(
        &self,
        actor: &Actor,
        id: OrderId,
        event: OrderEvent,
    ) -> Result<OrderState, JobsError> {
        let (crew, order) = self.own_job(actor, id).await?;
        if !matches!(event, OrderEvent::Survey | OrderEvent::Install) {
            return Err(JobsError::Refused(TransitionRefused::NotYours));
        }
        let to = next(order.state, event, Party::Crew).map_err(JobsError::Refused)?;
        let moved = OrderEventRecord::moving(
            self.clock.next_ordered(),
            event,
            order.state,
            to,
            Some(actor.account),
            Party::Crew,
        );
        if !self
            .store
            .orders()
            .advance_by_crew(id, crew, &moved)
            .await?
        {
            return Err(JobsError::Gone);
        }
        tracing::info!(target: "helio::activity", event = "job_reported", order = %id, %crew, to = to.as_str(), "crew reported progress");
        Notifier::new(&self.store, &self.keys)
            .customer(order.customer, id, Notice::STATUS_CHANGED)
            .await;
        Ok(to)
    }

    /// The actor's crew gives its accepted job back before surveying (assigned → scheduled);
    /// it goes to the next crew not yet asked.
    pub async fn hand_back(&self, actor: &Actor, id: OrderId) -> Result<(), JobsError> {
        let (crew, order) = self.own_job(actor, id).await?;
        let to =
            next(order.state, OrderEvent::Unassign, Party::Crew).map_err(JobsError::Refused)?;
        let moved = OrderEventRecord::moving(
            self.clock.next_ordered(),
            OrderEvent::Unassign,
            order.state,
            to,
            Some(actor.account),
            Party::Crew,
        );
        tracing::info!(target: "helio::activity", event = "job_handed_back", order = %id, %crew, "crew gave the job back");
        match dispatch::pass_on(
            &self.store,
            &self.keys,
            self.clock.as_ref(),
            id,
            Leaving::Taken(moved),
        )
        .await?
        {
            PassedOn::NotOpen => Err(JobsError::Gone),
            PassedOn::Offered(_) | PassedOn::Unbooked => Ok(()),
        }
    }

    /// Passes every lapsed offer on to the next crew; how many were passed on.
    pub async fn sweep(&self) -> Result<usize, StoreError> {
        let lapsed = self
            .store
            .dispatch()
            .lapsed(self.clock.now(), SWEEP_BATCH)
            .await?;
        let mut passed = 0;
        for offer in &lapsed {
            if dispatch::pass_on(
                &self.store,
                &self.keys,
                self.clock.as_ref(),
                offer.order,
                Leaving::Offer(offer, OfferState::Lapsed),
            )
            .await?
                != PassedOn::NotOpen
            {
                passed += 1;
            }
        }
        Ok(passed)
    }

    async fn crew_of(&self, actor: &Actor) -> Result<(CrewId, String), JobsError> {
        if !permits(actor.role, Capability::WorkJobs) {
            return Err(JobsError::Forbidden);
        }
        let crew = self
            .store
            .partners()
            .crew_of(actor.account)
            .await?
            .ok_or(JobsError::Forbidden)?;
        Ok((crew.id, crew.name))
    }

    /// The actor's crew's calendar.
    pub async fn calendar(&self, actor: &Actor) -> Result<Calendar, JobsError> {
        let (crew, name) = self.crew_of(actor).await?;
        let schedule = self.store.crew_schedule();
        let today = Day::of(self.clock.now());
        Ok(Calendar {
            crew: name,
            provinces: schedule.areas(crew).await?,
            days: schedule
                .days_of(
                    crew,
                    today.next(),
                    Day::from_number(today.number() + HORIZON_DAYS),
                )
                .await?,
        })
    }

    /// Sets the provinces the actor's crew serves, from two-digit codes separated by commas
    /// or spaces (`28, 45`).
    pub async fn set_area(&self, actor: &Actor, typed: &str) -> Result<(), JobsError> {
        let (crew, _) = self.crew_of(actor).await?;
        let mut provinces: Vec<String> = Vec::new();
        for code in typed
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if code.len() != 2 || province_name(code).is_none() {
                return Err(JobsError::Invalid(vec![FieldError {
                    field: "provinces",
                    message: "Give province codes (the first two digits of their postal codes, 01 to 52), separated by commas.",
                }]));
            }
            if !provinces.iter().any(|p| p == code) {
                provinces.push(code.to_owned());
            }
        }
        self.store
            .crew_schedule()
            .set_areas(crew, &provinces)
            .await?;
        Ok(())
    }

    /// Sets how many jobs the actor's crew can take on `day` (0 to 10; never below what is
    /// already booked).
    pub async fn set_capacity(
        &self,
        actor: &Actor,
        day: &str,
        capacity: u32,
    ) -> Result<(), JobsError> {
        let (crew, _) = self.crew_of(actor).await?;
        let mut errors = Vec::new();
        let day = Day::parse(day).map_err(|e| errors.push(e)).ok();
        if let Some(day) = day
            && !day.bookable_at(self.clock.now())
        {
            errors.push(FieldError {
                field: "day",
                message: "Choose a day from tomorrow to 90 days ahead.",
            });
        }
        if capacity > MAX_DAILY_JOBS {
            errors.push(FieldError {
                field: "capacity",
                message: "A crew takes 0 to 10 jobs a day.",
            });
        }
        let (Some(day), true) = (day, errors.is_empty()) else {
            return Err(JobsError::Invalid(errors));
        };
        if self
            .store
            .crew_schedule()
            .set_capacity(crew, day, capacity)
            .await?
        {
            Ok(())
        } else {
            Err(JobsError::BelowBookings)
        }
    }
}

/// Sweeps lapsed offers every `every`, for as long as the server runs. Every replica may
/// run one: passing an offer on is a compare-and-swap, so each lapse is handled once.
pub async fn run_sweeper(jobs: Jobs, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        if let Err(error) = jobs.sweep().await {
            tracing::warn!(%error, "offer sweep failed; trying again later");
        }
    }
}
