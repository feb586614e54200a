//! Shared helpers of the OrmAdapter tests: service URLs and factories.
#![allow(dead_code, unused_imports)]

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
    for table in [
        "mtgo_sessions",
        "mtgo_peers",
        "mtgo_peer_usernames",
        "mtgo_conversations",
        "mtgo_dc_auth",
        "mtgo_update_state",
        "mtgo_channel_state",
        "mtgo_update_dedup",
        "mtgo_durable_updates",
    ] {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM {table} WHERE session_name = {ph}"),
            [adapter.session_name().into()],
        ))
        .await
        .unwrap_or_else(|e| panic!("purging {table}: {e}"));
    }
}
