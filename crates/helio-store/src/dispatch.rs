//! Job offers and ratings (SYS-1). An order has at most one open offer (a unique column
//! says so); accepting is the order's compare-and-swap move plus the offer's, in one
//! transaction, so two acceptances of one job give one assignment; passing an offer on frees
//! the crew's capacity and takes the next crew's in the same transaction.

use helio_core::account::AccountId;
use helio_core::dispatch::{CrewRating, OfferId, OfferState, Stars};
use helio_core::order::OrderId;
use helio_core::partner::CrewId;
use helio_core::schedule::Day;
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::crew_schedule::{release_crew_within, take_first_within};
use crate::error::crew_id;
use crate::orders::advance_within;
use crate::{OrderEventRecord, StoreError};

/// An offer about to be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewOffer {
    /// Its ID.
    pub id: OfferId,
    /// When it is made.
    pub offered_at: Timestamp,
    /// When it lapses.
    pub expires_at: Timestamp,
}

/// An offer as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferRecord {
    /// The offer.
    pub id: OfferId,
    /// The job.
    pub order: OrderId,
    /// The crew asked.
    pub crew: CrewId,
    /// Where it stands.
    pub state: OfferState,
    /// When it was made.
    pub offered_at: Timestamp,
    /// When it lapses (or lapsed).
    pub expires_at: Timestamp,
}

/// A crew that could take a job, as stored: room left that day, base and ratings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateRow {
    /// The crew.
    pub crew: CrewId,
    /// Jobs it can still take that day.
    pub free: u32,
    /// The province it works from, if it said.
    pub base_province: Option<String>,
    /// Its ratings.
    pub rating: CrewRating,
}

/// What passing an offer on did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassedOn {
    /// The job is now offered to this crew.
    Offered(CrewId),
    /// No other crew had room: the order gave its day up (scheduled → ordered).
    Unbooked,
    /// The offer was no longer open, or the order had moved (nothing written).
    NotOpen,
}

/// Reads and writes offers and ratings.
#[derive(Debug, Clone, Copy)]
pub struct Dispatch<'a> {
    pool: &'a AnyPool,
}

fn decode(row: &AnyRow) -> Result<OfferRecord, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let order: Vec<u8> = row.try_get(1)?;
    let state: String = row.try_get(3)?;
    Ok(OfferRecord {
        id: OfferId::from_bytes(
            id.try_into()
                .map_err(|_| StoreError::Corrupt("offer id size"))?,
        ),
        order: OrderId::from_bytes(
            order
                .try_into()
                .map_err(|_| StoreError::Corrupt("order id size"))?,
        ),
        crew: crew_id(row.try_get(2)?)?,
        state: OfferState::parse(&state).ok_or(StoreError::Corrupt("unknown offer state"))?,
        offered_at: Timestamp::from_unix_micros(row.try_get(4)?),
        expires_at: Timestamp::from_unix_micros(row.try_get(5)?),
    })
}

/// The one SELECT of an offer's columns, with its WHERE clause appended.
macro_rules! select_offers {
    ($tail:literal) => {
        concat!(
            "SELECT id, order_id, crew_id, state, offered_at, expires_at FROM job_offers",
            $tail
        )
    };
}

fn count(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt("negative count"))
}

/// Frees the order's crew's capacity and offers the job to the first crew of `ranked` with
/// room on `day`; if none has, the order gives its day up with `fallback`. Commits `tx`.
async fn offer_next_within(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    order: OrderId,
    day: Day,
    ranked: &[CrewId],
    next: &NewOffer,
    fallback: &OrderEventRecord,
) -> Result<PassedOn, StoreError> {
    release_crew_within(&mut tx, order).await?;
    if let Some(crew) = take_first_within(&mut tx, order, day, ranked, next).await? {
        tx.commit().await?;
        return Ok(PassedOn::Offered(crew));
    }
    if !advance_within(&mut tx, order, fallback).await? {
        tx.rollback().await?;
        return Ok(PassedOn::NotOpen);
    }
    sqlx::query("UPDATE orders SET booked_day = NULL WHERE id = ?")
        .bind(order.as_bytes().to_vec())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(PassedOn::Unbooked)
}

