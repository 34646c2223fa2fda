//! The back office's customer pages (AC-3): search, a customer's record with contact data
//! masked (or name and city only), reveal with a reason, lock, unlock, end sessions. Each
//! route demands its capability from the permission table; the service shapes what each role
//! sees and writes the audit trail.

use std::pin::Pin;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use helio_core::access::{Access, Capability, permits};
use helio_core::account::{AccountId, AccountStatus};
use helio_core::order::{OrderEvent, OrderId, OrderState, Party, next};
use serde::Deserialize;

use crate::acting::Acting;
use crate::auth::SignedIn;
use crate::forms::ReasonInput;
use crate::layout::SignedInLayout;
use crate::render::{html, rendered};
use crate::services::audit_log::Actor;
use crate::services::back_office::{
    BackOfficeError, ContactCorrection, CustomerCard, RevealedData,
};
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    let search = Access::Capability(Capability::SearchCustomers);
    let manage = Access::Capability(Capability::ManageCustomerAccounts);
    RouteTable::new()
        .get("/staff/customers", search, view_search_get)
        .post("/staff/customers/search", search, view_search_post)
        .get("/staff/customers/{id}", search, view_customer_get)
        .post(
            "/staff/customers/{id}/reveal",
            Access::Capability(Capability::RevealPersonalData),
            view_reveal_post,
        )
        .post(
            "/staff/customers/{id}/lock",
            manage,
            change_post(Change::Lock),
        )
        .post(
            "/staff/customers/{id}/unlock",
            manage,
            change_post(Change::Unlock),
        )
        .post(
            "/staff/customers/{id}/end-sessions",
            manage,
            change_post(Change::EndSessions),
        )
        .post(
            "/staff/customers/{id}/reset-second-factor",
            manage,
            change_post(Change::ResetSecondFactors),
        )
        .post("/staff/customers/{id}/contact", manage, view_contact_post)
        .post(
            "/staff/orders/{id}/cancel",
            Access::Capability(Capability::ChangeOrders),
            order_tool_post(OrderTool::Cancel),
        )
        .post(
            "/staff/orders/{id}/reschedule",
            Access::Capability(Capability::ChangeOrders),
            order_tool_post(OrderTool::Reschedule),
        )
        .post(
            "/staff/orders/{id}/reassign",
            Access::Capability(Capability::ChangeOrders),
            order_tool_post(OrderTool::Reassign),
        )
        .post(
            "/staff/orders/{id}/inspect",
            Access::Capability(Capability::ChangeOrders),
            order_tool_post(OrderTool::Inspect),
        )
        .post(
            "/staff/orders/{id}/discount",
            Access::Capability(Capability::SellAndReport),
            order_discount_post,
        )
}

fn staff_order_id(text: &str) -> Result<OrderId, WebError> {
    OrderId::parse(text).ok_or(WebError::NotFound)
}

/// Back to the record of the order's customer, after an order tool.
fn to_customer(customer: AccountId) -> Response {
    Redirect::to(&format!("/staff/customers/{customer}")).into_response()
}

/// A support tool on one order, used for a reason.
#[derive(Debug, Clone, Copy)]
enum OrderTool {
    Cancel,
    Reschedule,
    Reassign,
    Inspect,
}

