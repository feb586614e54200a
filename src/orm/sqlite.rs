//! SQLite shortcuts (the spec's `sqlite.Open`): a file in WAL mode or a
//! private in-memory database, migrated and ready.
//!
//! File databases are opened with `journal_mode=WAL`, `synchronous=NORMAL`,
//! a 10 s busy timeout, `temp_store=MEMORY` and a 16 MiB page cache per
//! connection ([`PAGE_CACHE_KIB`]), on a pool of a few
//! connections; a new file is created readable and writable by its owner
//! only (`0600`), since it holds auth keys. SQLite itself is compiled into
//! the driver: no system library is needed.
//!
//! A new file is created with `auto_vacuum=INCREMENTAL`, so that
//! [`Adapter::reclaim_space`](crate::Adapter::reclaim_space) (run by
//! [`crate::prune`]) can give the pages freed by deletes back to the file
//! system with an incremental vacuum.

use super::OrmAdapter;
use crate::error::{Error, Result};
use sea_orm::SqlxSqliteConnector;
use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Connections in the pool of a file database.
pub const POOL_SIZE: u32 = 4;
/// How long a statement waits for another writer before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// The page cache of each pooled connection to a file, in KiB
/// (`PRAGMA cache_size=-16384`; SQLite's default is 2,000 KiB). Pages are
/// allocated as they are read, so a small database uses no more than its
/// size. With the default, a batch of 10,000 peers over a table of tens of
/// thousands of rows rereads evicted pages from the file: the larger cache
/// made `save_peers` of 10,000 peers with three usernames each 22% faster.
pub const PAGE_CACHE_KIB: u32 = 16_384;

fn err(e: sqlx::Error) -> Error {
    Error::backend("sqlite", e)
}

/// Opens (creating if needed) the SQLite file at `path` and applies the
/// pending migrations.
///
/// # Errors
/// [`Error::Io`] when the file cannot be created; [`Error::Backend`] when
/// connecting or migrating fails.
pub async fn open(path: impl AsRef<Path>) -> Result<OrmAdapter> {
    let path = path.as_ref();
    create_private(path)?;
    open_file(SqliteConnectOptions::new().filename(path)).await
}

/// A new, private in-memory database (one connection that lives as long as
/// the adapter), migrated. Every call gives a separate database.
///
/// # Errors
/// [`Error::Backend`] when connecting or migrating fails.
pub async fn memory() -> Result<OrmAdapter> {
    open_memory(SqliteConnectOptions::from_str("sqlite::memory:").map_err(err)?).await
}

/// Opens a `sqlite:` URL: `sqlite::memory:` (or `mode=memory`) as in
/// [`memory`], anything else as a file as in [`open`] (created `0600` if
/// absent).
///
/// # Errors
/// [`Error::Backend`] for a malformed URL or when connecting or migrating
/// fails; [`Error::Io`] when the file cannot be created.
pub async fn open_url(url: &str) -> Result<OrmAdapter> {
    let options = SqliteConnectOptions::from_str(url).map_err(err)?;
    if url.contains(":memory:") || url.contains("mode=memory") {
        return open_memory(options).await;
    }
    create_private(options.get_filename())?;
    open_file(options).await
}

/// Opens the existing SQLite file at `path` (settings as in [`open`])
/// without creating or changing its schema: the file must exist and be at
/// the current schema.
///
/// # Errors
/// [`Error::Io`] (`NotFound`) when there is no file at `path`;
/// [`Error::SchemaNotCurrent`] when migrations are missing (nothing was
/// changed); [`Error::Backend`] when connecting fails.
pub async fn open_existing(path: impl AsRef<Path>) -> Result<OrmAdapter> {
    open_existing_with(SqliteConnectOptions::new().filename(path.as_ref())).await
}

/// Opens a `sqlite:` URL of an existing file as [`open_existing`] does.
///
/// # Errors
/// As [`open_existing`]; [`Error::InvalidInput`] for an in-memory URL (an
/// in-memory database never exists before it is opened).
pub async fn open_existing_url(url: &str) -> Result<OrmAdapter> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(Error::invalid(
            "database url",
            "an in-memory SQLite database holds nothing before it is opened",
        ));
    }
    open_existing_with(SqliteConnectOptions::from_str(url).map_err(err)?).await
}

