//! The configuration as written by the operator, before any checking.
//!
//! Layered: built-in defaults < `helio.toml` < `HELIO_*` environment variables. Unknown keys
//! are refused at every layer, so a typo cannot silently leave a default in force.

use std::net::SocketAddr;
use std::path::PathBuf;

use ipnet::IpNet;
use secrecy::SecretString;
use serde::Deserialize;

/// Development (safe defaults for a laptop) or production (refuses insecure settings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    /// SQLite under `./data`, local keys generated on first start, loopback only.
    #[default]
    Dev,
    /// MySQL over verified TLS, keys supplied by the platform, TLS in front of every client.
    Production,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Dev => "dev",
            Self::Production => "production",
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawConfig {
    pub(crate) mode: Mode,
    pub(crate) server: RawServer,
    pub(crate) passwords: RawPasswords,
    pub(crate) tls: RawTls,
    pub(crate) database: RawDatabase,
    pub(crate) keys: RawKeys,
    pub(crate) mail: RawMail,
    pub(crate) sessions: RawSessions,
    pub(crate) pricing: RawPricing,
    pub(crate) log: RawLog,
}

/// The quote calculator's prices and panel facts (SYS-1); defaults are
/// `helio_core::quote::PricingModel::DEFAULT`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawPricing {
    pub(crate) price_cents_per_watt: u32,
    pub(crate) panel_watts: u32,
    pub(crate) panel_m2: f64,
    pub(crate) tariff_cents_per_kwh: f64,
    pub(crate) export_cents_per_kwh: f64,
    pub(crate) self_use_share: f64,
    pub(crate) performance_ratio: f64,
    pub(crate) degradation_per_year: f64,
    pub(crate) max_discount_percent: u32,
    pub(crate) refund_limit_cents: u64,
    pub(crate) high_value_cents: u64,
}

impl Default for RawPricing {
    fn default() -> Self {
        let model = helio_core::quote::PricingModel::DEFAULT;
        Self {
            price_cents_per_watt: model.price_cents_per_watt,
            panel_watts: model.panel_watts,
            panel_m2: model.panel_m2,
            tariff_cents_per_kwh: model.tariff_cents_per_kwh,
            export_cents_per_kwh: model.export_cents_per_kwh,
            self_use_share: model.self_use_share,
            performance_ratio: model.performance_ratio,
            degradation_per_year: model.degradation_per_year,
            max_discount_percent: model.max_discount_percent,
            refund_limit_cents: model.refund_limit_cents,
            high_value_cents: model.high_value_cents,
        }
    }
}

/// Session lifetimes (SM-8) and the pages' session timers (SM-9, SM-10). The lifetimes may be
/// shortened, never lengthened past the ceilings in `helio_core::session`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawSessions {
    pub(crate) staff_idle_secs: u64,
    pub(crate) staff_absolute_secs: u64,
    pub(crate) idle_secs: u64,
    pub(crate) absolute_secs: u64,
    pub(crate) warn_before_secs: u64,
    pub(crate) logout_on_close: bool,
}

impl Default for RawSessions {
    fn default() -> Self {
        let limits = helio_core::session::SessionLimits::DEFAULT;
        Self {
            staff_idle_secs: limits.staff.idle.as_secs(),
            staff_absolute_secs: limits.staff.absolute.as_secs(),
            idle_secs: limits.others.idle.as_secs(),
            absolute_secs: limits.others.absolute.as_secs(),
            warn_before_secs: 120,
            logout_on_close: false,
        }
    }
}

/// Outgoing mail.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawMail {
    pub(crate) smtp_url: Option<SecretString>,
    pub(crate) smtp_url_file: Option<PathBuf>,
    pub(crate) from: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawServer {
    pub(crate) bind: SocketAddr,
    /// The metrics listener's address (Prometheus scrapes it; the public port never serves
    /// metrics).
    pub(crate) metrics_bind: SocketAddr,
    pub(crate) public_url: Option<String>,
    pub(crate) trusted_proxies: Vec<IpNet>,
    pub(crate) body_limit_bytes: usize,
    pub(crate) request_timeout_secs: u64,
    pub(crate) concurrency_limit: usize,
    pub(crate) max_connections: usize,
    pub(crate) header_read_timeout_secs: u64,
    pub(crate) drain_timeout_secs: u64,
}

impl Default for RawServer {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_bind: SocketAddr::from(([127, 0, 0, 1], 9464)),
            public_url: None,
            trusted_proxies: Vec::new(),
            body_limit_bytes: 64 * 1024,
            request_timeout_secs: 15,
            concurrency_limit: 256,
            max_connections: 4096,
            header_read_timeout_secs: 10,
            drain_timeout_secs: 20,
        }
    }
}

/// Argon2id cost; never below OWASP's minimum (checked in validation).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawPasswords {
    pub(crate) argon2_memory_kib: u32,
    pub(crate) argon2_iterations: u32,
    pub(crate) argon2_parallelism: u32,
}

impl Default for RawPasswords {
    fn default() -> Self {
        let minimum = helio_core::crypto::password::HashParams::OWASP_MINIMUM;
        Self {
            argon2_memory_kib: minimum.memory_kib,
            argon2_iterations: minimum.iterations,
            argon2_parallelism: minimum.parallelism,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawTls {
    pub(crate) cert: Option<PathBuf>,
    pub(crate) key: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawDatabase {
    pub(crate) url: Option<SecretString>,
    pub(crate) url_file: Option<PathBuf>,
    pub(crate) migration_url: Option<SecretString>,
    pub(crate) migration_url_file: Option<PathBuf>,
    pub(crate) max_connections: u32,
    pub(crate) acquire_timeout_secs: u64,
    pub(crate) migrate_on_start: Option<bool>,
}

impl Default for RawDatabase {
    fn default() -> Self {
        Self {
            url: None,
            url_file: None,
            migration_url: None,
            migration_url_file: None,
            max_connections: 10,
            acquire_timeout_secs: 3,
            migrate_on_start: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawKeys {
    pub(crate) dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawLog {
    pub(crate) level: String,
}

impl Default for RawLog {
    fn default() -> Self {
        Self {
            level: "info,sqlx=warn".to_owned(),
        }
    }
}
