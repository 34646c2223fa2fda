//! The quote calculator (SYS-1): from where the house is, how much electricity it uses and how
//! much roof it has, the system Helio would install, what it would produce, what it costs and
//! when it pays for itself. Pure functions over a documented model, so the page, the API and
//! the order all agree, and property tests can hold the model to its promises (more use never
//! means a smaller system, the roof is never exceeded, nothing is negative).
//!
//! The model, kept deliberately simple and stated on the quote page:
//! - Sunshine: the yearly irradiation on a well-tilted, south-facing roof in kWh/m², by
//!   latitude, interpolated in [`IRRADIATION_BY_LATITUDE`] (a coarse table in line with PVGIS
//!   figures for Europe and North Africa; clouds and local shade are not modelled).
//! - Production: kWp × irradiation × [`PricingModel::performance_ratio`] (losses of
//!   inverter, wiring, heat and dirt), falling by [`PricingModel::degradation_per_year`].
//! - Size: enough panels to cover the yearly use, no more than fit on the usable roof.
//! - Savings: energy used at home is valued at the tariff, surplus at the export price.

use crate::values::FieldError;

/// Yearly irradiation on an optimally tilted plane (kWh/m² per year) at each latitude in
/// degrees, north or south; linear between rows, flat beyond the last.
pub const IRRADIATION_BY_LATITUDE: [(f64, f64); 12] = [
    (0.0, 2_000.0),
    (15.0, 2_150.0),
    (25.0, 2_200.0),
    (32.0, 2_100.0),
    (36.5, 2_050.0),
    (39.5, 1_900.0),
    (42.5, 1_650.0),
    (46.0, 1_400.0),
    (50.0, 1_200.0),
    (54.0, 1_050.0),
    (58.0, 950.0),
    (65.0, 850.0),
];

/// The years a quote looks ahead (a panel's warranted life).
pub const HORIZON_YEARS: u32 = 25;

/// The yearly irradiation at `latitude` (degrees; the sign is the hemisphere).
#[must_use]
pub fn irradiation(latitude: f64) -> f64 {
    let at = latitude.abs().min(90.0);
    let mut previous = IRRADIATION_BY_LATITUDE[0];
    for row in IRRADIATION_BY_LATITUDE {
        if at <= row.0 {
            let span = row.0 - previous.0;
            if span <= 0.0 {
                return row.1;
            }
            return previous.1 + (row.1 - previous.1) * (at - previous.0) / span;
        }
        previous = row;
    }
    previous.1
}

/// Where the house is: a latitude, from the app's location or from a Spanish postal code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    latitude: f64,
}

/// The latitude of each Spanish province's capital, by the first two digits of its postal
/// codes (01 Álava … 52 Melilla).
const PROVINCE_LATITUDES: [f64; 52] = [
    42.85, 38.99, 38.35, 36.84, 40.66, 38.88, 39.57, 41.39, 42.34, 39.47, 36.53, 39.99, 38.99,
    37.89, 43.36, 40.07, 41.98, 37.18, 40.63, 43.32, 37.26, 42.14, 37.78, 42.60, 41.62, 42.47,
    43.01, 40.42, 36.72, 37.99, 42.81, 42.34, 43.36, 42.01, 28.12, 42.43, 40.97, 28.46, 43.46,
    40.95, 37.39, 41.76, 41.12, 40.34, 39.86, 39.47, 41.65, 43.26, 41.50, 41.65, 35.89, 35.29,
];

/// The longitude of each Spanish province's capital, in the same order (east positive).
const PROVINCE_LONGITUDES: [f64; 52] = [
    -2.67, -1.86, -0.48, -2.46, -4.70, -6.97, 2.65, 2.17, -3.70, -6.37, -6.29, -0.05, -3.93, -4.78,
    -8.41, -2.13, 2.82, -3.60, -3.17, -1.98, -6.95, -0.41, -3.79, -5.57, 0.62, -2.45, -7.56, -3.70,
    -4.42, -1.13, -1.64, -7.86, -5.85, -4.53, -15.43, -8.64, -5.66, -16.25, -3.80, -4.12, -5.98,
    -2.47, 1.25, -1.11, -4.02, -0.38, -4.72, -2.93, -5.75, -0.89, -5.32, -2.94,
];

