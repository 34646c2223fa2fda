//! Refund requests (SYS-1, AC-5). Asking is one insert (one request in flight per order, by
//! a unique column); an admin's approval is a compare-and-swap that also says the approver
//! is not the requester; paying out writes the refund payments, the order's move and the
//! request's end in one transaction.

use helio_core::account::AccountId;
use helio_core::order::OrderId;
use helio_core::refund::{RefundId, RefundState};
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::error::account_id;
use crate::orders::advance_within;
use crate::payments::insert_payment;
use crate::{OrderEventRecord, PaymentRecord, StoreError};

/// A refund request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    /// The request.
    pub id: RefundId,
    /// The order to refund.
    pub order: OrderId,
    /// How much, euro cents.
    pub amount_cents: u64,
    /// Why, as support typed it.
    pub reason: String,
    /// Who asked.
    pub requested_by: AccountId,
    /// When.
    pub requested_at: Timestamp,
    /// Where it stands.
    pub state: RefundState,
    /// The admin who decided, if one did.
    pub decided_by: Option<AccountId>,
}

/// Reads and writes refund requests.
#[derive(Debug, Clone, Copy)]
pub struct Refunds<'a> {
    pool: &'a AnyPool,
}

macro_rules! select_refunds {
    ($tail:literal) => {
        concat!(
            "SELECT id, order_id, amount_cents, reason, requested_by, requested_at, state, \
             decided_by FROM refunds",
            $tail
        )
    };
}

fn decode(row: &AnyRow) -> Result<RefundRecord, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let order: Vec<u8> = row.try_get(1)?;
    let state: String = row.try_get(6)?;
    Ok(RefundRecord {
        id: RefundId::from_bytes(
            id.try_into()
                .map_err(|_| StoreError::Corrupt("refund id size"))?,
        ),
        order: OrderId::from_bytes(
            order
                .try_into()
                .map_err(|_| StoreError::Corrupt("order id size"))?,
        ),
        amount_cents: u64::try_from(row.try_get::<i64, _>(2)?)
            .map_err(|_| StoreError::Corrupt("refund amount"))?,
        reason: row.try_get(3)?,
        requested_by: account_id(row.try_get(4)?)?,
        requested_at: Timestamp::from_unix_micros(row.try_get(5)?),
        state: RefundState::parse(&state).ok_or(StoreError::Corrupt("unknown refund state"))?,
        decided_by: row
            .try_get::<Option<Vec<u8>>, _>(7)?
            .map(account_id)
            .transpose()?,
    })
}

impl<'a> Refunds<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Records a request, pending or (within the limit) approved; `false` when the order
    /// has a refund in flight already.
    pub async fn request(&self, refund: &RefundRecord) -> Result<bool, StoreError> {
        let open = matches!(refund.state, RefundState::Pending | RefundState::Approved);
        let inserted = sqlx::query(
            "INSERT INTO refunds (id, order_id, amount_cents, reason, requested_by, requested_at, \
             state, open_order_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(refund.id.as_bytes().to_vec())
        .bind(refund.order.as_bytes().to_vec())
        .bind(i64::try_from(refund.amount_cents).map_err(|_| StoreError::Corrupt("amount"))?)
        .bind(refund.reason.clone())
        .bind(refund.requested_by.as_bytes().to_vec())
        .bind(refund.requested_at.unix_micros())
        .bind(refund.state.as_str())
        .bind(open.then(|| refund.order.as_bytes().to_vec()))
        .execute(self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    /// One request.
    pub async fn by_id(&self, id: RefundId) -> Result<Option<RefundRecord>, StoreError> {
        sqlx::query(select_refunds!(" WHERE id = ?"))
            .bind(id.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// Requests waiting for an admin, oldest first.
    pub async fn pending(&self, limit: u32) -> Result<Vec<RefundRecord>, StoreError> {
        sqlx::query(select_refunds!(
            " WHERE state = 'pending' ORDER BY requested_at, id LIMIT ?"
        ))
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// An admin decides a pending request (approved or refused); `false` when it is not
    /// pending, or `admin` asked for it (nobody decides their own request).
    pub async fn decide(
        &self,
        id: RefundId,
        admin: AccountId,
        approve: bool,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let (state, keeps_open) = if approve {
            (RefundState::Approved, true)
        } else {
            (RefundState::Refused, false)
        };
        let done = sqlx::query(
            "UPDATE refunds SET state = ?, decided_by = ?, decided_at = ?, \
             open_order_id = CASE WHEN ? = 1 THEN open_order_id END \
             WHERE id = ? AND state = 'pending' AND requested_by <> ?",
        )
        .bind(state.as_str())
        .bind(admin.as_bytes().to_vec())
        .bind(at.unix_micros())
        .bind(i64::from(keeps_open))
        .bind(id.as_bytes().to_vec())
        .bind(admin.as_bytes().to_vec())
        .execute(self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Pays an approved request out: its refund payments, the order's move (→ refunded)
    /// and the request's end, together. `false` (nothing written) when the request is not
    /// approved or the order moved.
    pub async fn pay(
        &self,
        id: RefundId,
        parts: &[PaymentRecord],
        moved: &OrderEventRecord,
    ) -> Result<bool, StoreError> {
        let Some(first) = parts.first() else {
            return Err(StoreError::Corrupt("a refund pays at least one part"));
        };
        let mut tx = self.pool.begin().await?;
        if !advance_within(&mut tx, first.order, moved).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        let ended = sqlx::query(
            "UPDATE refunds SET state = 'paid', open_order_id = NULL \
             WHERE id = ? AND state = 'approved'",
        )
        .bind(id.as_bytes().to_vec())
        .execute(&mut *tx)
        .await?;
        if ended.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for part in parts {
            insert_payment(&mut tx, part).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