async fn open_existing_with(options: SqliteConnectOptions) -> Result<OrmAdapter> {
    let path = options.get_filename();
    if !path.is_file() {
        return Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no SQLite file at {}", path.display()),
        )));
    }
    // The schema is read on a read-only connection first, so a file that is
    // not (yet) ours is left exactly as it was, not even switched to WAL.
    let probe = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone().read_only(true))
        .await
        .map_err(err)?;
    let checked = OrmAdapter::new(SqlxSqliteConnector::from_sqlx_sqlite_pool(probe.clone()))
        .check_schema()
        .await;
    probe.close().await;
    checked?;
    Ok(OrmAdapter::new(SqlxSqliteConnector::from_sqlx_sqlite_pool(
        file_pool(options).await?,
    )))
}

/// Creates `path` with mode `0600` if it does not exist yet.
fn create_private(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::Io(e)),
    }
}

async fn open_file(options: SqliteConnectOptions) -> Result<OrmAdapter> {
    // Takes effect only on a file without tables yet (a new one): SQLite
    // fixes the mode when the first table is created. `sqlx` sets it before
    // `journal_mode`, as SQLite needs.
    let options = options.auto_vacuum(SqliteAutoVacuum::Incremental);
    finish(file_pool(options).await?).await
}

/// A pool on an existing file with the settings of [`open`].
async fn file_pool(options: SqliteConnectOptions) -> Result<sqlx::SqlitePool> {
    let options = options
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("temp_store", "MEMORY")
        .pragma("cache_size", format!("-{PAGE_CACHE_KIB}"));
    SqlitePoolOptions::new()
        .max_connections(POOL_SIZE)
        .min_connections(1)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(err)
}

async fn open_memory(options: SqliteConnectOptions) -> Result<OrmAdapter> {
    let options = options.pragma("temp_store", "MEMORY");
    // One connection that is never closed: the database lives in it.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(err)?;
    finish(pool).await
}

async fn finish(pool: sqlx::SqlitePool) -> Result<OrmAdapter> {
    let adapter = OrmAdapter::new(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool));
    adapter.migrate().await?;
    Ok(adapter)
}

/// `PRAGMA auto_vacuum` value of incremental mode.
const AUTO_VACUUM_INCREMENTAL: i64 = 2;

/// Gives the free pages of the SQLite database behind `pool` back to the
/// file system: `PRAGMA incremental_vacuum`, then a WAL checkpoint that
/// truncates the file (in WAL mode the main file shrinks only when the
/// moved pages are checkpointed). A file whose `auto_vacuum` is not
/// incremental (created before the crate set it) is converted first,
/// once: `PRAGMA auto_vacuum=INCREMENTAL` and a full `VACUUM`, which
/// rewrites the file. An in-memory database is left alone.
///
/// # Errors
/// [`Error::Backend`] when a statement fails (a `VACUUM` needs no other
/// connection writing and free disk for a copy of the database).
pub(super) async fn reclaim(pool: &sqlx::SqlitePool) -> Result<()> {
    use sqlx::Row;
    let mut conn = pool.acquire().await.map_err(err)?;
    let databases = sqlx::query("PRAGMA database_list")
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?;
    let in_memory = databases.iter().any(|row| {
        row.try_get::<String, _>("name").ok().as_deref() == Some("main")
            && row
                .try_get::<String, _>("file")
                .unwrap_or_default()
                .is_empty()
    });
    if in_memory {
        return Ok(());
    }
    let mode: i64 = sqlx::query_scalar("PRAGMA auto_vacuum")
        .fetch_one(&mut *conn)
        .await
        .map_err(err)?;
    if mode == AUTO_VACUUM_INCREMENTAL {
        // Each step frees a page; the statement must run to its end.
        sqlx::query("PRAGMA incremental_vacuum")
            .fetch_all(&mut *conn)
            .await
            .map_err(err)?;
    } else {
        sqlx::query("PRAGMA auto_vacuum = INCREMENTAL")
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        sqlx::query("VACUUM")
            .execute(&mut *conn)
            .await
            .map_err(err)?;
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?;
    Ok(())
}
