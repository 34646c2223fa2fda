//! The quote calculator (SYS-1): public, no account needed. `GET /quote` shows the form (the
//! landing page links it), `POST /quote` the result, `POST /api/v1/quotes` the same for the
//! apps. Each source has an hourly budget of quotes (DS-2).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form, Json};
use helio_core::access::Access;
use helio_core::quote::{HORIZON_YEARS, Quote};
use helio_core::values::FieldError;
use serde::{Deserialize, Serialize};

use crate::json_body::JsonObject;
use crate::money::euros_grouped as euros;
use crate::openapi::ApiOperation;
use crate::render::{html, rendered};
use crate::services::quotes::{QuoteError, QuoteInput};
use crate::{AppState, ClientInfo, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/quote", Access::Public, view_quote_get)
        .post("/quote", Access::Public, view_quote_post)
        .post("/api/v1/quotes", Access::Public, api_quote_post)
}

/// What the form holds, as typed (numbers are read here, so a typo is a field error, not a
/// refused request).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuoteForm {
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    monthly_kwh: String,
    #[serde(default)]
    monthly_bill: String,
    #[serde(default)]
    tariff: String,
    #[serde(default)]
    roof_m2: String,
}

/// A number as people type it: `1.5`, `1,5`, surrounding spaces. Empty is `None`.
fn typed_number(text: &str) -> Result<Option<f64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > 16 {
        return Err(());
    }
    text.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(Some)
        .ok_or(())
}

/// Euros with up to two decimals, as cents.
fn typed_cents(text: &str) -> Result<Option<u64>, ()> {
    match typed_number(text)? {
        None => Ok(None),
        Some(euros) if (0.0..=1_000_000.0).contains(&euros) => {
            let cents = (euros * 100.0).round();
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "checked to be 0 to 100,000,000"
            )]
            let cents = cents as u64;
            Ok(Some(cents))
        }
        Some(_) => Err(()),
    }
}

/// The page's view of a quote.
struct QuoteView {
    panels: u32,
    system_kw: String,
    yearly_kwh: String,
    consumption_kwh: String,
    consumption_monthly: String,
    price: String,
    yearly_savings: String,
    lifetime_savings: String,
    payback: String,
    limited_by_roof: bool,
}

fn view(quote: &Quote) -> QuoteView {
    QuoteView {
        panels: quote.panels,
        system_kw: format!("{:.2}", quote.system_kw),
        yearly_kwh: format!("{:.0}", quote.yearly_kwh),
        consumption_kwh: format!("{:.0}", quote.consumption_kwh),
        consumption_monthly: format!("{:.0}", quote.consumption_kwh / 12.0),
        price: euros(quote.price_cents),
        yearly_savings: euros(quote.yearly_savings_cents),
        lifetime_savings: euros(quote.lifetime_savings_cents),
        payback: quote.payback_years.map_or_else(
            || format!("more than {HORIZON_YEARS} years"),
            |years| format!("{years} years"),
        ),
        limited_by_roof: quote.limited_by_roof,
    }
}

#[derive(Template)]
#[template(path = "quote.html")]
struct QuotePage {
    postal_code: String,
    monthly_kwh: String,
    monthly_bill: String,
    tariff: String,
    roof_m2: String,
    errors: Vec<FieldError>,
    quote: Option<QuoteView>,
    horizon: u32,
}

impl QuotePage {
    fn new(form: QuoteForm, errors: Vec<FieldError>, quote: Option<QuoteView>) -> Self {
        Self {
            postal_code: form.postal_code,
            monthly_kwh: form.monthly_kwh,
            monthly_bill: form.monthly_bill,
            tariff: form.tariff,
            roof_m2: form.roof_m2,
            errors,
            quote,
            horizon: HORIZON_YEARS,
        }
    }
}

async fn view_quote_get() -> Result<Html<String>, WebError> {
    html(&QuotePage::new(QuoteForm::default(), Vec::new(), None))
}

