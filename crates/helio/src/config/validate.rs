//! From what the operator wrote to settings Helio will run with, or the list of what is wrong.
//!
//! Production mode refuses to start on anything insecure (MC-1): SQLite, missing or exposed
//! keys, a MySQL connection that does not verify the server's certificate (CR-2), or no TLS in
//! front of clients (CR-1). Some rules hold in every mode (plain HTTP on a non-loopback address
//! needs a trusted TLS proxy; a half-configured TLS pair is an error).

use std::fmt;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;

use helio_core::crypto::password::HashParams;
use helio_core::quote::PricingModel;
use helio_core::session::{LimitProblem, SessionLimits, SessionPolicy};
use helio_store::{Backend, PoolSettings};
use helio_web::HttpSettings;
use helio_web::server::ServeOptions;
use helio_web::services::sessions::SessionSettings;
use secrecy::{ExposeSecret, SecretString};
use tracing_subscriber::EnvFilter;

use super::raw::{Mode, RawConfig};
use crate::keys::{self, KeyProblem};

/// The dev-mode database: a file under `./data`, created on first start.
pub(crate) const DEV_DATABASE_URL: &str = "sqlite://data/helio.db?mode=rwc";
/// The dev-mode key directory.
pub(crate) const DEV_KEYS_DIR: &str = "data/keys";

/// One reason the configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    SqliteInProduction,
    DatabaseUrlMissing,
    DatabaseUrlUnsupported {
        setting: &'static str,
    },
    DatabaseTlsNotVerified {
        setting: &'static str,
    },
    SecretTwice {
        setting: &'static str,
    },
    SecretFileUnreadable {
        setting: &'static str,
        path: PathBuf,
    },
    KeysDirMissing,
    Key(KeyProblem),
    NoTls,
    UntrustworthyProxy {
        network: IpNet,
    },
    TlsIncomplete,
    TlsUnusable {
        reason: String,
    },
    PlaintextOnNetwork {
        bind: SocketAddr,
    },
    MetricsOnServicePort {
        bind: SocketAddr,
    },
    ZeroLimit {
        setting: &'static str,
    },
    WeakPasswordHashing,
    MailMissing,
    Mail {
        reason: String,
    },
    PublicUrl {
        reason: &'static str,
    },
    LogLevel {
        reason: String,
    },
    SessionLimit(LimitProblem),
    Pricing(&'static str),
    SessionWarning,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SqliteInProduction => f.write_str(
                "database.url names SQLite, the embedded development database; production needs MySQL",
            ),
            Self::DatabaseUrlMissing => {
                f.write_str("database.url (or database.url_file) must be set in production")
            }
            Self::DatabaseUrlUnsupported { setting } => {
                write!(f, "{setting} must start with mysql:// or sqlite:")
            }
            Self::DatabaseTlsNotVerified { setting } => write!(
                f,
                "{setting} must verify the database server's certificate: add \
                 ssl-mode=VERIFY_IDENTITY (or VERIFY_CA) and ssl-ca=<CA bundle>"
            ),
            Self::SecretTwice { setting } => {
                write!(f, "{setting} and {setting}_file are both set; set one")
            }
            Self::SecretFileUnreadable { setting, path } => {
                write!(f, "{setting}_file {} cannot be read", path.display())
            }
            Self::KeysDirMissing => {
                f.write_str("keys.dir must name the directory holding the master keys in production")
            }
            Self::Key(problem) => problem.fmt(f),
            Self::NoTls => f.write_str(
                "no TLS: set tls.cert and tls.key, or list the TLS-terminating proxies in \
                 server.trusted_proxies",
            ),
            Self::TlsIncomplete => f.write_str("tls.cert and tls.key must be set together"),
            Self::TlsUnusable { reason } => write!(f, "tls.cert/tls.key cannot be used: {reason}"),
            Self::MetricsOnServicePort { bind } => write!(
                f,
                "server.metrics_bind {bind} is the service's own address: metrics need a \
                 port of their own, which only Prometheus may reach"
            ),
            Self::PlaintextOnNetwork { bind } => write!(
                f,
                "server.bind {bind} is reachable from the network but serves plain HTTP: set \
                 tls.cert and tls.key, list the TLS proxy in server.trusted_proxies, or bind a \
                 loopback address"
            ),
            Self::UntrustworthyProxy { network } => write!(
                f,
                "server.trusted_proxies entry {network} reaches beyond loopback and private \
                 networks; anyone there could claim any client address and HTTPS"
            ),
            Self::WeakPasswordHashing => f.write_str(
                "passwords.argon2_* must be at least OWASP's minimum: memory 19456 KiB, \
                 2 iterations, parallelism 1",
            ),
            Self::PublicUrl { reason } => write!(f, "server.public_url {reason}"),
            Self::MailMissing => f.write_str(
                "mail.smtp_url (or mail.smtp_url_file) and mail.from must be set in production: \
                 sign-up confirmation and password reset need mail",
            ),
            Self::Mail { reason } => f.write_str(reason),
            Self::ZeroLimit { setting } => write!(f, "{setting} must be greater than zero"),
            Self::LogLevel { reason } => write!(f, "log.level is not a valid filter: {reason}"),
            Self::SessionLimit(problem) => write!(f, "sessions.*: {problem}"),
            Self::Pricing(problem) => write!(f, "pricing.{problem}"),
            Self::SessionWarning => f.write_str(
                "sessions.warn_before_secs must be shorter than every idle limit",
            ),
        }
    }
}

