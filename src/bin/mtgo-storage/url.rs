//! Backend URLs: `memory:`, `sqlite://PATH`, `postgres://…`, `mysql://…`,
//! `mongodb://…/DB`, `redis://…`, opened as a `Box<dyn Adapter>` (SQL
//! databases are migrated on open). Commands that only read open theirs
//! with [`open_existing`], which never creates a SQLite file nor a table:
//! a SQL database must already be at the current schema.

use crate::output::{CliError, redact_url, register_secret, url_passwords};
use mtgo_storage::Adapter;
use std::time::Duration;

/// A parsed backend URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// `memory:`: a store that lives as long as this process.
    Memory,
    /// `sqlite://PATH` (or `sqlite:PATH`): a SQLite file, created if absent.
    Sqlite(String),
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
    /// `mysql://…` or `mariadb://…` (the latter is passed on as `mysql://`).
    Mysql(String),
    /// `mongodb://…/DB` or `mongodb+srv://…/DB`: the URI and the database.
    Mongo {
        /// The URI as given.
        uri: String,
        /// The database named by the URI's path.
        database: String,
    },
    /// `redis://…`, `rediss://…` or `redis+unix://…`.
    Redis(String),
}

/// What a backend URL must look like, for error messages.
pub const URL_FORMS: &str =
    "memory:, sqlite://PATH, postgres://…, mysql://…, mongodb://…/DB or redis://…";

impl Backend {
    /// Parses a backend URL and registers its password as a secret.
    ///
    /// # Errors
    /// An unknown scheme, an empty SQLite path or a MongoDB URI without a
    /// database name.
    pub fn parse(url: &str) -> Result<Self, CliError> {
        for password in url_passwords(url) {
            register_secret(&password);
        }
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        let shown = redact_url(url);
        if lower == "memory:" || lower == "memory://" {
            return Ok(Backend::Memory);
        }
        if let Some(path) = strip_scheme(url, &lower, &["sqlite://", "sqlite:"]) {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(CliError::new(format!(
                    "{shown}: a SQLite URL needs a file path (sqlite://PATH)"
                )));
            }
            return Ok(Backend::Sqlite(path.to_owned()));
        }
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_owned()));
        }
        if lower.starts_with("mysql://") {
            return Ok(Backend::Mysql(url.to_owned()));
        }
        if lower.starts_with("mariadb://") {
            return Ok(Backend::Mysql(format!(
                "mysql://{}",
                &url["mariadb://".len()..]
            )));
        }
        if lower.starts_with("mongodb://") || lower.starts_with("mongodb+srv://") {
            let rest = &url[url.find("://").unwrap_or(0) + 3..];
            let database = rest
                .find('/')
                .map(|i| &rest[i + 1..])
                .unwrap_or_default()
                .split(['?', '#'])
                .next()
                .unwrap_or_default();
            if database.is_empty() {
                return Err(CliError::new(format!(
                    "{shown}: a MongoDB URL needs a database name (mongodb://HOST/DB)"
                )));
            }
            return Ok(Backend::Mongo {
                uri: url.to_owned(),
                database: database.to_owned(),
            });
        }
        if lower.starts_with("redis://")
            || lower.starts_with("rediss://")
            || lower.starts_with("redis+unix://")
            || lower.starts_with("unix://")
        {
            return Ok(Backend::Redis(url.to_owned()));
        }
        Err(CliError::new(format!(
            "unknown backend URL {shown:?}: use {URL_FORMS}"
        )))
    }
}

fn strip_scheme<'a>(url: &'a str, lower: &str, schemes: &[&str]) -> Option<&'a str> {
    schemes
        .iter()
        .find(|s| lower.starts_with(*s))
        .map(|s| &url[s.len()..])
}

/// Opens the backend at `url` and returns a handle bound to `session`.
///
/// # Errors
/// A bad URL, or the backend's error when it cannot connect (with the URL's
/// password masked).
pub async fn open(url: &str, session: &str) -> Result<Box<dyn Adapter>, CliError> {
    open_as(url, session, Open::Migrate).await
}

/// Whether opening a SQL database may create or migrate its schema.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Apply the pending migrations (commands that write).
    Migrate,
    /// Change nothing; the schema must be current (commands that only read).
    Existing,
}

