//! Orders and their moves (SYS-1, SYS-2, AC-5). Every read of a customer's order names the
//! customer in its WHERE clause, so another customer's order ID finds nothing; every move is
//! a compare-and-swap on the state, written together with its event row.

use helio_core::account::AccountId;
use helio_core::keys::KeyVersion;
use helio_core::order::{OrderEvent, OrderId, OrderState, Party};
use helio_core::partner::CrewId;
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::error::account_id;

/// An order as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct OrderRecord {
    /// The order.
    pub id: OrderId,
    /// Its customer.
    pub customer: AccountId,
    /// Where it stands.
    pub state: OrderState,
    /// Panels quoted.
    pub panels: u32,
    /// Peak power, watts.
    pub system_watts: u64,
    /// First-year production, kWh.
    pub yearly_kwh: u64,
    /// Installed price, euro cents.
    pub price_cents: u64,
    /// The site's latitude in thousandths of a degree (dispatch distance).
    pub latitude_milli: i32,
    /// Encrypted street, postal code and country of the job site.
    pub address_ct: Vec<u8>,
    /// Encrypted city of the job site.
    pub city_ct: Vec<u8>,
    /// The data key the ciphertexts use.
    pub data_key_version: KeyVersion,
    /// SHA-256 of the client's idempotency key.
    pub idempotency_hash: [u8; 32],
    /// Created.
    pub created_at: Timestamp,
    /// Last move.
    pub updated_at: Timestamp,
    /// The job site's province code (the postal code's first two digits), for reports.
    pub province: Option<String>,
    /// The discount sales gave, percent (0: none).
    pub discount_percent: u32,
    /// The installation day booked, as stored (days since 1970-01-01), if any.
    pub booked_day: Option<i32>,
    /// The crew whose capacity the booked day holds: offered the job, then doing it.
    pub booked_crew: Option<CrewId>,
}

/// One cell of the sales pipeline: orders in one state in one province.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineCell {
    /// The province code, if known.
    pub province: Option<String>,
    /// The state.
    pub state: OrderState,
    /// How many orders.
    pub orders: u64,
    /// Their total price, euro cents.
    pub value_cents: u64,
}

impl std::fmt::Debug for OrderRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderRecord")
            .field("id", &self.id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// One move of an order (or, with no event, its creation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEventRecord {
    /// A random ID.
    pub id: [u8; 16],
    /// When.
    pub at: Timestamp,
    /// What happened; `None` for the creation.
    pub event: Option<OrderEvent>,
    /// The state before; `None` for the creation.
    pub from: Option<OrderState>,
    /// The state after.
    pub to: OrderState,
    /// The account that made it, if a person did.
    pub actor: Option<AccountId>,
    /// In which capacity.
    pub party: Party,
}

impl OrderEventRecord {
    /// A move of an order from `from` on `event` to `to`, at `at`, by `actor` as `party`,
    /// under a fresh random ID.
    #[must_use]
    pub fn moving(
        at: Timestamp,
        event: OrderEvent,
        from: OrderState,
        to: OrderState,
        actor: Option<AccountId>,
        party: Party,
    ) -> Self {
        Self {
            id: helio_core::crypto::random_bytes(),
            at,
            event: Some(event),
            from: Some(from),
            to,
            actor,
            party,
        }
    }
}

/// Reads and writes orders.
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    pool: &'a AnyPool,
}

/// The one SELECT of an order's columns, with its WHERE clause appended.
macro_rules! select_orders {
    ($tail:literal) => {
        concat!(
            "SELECT id, customer_id, state, panels, system_watts, yearly_kwh, price_cents, \
             latitude_milli, address_ct, city_ct, data_key_version, idempotency_hash, \
             created_at, updated_at, province, discount_percent, booked_day, booked_crew_id \
             FROM orders",
            $tail
        )
    };
}

fn corrupt(what: &'static str) -> StoreError {
    StoreError::Corrupt(what)
}