/// The TLS certificate chain and key files.
#[derive(Debug, Clone)]
pub(crate) struct TlsFiles {
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
}

/// Checked settings; holding one means every rule above passed.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) mode: Mode,
    pub(crate) bind: SocketAddr,
    /// Where the metrics listener binds.
    pub(crate) metrics_bind: SocketAddr,
    /// The address people reach Helio at, for links in mail. `None` in dev mode when not set:
    /// the address actually bound is used then.
    pub(crate) public_url: Option<String>,
    pub(crate) password_hashing: HashParams,
    pub(crate) tls: Option<TlsFiles>,
    pub(crate) http: HttpSettings,
    pub(crate) serve: ServeOptions,
    pub(crate) database_url: SecretString,
    pub(crate) migration_url: SecretString,
    pub(crate) pool: PoolSettings,
    pub(crate) migrate_on_start: bool,
    /// Always set when validated for [`Scope::Everything`].
    pub(crate) keys_dir: Option<PathBuf>,
    /// SMTP delivery (URL with credentials, sender); `None` in dev mode means "log the mail".
    pub(crate) mail: Option<(SecretString, String)>,
    pub(crate) log_level: String,
    pub(crate) sessions: SessionSettings,
    pub(crate) pricing: PricingModel,
}

/// How much of the configuration a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Serving, or checking: every rule.
    Everything,
    /// Migrating: only the database settings. The migration job needs no keys and serves
    /// no clients, so it is not given them (least privilege).
    Database,
}