async fn view_quote_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Form(form): Form<QuoteForm>,
) -> Result<Response, WebError> {
    let mut errors = Vec::new();
    let mut number = |text: &str, field: &'static str, message: &'static str| {
        typed_number(text)
            .map_err(|()| errors.push(FieldError { field, message }))
            .ok()
            .flatten()
    };
    let monthly_kwh = number(
        &form.monthly_kwh,
        "monthly_kwh",
        "Type the monthly use as a number of kWh.",
    );
    let tariff = number(&form.tariff, "tariff", "Type the tariff as cents per kWh.");
    let roof_m2 = number(
        &form.roof_m2,
        "roof_m2",
        "Type the roof area as a number of m².",
    );
    let bill = typed_cents(&form.monthly_bill)
        .map_err(|()| {
            errors.push(FieldError {
                field: "monthly_bill",
                message: "Type the monthly bill in euros.",
            });
        })
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&QuotePage::new(form, errors, None))?,
        ));
    }
    let input = QuoteInput {
        postal_code: Some(form.postal_code.as_str()),
        latitude: None,
        monthly_kwh: if bill.is_some() { None } else { monthly_kwh },
        monthly_bill_cents: bill,
        tariff_cents_per_kwh: bill
            .and(tariff.or(Some(state.quotes().model().tariff_cents_per_kwh))),
        roof_m2,
    };
    match state.quotes().quote(&input, client.ip).await {
        Ok(quote) => {
            Ok(html(&QuotePage::new(form, Vec::new(), Some(view(&quote))))?.into_response())
        }
        Err(QuoteError::Invalid(errors)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&QuotePage::new(form, errors, None))?,
        )),
        Err(QuoteError::TooMany) => Err(WebError::TooManyRequests),
        Err(other) => Err(WebError::internal(other)),
    }
}

/// An app's quote request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiQuoteInput {
    postal_code: Option<String>,
    latitude: Option<f64>,
    monthly_kwh: Option<f64>,
    monthly_bill_cents: Option<u64>,
    tariff_cents_per_kwh: Option<f64>,
    roof_m2: Option<f64>,
}

/// A quote as the API returns it; money in euro cents.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiQuote {
    panels: u32,
    system_kw: f64,
    yearly_production_kwh: f64,
    yearly_consumption_kwh: f64,
    price_cents: u64,
    yearly_savings_cents: u64,
    lifetime_savings_cents: u64,
    horizon_years: u32,
    payback_years: Option<u32>,
    limited_by_roof: bool,
}

async fn api_quote_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    JsonObject(input): JsonObject<ApiQuoteInput>,
) -> Result<Json<ApiQuote>, WebError> {
    let asked = QuoteInput {
        postal_code: input.postal_code.as_deref(),
        latitude: input.latitude,
        monthly_kwh: input.monthly_kwh,
        monthly_bill_cents: input.monthly_bill_cents,
        tariff_cents_per_kwh: input.tariff_cents_per_kwh,
        roof_m2: input.roof_m2,
    };
    match state.quotes().quote(&asked, client.ip).await {
        Ok(quote) => Ok(Json(ApiQuote {
            panels: quote.panels,
            system_kw: quote.system_kw,
            yearly_production_kwh: quote.yearly_kwh.round(),
            yearly_consumption_kwh: quote.consumption_kwh.round(),
            price_cents: quote.price_cents,
            yearly_savings_cents: quote.yearly_savings_cents,
            lifetime_savings_cents: quote.lifetime_savings_cents,
            horizon_years: HORIZON_YEARS,
            payback_years: quote.payback_years,
            limited_by_roof: quote.limited_by_roof,
        })),
        Err(QuoteError::Invalid(errors)) => Err(WebError::Invalid(errors)),
        Err(QuoteError::TooMany) => Err(WebError::TooManyRequests),
        Err(other) => Err(WebError::internal(other)),
    }
}

/// The quote calculator, for the OpenAPI document.
pub(crate) fn api_operations() -> Vec<ApiOperation> {
    use crate::openapi::schema;
    vec![ApiOperation::new(
        "POST",
        "/api/v1/quotes",
        "Price a system from the location, the electricity use and the roof (no account needed).",
        Some(schema::<ApiQuoteInput>),
        Some(schema::<ApiQuote>),
    )]
}
