//! Reading the layers: defaults < `helio.toml` < `HELIO_*` environment.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use figment::value::{Uncased, UncasedStr};

use super::raw::RawConfig;

/// Sections of the file; `HELIO_<SECTION>_<KEY>` sets `<section>.<key>`.
const SECTIONS: [&str; 9] = [
    "server",
    "passwords",
    "tls",
    "database",
    "keys",
    "mail",
    "sessions",
    "pricing",
    "log",
];

/// Variables under the `HELIO_` prefix that are not configuration keys.
const NOT_CONFIG: [&str; 2] = ["config", "test_"];

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    /// A file named explicitly does not exist.
    #[error("configuration file {0} does not exist")]
    MissingFile(String),
    /// A layer does not parse or names an unknown key.
    #[error("{0}")]
    Invalid(Box<figment::Error>),
}

fn env_key(key: &UncasedStr) -> Uncased<'_> {
    let lower = key.as_str().to_ascii_lowercase();
    for section in SECTIONS {
        if let Some(rest) = lower
            .strip_prefix(section)
            .and_then(|r| r.strip_prefix('_'))
        {
            return Uncased::from_owned(format!("{section}.{rest}"));
        }
    }
    Uncased::from_owned(lower)
}

fn is_config_variable(key: &UncasedStr) -> bool {
    let lower = key.as_str().to_ascii_lowercase();
    !NOT_CONFIG
        .iter()
        .any(|skip| lower == *skip || (skip.ends_with('_') && lower.starts_with(skip)))
}

/// The layers: the file (absent is fine: defaults apply) and the process environment.
pub(crate) fn figment(file: &Path) -> Figment {
    let defaults = Figment::new();
    let with_file = if file.exists() {
        defaults.merge(Toml::file_exact(file))
    } else {
        defaults
    };
    with_file.merge(
        Env::prefixed("HELIO_")
            .filter(is_config_variable)
            .map(env_key),
    )
}

/// Reads the configuration. `explicit` says the operator named the file, so it must exist.
pub(crate) fn load(file: &Path, explicit: bool) -> Result<RawConfig, LoadError> {
    if explicit && !file.exists() {
        return Err(LoadError::MissingFile(file.display().to_string()));
    }
    figment(file)
        .extract()
        .map_err(|error| LoadError::Invalid(Box::new(error)))
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment's Jail closures return its error type"
)]
mod tests {
    use super::*;
    use crate::config::raw::Mode;
    use secrecy::ExposeSecret;

    #[test]
    fn layers_apply_in_order_and_sections_map_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "helio.toml",
                r#"
                    mode = "production"
                    [server]
                    concurrency_limit = 7
                    body_limit_bytes = 1000
                    [database]
                    url = "mysql://file@db/helio"
                "#,
            )?;
            jail.set_env("HELIO_SERVER_BODY_LIMIT_BYTES", "2000");
            jail.set_env("HELIO_DATABASE_MIGRATION_URL", "mysql://env@db/helio");
            jail.set_env("HELIO_TEST_MYSQL_URL", "ignored");
            jail.set_env("HELIO_CONFIG", "ignored");
            let raw = load(Path::new("helio.toml"), true).unwrap();
            assert_eq!(raw.mode, Mode::Production);
            assert_eq!(raw.server.concurrency_limit, 7, "file beats default");
            assert_eq!(raw.server.body_limit_bytes, 2000, "environment beats file");
            assert_eq!(raw.server.request_timeout_secs, 15, "default kept");
            assert_eq!(
                raw.database.url.unwrap().expose_secret(),
                "mysql://file@db/helio"
            );
            assert_eq!(
                raw.database.migration_url.unwrap().expose_secret(),
                "mysql://env@db/helio"
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused_in_the_file_and_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("helio.toml", "[server]\nbindd = \"0.0.0.0:1\"\n")?;
            let error = load(Path::new("helio.toml"), true).unwrap_err().to_string();
            assert!(error.contains("bindd"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("HELIO_DATABSE_URL", "typo");
            let error = load(Path::new("absent.toml"), false)
                .unwrap_err()
                .to_string();
            assert!(error.contains("databse_url"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_must_exist_but_the_default_one_may_not() {
        figment::Jail::expect_with(|_jail| {
            assert!(matches!(
                load(Path::new("nope.toml"), true),
                Err(LoadError::MissingFile(_))
            ));
            assert_eq!(
                load(Path::new("helio.toml"), false).unwrap().mode,
                Mode::Dev
            );
            Ok(())
        });
    }
}
