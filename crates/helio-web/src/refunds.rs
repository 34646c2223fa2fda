//! Refunds in the back office (SYS-1, AC-5): support ask for one from the customer's record
//! (`Refund`); admins approve or refuse those above the limit on the approvals page
//! (`ApproveRefunds`), never their own.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use helio_core::access::{Access, Capability, permits};
use helio_core::order::OrderId;
use helio_core::payment::parse_euros;
use helio_core::refund::{RefundId, RefundState};
use serde::Deserialize;

use crate::acting::Acting;
use crate::dates::utc_minute;
use crate::forms::{NoFields, ReasonInput};
use crate::money::euros_and_cents;
use crate::orders::failure;
use crate::services::audit_log::Actor;
use crate::services::orders::OrderError;
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    let approve = Access::Capability(Capability::ApproveRefunds);
    RouteTable::new()
        .post(
            "/staff/orders/{id}/refund",
            Access::Capability(Capability::Refund),
            refund_post,
        )
        .post("/admin/refunds/{refund}/approve", approve, approve_post)
        .post("/admin/refunds/{refund}/refuse", approve, refuse_post)
}

/// A refund request as the approvals page lists it.
pub(crate) struct RefundRow {
    pub(crate) id: String,
    pub(crate) order: String,
    pub(crate) amount: String,
    pub(crate) reason: String,
    pub(crate) requested: String,
    pub(crate) approved: bool,
}

/// The refunds waiting for `actor`, if they may decide refunds.
pub(crate) async fn rows(state: &AppState, actor: &Actor) -> Result<Vec<RefundRow>, WebError> {
    if !permits(actor.role, Capability::ApproveRefunds) {
        return Ok(Vec::new());
    }
    Ok(state
        .orders()
        .pending_refunds(actor)
        .await
        .map_err(failure)?
        .into_iter()
        .map(|refund| RefundRow {
            id: refund.id.to_string(),
            order: refund.order.to_string(),
            amount: euros_and_cents(refund.amount_cents),
            reason: refund.reason,
            requested: utc_minute(refund.requested_at),
            approved: refund.state == RefundState::Approved,
        })
        .collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefundInput {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

async fn refund_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(id): Path<String>,
    Form(input): Form<RefundInput>,
) -> Result<Response, WebError> {
    let id = OrderId::parse(&id).ok_or(WebError::NotFound)?;
    let amount = parse_euros(&input.amount).map_err(|e| WebError::Invalid(vec![e]))?;
    let (customer, _) = state
        .orders()
        .request_refund(&actor, id, amount, &input.reason)
        .await
        .map_err(failure)?;
    Ok(Redirect::to(&format!("/staff/customers/{customer}")).into_response())
}

fn refund_id(text: &str) -> Result<RefundId, WebError> {
    RefundId::parse(text).ok_or(WebError::NotFound)
}

fn decided(done: Result<(), OrderError>) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(Redirect::to("/admin/approvals").into_response()),
        Err(OrderError::Forbidden) => Err(WebError::Forbidden(
            "Nobody decides their own refund request; another admin must.",
        )),
        Err(other) => Err(failure(other)),
    }
}

async fn approve_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(refund): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    decided(
        state
            .orders()
            .approve_refund(&actor, refund_id(&refund)?)
            .await,
    )
}

async fn refuse_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(refund): Path<String>,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    decided(
        state
            .orders()
            .refuse_refund(&actor, refund_id(&refund)?, &input.reason)
            .await,
    )
}
