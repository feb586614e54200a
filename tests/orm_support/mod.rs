//! Shared helpers of the OrmAdapter tests: service URLs and factories.
#![allow(dead_code, unused_imports)]

use super::purge_support;
use mtgo_storage::conformance::{reachable, service_url, unavailable};
use mtgo_storage::{Adapter, OrmAdapter};

/// The error and its sources, for skip messages.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

pub fn postgres_url() -> String {
    service_url("postgres", "postgres://postgres@127.0.0.1:5432/test")
}

pub fn mysql_url() -> String {
    service_url("mysql", "mysql://root@127.0.0.1:3306/test")
}

/// A migrated PostgreSQL adapter bound to `session`, or `None` (skipped)
/// when the server is unreachable and not required. Whether it is reachable
/// is found out once per test binary ([`reachable`]), so a missing server
/// skips every case at once.
#[cfg(feature = "postgres")]
pub async fn postgres(session: String) -> Option<OrmAdapter> {
    let url = postgres_url();
    if !reachable("postgres", &url).await {
        return None;
    }
    match mtgo_storage::orm::postgres::open(&url).await {
        Ok(a) => Some(a.with_session(&session)),
        Err(e) => unavailable("postgres", &chain(&e)),
    }
}

/// A migrated MySQL/MariaDB adapter bound to `session`, or `None`, as
/// [`postgres`].
#[cfg(feature = "mysql")]
pub async fn mysql(session: String) -> Option<OrmAdapter> {
    let url = mysql_url();
    if !reachable("mysql", &url).await {
        return None;
    }
    match mtgo_storage::orm::mysql::open(&url).await {
        Ok(a) => Some(a.with_session(&session)),
        Err(e) => unavailable("mysql", &chain(&e)),
    }
}

/// A migrated adapter on a new SQLite file in its own temporary folder
/// under cargo's `CARGO_TARGET_TMPDIR`, the file's path, and the folder
/// (removed when dropped).
#[cfg(feature = "sqlite")]
pub async fn sqlite_file() -> (OrmAdapter, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let path = dir.path().join("mtgo.db");
    let adapter = mtgo_storage::orm::sqlite::open(&path)
        .await
        .expect("open sqlite file");
    (adapter, path, dir)
}

/// Every table of the schema, each keyed by `session_name`.
pub const TABLES: [&str; 12] = [
    "mtgo_sessions",
    "mtgo_peers",
    "mtgo_peer_usernames",
    "mtgo_conversations",
    "mtgo_dc_auth",
    "mtgo_update_state",
    "mtgo_channel_state",
    "mtgo_update_dedup",
    "mtgo_durable_updates",
    "mtgo_session_leases",
    "mtgo_temp_auth_keys",
    "mtgo_server_salts",
];

/// Deletes every row of the adapter's session name from every `mtgo_*`
/// table (so large tests do not grow the shared test database).
pub async fn purge(adapter: &OrmAdapter) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = adapter.connection();
    let backend = db.get_database_backend();
    let ph = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    for table in TABLES {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM {table} WHERE session_name = {ph}"),
            [adapter.session_name().into()],
        ))
        .await
        .unwrap_or_else(|e| panic!("purging {table}: {e}"));
    }
}

/// A clean-up that connects to `url` and deletes the rows of every session
/// whose name starts with `prefix` (a conformance case's name and the names
/// it derives from it) from every `mtgo_*` table. Failures are reported,
/// never panicked on.
pub fn purge_prefix_later(url: String, prefix: String) -> purge_support::Cleanup {
    Box::new(move |rt| {
        rt.block_on(async move {
            use sea_orm::{ConnectionTrait, Statement};
            let db = match sea_orm::Database::connect(&url).await {
                Ok(db) => db,
                Err(e) => {
                    eprintln!("test clean-up: cannot connect to {url}: {e}");
                    return;
                }
            };
            let backend = db.get_database_backend();
            let ph = if backend == sea_orm::DbBackend::Postgres {
                "$1"
            } else {
                "?"
            };
            // An exact prefix match: no LIKE wildcards, no collation order.
            let chars = prefix.chars().count();
            for table in TABLES {
                let sql =
                    format!("DELETE FROM {table} WHERE substr(session_name, 1, {chars}) = {ph}");
                let statement =
                    Statement::from_sql_and_values(backend, sql, [prefix.clone().into()]);
                if let Err(e) = db.execute_raw(statement).await {
                    eprintln!("test clean-up: deleting from {table}: {e}");
                }
            }
            let _ = db.close().await;
        })
    })
}

/// [`postgres`], wrapped to delete every row of the session (and of the
/// sessions named after it) when dropped: the conformance factory.
#[cfg(feature = "postgres")]
pub async fn postgres_purging(session: String) -> Option<purge_support::Purging<OrmAdapter>> {
    let adapter = postgres(session.clone()).await?;
    Some(purge_support::Purging::new(
        adapter,
        purge_prefix_later(postgres_url(), session),
    ))
}

/// [`mysql`], wrapped as [`postgres_purging`].
#[cfg(feature = "mysql")]
pub async fn mysql_purging(session: String) -> Option<purge_support::Purging<OrmAdapter>> {
    let adapter = mysql(session.clone()).await?;
    Some(purge_support::Purging::new(
        adapter,
        purge_prefix_later(mysql_url(), session),
    ))
}