fn decode(row: &AnyRow) -> Result<OrderRecord, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let state: String = row.try_get(2)?;
    let hash: Vec<u8> = row.try_get(11)?;
    let version: i64 = row.try_get(10)?;
    let number = |index: usize| -> Result<u64, StoreError> {
        u64::try_from(row.try_get::<i64, _>(index)?).map_err(|_| corrupt("negative amount"))
    };
    Ok(OrderRecord {
        id: OrderId::from_bytes(id.try_into().map_err(|_| corrupt("order id size"))?),
        customer: account_id(row.try_get(1)?)?,
        state: OrderState::parse(&state).ok_or(corrupt("unknown order state"))?,
        panels: u32::try_from(number(3)?).map_err(|_| corrupt("panels"))?,
        system_watts: number(4)?,
        yearly_kwh: number(5)?,
        price_cents: number(6)?,
        latitude_milli: i32::try_from(row.try_get::<i64, _>(7)?)
            .map_err(|_| corrupt("latitude"))?,
        address_ct: row.try_get(8)?,
        city_ct: row.try_get(9)?,
        data_key_version: u32::try_from(version)
            .ok()
            .and_then(|v| KeyVersion::new(v).ok())
            .ok_or(corrupt("data key version"))?,
        idempotency_hash: hash
            .try_into()
            .map_err(|_| corrupt("idempotency hash size"))?,
        created_at: Timestamp::from_unix_micros(row.try_get(12)?),
        updated_at: Timestamp::from_unix_micros(row.try_get(13)?),
        province: row.try_get(14)?,
        discount_percent: u32::try_from(row.try_get::<i64, _>(15)?)
            .map_err(|_| corrupt("discount"))?,
        booked_day: row.try_get(16)?,
        booked_crew: row
            .try_get::<Option<Vec<u8>>, _>(17)?
            .map(|bytes| {
                bytes
                    .try_into()
                    .map(CrewId::from_bytes)
                    .map_err(|_| corrupt("crew id size"))
            })
            .transpose()?,
    })
}

fn decode_event(row: &AnyRow) -> Result<OrderEventRecord, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let event: Option<String> = row.try_get(2)?;
    let from: Option<String> = row.try_get(3)?;
    let to: String = row.try_get(4)?;
    let actor: Option<Vec<u8>> = row.try_get(5)?;
    let party: String = row.try_get(6)?;
    Ok(OrderEventRecord {
        id: id.try_into().map_err(|_| corrupt("event id size"))?,
        at: Timestamp::from_unix_micros(row.try_get(1)?),
        event: event
            .map(|e| OrderEvent::parse(&e).ok_or(corrupt("unknown order event")))
            .transpose()?,
        from: from
            .map(|s| OrderState::parse(&s).ok_or(corrupt("unknown order state")))
            .transpose()?,
        to: OrderState::parse(&to).ok_or(corrupt("unknown order state"))?,
        actor: actor.map(account_id).transpose()?,
        party: Party::parse(&party).ok_or(corrupt("unknown party"))?,
    })
}

fn amount(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| corrupt("amount out of range"))
}

async fn insert_event<'e, E>(
    executor: E,
    order: OrderId,
    event: &OrderEventRecord,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO order_events (id, order_id, at, event, from_state, to_state, actor_id, \
         party) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(event.id.to_vec())
    .bind(order.as_bytes().to_vec())
    .bind(event.at.unix_micros())
    .bind(event.event.map(OrderEvent::as_str))
    .bind(event.from.map(OrderState::as_str))
    .bind(event.to.as_str())
    .bind(event.actor.map(|a| a.as_bytes().to_vec()))
    .bind(event.party.as_str())
    .execute(executor)
    .await?;
    Ok(())
}

/// The compare-and-swap of a move and its event row, inside the caller's transaction (a
/// payment and the move it pays for commit together). `false` if the order moved meanwhile.
pub(crate) async fn advance_within(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: OrderId,
    event: &OrderEventRecord,
) -> Result<bool, StoreError> {
    let Some(from) = event.from else {
        return Err(corrupt("a move needs its from-state"));
    };
    let done =
        sqlx::query("UPDATE orders SET state = ?, updated_at = ? WHERE id = ? AND state = ?")
            .bind(event.to.as_str())
            .bind(event.at.unix_micros())
            .bind(id.as_bytes().to_vec())
            .bind(from.as_str())
            .execute(&mut **tx)
            .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    insert_event(&mut **tx, id, event).await?;
    Ok(true)
}

