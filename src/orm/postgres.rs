//! PostgreSQL shortcut (the spec's `postgres.Open`).

use super::OrmAdapter;
use crate::error::{Error, Result};
use sea_orm::SqlxPostgresConnector;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;

/// Connections in the pool.
pub const POOL_SIZE: u32 = 8;

/// Connects to `url` (`postgres://user:pass@host/db`) with a pool of
/// [`POOL_SIZE`] connections and applies the pending migrations.
///
/// # Errors
/// [`Error::Backend`] for a malformed URL or when connecting or migrating
/// fails.
pub async fn open(url: &str) -> Result<OrmAdapter> {
    let adapter = connect(url).await?;
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
    let adapter = connect(url).await?;
    adapter.check_schema().await?;
    Ok(adapter)
}

async fn connect(url: &str) -> Result<OrmAdapter> {
    let err = |e| Error::backend("postgres", e);
    let options = PgConnectOptions::from_str(url)
        .map_err(err)?
        .disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .min_connections(1)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(err)?;
    Ok(OrmAdapter::new(
        SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
    ))
}
