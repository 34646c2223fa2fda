//! A customer's orders on the web and the API (SYS-1, SYS-2, AC-5): the order form (the
//! quote's facts and the job site, with a one-time idempotency key in the form so a double
//! submit is one order), the list, an order's page with its timeline, and cancelling. Every
//! route carries `OwnOrders` (customers only) and the service reads only the caller's own.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use helio_core::access::{Access, Capability};
use helio_core::crypto::token::SecretToken;
use helio_core::dispatch::Stars;
use helio_core::order::{OrderEvent, OrderId, OrderState, Party, next};
use helio_core::values::FieldError;
use serde::{Deserialize, Serialize};

use crate::acting::Acting;
use crate::auth::SignedIn;
use crate::dates::{rfc3339, utc_minute};
use crate::forms::NoFields;
use crate::json_body::JsonObject;
use crate::layout::SignedInLayout;
use crate::money::euros_and_cents as euros;
use crate::openapi::ApiOperation;
use crate::render::{html, rendered};
use crate::services::audit_log::Actor;
use crate::services::orders::{OrderError, OrderInput, OrderView};
use crate::{AppState, ClientInfo, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    let own = Access::Capability(Capability::OwnOrders);
    RouteTable::new()
        .get("/orders", own, view_orders_get)
        .get("/orders/new", own, view_new_get)
        .post("/orders", own, view_order_post)
        .get("/orders/{id}", own, view_order_get)
        .post("/orders/{id}/cancel", own, view_cancel_post)
        .post("/orders/{id}/deposit", own, view_deposit_post)
        .post("/orders/{id}/book", own, view_book_post)
        .post("/orders/{id}/unbook", own, view_unbook_post)
        .post("/orders/{id}/balance", own, view_balance_post)
        .post("/orders/{id}/rating", own, view_rating_post)
        .get("/api/v1/orders", own, api_orders_get)
        .post("/api/v1/orders", own, api_order_post)
        .get("/api/v1/orders/{id}", own, api_order_get)
        .post("/api/v1/orders/{id}/cancel", own, api_cancel_post)
        .post("/api/v1/orders/{id}/deposit", own, api_deposit_post)
        .get("/api/v1/orders/{id}/days", own, api_days_get)
        .post("/api/v1/orders/{id}/book", own, api_book_post)
        .post("/api/v1/orders/{id}/unbook", own, api_unbook_post)
        .post("/api/v1/orders/{id}/balance", own, api_balance_post)
        .post("/api/v1/orders/{id}/rating", own, api_rating_post)
}