/// The handler of one order tool: runs it and goes back to the order's customer.
fn order_tool_post(
    tool: OrderTool,
) -> impl Fn(State<AppState>, Acting, Path<String>, Form<ReasonInput>) -> Changed
+ Clone
+ Send
+ Sync
+ 'static {
    move |State(state), Acting(actor), Path(id), Form(input)| {
        Box::pin(async move {
            let id = staff_order_id(&id)?;
            let orders = state.orders();
            let why = input.reason.as_str();
            let customer = match tool {
                OrderTool::Cancel => orders.cancel_by_support(&actor, id, why).await,
                OrderTool::Reschedule => orders.reschedule_by_support(&actor, id, why).await,
                OrderTool::Reassign => orders.reassign_by_support(&actor, id, why).await,
                OrderTool::Inspect => orders.inspect_by_support(&actor, id, why).await,
            }
            .map_err(crate::orders::failure)?;
            Ok(to_customer(customer))
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiscountInput {
    #[serde(default)]
    percent: String,
    #[serde(default)]
    reason: String,
}

async fn order_discount_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(id): Path<String>,
    Form(input): Form<DiscountInput>,
) -> Result<Response, WebError> {
    let id = staff_order_id(&id)?;
    let percent = input.percent.trim().parse().unwrap_or(0);
    let customer = state
        .orders()
        .discount(&actor, id, percent, &input.reason)
        .await
        .map_err(crate::orders::failure)?;
    Ok(to_customer(customer))
}

/// A customer card as the pages show it.
struct CardRow {
    id: String,
    name: String,
    city: String,
    email: Option<String>,
    phone: Option<String>,
    status: &'static str,
    locked: bool,
}

fn row(card: CustomerCard) -> CardRow {
    CardRow {
        id: card.id.to_string(),
        name: card.name,
        city: card.city.unwrap_or_else(|| "not given".to_owned()),
        email: card.email_masked,
        phone: card.phone_masked,
        status: match card.status {
            AccountStatus::Active => "active",
            AccountStatus::Unverified => "email not confirmed",
            AccountStatus::Disabled => "locked",
        },
        locked: card.status == AccountStatus::Disabled,
    }
}

#[derive(Template)]
#[template(path = "staff_customers.html")]
struct SearchPage {
    results: Option<Vec<CardRow>>,
    error: Option<&'static str>,
    contact: bool,
    layout: SignedInLayout,
}

/// An entry of the record's audit trail.
struct TrailRow {
    when: String,
    action: &'static str,
    reason: String,
    role: &'static str,
}

#[derive(Template)]
#[template(path = "staff_customer.html")]
struct CustomerPage {
    customer: CardRow,
    may_reveal: bool,
    may_manage: bool,
    error: Option<&'static str>,
    trail: Vec<TrailRow>,
    orders: Vec<OrderLine>,
    max_discount: u32,
    refund_limit: String,
    layout: SignedInLayout,
}

/// A customer's order on their record: number, stage, price, city; and what the viewer may
/// do with it.
struct OrderLine {
    id: String,
    state: &'static str,
    price: String,
    discount: u32,
    city: String,
    may_cancel: bool,
    may_reschedule: bool,
    may_inspect: bool,
    may_refund: bool,
    may_reassign: bool,
    may_discount: bool,
}

#[derive(Template)]
#[template(path = "staff_revealed.html")]
struct RevealedPage {
    id: String,
    data: RevealedData,
    layout: SignedInLayout,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchInput {
    q: String,
}

fn customer_id(text: &str) -> Result<AccountId, WebError> {
    AccountId::parse(text).ok_or(WebError::NotFound)
}

pub(crate) fn failure(error: BackOfficeError) -> WebError {
    match error {
        BackOfficeError::OwnRequest => {
            WebError::Forbidden("Nobody decides their own request; another admin must.")
        }
        BackOfficeError::GrantClosed => WebError::Forbidden(
            "This break-glass grant is not open (waiting, refused, ended or expired). Ask again if you still need the record.",
        ),
        BackOfficeError::Forbidden => {
            WebError::Forbidden("Your account does not have access to this.")
        }
        BackOfficeError::NotFound => WebError::NotFound,
        BackOfficeError::Conflict => {
            WebError::Conflict("The account is not in a state that allows this; reload the page.")
        }
        BackOfficeError::Invalid(fields) => WebError::Invalid(fields),
        other => WebError::internal(other),
    }
}

async fn view_search_get(who: SignedIn, layout: SignedInLayout) -> Result<Html<String>, WebError> {
    html(&SearchPage {
        results: None,
        error: None,
        contact: permits(who.role, Capability::ViewMaskedContactData),
        layout,
    })
}

async fn view_search_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Form(input): Form<SearchInput>,
) -> Result<Response, WebError> {
    let contact = permits(actor.role, Capability::ViewMaskedContactData);
    if let Some(order) = OrderId::parse(&input.q) {
        let customer = state
            .orders()
            .customer_of(&actor, order)
            .await
            .map_err(crate::orders::failure)?;
        return Ok(to_customer(customer));
    }
    match state.back_office().search(&actor, &input.q).await {
        Ok(cards) => Ok(html(&SearchPage {
            results: Some(cards.into_iter().map(row).collect()),
            error: None,
            contact,
            layout,
        })?
        .into_response()),
        Err(BackOfficeError::Invalid(fields)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&SearchPage {
                results: None,
                error: fields.first().map(|f| f.message),
                contact,
                layout,
            })?,
        )),
        Err(other) => Err(failure(other)),
    }
}

