//! Which database engine a URL names.

use std::fmt;

use crate::StoreError;

/// The database engines Helio supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// MySQL 8 or MariaDB 10.6+: production.
    MySql,
    /// SQLite: the embedded default for development, demos and tests.
    Sqlite,
}

impl Backend {
    /// The backend a connection URL names, by its scheme.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("mysql" | "mariadb") => Ok(Self::MySql),
            Some("sqlite") => Ok(Self::Sqlite),
            _ => Err(StoreError::UnsupportedUrl),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MySql => "mysql",
            Self::Sqlite => "sqlite",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_decides_the_backend() {
        assert_eq!(Backend::from_url("mysql://u:p@h/db"), Ok(Backend::MySql));
        assert_eq!(Backend::from_url("MariaDB://h/db"), Ok(Backend::MySql));
        assert_eq!(
            Backend::from_url("sqlite://data/helio.db"),
            Ok(Backend::Sqlite)
        );
        assert_eq!(Backend::from_url("sqlite::memory:"), Ok(Backend::Sqlite));
        assert!(Backend::from_url("postgres://h/db").is_err());
        assert!(Backend::from_url("no scheme").is_err());
    }
}
