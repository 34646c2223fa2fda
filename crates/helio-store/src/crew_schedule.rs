//! Crews' areas and daily capacity, and booking an order onto a day (SYS-1). A booking takes
//! one unit of a crew's capacity by compare-and-swap (`booked < capacity`) in the same
//! transaction as the order's move, which is written first so concurrent bookings queue: the
//! last slot of a day is booked once. The crew whose capacity is taken is offered the job
//! in that same transaction ([`crate::Dispatch`] carries it on from there).

use helio_core::order::OrderId;
use helio_core::partner::CrewId;
use helio_core::schedule::Day;
use sqlx::{AnyPool, Row};

use helio_core::time::Timestamp;

use crate::dispatch::NewOffer;
use crate::orders::advance_within;
use crate::{OrderEventRecord, StoreError};

/// One crew's capacity on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrewDay {
    /// The day.
    pub day: Day,
    /// Jobs the crew can take.
    pub capacity: u32,
    /// Jobs booked.
    pub booked: u32,
}

/// What a booking did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booked {
    /// Booked on this crew's capacity.
    Crew(CrewId),
    /// No crew serving the province has room that day (nothing written).
    Full,
    /// The order was not in the expected state (nothing written).
    OrderMoved,
}

/// Reads and writes crews' areas and days.
#[derive(Debug, Clone, Copy)]
pub struct CrewSchedule<'a> {
    pool: &'a AnyPool,
}

fn count(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt("capacity"))
}

impl<'a> CrewSchedule<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Replaces the provinces the crew serves; the first is its base, where distances to
    /// jobs are measured from.
    pub async fn set_areas(&self, crew: CrewId, provinces: &[String]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE crews SET base_province = ? WHERE id = ?")
            .bind(provinces.first().cloned())
            .bind(crew.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM crew_areas WHERE crew_id = ?")
            .bind(crew.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        for province in provinces {
            sqlx::query("INSERT INTO crew_areas (crew_id, province) VALUES (?, ?)")
                .bind(crew.as_bytes().to_vec())
                .bind(province.clone())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The provinces the crew serves, its base first.
    pub async fn areas(&self, crew: CrewId) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.province FROM crew_areas a JOIN crews c ON c.id = a.crew_id \
             WHERE a.crew_id = ? \
             ORDER BY CASE WHEN a.province = c.base_province THEN 0 ELSE 1 END, a.province",
        )
        .bind(crew.as_bytes().to_vec())
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
    }

    /// Sets the crew's capacity on `day`; `false` (nothing changed) when more jobs are
    /// already booked than `capacity`.
    pub async fn set_capacity(
        &self,
        crew: CrewId,
        day: Day,
        capacity: u32,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE crew_days SET capacity = ? WHERE crew_id = ? AND day = ? AND booked <= ?",
        )
        .bind(i64::from(capacity))
        .bind(crew.as_bytes().to_vec())
        .bind(day.number())
        .bind(i64::from(capacity))
        .execute(self.pool)
        .await?;
        if updated.rows_affected() == 1 {
            return Ok(true);
        }
        let inserted = sqlx::query(
            "INSERT INTO crew_days (crew_id, day, capacity, booked) VALUES (?, ?, ?, 0)",
        )
        .bind(crew.as_bytes().to_vec())
        .bind(day.number())
        .bind(i64::from(capacity))
        .execute(self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(true),
            // The day exists with more booked than the new capacity.
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    /// The crew's days from `from` to `to` inclusive.
    pub async fn days_of(
        &self,
        crew: CrewId,
        from: Day,
        to: Day,
    ) -> Result<Vec<CrewDay>, StoreError> {
        let rows = sqlx::query(
            "SELECT day, capacity, booked FROM crew_days WHERE crew_id = ? AND day BETWEEN ? AND ? \
             ORDER BY day",
        )
        .bind(crew.as_bytes().to_vec())
        .bind(from.number())
        .bind(to.number())
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CrewDay {
                    day: Day::from_number(row.try_get::<i32, _>(0)?),
                    capacity: count(row.try_get(1)?)?,
                    booked: count(row.try_get(2)?)?,
                })
            })
            .collect()
    }

    /// The days from `from` to `to` on which some crew serving `province` has room.
    pub async fn free_days(
        &self,
        province: &str,
        from: Day,
        to: Day,
    ) -> Result<Vec<Day>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT d.day FROM crew_days d JOIN crew_areas a ON a.crew_id = d.crew_id \
             WHERE a.province = ? AND d.day BETWEEN ? AND ? AND d.booked < d.capacity ORDER BY d.day",
        )
        .bind(province.to_owned())
        .bind(from.number())
        .bind(to.number())
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(Day::from_number(row.try_get::<i32, _>(0)?)))
            .collect()
    }

    /// Makes `order`'s move `moved` and lets go of its booked day in the same transaction:
    /// the crew's capacity that day is freed, an open offer is withdrawn, and the order keeps
    /// no day (giving the day up, or cancelling). `false` (nothing written) if the order was
    /// not in the expected state.
    pub async fn move_and_free_day(
        &self,
        order: OrderId,
        moved: &OrderEventRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !advance_within(&mut tx, order, moved).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        withdraw_open_offer_within(&mut tx, order, moved.at).await?;
        release_crew_within(&mut tx, order).await?;
        sqlx::query("UPDATE orders SET booked_day = NULL WHERE id = ?")
            .bind(order.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Books `order` onto `day` with the first crew of `ranked` that still has room that
    /// day, making the order's move `moved` and opening `offer` to that crew in the same
    /// transaction.
    pub async fn book(
        &self,
        order: OrderId,
        day: Day,
        ranked: &[CrewId],
        moved: &OrderEventRecord,
        offer: &NewOffer,
    ) -> Result<Booked, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The order's move first: a write that serialises concurrent bookings of one order,
        // and on SQLite takes the write lock before anything is read.
        if !advance_within(&mut tx, order, moved).await? {
            tx.rollback().await?;
            return Ok(Booked::OrderMoved);
        }
        if let Some(crew) = take_first_within(&mut tx, order, day, ranked, offer).await? {
            tx.commit().await?;
            return Ok(Booked::Crew(crew));
        }
        tx.rollback().await?;
        Ok(Booked::Full)
    }
}