impl<'a> Dispatch<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// The crews serving `province` with room on `day`, with their base and ratings.
    pub async fn candidates(
        &self,
        province: &str,
        day: Day,
    ) -> Result<Vec<CandidateRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.crew_id, d.capacity - d.booked, c.base_province, \
             CAST(COALESCE(r.stars_total, 0) AS SIGNED), CAST(COALESCE(r.ratings, 0) AS SIGNED) \
             FROM crew_days d JOIN crew_areas a ON a.crew_id = d.crew_id \
             JOIN crews c ON c.id = d.crew_id \
             LEFT JOIN (SELECT crew_id, SUM(stars) AS stars_total, COUNT(*) AS ratings \
                        FROM crew_ratings GROUP BY crew_id) r ON r.crew_id = d.crew_id \
             WHERE a.province = ? AND d.day = ? AND d.booked < d.capacity",
        )
        .bind(province.to_owned())
        .bind(day.number())
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CandidateRow {
                    crew: crew_id(row.try_get(0)?)?,
                    free: u32::try_from(row.try_get::<i64, _>(1)?)
                        .map_err(|_| StoreError::Corrupt("capacity"))?,
                    base_province: row.try_get(2)?,
                    rating: CrewRating {
                        stars_total: count(row.try_get(3)?)?,
                        ratings: count(row.try_get(4)?)?,
                    },
                })
            })
            .collect()
    }

    /// Every crew the order has been offered to, in any state.
    pub async fn offered_crews(&self, order: OrderId) -> Result<Vec<CrewId>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT crew_id FROM job_offers WHERE order_id = ?")
            .bind(order.as_bytes().to_vec())
            .fetch_all(self.pool)
            .await?;
        rows.iter().map(|row| crew_id(row.try_get(0)?)).collect()
    }

    /// One offer.
    pub async fn offer(&self, id: OfferId) -> Result<Option<OfferRecord>, StoreError> {
        sqlx::query(select_offers!(" WHERE id = ?"))
            .bind(id.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// The order's open offer, if it has one.
    pub async fn open_offer_of_order(
        &self,
        order: OrderId,
    ) -> Result<Option<OfferRecord>, StoreError> {
        sqlx::query(select_offers!(" WHERE open_order_id = ?"))
            .bind(order.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// The crew's open offers that have not lapsed at `now`, soonest to lapse first.
    pub async fn open_offers_of(
        &self,
        crew: CrewId,
        now: Timestamp,
    ) -> Result<Vec<OfferRecord>, StoreError> {
        sqlx::query(select_offers!(
            " WHERE crew_id = ? AND state = 'open' AND expires_at > ? \
             ORDER BY expires_at, id"
        ))
        .bind(crew.as_bytes().to_vec())
        .bind(now.unix_micros())
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Up to `limit` open offers that lapsed by `now`, oldest first (the sweeper's work).
    pub async fn lapsed(&self, now: Timestamp, limit: u32) -> Result<Vec<OfferRecord>, StoreError> {
        sqlx::query(select_offers!(
            " WHERE state = 'open' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?"
        ))
        .bind(now.unix_micros())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// The crew takes the job: the order's move `moved` (scheduled → assigned) and the
    /// offer's (open → accepted) commit together or not at all. `false` (nothing written)
    /// when the offer is not this crew's, not open, lapsed at `moved.at`, or the order moved.
    pub async fn accept(
        &self,
        offer: OfferId,
        crew: CrewId,
        order: OrderId,
        moved: &OrderEventRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The order's compare-and-swap first: concurrent acceptances queue on its row.
        if !advance_within(&mut tx, order, moved).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        let taken = sqlx::query(
            "UPDATE job_offers SET state = 'accepted', decided_at = ?, open_order_id = NULL \
             WHERE id = ? AND crew_id = ? AND order_id = ? AND state = 'open' AND expires_at > ?",
        )
        .bind(moved.at.unix_micros())
        .bind(offer.as_bytes().to_vec())
        .bind(crew.as_bytes().to_vec())
        .bind(order.as_bytes().to_vec())
        .bind(moved.at.unix_micros())
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Closes the open offer `offer` of `crew` as `outcome` (declined, or lapsed once its
    /// time is up at `at`), frees the crew's capacity on the order's day and offers the job
    /// to the first crew of `ranked` with room (opening `next`); if none has room, the
    /// order gives its day up with `fallback` (scheduled → ordered). One transaction.
    #[expect(
        clippy::too_many_arguments,
        reason = "one transaction's inputs; a struct would only rename them"
    )]
    pub async fn pass_on(
        &self,
        offer: &OfferRecord,
        outcome: OfferState,
        at: Timestamp,
        day: Day,
        ranked: &[CrewId],
        next: &NewOffer,
        fallback: &OrderEventRecord,
    ) -> Result<PassedOn, StoreError> {
        if !matches!(outcome, OfferState::Declined | OfferState::Lapsed) {
            return Err(StoreError::Corrupt(
                "an offer passes on when declined or lapsed",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let closed = sqlx::query(
            "UPDATE job_offers SET state = ?, decided_at = ?, open_order_id = NULL \
             WHERE id = ? AND crew_id = ? AND state = 'open' AND (? = 0 OR expires_at <= ?)",
        )
        .bind(outcome.as_str())
        .bind(at.unix_micros())
        .bind(offer.id.as_bytes().to_vec())
        .bind(offer.crew.as_bytes().to_vec())
        .bind(i64::from(outcome == OfferState::Lapsed))
        .bind(at.unix_micros())
        .execute(&mut *tx)
        .await?;
        if closed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(PassedOn::NotOpen);
        }
        offer_next_within(tx, offer.order, day, ranked, next, fallback).await
    }

    /// Takes an accepted job away from its crew (support reassigning it, or the crew giving
    /// it back): the order's move `moved` (assigned → scheduled), then as [`Self::pass_on`]
    /// from the freeing of the crew's capacity on. One transaction.
    pub async fn reassign(
        &self,
        order: OrderId,
        moved: &OrderEventRecord,
        day: Day,
        ranked: &[CrewId],
        next: &NewOffer,
        fallback: &OrderEventRecord,
    ) -> Result<PassedOn, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !advance_within(&mut tx, order, moved).await? {
            tx.rollback().await?;
            return Ok(PassedOn::NotOpen);
        }
        offer_next_within(tx, order, day, ranked, next, fallback).await
    }

    /// Records the customer's rating of the crew's job; `false` when the order is rated
    /// already (a job is rated once).
    pub async fn rate(
        &self,
        order: OrderId,
        crew: CrewId,
        customer: AccountId,
        stars: Stars,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO crew_ratings (order_id, crew_id, customer_id, stars, rated_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(order.as_bytes().to_vec())
        .bind(crew.as_bytes().to_vec())
        .bind(customer.as_bytes().to_vec())
        .bind(i64::from(stars.get()))
        .bind(at.unix_micros())
        .execute(self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    /// The stars the order's job was given, if it was rated.
    pub async fn rating_of(&self, order: OrderId) -> Result<Option<Stars>, StoreError> {
        let row = sqlx::query("SELECT stars FROM crew_ratings WHERE order_id = ?")
            .bind(order.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?;
        row.map(|row| {
            let stars: i64 = row.try_get(0)?;
            Stars::parse(&stars.to_string()).map_err(|_| StoreError::Corrupt("stars"))
        })
        .transpose()
    }
}