/// The `Idempotency-Key` header the apps send with a create or a payment; missing or not
/// text is empty, which the service refuses with a field error.
fn idempotency_key(headers: &HeaderMap) -> &str {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn order_id(text: &str) -> Result<OrderId, WebError> {
    OrderId::parse(text).ok_or(WebError::NotFound)
}

pub(crate) fn failure(error: OrderError) -> WebError {
    match error {
        OrderError::Invalid(fields) => WebError::Invalid(fields),
        OrderError::NotFound => WebError::NotFound,
        OrderError::Forbidden => WebError::Forbidden("Your account does not have access to this."),
        OrderError::Refused(refused) => WebError::Conflict(refused.message()),
        OrderError::Conflict => WebError::Conflict("The order changed meanwhile; reload it."),
        OrderError::TooMany => WebError::TooManyRequests,
        OrderError::Declined => WebError::Invalid(vec![FieldError {
            field: "payment_token",
            message: "The payment was declined; nothing was charged. Try another card.",
        }]),
        OrderError::PaymentsUnavailable => WebError::Unavailable,
        other => WebError::internal(other),
    }
}

/// One line of an order's timeline.
struct TimelineRow {
    what: &'static str,
    when: String,
}

/// An order as the pages show it.
struct OrderRow {
    id: String,
    state: &'static str,
    panels: u32,
    kw: String,
    yearly_kwh: u64,
    price: String,
    deposit: String,
    paid: String,
    balance: String,
    awaiting_deposit: bool,
    awaiting_balance: bool,
    may_rate: bool,
    rating: Option<u8>,
    payment_key: String,
    site: String,
    city: String,
    created: String,
    booked_day: String,
    may_book: bool,
    may_unbook: bool,
    may_cancel: bool,
    timeline: Vec<TimelineRow>,
}

fn row(order: OrderView) -> OrderRow {
    OrderRow {
        id: order.id.to_string(),
        state: order.state.label(),
        panels: order.panels,
        kw: format!("{:.2}", order.system_watts as f64 / 1_000.0),
        yearly_kwh: order.yearly_kwh,
        price: euros(order.price_cents),
        deposit: euros(helio_core::payment::deposit_cents(order.price_cents)),
        paid: euros(order.paid_cents),
        balance: euros(order.price_cents.saturating_sub(order.paid_cents)),
        awaiting_deposit: order.state == OrderState::Quote,
        awaiting_balance: order.state == OrderState::Inspected,
        may_rate: order.state == OrderState::Completed && order.rating.is_none(),
        rating: order.rating.map(Stars::get),
        payment_key: SecretToken::generate().expose().to_owned(),
        site: order.site.replace('\n', ", "),
        city: order.city,
        created: utc_minute(order.created_at),
        booked_day: order.booked_day.map(|d| d.format()).unwrap_or_default(),
        may_book: order.state == OrderState::Ordered,
        may_unbook: next(order.state, OrderEvent::Unbook, Party::Customer).is_ok(),
        may_cancel: next(order.state, OrderEvent::Cancel, Party::Customer).is_ok(),
        timeline: order
            .timeline
            .into_iter()
            .map(|event| TimelineRow {
                what: event.to.label(),
                when: utc_minute(event.at),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    orders: Vec<OrderRow>,
    layout: SignedInLayout,
}

async fn view_orders_get(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let orders = state.orders().list(who.account).await.map_err(failure)?;
    html(&OrdersPage {
        orders: orders.into_iter().map(row).collect(),
        layout,
    })
}

/// The order form as typed; numbers are read here so a typo is a field error.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderForm {
    #[serde(default)]
    street: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    monthly_kwh: String,
    #[serde(default)]
    roof_m2: String,
    #[serde(default)]
    idempotency_key: String,
}

#[derive(Template)]
#[template(path = "order_new.html")]
struct NewOrderPage {
    form: OrderForm,
    errors: Vec<FieldError>,
    layout: SignedInLayout,
}

/// What the quote page hands on: the quote's numbers, never the address (no personal data
/// in URLs).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct FromQuote {
    #[serde(default)]
    monthly_kwh: String,
    #[serde(default)]
    roof_m2: String,
}

async fn view_new_get(
    layout: SignedInLayout,
    Query(from): Query<FromQuote>,
) -> Result<Html<String>, WebError> {
    let keep = |text: String| number(&text).map_or_else(String::new, |n| n.to_string());
    html(&NewOrderPage {
        form: OrderForm {
            monthly_kwh: keep(from.monthly_kwh),
            roof_m2: keep(from.roof_m2),
            idempotency_key: SecretToken::generate().expose().to_owned(),
            ..OrderForm::default()
        },
        errors: Vec::new(),
        layout,
    })
}

fn number(text: &str) -> Option<f64> {
    let text = text.trim();
    (text.len() <= 16)
        .then(|| text.replace(',', ".").parse::<f64>().ok())
        .flatten()
        .filter(|n| n.is_finite())
}

async fn view_order_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    who: SignedIn,
    layout: SignedInLayout,
    Form(form): Form<OrderForm>,
) -> Result<Response, WebError> {
    let input = OrderInput {
        street: &form.street,
        postal_code: &form.postal_code,
        city: &form.city,
        monthly_kwh: number(&form.monthly_kwh),
        monthly_bill_cents: None,
        tariff_cents_per_kwh: None,
        roof_m2: number(&form.roof_m2),
        idempotency_key: &form.idempotency_key,
        source: client.ip,
    };
    match state.orders().place(who.account, &input).await {
        Ok((id, _)) => Ok(Redirect::to(&format!("/orders/{id}")).into_response()),
        Err(OrderError::Invalid(errors)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&NewOrderPage {
                form,
                errors,
                layout,
            })?,
        )),
        Err(other) => Err(failure(other)),
    }
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    order: OrderRow,
    payments: bool,
    free_days: Vec<String>,
    error: Option<&'static str>,
    layout: SignedInLayout,
}

/// An order's page, with a message after a refused form. The free days are looked up only
/// for an order that can be booked.
async fn order_page(
    state: &AppState,
    who: &SignedIn,
    id: OrderId,
    error: Option<&'static str>,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let orders = state.orders();
    let order = row(orders.view(who.account, id).await.map_err(failure)?);
    let free_days = if order.may_book {
        days_of(state, who, id).await?
    } else {
        Vec::new()
    };
    html(&OrderPage {
        order,
        payments: orders.payments_available(),
        free_days,
        error,
        layout,
    })
}

