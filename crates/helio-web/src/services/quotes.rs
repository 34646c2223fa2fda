//! Quotes (SYS-1): the calculator of `helio_core::quote` behind the public page and the API,
//! with the price model from the configuration and a per-source budget (DS-2). Nothing is
//! stored: a quote becomes an order only when a signed-in customer orders it.

use std::sync::Arc;

use helio_core::crypto::blind_index::BlindIndexer;
use helio_core::quote::{
    self, Consumption, Location, PricingModel, Quote, QuoteRefused, QuoteRequest,
};
use helio_core::throttle::ThrottlePolicy;
use helio_core::time::Clock;
use helio_core::values::FieldError;
use helio_store::{Store, StoreError};

use super::counters::{self, CounterError};

/// What a person asks a quote for, as typed: one of postal code or latitude, one of monthly
/// kWh or bill and tariff, and the roof.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuoteInput<'a> {
    /// A Spanish postal code.
    pub postal_code: Option<&'a str>,
    /// Or a latitude, from the app's location.
    pub latitude: Option<f64>,
    /// kWh a month.
    pub monthly_kwh: Option<f64>,
    /// Or the monthly bill in cents…
    pub monthly_bill_cents: Option<u64>,
    /// …and the tariff in cents per kWh.
    pub tariff_cents_per_kwh: Option<f64>,
    /// Usable roof area, m².
    pub roof_m2: Option<f64>,
}

/// Why no quote is given.
#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    /// The input is invalid; each field says why.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// This source asked too many quotes this hour.
    #[error("too many quotes from this source")]
    TooMany,
    /// The store failed (the budget counter).
    #[error("store failure")]
    Store(#[from] StoreError),
}

impl From<CounterError> for QuoteError {
    fn from(error: CounterError) -> Self {
        match error {
            CounterError::Store(error) => Self::Store(error),
            CounterError::Contended => Self::TooMany,
        }
    }
}

fn field(field: &'static str, message: &'static str) -> FieldError {
    FieldError { field, message }
}

/// Reads what was typed into a checked request.
///
/// # Errors
/// One entry per refused field.
pub fn request(input: &QuoteInput<'_>) -> Result<QuoteRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let location = match (
        input.postal_code.filter(|c| !c.trim().is_empty()),
        input.latitude,
    ) {
        (Some(code), None) => Location::from_spanish_postal_code(code),
        (None, Some(latitude)) => Location::from_latitude(latitude),
        _ => Err(field(
            "postal_code",
            "Give the postal code of the house (or, from the app, its location).",
        )),
    }
    .map_err(|e| errors.push(e))
    .ok();
    let consumption = match (
        input.monthly_kwh,
        input.monthly_bill_cents,
        input.tariff_cents_per_kwh,
    ) {
        (Some(kwh), None, None) => Some(Consumption::MonthlyKwh(kwh)),
        (None, Some(cents), Some(tariff)) => Some(Consumption::MonthlyBill {
            cents,
            tariff_cents_per_kwh: tariff,
        }),
        _ => {
            errors.push(field(
                "monthly_kwh",
                "Give the monthly use in kWh, or the monthly bill and the tariff.",
            ));
            None
        }
    };
    let roof = input.roof_m2.or_else(|| {
        errors.push(field("roof_m2", "Give the usable roof area in m²."));
        None
    });
    let (Some(location), Some(consumption), Some(roof)) = (location, consumption, roof) else {
        return Err(errors);
    };
    QuoteRequest::new(location, consumption, roof)
}

/// The quote service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Quotes {
    store: Store,
    indexer: Arc<BlindIndexer>,
    clock: Arc<dyn Clock>,
    model: PricingModel,
}

impl Quotes {
    /// The service under the configured price model.
    #[must_use]
    pub fn new(
        store: Store,
        indexer: Arc<BlindIndexer>,
        clock: Arc<dyn Clock>,
        model: PricingModel,
    ) -> Self {
        Self {
            store,
            indexer,
            clock,
            model,
        }
    }

    /// The price model quotes use.
    #[must_use]
    pub fn model(&self) -> &PricingModel {
        &self.model
    }

    /// A quote for `input`, asked from `ip`; counted against the source's hourly budget
    /// whether or not the input is valid.
    pub async fn quote(
        &self,
        input: &QuoteInput<'_>,
        ip: std::net::IpAddr,
    ) -> Result<Quote, QuoteError> {
        if !counters::spend_source_budget(
            &self.store,
            &self.indexer,
            "quotes",
            ip,
            ThrottlePolicy::QUOTES,
            self.clock.now(),
        )
        .await?
        {
            return Err(QuoteError::TooMany);
        }
        let asked = request(input).map_err(QuoteError::Invalid)?;
        quote::quote(&asked, &self.model).map_err(|QuoteRefused::RoofTooSmall| {
            QuoteError::Invalid(vec![field(
                "roof_m2",
                "Not even one panel fits on this roof area.",
            )])
        })
    }
}