async fn open_as(url: &str, session: &str, mode: Open) -> Result<Box<dyn Adapter>, CliError> {
    let backend = Backend::parse(url)?;
    let shown = redact_url(url);
    let limit = connect_timeout();
    let adapter = tokio::time::timeout(limit, open_backend(&backend, mode))
        .await
        .map_err(|_| {
            CliError::new(format!(
                "cannot open {shown}: no connection within {} s (see --connect-timeout)",
                limit.as_secs()
            ))
        })?
        .map_err(|e| CliError::with_context(format_args!("cannot open {shown}"), &e))?;
    Ok(adapter.session(session))
}

/// Opens the backend at `url` as [`open`] does, for a command that only
/// reads it: a SQLite file that does not exist is an error rather than a
/// new, empty database (a mistyped path would otherwise read as empty), and
/// a SQL database is neither created nor migrated.
///
/// # Errors
/// As [`open`], a SQLite path with no file, and a SQL database that is not
/// at the current schema (the message names `mtgo-storage migrate up`).
pub async fn open_existing(url: &str, session: &str) -> Result<Box<dyn Adapter>, CliError> {
    if let Backend::Sqlite(path) = Backend::parse(url)?
        && path != ":memory:"
        && !std::path::Path::new(&path).exists()
    {
        return Err(CliError::new(format!(
            "cannot open {}: no such file (a command that only reads does not create one)",
            redact_url(url)
        )));
    }
    open_as(url, session, Open::Existing).await
}

static CONNECT_TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();

/// Sets how long [`open`] waits for a backend (once, from `--connect-timeout`).
pub fn set_connect_timeout(limit: Duration) {
    let _ = CONNECT_TIMEOUT.set(limit);
}

/// How long [`open`] waits for a backend: `--connect-timeout`, 10 s by default.
pub fn connect_timeout() -> Duration {
    CONNECT_TIMEOUT
        .get()
        .copied()
        .unwrap_or(Duration::from_secs(10))
}

async fn open_backend(backend: &Backend, mode: Open) -> mtgo_storage::Result<Box<dyn Adapter>> {
    use mtgo_storage::orm;
    let existing = mode == Open::Existing;
    Ok(match backend {
        Backend::Memory => Box::new(mtgo_storage::MemoryAdapter::new()),
        Backend::Sqlite(path) if path == ":memory:" => Box::new(orm::sqlite::memory().await?),
        Backend::Sqlite(path) if existing => Box::new(orm::sqlite::open_existing(path).await?),
        Backend::Sqlite(path) => Box::new(orm::sqlite::open(path).await?),
        Backend::Postgres(url) if existing => Box::new(orm::postgres::open_existing(url).await?),
        Backend::Postgres(url) => Box::new(orm::postgres::open(url).await?),
        Backend::Mysql(url) if existing => Box::new(orm::mysql::open_existing(url).await?),
        Backend::Mysql(url) => Box::new(orm::mysql::open(url).await?),
        Backend::Mongo { uri, database } => {
            Box::new(mtgo_storage::mongo::open(uri, database).await?)
        }
        Backend::Redis(url) => Box::new(mtgo_storage::redis::open(url).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_scheme() {
        assert_eq!(Backend::parse("memory:").unwrap(), Backend::Memory);
        assert_eq!(
            Backend::parse("sqlite://./a.db").unwrap(),
            Backend::Sqlite("./a.db".into())
        );
        assert_eq!(
            Backend::parse("sqlite:///tmp/a.db?mode=rwc").unwrap(),
            Backend::Sqlite("/tmp/a.db".into())
        );
        assert!(matches!(
            Backend::parse("postgresql://u@h/db").unwrap(),
            Backend::Postgres(_)
        ));
        assert_eq!(
            Backend::parse("mariadb://root@h/test").unwrap(),
            Backend::Mysql("mysql://root@h/test".into())
        );
        assert_eq!(
            Backend::parse("mongodb://h:27017/mtgo?w=1").unwrap(),
            Backend::Mongo {
                uri: "mongodb://h:27017/mtgo?w=1".into(),
                database: "mtgo".into()
            }
        );
        assert!(Backend::parse("mongodb://h:27017").is_err());
        assert!(Backend::parse("sqlite://").is_err());
        assert!(Backend::parse("ftp://x").is_err());
    }
}