/// The order page after a refused form (422), saying why.
async fn order_page_with(
    state: &AppState,
    who: &SignedIn,
    id: OrderId,
    error: &'static str,
    layout: SignedInLayout,
) -> Result<Response, WebError> {
    Ok(rendered(
        StatusCode::UNPROCESSABLE_ENTITY,
        order_page(state, who, id, Some(error), layout).await?,
    ))
}

async fn days_of(state: &AppState, who: &SignedIn, id: OrderId) -> Result<Vec<String>, WebError> {
    Ok(state
        .orders()
        .free_days(who.account, id)
        .await
        .map_err(failure)?
        .into_iter()
        .map(|day| day.format())
        .collect())
}

/// The booking form: a day.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BookForm {
    #[serde(default)]
    day: String,
}

async fn view_book_post(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(form): Form<BookForm>,
) -> Result<Response, WebError> {
    let id = order_id(&id)?;
    let booked = state.orders().book(who.account, id, &form.day).await;
    back_to_order(&state, &who, id, layout, booked, "Choose a day.").await
}

/// After an order form: back to the order, or its page again (422) saying what to fix.
async fn back_to_order<T>(
    state: &AppState,
    who: &SignedIn,
    id: OrderId,
    layout: SignedInLayout,
    done: Result<T, OrderError>,
    fix: &'static str,
) -> Result<Response, WebError> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/orders/{id}")).into_response()),
        Err(OrderError::Invalid(fields)) => {
            let message = fields.first().map_or(fix, |f| f.message);
            order_page_with(state, who, id, message, layout).await
        }
        Err(other) => Err(failure(other)),
    }
}

async fn view_order_get(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    order_page(&state, &who, order_id(&id)?, None, layout).await
}

async fn view_cancel_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    let id = order_id(&id)?;
    state
        .orders()
        .cancel_as_customer(who.account, id, client.ip)
        .await
        .map_err(failure)?;
    Ok(Redirect::to(&format!("/orders/{id}")).into_response())
}

/// A payment form (deposit or balance): the provider's token and this page's idempotency
/// key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DepositForm {
    #[serde(default)]
    payment_token: String,
    #[serde(default)]
    idempotency_key: String,
}

/// What a payment form pays.
#[derive(Clone, Copy)]
enum Paying {
    Deposit,
    Balance,
}

async fn pay(
    state: &AppState,
    actor: &Actor,
    id: OrderId,
    paying: Paying,
    token: &str,
    key: &str,
) -> Result<(), OrderError> {
    let orders = state.orders();
    match paying {
        Paying::Deposit => orders.pay_deposit(actor, id, token, key).await,
        Paying::Balance => orders.pay_balance(actor, id, token, key).await,
    }
}

async fn view_pay(
    state: AppState,
    who: SignedIn,
    actor: Actor,
    layout: SignedInLayout,
    id: &str,
    paying: Paying,
    form: DepositForm,
) -> Result<Response, WebError> {
    let id = order_id(id)?;
    let error = match pay(
        &state,
        &actor,
        id,
        paying,
        &form.payment_token,
        &form.idempotency_key,
    )
    .await
    {
        Ok(()) => return Ok(Redirect::to(&format!("/orders/{id}")).into_response()),
        Err(OrderError::Declined) => {
            "The payment was declined; nothing was charged. Try another card."
        }
        Err(OrderError::Invalid(fields)) => fields
            .first()
            .map_or("Check the payment details.", |f| f.message),
        Err(other) => return Err(failure(other)),
    };
    order_page_with(&state, &who, id, error, layout).await
}

async fn view_deposit_post(
    State(state): State<AppState>,
    who: SignedIn,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(form): Form<DepositForm>,
) -> Result<Response, WebError> {
    view_pay(state, who, actor, layout, &id, Paying::Deposit, form).await
}

async fn view_balance_post(
    State(state): State<AppState>,
    who: SignedIn,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(form): Form<DepositForm>,
) -> Result<Response, WebError> {
    view_pay(state, who, actor, layout, &id, Paying::Balance, form).await
}

/// The rating form: 1 to 5 stars.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RatingForm {
    #[serde(default)]
    stars: String,
}