/// Checks the raw configuration, reading the secret files and key files it names.
pub(crate) fn validate(raw: RawConfig, scope: Scope) -> Result<Settings, Vec<Problem>> {
    let mut problems = Vec::new();
    let production = raw.mode == Mode::Production;
    let everything = scope == Scope::Everything;

    let url_given = raw.database.url.is_some() || raw.database.url_file.is_some();
    let database_url = secret(
        raw.database.url,
        raw.database.url_file,
        "database.url",
        &mut problems,
    )
    .or_else(|| (!production).then(|| SecretString::from(DEV_DATABASE_URL)));
    let migration_url = secret(
        raw.database.migration_url,
        raw.database.migration_url_file,
        "database.migration_url",
        &mut problems,
    );
    match &database_url {
        None if production && !url_given => problems.push(Problem::DatabaseUrlMissing),
        None => {}
        Some(url) => check_database_url(url, "database.url", production, &mut problems),
    }
    if let Some(url) = &migration_url {
        check_database_url(url, "database.migration_url", production, &mut problems);
    }

    let keys_dir = raw
        .keys
        .dir
        .or_else(|| (!production).then(|| PathBuf::from(DEV_KEYS_DIR)));
    match &keys_dir {
        None if everything => problems.push(Problem::KeysDirMissing),
        None => {}
        Some(dir) if everything => check_keys(dir, production, &mut problems),
        Some(_) => {}
    }

    let tls_configured = raw.tls.cert.is_some() || raw.tls.key.is_some();
    let tls = if everything {
        check_tls(raw.tls.cert, raw.tls.key, &mut problems)
    } else {
        None
    };
    let behind_proxy = !raw.server.trusted_proxies.is_empty();
    for network in &raw.server.trusted_proxies {
        if !is_internal(network) {
            problems.push(Problem::UntrustworthyProxy { network: *network });
        }
    }
    if everything && production && !tls_configured && !behind_proxy {
        problems.push(Problem::NoTls);
    }
    if everything && !tls_configured && !behind_proxy && !raw.server.bind.ip().is_loopback() {
        problems.push(Problem::PlaintextOnNetwork {
            bind: raw.server.bind,
        });
    }

    if raw.server.metrics_bind == raw.server.bind && raw.server.bind.port() != 0 {
        problems.push(Problem::MetricsOnServicePort {
            bind: raw.server.metrics_bind,
        });
    }

    for (setting, value) in [
        (
            "server.body_limit_bytes",
            raw.server.body_limit_bytes as u64,
        ),
        (
            "server.request_timeout_secs",
            raw.server.request_timeout_secs,
        ),
        (
            "server.concurrency_limit",
            raw.server.concurrency_limit as u64,
        ),
        ("server.max_connections", raw.server.max_connections as u64),
        (
            "server.header_read_timeout_secs",
            raw.server.header_read_timeout_secs,
        ),
        (
            "database.max_connections",
            u64::from(raw.database.max_connections),
        ),
        (
            "database.acquire_timeout_secs",
            raw.database.acquire_timeout_secs,
        ),
    ] {
        if value == 0 {
            problems.push(Problem::ZeroLimit { setting });
        }
    }
    if let Err(error) = EnvFilter::try_new(&raw.log.level) {
        problems.push(Problem::LogLevel {
            reason: error.to_string(),
        });
    }

    let password_hashing = HashParams {
        memory_kib: raw.passwords.argon2_memory_kib,
        iterations: raw.passwords.argon2_iterations,
        parallelism: raw.passwords.argon2_parallelism,
    };
    if !password_hashing.at_least_minimum() {
        problems.push(Problem::WeakPasswordHashing);
    }
    let mut url_problems = Vec::new();
    let public_url = check_public_url(raw.server.public_url, production, &mut url_problems);
    if everything {
        problems.extend(url_problems);
    }
    let smtp_url = secret(
        raw.mail.smtp_url,
        raw.mail.smtp_url_file,
        "mail.smtp_url",
        &mut problems,
    );
    let mail = match (smtp_url, raw.mail.from) {
        (Some(url), Some(from)) => {
            if let Err(error) = helio_web::services::mail::check_smtp_settings(
                url.expose_secret(),
                &from,
                production,
            ) {
                problems.push(Problem::Mail {
                    reason: error.to_string(),
                });
            }
            Some((url, from))
        }
        (None, None) => None,
        _ => {
            problems.push(Problem::Mail {
                reason: "mail.smtp_url and mail.from must be set together".to_owned(),
            });
            None
        }
    };
    if everything && production && mail.is_none() {
        problems.push(Problem::MailMissing);
    }

    let sessions = check_sessions(&raw.sessions, &mut problems);
    let pricing = PricingModel {
        price_cents_per_watt: raw.pricing.price_cents_per_watt,
        panel_watts: raw.pricing.panel_watts,
        panel_m2: raw.pricing.panel_m2,
        tariff_cents_per_kwh: raw.pricing.tariff_cents_per_kwh,
        export_cents_per_kwh: raw.pricing.export_cents_per_kwh,
        self_use_share: raw.pricing.self_use_share,
        performance_ratio: raw.pricing.performance_ratio,
        degradation_per_year: raw.pricing.degradation_per_year,
        max_discount_percent: raw.pricing.max_discount_percent,
        refund_limit_cents: raw.pricing.refund_limit_cents,
        high_value_cents: raw.pricing.high_value_cents,
    };
    problems.extend(pricing.problems().into_iter().map(Problem::Pricing));

    problems.dedup();
    match database_url {
        Some(database_url) if problems.is_empty() => Ok(Settings {
            mode: raw.mode,
            bind: raw.server.bind,
            metrics_bind: raw.server.metrics_bind,
            public_url,
            password_hashing,
            tls,
            http: HttpSettings {
                body_limit_bytes: raw.server.body_limit_bytes,
                request_timeout: Duration::from_secs(raw.server.request_timeout_secs),
                concurrency_limit: raw.server.concurrency_limit,
                trusted_proxies: raw.server.trusted_proxies,
                readiness_timeout: Duration::from_secs(2),
            },
            serve: ServeOptions {
                header_read_timeout: Duration::from_secs(raw.server.header_read_timeout_secs),
                drain_timeout: Duration::from_secs(raw.server.drain_timeout_secs),
                max_connections: raw.server.max_connections,
                ..ServeOptions::default()
            },
            migration_url: migration_url.unwrap_or_else(|| database_url.clone()),
            database_url,
            pool: PoolSettings {
                max_connections: raw.database.max_connections,
                acquire_timeout: Duration::from_secs(raw.database.acquire_timeout_secs),
                ..PoolSettings::default()
            },
            migrate_on_start: raw.database.migrate_on_start.unwrap_or(!production),
            keys_dir,
            mail,
            log_level: raw.log.level,
            sessions,
            pricing,
        }),
        _ => Err(problems),
    }
}