impl<'a> Orders<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Creates an order with its creation event. [`StoreError::Conflict`] when the customer
    /// already has an order under this idempotency key.
    pub async fn insert(
        &self,
        order: &OrderRecord,
        created: &OrderEventRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO orders (id, customer_id, state, panels, system_watts, yearly_kwh, \
             price_cents, latitude_milli, address_ct, city_ct, data_key_version, \
             idempotency_hash, created_at, updated_at, province) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(order.id.as_bytes().to_vec())
        .bind(order.customer.as_bytes().to_vec())
        .bind(order.state.as_str())
        .bind(i64::from(order.panels))
        .bind(amount(order.system_watts)?)
        .bind(amount(order.yearly_kwh)?)
        .bind(amount(order.price_cents)?)
        .bind(i64::from(order.latitude_milli))
        .bind(order.address_ct.clone())
        .bind(order.city_ct.clone())
        .bind(i64::from(order.data_key_version.get()))
        .bind(order.idempotency_hash.to_vec())
        .bind(order.created_at.unix_micros())
        .bind(order.updated_at.unix_micros())
        .bind(order.province.clone())
        .execute(&mut *tx)
        .await?;
        insert_event(&mut *tx, order.id, created).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The customer's order `id`; `None` when it does not exist or is another customer's.
    pub async fn of_customer(
        &self,
        customer: AccountId,
        id: OrderId,
    ) -> Result<Option<OrderRecord>, StoreError> {
        sqlx::query(select_orders!(" WHERE id = ? AND customer_id = ?"))
            .bind(id.as_bytes().to_vec())
            .bind(customer.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// The customer's order made under an idempotency key, if any.
    pub async fn by_idempotency(
        &self,
        customer: AccountId,
        hash: &[u8; 32],
    ) -> Result<Option<OrderRecord>, StoreError> {
        sqlx::query(select_orders!(
            " WHERE customer_id = ? AND idempotency_hash = ?"
        ))
        .bind(customer.as_bytes().to_vec())
        .bind(hash.to_vec())
        .fetch_optional(self.pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    /// The customer's latest `limit` orders, newest first.
    pub async fn list_of_customer(
        &self,
        customer: AccountId,
        limit: u32,
    ) -> Result<Vec<OrderRecord>, StoreError> {
        sqlx::query(select_orders!(
            " WHERE customer_id = ? ORDER BY created_at DESC LIMIT ?"
        ))
        .bind(customer.as_bytes().to_vec())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Moves the order from `event.from` to `event.to`, with the event row, only if it still
    /// stands at `event.from`; `false` (nothing written) if it moved meanwhile.
    pub async fn advance(&self, id: OrderId, event: &OrderEventRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !advance_within(&mut tx, id, event).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The crew's jobs (accepted, in progress or done), by day, newest `limit`.
    pub async fn jobs_of_crew(
        &self,
        crew: CrewId,
        limit: u32,
    ) -> Result<Vec<OrderRecord>, StoreError> {
        sqlx::query(select_orders!(
            " WHERE booked_crew_id = ? AND state IN \
             ('assigned', 'surveyed', 'installed', 'inspected', 'completed') \
             ORDER BY booked_day DESC, id LIMIT ?"
        ))
        .bind(crew.as_bytes().to_vec())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// The crew's move of its job: like [`Orders::advance`], and only while the job is
    /// this crew's (the object-level check is in the WHERE clause).
    pub async fn advance_by_crew(
        &self,
        id: OrderId,
        crew: CrewId,
        event: &OrderEventRecord,
    ) -> Result<bool, StoreError> {
        let Some(from) = event.from else {
            return Err(corrupt("a move needs its from-state"));
        };
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE orders SET state = ?, updated_at = ? \
             WHERE id = ? AND state = ? AND booked_crew_id = ?",
        )
        .bind(event.to.as_str())
        .bind(event.at.unix_micros())
        .bind(id.as_bytes().to_vec())
        .bind(from.as_str())
        .bind(crew.as_bytes().to_vec())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_event(&mut *tx, id, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Any customer's order by its number (staff tools; the service checks who may).
    pub async fn by_id(&self, id: OrderId) -> Result<Option<OrderRecord>, StoreError> {
        sqlx::query(select_orders!(" WHERE id = ?"))
            .bind(id.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// Gives a priced order its one discount: the price becomes `price_cents`, only while the
    /// order is still a quote without a discount; `false` otherwise.
    pub async fn discount(
        &self,
        id: OrderId,
        percent: u32,
        price_cents: u64,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE orders SET price_cents = ?, discount_percent = ?, updated_at = ? \
             WHERE id = ? AND state = 'quote' AND discount_percent = 0",
        )
        .bind(amount(price_cents)?)
        .bind(i64::from(percent))
        .bind(at.unix_micros())
        .bind(id.as_bytes().to_vec())
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every order counted by province and state, with its total value: the sales
    /// pipeline, aggregated in the database (no order, customer or address leaves it).
    pub async fn pipeline(&self) -> Result<Vec<PipelineCell>, StoreError> {
        let rows = sqlx::query(
            "SELECT province, state, COUNT(*), CAST(SUM(price_cents) AS SIGNED) FROM orders \
             GROUP BY province, state ORDER BY province, state",
        )
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get(1)?;
                let orders: i64 = row.try_get(2)?;
                let value: i64 = row.try_get(3)?;
                Ok(PipelineCell {
                    province: row.try_get(0)?,
                    state: OrderState::parse(&state).ok_or(corrupt("unknown order state"))?,
                    orders: u64::try_from(orders).map_err(|_| corrupt("count"))?,
                    value_cents: u64::try_from(value).map_err(|_| corrupt("value"))?,
                })
            })
            .collect()
    }

    /// The order's moves, oldest first.
    pub async fn events(&self, id: OrderId) -> Result<Vec<OrderEventRecord>, StoreError> {
        sqlx::query(
            "SELECT id, at, event, from_state, to_state, actor_id, party FROM order_events \
             WHERE order_id = ? ORDER BY at, id",
        )
        .bind(id.as_bytes().to_vec())
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode_event)
        .collect()
    }
}
