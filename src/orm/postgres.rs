//! PostgreSQL shortcut (the spec's `postgres.Open`).

use super::OrmAdapter;
use crate::error::{Error, Result};
use sea_orm::SqlxPostgresConnector;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// Connections in the pool.
pub const POOL_SIZE: u32 = 8;

/// Connects to `url` (`postgres://user:pass@host/db`) with a pool of
/// [`POOL_SIZE`] connections and applies the pending migrations.
///
/// # Errors
/// [`Error::Backend`] for a malformed URL or when connecting or migrating
/// fails.
pub async fn open(url: &str) -> Result<OrmAdapter> {
    open_with_timeout(url, super::DEFAULT_CONNECT_TIMEOUT).await
}

/// [`open`], giving up on the first connection after `connect_timeout`
/// (an unreachable or stopped server, a firewall dropping packets) instead
/// of [`super::DEFAULT_CONNECT_TIMEOUT`]. The same bound applies later to
/// each call waiting for a pooled connection: while the server is down,
/// calls fail with [`Error::Backend`] after at most `connect_timeout`, and
/// succeed again on the same adapter once it is back.
///
/// # Errors
/// [`Error::Backend`] when no connection is made within `connect_timeout`,
/// otherwise as [`open`].
pub async fn open_with_timeout(url: &str, connect_timeout: Duration) -> Result<OrmAdapter> {
    let adapter = connect(url, connect_timeout).await?;
    adapter.migrate().await?;
    Ok(adapter)
}

/// Connects to `url` as [`open`] does, without creating or changing
/// anything: the database must already be at the current schema.
///
/// # Errors
/// [`Error::SchemaNotCurrent`] when migrations are missing (nothing was
/// changed); [`Error::Backend`] for a malformed URL or when connecting
/// fails.
pub async fn open_existing(url: &str) -> Result<OrmAdapter> {
    let adapter = connect(url, super::DEFAULT_CONNECT_TIMEOUT).await?;
    adapter.check_schema().await?;
    Ok(adapter)
}

async fn connect(url: &str, connect_timeout: Duration) -> Result<OrmAdapter> {
    let err = |e| Error::backend("postgres", e);
    let options = PgConnectOptions::from_str(url)
        .map_err(err)?
        .disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .min_connections(1)
        .test_before_acquire(false)
        .acquire_timeout(connect_timeout)
        .connect_with(options);
    let pool = super::within("postgres", connect_timeout, pool)
        .await?
        .map_err(err)?;
    Ok(OrmAdapter::new(
        SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
    ))
}