/// Session lifetimes within the floors and ceilings of `helio_core::session`, and a warning
/// that comes before the shortest idle limit runs out.
fn check_sessions(raw: &super::raw::RawSessions, problems: &mut Vec<Problem>) -> SessionSettings {
    let limits = SessionLimits {
        staff: SessionPolicy {
            idle: Duration::from_secs(raw.staff_idle_secs),
            absolute: Duration::from_secs(raw.staff_absolute_secs),
        },
        others: SessionPolicy {
            idle: Duration::from_secs(raw.idle_secs),
            absolute: Duration::from_secs(raw.absolute_secs),
        },
    };
    problems.extend(limits.problems().into_iter().map(Problem::SessionLimit));
    let warn_before = Duration::from_secs(raw.warn_before_secs);
    if warn_before >= limits.staff.idle.min(limits.others.idle) {
        problems.push(Problem::SessionWarning);
    }
    SessionSettings {
        limits,
        warn_before,
        logout_on_close: raw.logout_on_close,
    }
}

/// The base of links in mail and the domain passkeys are bound to. Production must name an
/// `https://` origin (links must not downgrade to plain HTTP); dev mode may leave it out.
/// An IP address is refused: browsers accept only a domain as a passkey relying party.
fn check_public_url(
    configured: Option<String>,
    production: bool,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let Some(url) = configured else {
        if production {
            problems.push(Problem::PublicUrl {
                reason: "must be set in production (the https:// address people use)",
            });
        }
        return None;
    };
    match url::Url::parse(&url) {
        Ok(parsed)
            if parsed.path() == "/"
                && parsed.query().is_none()
                && parsed.username().is_empty()
                && parsed.domain().is_some()
                && (parsed.scheme() == "https" || (!production && parsed.scheme() == "http")) => {}
        Ok(_) if production => problems.push(Problem::PublicUrl {
            reason: "must be an https:// origin naming a domain (passkeys are bound to it), with no path, query or credentials",
        }),
        _ => problems.push(Problem::PublicUrl {
            reason: "must be an http(s):// origin naming a domain (passkeys are bound to it), with no path, query or credentials",
        }),
    }
    Some(url.trim_end_matches('/').to_owned())
}

/// A secret given inline or as a file (for mounted Kubernetes secrets); never both.
fn secret(
    inline: Option<SecretString>,
    file: Option<PathBuf>,
    setting: &'static str,
    problems: &mut Vec<Problem>,
) -> Option<SecretString> {
    match (inline, file) {
        (Some(_), Some(_)) => {
            problems.push(Problem::SecretTwice { setting });
            None
        }
        (Some(value), None) => Some(value),
        (None, Some(path)) => match fs::read_to_string(&path) {
            Ok(text) => Some(SecretString::from(
                text.trim_end_matches(['\r', '\n']).to_owned(),
            )),
            Err(_) => {
                problems.push(Problem::SecretFileUnreadable { setting, path });
                None
            }
        },
        (None, None) => None,
    }
}