async fn view_rating_post(
    State(state): State<AppState>,
    who: SignedIn,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(form): Form<RatingForm>,
) -> Result<Response, WebError> {
    let id = order_id(&id)?;
    match state.orders().rate(who.account, id, &form.stars).await {
        Err(OrderError::Conflict) => Err(WebError::Conflict("This job is rated already.")),
        rated => back_to_order(&state, &who, id, layout, rated, "Rate 1 to 5 stars.").await,
    }
}

/// An app's rating.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiRating {
    stars: u8,
}

async fn api_rating_post(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    JsonObject(input): JsonObject<ApiRating>,
) -> Result<Json<ApiOrder>, WebError> {
    let id = order_id(&id)?;
    match state
        .orders()
        .rate(who.account, id, &input.stars.to_string())
        .await
    {
        Ok(_) => api_view(&state, &who, id).await,
        Err(OrderError::Conflict) => Err(WebError::Conflict("This job is rated already.")),
        Err(other) => Err(failure(other)),
    }
}

/// An app's payment (deposit or balance): the provider's token; the idempotency key in
/// `Idempotency-Key`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiDeposit {
    payment_token: String,
}

async fn api_pay(
    state: AppState,
    who: SignedIn,
    actor: &Actor,
    headers: &HeaderMap,
    id: &str,
    paying: Paying,
    input: ApiDeposit,
) -> Result<Json<ApiOrder>, WebError> {
    let id = order_id(id)?;
    pay(
        &state,
        actor,
        id,
        paying,
        &input.payment_token,
        idempotency_key(headers),
    )
    .await
    .map_err(failure)?;
    api_view(&state, &who, id).await
}

async fn api_deposit_post(
    State(state): State<AppState>,
    who: SignedIn,
    Acting(actor): Acting,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonObject(input): JsonObject<ApiDeposit>,
) -> Result<Json<ApiOrder>, WebError> {
    api_pay(state, who, &actor, &headers, &id, Paying::Deposit, input).await
}

async fn api_balance_post(
    State(state): State<AppState>,
    who: SignedIn,
    Acting(actor): Acting,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonObject(input): JsonObject<ApiDeposit>,
) -> Result<Json<ApiOrder>, WebError> {
    api_pay(state, who, &actor, &headers, &id, Paying::Balance, input).await
}

async fn view_unbook_post(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    let id = order_id(&id)?;
    state
        .orders()
        .unbook_as_customer(who.account, id)
        .await
        .map_err(failure)?;
    Ok(Redirect::to(&format!("/orders/{id}")).into_response())
}

async fn api_unbook_post(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<ApiOrder>, WebError> {
    let id = order_id(&id)?;
    state
        .orders()
        .unbook_as_customer(who.account, id)
        .await
        .map_err(failure)?;
    api_view(&state, &who, id).await
}

/// The days an app may book its order on.
async fn api_days_get(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<Vec<String>>, WebError> {
    Ok(Json(days_of(&state, &who, order_id(&id)?).await?))
}

/// An app's booking: the day, `YYYY-MM-DD`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiBook {
    day: String,
}

async fn api_book_post(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    JsonObject(input): JsonObject<ApiBook>,
) -> Result<Json<ApiOrder>, WebError> {
    let id = order_id(&id)?;
    state
        .orders()
        .book(who.account, id, &input.day)
        .await
        .map_err(failure)?;
    api_view(&state, &who, id).await
}

/// An order as the API returns it; money in euro cents, times in RFC 3339.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiOrder {
    id: String,
    state: &'static str,
    panels: u32,
    system_watts: u64,
    yearly_kwh: u64,
    price_cents: u64,
    deposit_cents: u64,
    paid_cents: u64,
    balance_due_cents: u64,
    rating: Option<u8>,
    site: String,
    city: String,
    created_at: String,
    booked_day: Option<String>,
    timeline: Vec<ApiMove>,
}

/// One move of an order.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiMove {
    state: &'static str,
    event: Option<&'static str>,
    at: String,
}

fn api_order(order: OrderView) -> ApiOrder {
    ApiOrder {
        id: order.id.to_string(),
        state: order.state.as_str(),
        panels: order.panels,
        system_watts: order.system_watts,
        yearly_kwh: order.yearly_kwh,
        price_cents: order.price_cents,
        deposit_cents: helio_core::payment::deposit_cents(order.price_cents),
        paid_cents: order.paid_cents,
        balance_due_cents: if order.state == OrderState::Inspected {
            order.price_cents.saturating_sub(order.paid_cents)
        } else {
            0
        },
        rating: order.rating.map(Stars::get),
        site: order.site,
        city: order.city,
        created_at: rfc3339(order.created_at),
        booked_day: order.booked_day.map(|d| d.format()),
        timeline: order
            .timeline
            .into_iter()
            .map(|event| ApiMove {
                state: event.to.as_str(),
                event: event.event.map(OrderEvent::as_str),
                at: rfc3339(event.at),
            })
            .collect(),
    }
}

