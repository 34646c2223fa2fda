//! Dispatch (SYS-1): ranks the crews that could take a job with `helio_core::dispatch::rank`
//! and passes a declined or lapsed offer on to the next crew not yet asked. Used by booking
//! (the first offer), by the job board (a decline) and by the sweeper (lapses).

use helio_core::dispatch::{Candidate, OFFER_LAPSE_MINUTES, OfferId, OfferState, rank};
use helio_core::order::{OrderEvent, OrderId, OrderState, Party, next};
use helio_core::partner::CrewId;
use helio_core::quote::capital_distance_km;
use helio_core::schedule::Day;
use helio_core::time::Clock;
use helio_store::{NewOffer, OfferRecord, OrderEventRecord, PassedOn, Store, StoreError};

use super::keyring::Keyring;
use super::notify::{Notice, Notifier};

/// A crew with no base is treated as this far from every job: it still gets work, after
/// the crews that said where they are.
const UNKNOWN_DISTANCE_KM: f64 = 1_000.0;

/// The crews serving `province` with room on `day`, best first, leaving out `asked`.
pub(crate) async fn ranked_crews(
    store: &Store,
    province: &str,
    day: Day,
    asked: &[CrewId],
) -> Result<Vec<CrewId>, StoreError> {
    let candidates = store
        .dispatch()
        .candidates(province, day)
        .await?
        .into_iter()
        .filter(|row| !asked.contains(&row.crew))
        .map(|row| Candidate {
            crew: row.crew,
            free: row.free,
            distance_km: row
                .base_province
                .as_deref()
                .and_then(|base| capital_distance_km(base, province))
                .unwrap_or(UNKNOWN_DISTANCE_KM),
            rating: row.rating,
        })
        .collect();
    Ok(rank(candidates).into_iter().map(|c| c.crew).collect())
}

/// A fresh offer, open from now until it lapses.
pub(crate) fn new_offer(clock: &dyn Clock) -> NewOffer {
    let now = clock.now();
    NewOffer {
        id: OfferId::random(),
        offered_at: now,
        expires_at: now.saturating_add(std::time::Duration::from_secs(OFFER_LAPSE_MINUTES * 60)),
    }
}

/// How a job leaves its crew before it is done.
pub(crate) enum Leaving<'a> {
    /// The crew's offer was declined or lapsed (`outcome`).
    Offer(&'a OfferRecord, OfferState),
    /// The accepted job is taken back (assigned → scheduled) by this move: support
    /// reassigning it, or the crew giving it back.
    Taken(OrderEventRecord),
}

/// Passes the order's job on to the next crew not yet asked, or, when no crew is left with
/// room that day, gives the order's day up and tells the customer.
pub(crate) async fn pass_on(
    store: &Store,
    keys: &Keyring,
    clock: &dyn Clock,
    order: OrderId,
    leaving: Leaving<'_>,
) -> Result<PassedOn, StoreError> {
    let Some(order) = store.orders().by_id(order).await? else {
        return Ok(PassedOn::NotOpen);
    };
    let expected = match leaving {
        Leaving::Offer(..) => OrderState::Scheduled,
        Leaving::Taken(_) => OrderState::Assigned,
    };
    let (Some(day), Some(province), true) = (
        order.booked_day,
        order.province.as_deref(),
        order.state == expected,
    ) else {
        return Ok(PassedOn::NotOpen);
    };
    let day = Day::from_number(day);
    let asked = store.dispatch().offered_crews(order.id).await?;
    let ranked = ranked_crews(store, province, day, &asked).await?;
    let to = next(OrderState::Scheduled, OrderEvent::Unbook, Party::System)
        .map_err(|_| StoreError::Corrupt("the state machine refuses the system's unbooking"))?;
    let fallback = OrderEventRecord::moving(
        clock.next_ordered(),
        OrderEvent::Unbook,
        OrderState::Scheduled,
        to,
        None,
        Party::System,
    );
    let offer = new_offer(clock);
    let (passed, why) = match leaving {
        Leaving::Offer(open, outcome) => (
            store
                .dispatch()
                .pass_on(open, outcome, clock.now(), day, &ranked, &offer, &fallback)
                .await?,
            outcome.as_str(),
        ),
        Leaving::Taken(moved) => (
            store
                .dispatch()
                .reassign(order.id, &moved, day, &ranked, &offer, &fallback)
                .await?,
            "taken back",
        ),
    };
    let notifier = Notifier::new(store, keys);
    match passed {
        PassedOn::Offered(crew) => {
            tracing::info!(target: "helio::activity", event = "job_offered", order = %order.id, %crew, why, "job passed on to the next crew");
            notifier.crew(crew, Notice::JOB_OFFERED).await;
        }
        PassedOn::Unbooked => {
            tracing::warn!(target: "helio::activity", event = "job_unplaced", order = %order.id, why, "no crew left for the booked day; the day was given up");
            notifier
                .customer(order.customer, order.id, Notice::DAY_RELEASED)
                .await;
        }
        PassedOn::NotOpen => {}
    }
    Ok(passed)
}
