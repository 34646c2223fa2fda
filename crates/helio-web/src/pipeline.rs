//! The sales pipeline page (AC-3): `/staff/pipeline`, `SellAndReport` (sales only). Counts
//! and values by stage and province, and the conversions; nothing about any one customer.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use helio_core::access::{Access, Capability};

use crate::acting::Acting;
use crate::back_office::failure;
use crate::layout::SignedInLayout;
use crate::money::whole_euros;
use crate::render::html;
use crate::services::back_office::PipelineRow;
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new().get(
        "/staff/pipeline",
        Access::Capability(Capability::SellAndReport),
        view_pipeline_get,
    )
}

/// A row as the page shows it.
struct Row {
    label: &'static str,
    orders: u64,
    value: String,
}

fn rows(rows: Vec<PipelineRow>) -> Vec<Row> {
    rows.into_iter()
        .map(|row| Row {
            label: row.label,
            orders: row.orders,
            value: whole_euros(row.value_cents),
        })
        .collect()
}

fn percent(part: u64, whole: u64) -> String {
    part.saturating_mul(100)
        .checked_div(whole)
        .map_or_else(|| "—".to_owned(), |share| format!("{share} %"))
}

#[derive(Template)]
#[template(path = "pipeline.html")]
struct PipelinePage {
    by_stage: Vec<Row>,
    by_region: Vec<Row>,
    total: u64,
    ordered: u64,
    completed: u64,
    quote_to_order: String,
    order_to_completion: String,
    layout: SignedInLayout,
}

async fn view_pipeline_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let pipeline = state
        .back_office()
        .pipeline(&actor)
        .await
        .map_err(failure)?;
    html(&PipelinePage {
        quote_to_order: percent(pipeline.ordered, pipeline.total),
        order_to_completion: percent(pipeline.completed, pipeline.ordered),
        by_stage: rows(pipeline.by_stage),
        by_region: rows(pipeline.by_region),
        total: pipeline.total,
        ordered: pipeline.ordered,
        completed: pipeline.completed,
        layout,
    })
}