/// The Spanish provinces by the first two digits of their postal codes (01 … 52).
pub const PROVINCES: [&str; 52] = [
    "Araba/Álava",
    "Albacete",
    "Alicante",
    "Almería",
    "Ávila",
    "Badajoz",
    "Illes Balears",
    "Barcelona",
    "Burgos",
    "Cáceres",
    "Cádiz",
    "Castellón",
    "Ciudad Real",
    "Córdoba",
    "A Coruña",
    "Cuenca",
    "Girona",
    "Granada",
    "Guadalajara",
    "Gipuzkoa",
    "Huelva",
    "Huesca",
    "Jaén",
    "León",
    "Lleida",
    "La Rioja",
    "Lugo",
    "Madrid",
    "Málaga",
    "Murcia",
    "Navarra",
    "Ourense",
    "Asturias",
    "Palencia",
    "Las Palmas",
    "Pontevedra",
    "Salamanca",
    "Santa Cruz de Tenerife",
    "Cantabria",
    "Segovia",
    "Sevilla",
    "Soria",
    "Tarragona",
    "Teruel",
    "Toledo",
    "Valencia",
    "Valladolid",
    "Bizkaia",
    "Zamora",
    "Zaragoza",
    "Ceuta",
    "Melilla",
];

/// The province code (`"28"`) of a Spanish postal code, if it is one.
#[must_use]
pub fn province_of(postal_code: &str) -> Option<&str> {
    let code = postal_code.trim();
    Location::from_spanish_postal_code(code).ok()?;
    code.get(..2)
}

/// The name of a province code (`"28"` → Madrid).
#[must_use]
pub fn province_name(code: &str) -> Option<&'static str> {
    let index: usize = code.parse().ok()?;
    PROVINCES.get(index.checked_sub(1)?).copied()
}

/// The great-circle distance in km between the capitals of two provinces (by code), the
/// granularity at which Helio places a job site for dispatch; `None` for an unknown code.
#[must_use]
pub fn capital_distance_km(from: &str, to: &str) -> Option<f64> {
    let place = |code: &str| -> Option<(f64, f64)> {
        let index = code.parse::<usize>().ok()?.checked_sub(1)?;
        Some((
            *PROVINCE_LATITUDES.get(index)?,
            *PROVINCE_LONGITUDES.get(index)?,
        ))
    };
    let ((lat1, lon1), (lat2, lon2)) = (place(from)?, place(to)?);
    let (lat1, lat2) = (lat1.to_radians(), lat2.to_radians());
    let half_dlat = (lat2 - lat1) / 2.0;
    let half_dlon = (lon2 - lon1).to_radians() / 2.0;
    let a = half_dlat.sin().powi(2) + lat1.cos() * lat2.cos() * half_dlon.sin().powi(2);
    Some(2.0 * 6_371.0 * a.sqrt().min(1.0).asin())
}

impl Location {
    /// A latitude in degrees, -90 to 90.
    ///
    /// # Errors
    /// When it is not a number in range.
    pub fn from_latitude(latitude: f64) -> Result<Self, FieldError> {
        if latitude.is_finite() && (-90.0..=90.0).contains(&latitude) {
            Ok(Self { latitude })
        } else {
            Err(FieldError {
                field: "latitude",
                message: "Give a latitude between -90 and 90 degrees.",
            })
        }
    }

    /// A Spanish postal code (five digits): its province's capital stands for the house.
    ///
    /// # Errors
    /// When it is not five digits of a province (01 to 52).
    pub fn from_spanish_postal_code(code: &str) -> Result<Self, FieldError> {
        let code = code.trim();
        let refused = FieldError {
            field: "postal_code",
            message: "Give a Spanish postal code: five digits, starting 01 to 52.",
        };
        if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refused);
        }
        let province: usize = code.get(..2).and_then(|p| p.parse().ok()).unwrap_or(0);
        match province
            .checked_sub(1)
            .and_then(|i| PROVINCE_LATITUDES.get(i))
        {
            Some(&latitude) => Ok(Self { latitude }),
            None => Err(refused),
        }
    }

    /// The latitude in degrees.
    #[must_use]
    pub const fn latitude(self) -> f64 {
        self.latitude
    }
}

/// How much electricity the house uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Consumption {
    /// kWh per month, from a bill or a meter.
    MonthlyKwh(f64),
    /// A monthly bill in euro cents at a tariff in cents per kWh.
    MonthlyBill {
        /// The bill, cents.
        cents: u64,
        /// The tariff, cents per kWh.
        tariff_cents_per_kwh: f64,
    },
}