fn check_database_url(
    url: &SecretString,
    setting: &'static str,
    production: bool,
    problems: &mut Vec<Problem>,
) {
    match Backend::from_url(url.expose_secret()) {
        Err(_) => problems.push(Problem::DatabaseUrlUnsupported { setting }),
        Ok(Backend::Sqlite) if production => problems.push(Problem::SqliteInProduction),
        Ok(Backend::Sqlite) => {}
        Ok(Backend::MySql) if production && !verifies_server(url.expose_secret()) => {
            problems.push(Problem::DatabaseTlsNotVerified { setting });
        }
        Ok(Backend::MySql) => {}
    }
}

/// Whether a MySQL URL demands a verified TLS connection. Anything else (no parameter, which
/// means "preferred", or `required`, which encrypts but accepts any certificate) lets an
/// attacker in the network path impersonate the database.
fn verifies_server(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let modes: Vec<String> = parsed
        .query_pairs()
        .filter(|(name, _)| name == "ssl-mode" || name == "sslmode")
        .map(|(_, value)| value.to_ascii_lowercase().replace('-', "_"))
        .collect();
    matches!(modes.as_slice(), [mode] if mode == "verify_ca" || mode == "verify_identity")
}

/// Networks a TLS-terminating proxy can live in: loopback, RFC 1918 private, shared address
/// space (RFC 6598, used by some cloud VPCs) and IPv6 unique-local. A trusted range outside them
/// would let clients on the internet forge `X-Forwarded-*`.
fn is_internal(network: &IpNet) -> bool {
    const INTERNAL: [&str; 7] = [
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "::1/128",
        "fc00::/7",
    ];
    INTERNAL
        .iter()
        .filter_map(|range| range.parse::<IpNet>().ok())
        .any(|range| range.contains(network))
}

fn check_keys(dir: &Path, production: bool, problems: &mut Vec<Problem>) {
    if let Err(key_problems) = keys::load(dir) {
        for problem in key_problems {
            // In dev mode, missing keys are generated at start; everything else is an error.
            if production || !matches!(problem, KeyProblem::Missing { .. }) {
                problems.push(Problem::Key(problem));
            }
        }
    }
}

