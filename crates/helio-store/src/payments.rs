//! Payments (SYS-1): the provider's reference for each charge or refund of an order.
//! A payment is written in the same transaction as the order move it pays for, so an order
//! is never "ordered" without its deposit, nor a deposit kept for an order that did not move.

use helio_core::order::OrderId;
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::orders::advance_within;
use crate::{OrderEventRecord, StoreError};

/// What a payment was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    /// The deposit at ordering.
    Deposit,
    /// The balance at completion.
    Balance,
    /// Money returned.
    Refund,
}

impl PaymentKind {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Deposit => "deposit",
            Self::Balance => "balance",
            Self::Refund => "refund",
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        [Self::Deposit, Self::Balance, Self::Refund]
            .into_iter()
            .find(|kind| kind.as_str() == stored)
    }
}

/// A payment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// A random ID.
    pub id: [u8; 16],
    /// The order paid for.
    pub order: OrderId,
    /// What for.
    pub kind: PaymentKind,
    /// How much, euro cents.
    pub amount_cents: u64,
    /// The provider's reference for the charge or refund.
    pub provider_ref: String,
    /// SHA-256 of the client's idempotency key.
    pub idempotency_hash: [u8; 32],
    /// When.
    pub created_at: Timestamp,
}

/// Inserts one payment row inside the caller's transaction.
pub(crate) async fn insert_payment(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    payment: &PaymentRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO payments (id, order_id, kind, amount_cents, provider_ref, \
         idempotency_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(payment.id.to_vec())
    .bind(payment.order.as_bytes().to_vec())
    .bind(payment.kind.as_str())
    .bind(i64::try_from(payment.amount_cents).map_err(|_| StoreError::Corrupt("amount"))?)
    .bind(payment.provider_ref.clone())
    .bind(payment.idempotency_hash.to_vec())
    .bind(payment.created_at.unix_micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reads and writes payments.
#[derive(Debug, Clone, Copy)]
pub struct Payments<'a> {
    pool: &'a AnyPool,
}

fn decode(row: &AnyRow) -> Result<PaymentRecord, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let order: Vec<u8> = row.try_get(1)?;
    let kind: String = row.try_get(2)?;
    let amount: i64 = row.try_get(3)?;
    let hash: Vec<u8> = row.try_get(5)?;
    Ok(PaymentRecord {
        id: id
            .try_into()
            .map_err(|_| StoreError::Corrupt("payment id size"))?,
        order: OrderId::from_bytes(
            order
                .try_into()
                .map_err(|_| StoreError::Corrupt("order id size"))?,
        ),
        kind: PaymentKind::parse(&kind).ok_or(StoreError::Corrupt("unknown payment kind"))?,
        amount_cents: u64::try_from(amount).map_err(|_| StoreError::Corrupt("amount"))?,
        provider_ref: row.try_get(4)?,
        idempotency_hash: hash
            .try_into()
            .map_err(|_| StoreError::Corrupt("idempotency hash size"))?,
        created_at: Timestamp::from_unix_micros(row.try_get(6)?),
    })
}

impl<'a> Payments<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Records `payment` and makes the order move it pays for, together; `false` (nothing
    /// written) if the order moved meanwhile. [`StoreError::Conflict`] when the order
    /// already has this payment (same key, or a second deposit or balance).
    pub async fn record_with_move(
        &self,
        payment: &PaymentRecord,
        moved: &OrderEventRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The move first: it locks the order's row, so concurrent attempts queue behind it
        // and then find the order moved (no deadlock between the two writes).
        if !advance_within(&mut tx, payment.order, moved).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_payment(&mut tx, payment).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The order's payment of `kind` made under an idempotency key, if any.
    pub async fn by_idempotency(
        &self,
        order: OrderId,
        kind: PaymentKind,
        hash: &[u8; 32],
    ) -> Result<Option<PaymentRecord>, StoreError> {
        sqlx::query(
            "SELECT id, order_id, kind, amount_cents, provider_ref, idempotency_hash, created_at \
             FROM payments WHERE order_id = ? AND kind = ? AND idempotency_hash = ?",
        )
        .bind(order.as_bytes().to_vec())
        .bind(kind.as_str())
        .bind(hash.to_vec())
        .fetch_optional(self.pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    /// Every payment of an order, oldest first.
    pub async fn of_order(&self, order: OrderId) -> Result<Vec<PaymentRecord>, StoreError> {
        sqlx::query(
            "SELECT id, order_id, kind, amount_cents, provider_ref, idempotency_hash, created_at \
             FROM payments WHERE order_id = ? ORDER BY created_at",
        )
        .bind(order.as_bytes().to_vec())
        .fetch_all(self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }
}