/// The most a household quote covers: 10 MWh a month is a factory, not a home.
const MAX_MONTHLY_KWH: f64 = 10_000.0;

/// The largest roof a quote considers, m².
const MAX_ROOF_M2: f64 = 2_000.0;

/// What a quote is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuoteRequest {
    /// Where.
    pub location: Location,
    /// How much electricity.
    pub consumption: Consumption,
    /// Usable roof area facing the sun, m².
    pub roof_m2: f64,
}

impl QuoteRequest {
    /// The request, each value checked.
    ///
    /// # Errors
    /// One entry per refused field.
    pub fn new(
        location: Location,
        consumption: Consumption,
        roof_m2: f64,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let monthly = match consumption {
            Consumption::MonthlyKwh(kwh) => kwh,
            Consumption::MonthlyBill {
                cents,
                tariff_cents_per_kwh,
            } => {
                if !(tariff_cents_per_kwh.is_finite()
                    && (1.0..=200.0).contains(&tariff_cents_per_kwh))
                {
                    errors.push(FieldError {
                        field: "tariff",
                        message: "Give the tariff in cents per kWh, 1 to 200.",
                    });
                }
                to_f64(cents) / tariff_cents_per_kwh
            }
        };
        if errors.is_empty()
            && !(monthly.is_finite() && monthly > 0.0 && monthly <= MAX_MONTHLY_KWH)
        {
            errors.push(FieldError {
                field: "consumption",
                message: "Give the monthly use: more than 0 and at most 10,000 kWh (or the bill and tariff).",
            });
        }
        if !(roof_m2.is_finite() && roof_m2 > 0.0 && roof_m2 <= MAX_ROOF_M2) {
            errors.push(FieldError {
                field: "roof_m2",
                message: "Give the usable roof area: more than 0 and at most 2,000 m².",
            });
        }
        if errors.is_empty() {
            Ok(Self {
                location,
                consumption,
                roof_m2,
            })
        } else {
            Err(errors)
        }
    }

    /// kWh per year.
    #[must_use]
    pub fn yearly_kwh(&self) -> f64 {
        12.0 * match self.consumption {
            Consumption::MonthlyKwh(kwh) => kwh,
            Consumption::MonthlyBill {
                cents,
                tariff_cents_per_kwh,
            } => to_f64(cents) / tariff_cents_per_kwh,
        }
    }
}

/// Prices and panel facts the calculator uses; set in the configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PricingModel {
    /// Installed price per watt peak, euro cents.
    pub price_cents_per_watt: u32,
    /// One panel's peak power, watts.
    pub panel_watts: u32,
    /// One panel's area, m².
    pub panel_m2: f64,
    /// What a kWh bought from the grid costs, cents.
    pub tariff_cents_per_kwh: f64,
    /// What a kWh sold to the grid earns, cents.
    pub export_cents_per_kwh: f64,
    /// Share of the energy the house uses itself when production equals use (the rest is
    /// produced when nobody is home).
    pub self_use_share: f64,
    /// Losses between panel and socket (0 to 1).
    pub performance_ratio: f64,
    /// Yearly loss of panel output (0 to 1).
    pub degradation_per_year: f64,
    /// The largest discount sales may give on an order, percent (DS-2).
    pub max_discount_percent: u32,
    /// The largest refund support may make alone, cents; above it an admin approves (AC-5,
    /// DS-2).
    pub refund_limit_cents: u64,
    /// Payments, refunds and price changes of at least this many cents are high-value
    /// transactions, each an entry in the audit trail.
    pub high_value_cents: u64,
}

impl PricingModel {
    /// Figures for Spain in 2026: 1.20 €/W installed, 430 W panels of 1.95 m², 18 c/kWh
    /// bought, 6 c/kWh sold, 60 % self-use, PR 0.80, 0.5 %/year degradation; discounts of
    /// at most 10 %; refunds above €500 approved by an admin; €3,000 and more is high value.
    pub const DEFAULT: Self = Self {
        price_cents_per_watt: 120,
        panel_watts: 430,
        panel_m2: 1.95,
        tariff_cents_per_kwh: 18.0,
        export_cents_per_kwh: 6.0,
        self_use_share: 0.6,
        performance_ratio: 0.8,
        degradation_per_year: 0.005,
        max_discount_percent: 10,
        refund_limit_cents: 50_000,
        high_value_cents: 300_000,
    };