async fn customer_page(
    state: &AppState,
    actor: &Actor,
    id: AccountId,
    error: Option<&'static str>,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let card = state.back_office().view(actor, id).await.map_err(failure)?;
    let may_manage = permits(actor.role, Capability::ManageCustomerAccounts);
    let trail = if may_manage {
        state
            .back_office()
            .trail_of(actor, id)
            .await
            .map_err(failure)?
            .into_iter()
            .map(|entry| TrailRow {
                when: crate::dates::utc_minute(entry.at),
                action: entry.action.as_str(),
                reason: entry.reason.unwrap_or_default(),
                role: entry.actor_role.as_str(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let may_change = permits(actor.role, Capability::ChangeOrders);
    let may_sell = permits(actor.role, Capability::SellAndReport);
    let orders = state
        .orders()
        .orders_of(actor, id)
        .await
        .map_err(crate::orders::failure)?
        .into_iter()
        .map(|order| OrderLine {
            id: order.id.to_string(),
            state: order.state.label(),
            price: format!(
                "€{}.{:02}",
                order.price_cents / 100,
                order.price_cents % 100
            ),
            discount: order.discount_percent,
            city: order.city,
            may_cancel: may_change && next(order.state, OrderEvent::Cancel, Party::Support).is_ok(),
            may_inspect: may_change
                && next(order.state, OrderEvent::Inspect, Party::Support).is_ok(),
            may_reassign: may_change
                && next(order.state, OrderEvent::Unassign, Party::Support).is_ok(),
            may_refund: permits(actor.role, Capability::Refund)
                && next(order.state, OrderEvent::Refund, Party::Support).is_ok(),
            may_reschedule: may_change
                && next(order.state, OrderEvent::Unbook, Party::Support).is_ok(),
            may_discount: may_sell
                && order.state == OrderState::Quote
                && order.discount_percent == 0,
        })
        .collect();
    html(&CustomerPage {
        customer: row(card),
        may_reveal: permits(actor.role, Capability::RevealPersonalData),
        may_manage,
        error,
        trail,
        orders,
        max_discount: state.orders().max_discount_percent(),
        refund_limit: crate::money::euros_and_cents(state.orders().refund_limit_cents()),
        layout,
    })
}

async fn view_customer_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    customer_page(&state, &actor, customer_id(&id)?, None, layout).await
}

async fn view_reveal_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    let id = customer_id(&id)?;
    match state.back_office().reveal(&actor, id, &input.reason).await {
        Ok(data) => Ok(html(&RevealedPage {
            id: id.to_string(),
            data,
            layout,
        })?
        .into_response()),
        Err(BackOfficeError::Invalid(fields)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            customer_page(
                &state,
                &actor,
                id,
                fields.first().map(|f| f.message),
                layout,
            )
            .await?,
        )),
        Err(other) => Err(failure(other)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    reason: String,
}

async fn view_contact_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(input): Form<ContactInput>,
) -> Result<Response, WebError> {
    let id = customer_id(&id)?;
    let correction = ContactCorrection {
        email: Some(input.email.as_str()),
        phone: Some(input.phone.as_str()),
    };
    match state
        .back_office()
        .correct_contact(&actor, id, correction, &input.reason)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/staff/customers/{id}")).into_response()),
        Err(BackOfficeError::Invalid(fields)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            customer_page(
                &state,
                &actor,
                id,
                fields.first().map(|f| f.message),
                layout,
            )
            .await?,
        )),
        Err(other) => Err(failure(other)),
    }
}

/// What the manage forms do.
#[derive(Clone, Copy)]
enum Change {
    Lock,
    Unlock,
    EndSessions,
    ResetSecondFactors,
}

/// What an account form's handler returns.
type Changed = Pin<Box<dyn Future<Output = Result<Response, WebError>> + Send>>;

/// The handler of one of the record's account forms (lock, unlock, end sessions, reset the
/// second step): the same extractors and the same answers, only the change differs.
fn change_post(
    what: Change,
) -> impl Fn(State<AppState>, Acting, SignedInLayout, Path<String>, Form<ReasonInput>) -> Changed
+ Clone
+ Send
+ Sync
+ 'static {
    move |State(state), Acting(actor), layout, Path(id), Form(input)| {
        Box::pin(async move { change(state, actor, layout, &id, &input.reason, what).await })
    }
}

async fn change(
    state: AppState,
    actor: Actor,
    layout: SignedInLayout,
    id: &str,
    reason: &str,
    what: Change,
) -> Result<Response, WebError> {
    let id = customer_id(id)?;
    let office = state.back_office();
    let done = match what {
        Change::Lock => office.lock(&actor, id, reason).await,
        Change::Unlock => office.unlock(&actor, id, reason).await,
        Change::EndSessions => office.end_sessions(&actor, id, reason).await.map(|_| ()),
        Change::ResetSecondFactors => office.reset_second_factors(&actor, id, reason).await,
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/staff/customers/{id}")).into_response()),
        Err(BackOfficeError::Invalid(fields)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            customer_page(
                &state,
                &actor,
                id,
                fields.first().map(|f| f.message),
                layout,
            )
            .await?,
        )),
        Err(other) => Err(failure(other)),
    }
}