fn check_tls(
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    problems: &mut Vec<Problem>,
) -> Option<TlsFiles> {
    match (cert, key) {
        (Some(cert), Some(key)) => match helio_web::server::tls_acceptor(&cert, &key) {
            Ok(_) => Some(TlsFiles { cert, key }),
            Err(error) => {
                problems.push(Problem::TlsUnusable {
                    reason: error.to_string(),
                });
                None
            }
        },
        (None, None) => None,
        _ => {
            problems.push(Problem::TlsIncomplete);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;
    use crate::config::raw::RawConfig;

    const VERIFIED_MYSQL: &str =
        "mysql://helio:pw@db.internal:3306/helio?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem";

    struct Fixture {
        keys: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            let keys = tempfile::tempdir().unwrap();
            keys::generate_missing(keys.path(), &helio_core::keys::MasterKeyId::ALL).unwrap();
            Self { keys }
        }

        /// A production configuration that passes every rule.
        fn production(&self) -> RawConfig {
            let mut raw = RawConfig {
                mode: Mode::Production,
                ..RawConfig::default()
            };
            raw.database.url = Some(SecretString::from(VERIFIED_MYSQL));
            raw.keys.dir = Some(self.keys.path().to_owned());
            raw.server.bind = "0.0.0.0:8080".parse().unwrap();
            raw.server.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
            raw.server.public_url = Some("https://helio.example".to_owned());
            raw.mail.smtp_url = Some(SecretString::from("smtps://helio:pw@smtp.helio.example"));
            raw.mail.from = Some("Helio <no-reply@helio.example>".to_owned());
            raw
        }
    }

    fn problems(raw: RawConfig) -> Vec<Problem> {
        validate(raw, Scope::Everything).unwrap_err()
    }

    #[test]
    fn the_baseline_production_configuration_is_accepted() {
        let fixture = Fixture::new();
        let settings = validate(fixture.production(), Scope::Everything).unwrap();
        assert!(
            !settings.migrate_on_start,
            "production migrates by job, not at start"
        );
        assert_eq!(settings.migration_url.expose_secret(), VERIFIED_MYSQL);
    }

    #[test]
    fn dev_mode_needs_no_configuration_at_all() {
        let settings = validate(RawConfig::default(), Scope::Everything).unwrap();
        assert_eq!(settings.database_url.expose_secret(), DEV_DATABASE_URL);
        assert_eq!(settings.bind, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert!(settings.migrate_on_start);
    }

    #[test]
    fn lm_3_metrics_need_a_port_of_their_own() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.server.metrics_bind = "0.0.0.0:8080".parse().unwrap();
        assert!(problems(raw).contains(&Problem::MetricsOnServicePort {
            bind: "0.0.0.0:8080".parse().unwrap()
        }));
        let mut dev = RawConfig::default();
        dev.server.bind = "127.0.0.1:0".parse().unwrap();
        dev.server.metrics_bind = "127.0.0.1:0".parse().unwrap();
        assert!(
            validate(dev, Scope::Everything).is_ok(),
            "two port-0 binds are two different ports"
        );
    }

    #[test]
    fn mc_1_production_refuses_sqlite() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.database.url = Some(SecretString::from("sqlite://data/helio.db"));
        assert_eq!(problems(raw), [Problem::SqliteInProduction]);
    }

    #[test]
    fn mc_1_production_refuses_a_missing_database_url() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.database.url = None;
        assert_eq!(problems(raw), [Problem::DatabaseUrlMissing]);
    }

    #[test]
    fn mc_1_production_refuses_missing_keys_naming_each() {
        let fixture = Fixture::new();
        fs::remove_file(fixture.keys.path().join("kek.key")).unwrap();
        fs::remove_file(fixture.keys.path().join("mac.key")).unwrap();
        let found = problems(fixture.production());
        assert_eq!(found.len(), 2, "{found:?}");
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert!(
            text[0].contains("kek.key") && text[1].contains("mac.key"),
            "{text:?}"
        );
    }

    #[test]
    fn mc_1_production_refuses_no_key_directory() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.keys.dir = None;
        assert_eq!(problems(raw), [Problem::KeysDirMissing]);
    }

    #[test]
    fn mc_1_key_files_readable_by_others_are_refused_in_every_mode() {
        let fixture = Fixture::new();
        let path = fixture.keys.path().join("blind-index.key");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            problems(fixture.production()).as_slice(),
            [Problem::Key(KeyProblem::TooOpen { .. })]
        ));
        let mut dev = RawConfig::default();
        dev.keys.dir = Some(fixture.keys.path().to_owned());
        assert!(matches!(
            problems(dev).as_slice(),
            [Problem::Key(KeyProblem::TooOpen { .. })]
        ));
    }

    #[test]
    fn cr_2_production_refuses_mysql_without_server_verification() {
        let fixture = Fixture::new();
        for url in [
            "mysql://helio:pw@db/helio",
            "mysql://helio:pw@db/helio?ssl-mode=REQUIRED",
            "mysql://helio:pw@db/helio?ssl-mode=PREFERRED",
            "mysql://helio:pw@db/helio?ssl-mode=DISABLED",
            "mysql://helio:pw@db/helio?ssl-mode=VERIFY_IDENTITY&ssl-mode=DISABLED",
        ] {
            let mut raw = fixture.production();
            raw.database.url = Some(SecretString::from(url));
            assert_eq!(
                problems(raw),
                [Problem::DatabaseTlsNotVerified {
                    setting: "database.url"
                }],
                "{url}"
            );
        }
        let mut raw = fixture.production();
        raw.database.migration_url = Some(SecretString::from("mysql://migrator:pw@db/helio"));
        assert_eq!(
            problems(raw),
            [Problem::DatabaseTlsNotVerified {
                setting: "database.migration_url"
            }]
        );
        let mut raw = fixture.production();
        raw.database.url = Some(SecretString::from("mysql://h:p@db/helio?sslmode=verify_ca"));
        assert!(validate(raw, Scope::Everything).is_ok());
    }

    #[test]
    fn cr_1_production_refuses_no_tls_and_no_trusted_proxy() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.server.trusted_proxies.clear();
        raw.server.bind = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(problems(raw), [Problem::NoTls]);
    }

    #[test]
    fn cr_1_plain_http_on_a_network_address_is_refused() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.server.trusted_proxies.clear();
        assert_eq!(
            problems(raw),
            [
                Problem::NoTls,
                Problem::PlaintextOnNetwork {
                    bind: "0.0.0.0:8080".parse().unwrap()
                }
            ]
        );
        let mut dev = RawConfig::default();
        dev.keys.dir = Some(fixture.keys.path().to_owned());
        dev.server.bind = "0.0.0.0:8080".parse().unwrap();
        assert!(matches!(
            problems(dev).as_slice(),
            [Problem::PlaintextOnNetwork { .. }]
        ));
    }

    #[test]
    fn cr_1_trusted_proxies_must_be_internal_networks() {
        let fixture = Fixture::new();
        for network in ["0.0.0.0/0", "203.0.113.0/24", "10.0.0.0/7", "::/0"] {
            let mut raw = fixture.production();
            raw.server.trusted_proxies = vec![network.parse().unwrap()];
            assert_eq!(
                problems(raw),
                [Problem::UntrustworthyProxy {
                    network: network.parse().unwrap()
                }],
                "{network}"
            );
        }
        for network in [
            "10.1.0.0/16",
            "172.20.0.5/32",
            "127.0.0.1/32",
            "fd00::/8",
            "100.64.0.0/16",
        ] {
            let mut raw = fixture.production();
            raw.server.trusted_proxies = vec![network.parse().unwrap()];
            assert!(validate(raw, Scope::Everything).is_ok(), "{network}");
        }
    }

    #[test]
    fn cr_5_password_hashing_below_owasp_minimum_is_refused() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.passwords.argon2_memory_kib = 4096;
        assert_eq!(problems(raw), [Problem::WeakPasswordHashing]);
        let mut raw = fixture.production();
        raw.passwords.argon2_iterations = 3;
        assert_eq!(
            validate(raw, Scope::Everything)
                .unwrap()
                .password_hashing
                .iterations,
            3,
            "raising the cost is allowed"
        );
    }

    #[test]
    fn production_links_must_be_https_on_a_domain() {
        let fixture = Fixture::new();
        for bad in [
            None,
            Some("http://helio.example"),
            Some("https://helio.example/app"),
            Some("https://u:p@helio.example"),
            Some("https://203.0.113.7"),
            Some("https://[2001:db8::1]"),
        ] {
            let mut raw = fixture.production();
            raw.server.public_url = bad.map(str::to_owned);
            assert!(
                matches!(problems(raw).as_slice(), [Problem::PublicUrl { .. }]),
                "{bad:?}"
            );
        }
        let dev = validate(RawConfig::default(), Scope::Everything).unwrap();
        assert_eq!(dev.public_url, None, "dev mode uses the address it binds");
    }

    #[test]
    fn sys_1_the_price_model_is_configurable_within_bounds() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.pricing.price_cents_per_watt = 95;
        raw.pricing.tariff_cents_per_kwh = 21.5;
        let settings = validate(raw, Scope::Everything).unwrap();
        assert_eq!(settings.pricing.price_cents_per_watt, 95);
        assert!((settings.pricing.tariff_cents_per_kwh - 21.5).abs() < 1e-9);
        let mut raw = fixture.production();
        raw.pricing.price_cents_per_watt = 0;
        raw.pricing.performance_ratio = f64::NAN;
        assert_eq!(
            problems(raw),
            [
                Problem::Pricing("price_cents_per_watt must be 20 to 1000"),
                Problem::Pricing("performance_ratio must be 0.5 to 1"),
            ]
        );
        assert_eq!(
            Problem::Pricing("panel_watts must be 100 to 1000").to_string(),
            "pricing.panel_watts must be 100 to 1000"
        );
    }

    #[test]
    fn sm_8_session_lifetimes_may_shrink_but_never_pass_the_ceilings() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.sessions.idle_secs = 20;
        raw.sessions.warn_before_secs = 5;
        raw.sessions.logout_on_close = true;
        let settings = validate(raw, Scope::Everything).unwrap();
        assert_eq!(settings.sessions.limits.others.idle.as_secs(), 20);
        assert!(settings.sessions.logout_on_close);

        let mut raw = fixture.production();
        raw.sessions.staff_idle_secs = 3600;
        raw.sessions.absolute_secs = 7 * 24 * 3600;
        assert_eq!(
            problems(raw),
            [
                Problem::SessionLimit(LimitProblem::IdleTooLong { staff: true }),
                Problem::SessionLimit(LimitProblem::AbsoluteTooLong { staff: false }),
            ]
        );
        let mut raw = RawConfig::default();
        raw.sessions.idle_secs = 60;
        raw.sessions.warn_before_secs = 60;
        assert_eq!(
            validate(raw, Scope::Everything).unwrap_err(),
            [Problem::SessionWarning]
        );
    }

    #[test]
    fn production_mail_is_required_and_encrypted() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.mail.smtp_url = None;
        raw.mail.from = None;
        assert_eq!(problems(raw), [Problem::MailMissing]);
        let mut raw = fixture.production();
        raw.mail.smtp_url = Some(SecretString::from("smtp://helio:pw@smtp.helio.example:587"));
        assert!(matches!(problems(raw).as_slice(), [Problem::Mail { .. }]));
        let mut raw = fixture.production();
        raw.mail.from = None;
        assert!(matches!(
            problems(raw).as_slice(),
            [Problem::Mail { .. }, Problem::MailMissing]
        ));
    }

    #[test]
    fn tls_needs_both_files_and_they_must_be_usable() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.tls.cert = Some(PathBuf::from("/nonexistent/cert.pem"));
        assert_eq!(problems(raw), [Problem::TlsIncomplete]);
        let mut raw = fixture.production();
        raw.tls.cert = Some(PathBuf::from("/nonexistent/cert.pem"));
        raw.tls.key = Some(PathBuf::from("/nonexistent/key.pem"));
        assert!(matches!(
            problems(raw).as_slice(),
            [Problem::TlsUnusable { .. }]
        ));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut raw = RawConfig {
            mode: Mode::Production,
            ..RawConfig::default()
        };
        raw.database.url = Some(SecretString::from("sqlite://x.db"));
        raw.server.concurrency_limit = 0;
        let found = problems(raw);
        for expected in [
            Problem::SqliteInProduction,
            Problem::KeysDirMissing,
            Problem::NoTls,
            Problem::ZeroLimit {
                setting: "server.concurrency_limit",
            },
        ] {
            assert!(
                found.contains(&expected),
                "{expected:?} missing from {found:?}"
            );
        }
    }

    #[test]
    fn secrets_come_from_files_and_never_from_both_places() {
        let fixture = Fixture::new();
        let secret_file = fixture.keys.path().join("db-url");
        fs::write(&secret_file, format!("{VERIFIED_MYSQL}\n")).unwrap();
        let mut raw = fixture.production();
        raw.database.url = None;
        raw.database.url_file = Some(secret_file.clone());
        let settings = validate(raw, Scope::Everything).unwrap();
        assert_eq!(settings.database_url.expose_secret(), VERIFIED_MYSQL);

        let mut raw = fixture.production();
        raw.database.url_file = Some(secret_file);
        assert_eq!(
            problems(raw),
            [Problem::SecretTwice {
                setting: "database.url"
            }]
        );

        let mut raw = fixture.production();
        raw.database.url = None;
        raw.database.url_file = Some(PathBuf::from("/nonexistent/secret"));
        assert!(matches!(
            problems(raw).as_slice(),
            [Problem::SecretFileUnreadable { .. }]
        ));
    }

    #[test]
    fn migrating_needs_only_the_database_settings() {
        let mut raw = RawConfig {
            mode: Mode::Production,
            ..RawConfig::default()
        };
        raw.database.url = Some(SecretString::from(VERIFIED_MYSQL));
        assert!(validate(raw, Scope::Database).is_ok());
    }

    #[test]
    fn problems_never_show_the_database_password() {
        let fixture = Fixture::new();
        let mut raw = fixture.production();
        raw.database.url = Some(SecretString::from("mysql://helio:TopSecret1@db/helio"));
        let text: String = problems(raw).iter().map(ToString::to_string).collect();
        assert!(!text.contains("TopSecret1"), "{text}");
    }
}