    /// What is wrong with the model, if anything (the configuration refuses to start).
    #[must_use]
    pub fn problems(&self) -> Vec<&'static str> {
        let mut problems = Vec::new();
        if !(20..=1_000).contains(&self.price_cents_per_watt) {
            problems.push("price_cents_per_watt must be 20 to 1000");
        }
        if !(1..=10_000_000).contains(&self.refund_limit_cents) {
            problems.push("refund_limit_cents must be 1 to 10000000");
        }
        if !(1..=100_000_000).contains(&self.high_value_cents) {
            problems.push("high_value_cents must be 1 to 100000000");
        }
        if !(100..=1_000).contains(&self.panel_watts) {
            problems.push("panel_watts must be 100 to 1000");
        }
        if !(self.panel_m2.is_finite() && (0.5..=4.0).contains(&self.panel_m2)) {
            problems.push("panel_m2 must be 0.5 to 4");
        }
        for (value, message) in [
            (
                self.tariff_cents_per_kwh,
                "tariff_cents_per_kwh must be 1 to 200",
            ),
            (
                self.export_cents_per_kwh,
                "export_cents_per_kwh must be 0 to 200",
            ),
        ] {
            if !(value.is_finite() && (0.0..=200.0).contains(&value)) {
                problems.push(message);
            }
        }
        if self.tariff_cents_per_kwh < 1.0 {
            problems.push("tariff_cents_per_kwh must be 1 to 200");
        }
        for (value, message) in [
            (self.self_use_share, "self_use_share must be 0 to 1"),
            (self.performance_ratio, "performance_ratio must be 0.5 to 1"),
            (
                self.degradation_per_year,
                "degradation_per_year must be 0 to 0.05",
            ),
        ] {
            if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
                problems.push(message);
            }
        }
        if self.performance_ratio < 0.5 {
            problems.push("performance_ratio must be 0.5 to 1");
        }
        if self.degradation_per_year > 0.05 {
            problems.push("degradation_per_year must be 0 to 0.05");
        }
        if self.max_discount_percent > 50 {
            problems.push("max_discount_percent must be 0 to 50");
        }
        problems
    }
}

/// The quote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    /// How many panels.
    pub panels: u32,
    /// Peak power, kW.
    pub system_kw: f64,
    /// First-year production, kWh.
    pub yearly_kwh: f64,
    /// The yearly use it was sized for, kWh.
    pub consumption_kwh: f64,
    /// Installed price, euro cents.
    pub price_cents: u64,
    /// First-year savings, euro cents.
    pub yearly_savings_cents: u64,
    /// Savings over [`HORIZON_YEARS`], euro cents, before the price.
    pub lifetime_savings_cents: u64,
    /// Years until the savings have paid the price; `None` if not within the horizon.
    pub payback_years: Option<u32>,
    /// Whether the roof, not the use, set the size.
    pub limited_by_roof: bool,
}

/// Why no system fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteRefused {
    /// Not even one panel fits on the roof.
    RoofTooSmall,
}

fn to_f64(value: u64) -> f64 {
    // Exact below 2^53, far above any amount a quote handles.
    #[expect(clippy::cast_precision_loss, reason = "amounts stay far below 2^53")]
    let converted = value as f64;
    converted
}

/// Rounds a non-negative finite amount (kWh, cents) to whole units; anything else is 0.
#[must_use]
pub fn whole(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked finite and positive; quotes stay far below u64::MAX"
        )]
        let rounded = value.round() as u64;
        rounded
    } else {
        0
    }
}

/// Savings in cents for a year producing `produced` kWh against `used` kWh.
fn savings(model: &PricingModel, produced: f64, used: f64) -> f64 {
    let at_home = produced.min(used) * model.self_use_share;
    let exported = produced - at_home;
    at_home * model.tariff_cents_per_kwh + exported * model.export_cents_per_kwh
}