/// The customer's order `id` as the API answers it (after a move, its new state).
async fn api_view(
    state: &AppState,
    who: &SignedIn,
    id: OrderId,
) -> Result<Json<ApiOrder>, WebError> {
    let order = state
        .orders()
        .view(who.account, id)
        .await
        .map_err(failure)?;
    Ok(Json(api_order(order)))
}

async fn api_orders_get(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Json<Vec<ApiOrder>>, WebError> {
    let orders = state.orders().list(who.account).await.map_err(failure)?;
    Ok(Json(orders.into_iter().map(api_order).collect()))
}

/// An app's order: the quote's facts and the job site; the idempotency key comes in the
/// `Idempotency-Key` header.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiOrderInput {
    street: String,
    postal_code: String,
    city: String,
    monthly_kwh: Option<f64>,
    monthly_bill_cents: Option<u64>,
    tariff_cents_per_kwh: Option<f64>,
    roof_m2: Option<f64>,
}

async fn api_order_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    who: SignedIn,
    headers: HeaderMap,
    JsonObject(input): JsonObject<ApiOrderInput>,
) -> Result<Response, WebError> {
    let key = idempotency_key(&headers);
    let (id, created) = state
        .orders()
        .place(
            who.account,
            &OrderInput {
                street: &input.street,
                postal_code: &input.postal_code,
                city: &input.city,
                monthly_kwh: input.monthly_kwh,
                monthly_bill_cents: input.monthly_bill_cents,
                tariff_cents_per_kwh: input.tariff_cents_per_kwh,
                roof_m2: input.roof_m2,
                idempotency_key: key,
                source: client.ip,
            },
        )
        .await
        .map_err(failure)?;
    let order = state
        .orders()
        .view(who.account, id)
        .await
        .map_err(failure)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(api_order(order))).into_response())
}

async fn api_order_get(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<ApiOrder>, WebError> {
    api_view(&state, &who, order_id(&id)?).await
}

async fn api_cancel_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<ApiOrder>, WebError> {
    let id = order_id(&id)?;
    state
        .orders()
        .cancel_as_customer(who.account, id, client.ip)
        .await
        .map_err(failure)?;
    api_view(&state, &who, id).await
}

/// The customer's order operations, for the OpenAPI document.
pub(crate) fn api_operations() -> Vec<ApiOperation> {
    use crate::openapi::{list_of, list_of_days, schema};
    vec![
        ApiOperation::new(
            "GET",
            "/api/v1/orders",
            "The customer's orders, newest first.",
            None,
            Some(list_of::<ApiOrder>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/orders",
            "Order the quoted system (201; the same key again answers 200 with the first order).",
            Some(schema::<ApiOrderInput>),
            Some(schema::<ApiOrder>),
        )
        .answering(201)
        .idempotent(),
        ApiOperation::new(
            "GET",
            "/api/v1/orders/{id}",
            "One of the customer's orders, with its timeline.",
            None,
            Some(schema::<ApiOrder>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/orders/{id}/cancel",
            "Cancel the order (at most five an hour).",
            None,
            Some(schema::<ApiOrder>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/orders/{id}/deposit",
            "Pay the deposit with a payment provider's token.",
            Some(schema::<ApiDeposit>),
            Some(schema::<ApiOrder>),
        )
        .idempotent(),
        ApiOperation::new(
            "GET",
            "/api/v1/orders/{id}/days",
            "The days the order can be booked on.",
            None,
            Some(list_of_days),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/orders/{id}/book",
            "Book an installation day; the job is offered to a crew.",
            Some(schema::<ApiBook>),
            Some(schema::<ApiOrder>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/orders/{id}/unbook",
            "Give the booked day up, to book another.",
            None,
            Some(schema::<ApiOrder>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/orders/{id}/balance",
            "Pay the balance of an inspected installation; the order completes.",
            Some(schema::<ApiDeposit>),
            Some(schema::<ApiOrder>),
        )
        .idempotent(),
        ApiOperation::new(
            "POST",
            "/api/v1/orders/{id}/rating",
            "Rate the crew of a completed job, once.",
            Some(schema::<ApiRating>),
            Some(schema::<ApiOrder>),
        ),
    ]
}
