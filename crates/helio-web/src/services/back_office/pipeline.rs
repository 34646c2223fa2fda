//! The sales pipeline (AC-3): orders counted and valued by stage and by province, and how
//! many quotes became orders and how many orders were completed. Aggregates only: no order,
//! customer, address or contact reaches sales. Opening it is audited.

use helio_core::access::Capability;
use helio_core::audit::AuditAction;
use helio_core::order::OrderState;
use helio_core::quote::province_name;

use super::{Actor, BackOffice, BackOfficeError};
use crate::services::audit_log::Audited;

/// Orders in one group and their total value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineRow {
    /// The stage or province, in words.
    pub label: &'static str,
    /// How many orders.
    pub orders: u64,
    /// Their total price, euro cents.
    pub value_cents: u64,
}

/// The pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// By stage, in the order of the state machine.
    pub by_stage: Vec<PipelineRow>,
    /// By province, largest value first.
    pub by_region: Vec<PipelineRow>,
    /// Every order, any stage.
    pub total: u64,
    /// Orders past the quote (deposit paid) and not cancelled: ordered up to completed, and
    /// refunded. A cancelled order counts as not converted, whatever stage it was cancelled
    /// at (the stage rows show how many there are).
    pub ordered: u64,
    /// Orders completed.
    pub completed: u64,
}

impl BackOffice {
    /// The sales pipeline now.
    pub async fn pipeline(&self, actor: &Actor) -> Result<Pipeline, BackOfficeError> {
        Self::require(actor, Capability::SellAndReport)?;
        let cells = self.store.orders().pipeline().await?;
        let mut by_stage: Vec<PipelineRow> = OrderState::ALL
            .iter()
            .map(|state| PipelineRow {
                label: state.label(),
                orders: 0,
                value_cents: 0,
            })
            .collect();
        let mut by_region: Vec<PipelineRow> = Vec::new();
        let (mut total, mut ordered, mut completed) = (0, 0, 0);
        for cell in &cells {
            if let Some(row) = OrderState::ALL
                .iter()
                .position(|s| *s == cell.state)
                .and_then(|i| by_stage.get_mut(i))
            {
                row.orders += cell.orders;
                row.value_cents += cell.value_cents;
            }
            let label = cell
                .province
                .as_deref()
                .and_then(province_name)
                .unwrap_or("unknown");
            match by_region.iter_mut().find(|r| r.label == label) {
                Some(row) => {
                    row.orders += cell.orders;
                    row.value_cents += cell.value_cents;
                }
                None => by_region.push(PipelineRow {
                    label,
                    orders: cell.orders,
                    value_cents: cell.value_cents,
                }),
            }
            total += cell.orders;
            if !matches!(cell.state, OrderState::Quote | OrderState::Cancelled) {
                ordered += cell.orders;
            }
            if matches!(cell.state, OrderState::Completed) {
                completed += cell.orders;
            }
        }
        by_region.sort_by_key(|row| std::cmp::Reverse(row.value_cents));
        self.audit_log
            .record(
                actor,
                Audited {
                    action: AuditAction::PipelineViewed,
                    subject: None,
                    reason: None,
                    grant: None,
                },
            )
            .await?;
        Ok(Pipeline {
            by_stage,
            by_region,
            total,
            ordered,
            completed,
        })
    }
}
