//! The effective configuration as `helio config check` prints it: every value an operator
//! needs to confirm, and no secret (database passwords are replaced, key bytes never read out).

use std::fmt;

use helio_core::keys::MasterKeyId;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::{Mode, Settings};

const REDACTED: &str = "REDACTED";

#[derive(Debug, Serialize)]
pub(crate) struct Report {
    mode: Mode,
    server: ServerReport,
    passwords: PasswordsReport,
    tls: TlsReport,
    database: DatabaseReport,
    keys: KeysReport,
    mail: MailReport,
    sessions: SessionsReport,
    pricing: PricingReport,
    log: LogReport,
}

#[derive(Debug, Serialize)]
struct PricingReport {
    price_cents_per_watt: u32,
    panel_watts: u32,
    panel_m2: f64,
    tariff_cents_per_kwh: f64,
    export_cents_per_kwh: f64,
    self_use_share: f64,
    performance_ratio: f64,
    degradation_per_year: f64,
    max_discount_percent: u32,
    refund_limit_cents: u64,
    high_value_cents: u64,
}

#[derive(Debug, Serialize)]
struct MailReport {
    delivery: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
}

#[derive(Debug, Serialize)]
struct ServerReport {
    bind: String,
    metrics_bind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_url: Option<String>,
    trusted_proxies: Vec<String>,
    body_limit_bytes: usize,
    request_timeout_secs: u64,
    concurrency_limit: usize,
    max_connections: usize,
    header_read_timeout_secs: u64,
    drain_timeout_secs: u64,
}

#[derive(Debug, Serialize)]
struct PasswordsReport {
    argon2_memory_kib: u32,
    argon2_iterations: u32,
    argon2_parallelism: u32,
}

#[derive(Debug, Serialize)]
struct TlsReport {
    direct: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cert: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

#[derive(Debug, Serialize)]
struct DatabaseReport {
    url: String,
    migration_url: String,
    max_connections: u32,
    acquire_timeout_secs: u64,
    migrate_on_start: bool,
}

#[derive(Debug, Serialize)]
struct KeysReport {
    dir: String,
    files: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
struct SessionsReport {
    staff_idle_secs: u64,
    staff_absolute_secs: u64,
    idle_secs: u64,
    absolute_secs: u64,
    warn_before_secs: u64,
    logout_on_close: bool,
}

#[derive(Debug, Serialize)]
struct LogReport {
    level: String,
}

/// A database URL with its password and any secret-looking parameter replaced.
pub(crate) fn redact_url(url: &SecretString) -> String {
    let Ok(mut parsed) = url::Url::parse(url.expose_secret()) else {
        return REDACTED.to_owned();
    };
    if parsed.password().is_some() && parsed.set_password(Some(REDACTED)).is_err() {
        return REDACTED.to_owned();
    }
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(name, value)| {
            let value = if helio_web::logging::is_secret_field(&name) {
                REDACTED.to_owned()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    if !pairs.is_empty() {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

impl Report {
    pub(crate) fn new(settings: &Settings) -> Self {
        Self {
            mode: settings.mode,
            server: ServerReport {
                bind: settings.bind.to_string(),
                metrics_bind: settings.metrics_bind.to_string(),
                public_url: settings.public_url.clone(),
                trusted_proxies: settings
                    .http
                    .trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                body_limit_bytes: settings.http.body_limit_bytes,
                request_timeout_secs: settings.http.request_timeout.as_secs(),
                concurrency_limit: settings.http.concurrency_limit,
                max_connections: settings.serve.max_connections,
                header_read_timeout_secs: settings.serve.header_read_timeout.as_secs(),
                drain_timeout_secs: settings.serve.drain_timeout.as_secs(),
            },
            passwords: PasswordsReport {
                argon2_memory_kib: settings.password_hashing.memory_kib,
                argon2_iterations: settings.password_hashing.iterations,
                argon2_parallelism: settings.password_hashing.parallelism,
            },
            tls: TlsReport {
                direct: settings.tls.is_some(),
                cert: settings.tls.as_ref().map(|t| t.cert.display().to_string()),
                key: settings.tls.as_ref().map(|t| t.key.display().to_string()),
            },
            database: DatabaseReport {
                url: redact_url(&settings.database_url),
                migration_url: redact_url(&settings.migration_url),
                max_connections: settings.pool.max_connections,
                acquire_timeout_secs: settings.pool.acquire_timeout.as_secs(),
                migrate_on_start: settings.migrate_on_start,
            },
            keys: KeysReport {
                dir: settings
                    .keys_dir
                    .as_ref()
                    .map(|dir| dir.display().to_string())
                    .unwrap_or_default(),
                files: MasterKeyId::ALL.iter().map(|k| k.file_name()).collect(),
            },
            mail: MailReport {
                delivery: if settings.mail.is_some() {
                    "smtp"
                } else {
                    "log (dev mode)"
                },
                smtp_url: settings.mail.as_ref().map(|(url, _)| redact_url(url)),
                from: settings.mail.as_ref().map(|(_, from)| from.clone()),
            },
            sessions: SessionsReport {
                staff_idle_secs: settings.sessions.limits.staff.idle.as_secs(),
                staff_absolute_secs: settings.sessions.limits.staff.absolute.as_secs(),
                idle_secs: settings.sessions.limits.others.idle.as_secs(),
                absolute_secs: settings.sessions.limits.others.absolute.as_secs(),
                warn_before_secs: settings.sessions.warn_before.as_secs(),
                logout_on_close: settings.sessions.logout_on_close,
            },
            pricing: PricingReport {
                price_cents_per_watt: settings.pricing.price_cents_per_watt,
                panel_watts: settings.pricing.panel_watts,
                panel_m2: settings.pricing.panel_m2,
                tariff_cents_per_kwh: settings.pricing.tariff_cents_per_kwh,
                export_cents_per_kwh: settings.pricing.export_cents_per_kwh,
                self_use_share: settings.pricing.self_use_share,
                performance_ratio: settings.pricing.performance_ratio,
                degradation_per_year: settings.pricing.degradation_per_year,
                max_discount_percent: settings.pricing.max_discount_percent,
                refund_limit_cents: settings.pricing.refund_limit_cents,
                high_value_cents: settings.pricing.high_value_cents,
            },
            log: LogReport {
                level: settings.log_level.clone(),
            },
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = toml::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_secret_parameters_are_redacted() {
        let url = SecretString::from(
            "mysql://helio:s3cr%40t@db:3306/helio?ssl-mode=VERIFY_IDENTITY&password=two",
        );
        let shown = redact_url(&url);
        assert!(!shown.contains("s3cr") && !shown.contains("two"), "{shown}");
        assert!(shown.contains("helio:REDACTED@db:3306/helio"), "{shown}");
        assert!(shown.contains("ssl-mode=VERIFY_IDENTITY"), "{shown}");
    }

    #[test]
    fn an_unparseable_url_is_hidden_whole() {
        assert_eq!(
            redact_url(&SecretString::from("not a url with pass")),
            REDACTED
        );
    }

    #[test]
    fn sqlite_urls_are_shown() {
        let shown = redact_url(&SecretString::from("sqlite://data/helio.db?mode=rwc"));
        assert_eq!(shown, "sqlite://data/helio.db?mode=rwc");
    }
}