/// The quote for `request` under `model`.
///
/// # Errors
/// When no panel fits on the roof.
pub fn quote(request: &QuoteRequest, model: &PricingModel) -> Result<Quote, QuoteRefused> {
    let consumption = request.yearly_kwh();
    let per_kwp = irradiation(request.location.latitude()) * model.performance_ratio;
    let panel_kw = f64::from(model.panel_watts) / 1_000.0;
    let fit = whole((request.roof_m2 / model.panel_m2).floor());
    let fit = u32::try_from(fit).unwrap_or(u32::MAX);
    if fit == 0 {
        return Err(QuoteRefused::RoofTooSmall);
    }
    let wanted = whole((consumption / (per_kwp * panel_kw)).ceil()).max(1);
    let wanted = u32::try_from(wanted).unwrap_or(u32::MAX);
    let panels = wanted.min(fit);
    let system_kw = f64::from(panels) * panel_kw;
    let yearly_kwh = system_kw * per_kwp;
    let price_cents =
        u64::from(panels) * u64::from(model.panel_watts) * u64::from(model.price_cents_per_watt);
    let mut lifetime = 0.0;
    let mut payback_years = None;
    let mut output = yearly_kwh;
    for year in 1..=HORIZON_YEARS {
        lifetime += savings(model, output, consumption);
        if payback_years.is_none() && whole(lifetime) >= price_cents {
            payback_years = Some(year);
        }
        output *= 1.0 - model.degradation_per_year;
    }
    Ok(Quote {
        panels,
        system_kw,
        yearly_kwh,
        consumption_kwh: consumption,
        price_cents,
        yearly_savings_cents: whole(savings(model, yearly_kwh, consumption)),
        lifetime_savings_cents: whole(lifetime),
        payback_years,
        limited_by_roof: wanted > fit,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn madrid() -> Location {
        Location::from_spanish_postal_code("28001").unwrap_or_else(|_| unreachable!())
    }

    fn request(monthly_kwh: f64, roof_m2: f64) -> QuoteRequest {
        QuoteRequest::new(madrid(), Consumption::MonthlyKwh(monthly_kwh), roof_m2)
            .unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn sys_1_a_typical_madrid_house() {
        let got =
            quote(&request(350.0, 40.0), &PricingModel::DEFAULT).unwrap_or_else(|_| unreachable!());
        // 4,200 kWh a year at about 1,823 kWh/m² × 0.8: 2.83 kWp wanted, 7 panels of 430 W.
        assert_eq!(got.panels, 7);
        assert!((got.system_kw - 3.01).abs() < 1e-9);
        assert_eq!(got.price_cents, 7 * 430 * 120);
        assert!(!got.limited_by_roof);
        assert!(got.yearly_kwh > got.consumption_kwh);
        assert!(matches!(got.payback_years, Some(5..=15)), "{got:?}");
    }

    #[test]
    fn sys_1_postal_codes_and_latitudes_are_checked() {
        assert!((madrid().latitude() - 40.42).abs() < 1e-9);
        assert!(
            Location::from_spanish_postal_code("35001").is_ok(),
            "Las Palmas"
        );
        for bad in [
            "", "2800", "280011", "00000", "53000", "99999", "28a01", " 2 8 0",
        ] {
            assert!(Location::from_spanish_postal_code(bad).is_err(), "{bad:?}");
        }
        for bad in [f64::NAN, f64::INFINITY, 90.1, -91.0] {
            assert!(Location::from_latitude(bad).is_err());
        }
        assert!(Location::from_latitude(-33.9).is_ok());
    }

    #[test]
    fn provinces_come_from_postal_codes() {
        assert_eq!(province_of("28013"), Some("28"));
        assert_eq!(province_of("99999"), None);
        assert_eq!(province_name("28"), Some("Madrid"));
        assert_eq!(province_name("52"), Some("Melilla"));
        assert_eq!(province_name("00"), None);
        assert_eq!(province_name("53"), None);
        assert_eq!(PROVINCES.len(), PROVINCE_LATITUDES.len());
        assert_eq!(PROVINCES.len(), PROVINCE_LONGITUDES.len());
    }

    #[test]
    fn capitals_are_where_the_map_says() {
        let km = |a, b| capital_distance_km(a, b).unwrap();
        assert!(km("28", "28").abs() < 1e-9);
        // Madrid to Barcelona is about 505 km, to Toledo about 67, to Las Palmas about 1,750.
        assert!(
            (480.0..530.0).contains(&km("28", "08")),
            "{}",
            km("28", "08")
        );
        assert!((55.0..80.0).contains(&km("28", "45")), "{}", km("28", "45"));
        assert!(
            (1_650.0..1_850.0).contains(&km("28", "35")),
            "{}",
            km("28", "35")
        );
        assert!((km("08", "28") - km("28", "08")).abs() < 1e-9);
        assert_eq!(capital_distance_km("28", "53"), None);
        assert_eq!(capital_distance_km("00", "28"), None);
        assert_eq!(capital_distance_km("xx", "28"), None);
    }

    #[test]
    fn sys_1_bad_requests_name_each_field() {
        let errors = QuoteRequest::new(madrid(), Consumption::MonthlyKwh(-1.0), f64::NAN)
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["consumption", "roof_m2"]);
        let bill = QuoteRequest::new(
            madrid(),
            Consumption::MonthlyBill {
                cents: 6_000,
                tariff_cents_per_kwh: 0.0,
            },
            30.0,
        );
        assert!(bill.is_err());
        let bill = QuoteRequest::new(
            madrid(),
            Consumption::MonthlyBill {
                cents: 6_300,
                tariff_cents_per_kwh: 18.0,
            },
            30.0,
        )
        .unwrap_or_else(|_| unreachable!());
        assert!((bill.yearly_kwh() - 4_200.0).abs() < 1e-9);
        assert!(QuoteRequest::new(madrid(), Consumption::MonthlyKwh(10_001.0), 30.0).is_err());
    }

    #[test]
    fn sys_1_a_roof_without_room_for_a_panel_gets_no_quote() {
        assert_eq!(
            quote(&request(300.0, 1.9), &PricingModel::DEFAULT),
            Err(QuoteRefused::RoofTooSmall)
        );
    }

    #[test]
    fn sys_1_the_default_model_is_valid_and_bad_models_are_named() {
        assert!(PricingModel::DEFAULT.problems().is_empty());
        let bad = PricingModel {
            price_cents_per_watt: 0,
            panel_m2: f64::NAN,
            performance_ratio: 1.5,
            degradation_per_year: 0.5,
            ..PricingModel::DEFAULT
        };
        assert_eq!(bad.problems().len(), 4, "{:?}", bad.problems());
    }

    #[test]
    fn irradiation_follows_the_table_and_the_sun() {
        assert!((irradiation(0.0) - 2_000.0).abs() < 1e-9);
        assert!(
            (irradiation(-36.5) - 2_050.0).abs() < 1e-9,
            "southern hemisphere"
        );
        assert!(
            (irradiation(80.0) - 850.0).abs() < 1e-9,
            "flat beyond the table"
        );
        assert!(
            irradiation(43.3) < irradiation(37.4),
            "Bilbao below Sevilla"
        );
    }

    proptest! {
        #[test]
        fn sys_1_more_use_never_means_a_smaller_system(
            monthly in 1.0_f64..5_000.0,
            more in 0.0_f64..5_000.0,
            roof in 2.0_f64..500.0,
        ) {
            let model = PricingModel::DEFAULT;
            let less = quote(&request(monthly, roof), &model);
            let bigger = quote(&request(monthly + more, roof), &model);
            prop_assert!(less.is_ok() == bigger.is_ok());
            if let (Ok(less), Ok(bigger)) = (less, bigger) {
                prop_assert!(bigger.panels >= less.panels);
                prop_assert!(bigger.price_cents >= less.price_cents);
            }
        }

        #[test]
        fn sys_1_the_roof_bounds_the_system_and_nothing_is_negative(
            monthly in 1.0_f64..10_000.0,
            roof in 0.1_f64..2_000.0,
            latitude in -90.0_f64..90.0,
        ) {
            let model = PricingModel::DEFAULT;
            let location = Location::from_latitude(latitude).unwrap_or_else(|_| unreachable!());
            let asked = QuoteRequest::new(location, Consumption::MonthlyKwh(monthly), roof)
                .unwrap_or_else(|_| unreachable!());
            match quote(&asked, &model) {
                Ok(got) => {
                    prop_assert!(got.panels >= 1);
                    prop_assert!(f64::from(got.panels) * model.panel_m2 <= roof + 1e-9);
                    prop_assert!(got.system_kw > 0.0 && got.yearly_kwh > 0.0);
                    prop_assert!(got.lifetime_savings_cents >= got.yearly_savings_cents);
                    prop_assert!(got.payback_years.is_none_or(|y| (1..=HORIZON_YEARS).contains(&y)));
                }
                Err(QuoteRefused::RoofTooSmall) => prop_assert!(roof < model.panel_m2),
            }
        }

        #[test]
        fn sys_1_irradiation_is_positive_and_bounded(latitude in -90.0_f64..90.0) {
            let h = irradiation(latitude);
            prop_assert!((850.0..=2_200.0).contains(&h));
        }
    }
}