/// Takes one unit of capacity on `day` from the first crew of `ranked` that has room (a
/// compare-and-swap each), books the order on it and opens `offer` to it; `None` when none
/// has room. Inside the caller's transaction.
pub(crate) async fn take_first_within(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order: OrderId,
    day: Day,
    ranked: &[CrewId],
    offer: &NewOffer,
) -> Result<Option<CrewId>, StoreError> {
    for crew in ranked {
        let taken = sqlx::query(
            "UPDATE crew_days SET booked = booked + 1 \
             WHERE crew_id = ? AND day = ? AND booked < capacity",
        )
        .bind(crew.as_bytes().to_vec())
        .bind(day.number())
        .execute(&mut **tx)
        .await?;
        if taken.rows_affected() != 1 {
            continue;
        }
        sqlx::query("UPDATE orders SET booked_day = ?, booked_crew_id = ? WHERE id = ?")
            .bind(day.number())
            .bind(crew.as_bytes().to_vec())
            .bind(order.as_bytes().to_vec())
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO job_offers (id, order_id, crew_id, state, offered_at, expires_at, \
             open_order_id) VALUES (?, ?, ?, 'open', ?, ?, ?)",
        )
        .bind(offer.id.as_bytes().to_vec())
        .bind(order.as_bytes().to_vec())
        .bind(crew.as_bytes().to_vec())
        .bind(offer.offered_at.unix_micros())
        .bind(offer.expires_at.unix_micros())
        .bind(order.as_bytes().to_vec())
        .execute(&mut **tx)
        .await?;
        return Ok(Some(*crew));
    }
    Ok(None)
}

/// Frees the capacity the order's crew holds on its booked day and forgets the crew.
pub(crate) async fn release_crew_within(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order: OrderId,
) -> Result<(), StoreError> {
    let held = sqlx::query("SELECT booked_crew_id, booked_day FROM orders WHERE id = ?")
        .bind(order.as_bytes().to_vec())
        .fetch_one(&mut **tx)
        .await?;
    let crew: Option<Vec<u8>> = held.try_get(0)?;
    let day: Option<i32> = held.try_get(1)?;
    if let (Some(crew), Some(day)) = (crew, day) {
        sqlx::query(
            "UPDATE crew_days SET booked = booked - 1 WHERE crew_id = ? AND day = ? AND booked > 0",
        )
        .bind(crew)
        .bind(day)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE orders SET booked_crew_id = NULL WHERE id = ?")
        .bind(order.as_bytes().to_vec())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Withdraws the order's open offer, if it has one.
pub(crate) async fn withdraw_open_offer_within(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order: OrderId,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job_offers SET state = 'withdrawn', decided_at = ?, open_order_id = NULL \
         WHERE open_order_id = ?",
    )
    .bind(at.unix_micros())
    .bind(order.as_bytes().to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
