//! Commands that only read (`peers`, `export`, `copy --from`, `migrate
//! status`) never change a SQL database: on a database without our schema,
//! with an older one, or at the current one, its tables and rows are the
//! same before and after each command, and a database that is not at the
//! current schema is an error naming `mtgo-storage migrate up`.

mod cli_support;
mod own_database;

use cli_support::{fails, ok, seed, session_name};
use mtgo_storage::orm::{Migrator, MigratorTrait, OrmAdapter};
use own_database::Db;

/// The read-only commands on `url` for `session`.
fn commands(url: &str, session: &str) -> Vec<Vec<String>> {
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        v(&["peers", "--from", url, "--session", session, "--id", "101"]),
        v(&[
            "export",
            "--from",
            url,
            "--session",
            session,
            "--to",
            "telethon",
        ]),
        v(&["copy", "--from", url, "--to", "memory:", "--all"]),
        v(&["migrate", "status", "--url", url]),
    ]
}

fn args(c: &[String]) -> Vec<&str> {
    c.iter().map(String::as_str).collect()
}

/// A database without our tables, then one two migrations behind: every
/// read-only command but `migrate status` fails naming `migrate up`, and
/// nothing changes.
async fn not_current_schema_is_an_error_and_changes_nothing(backend: &str) {
    let Some(db) = Db::new(backend).await else {
        return;
    };
    let session = session_name("read_only");
    for stage in ["no schema", "older schema"] {
        if stage == "older schema" {
            let total = Migrator::migrations().len() as u32;
            db.migrate(Some(total - 2)).await.close_by_ref().await;
        }
        let before = db.snapshot().await;
        for c in commands(&db.url(), &session) {
            if c[0] == "migrate" {
                let out = ok(&args(&c));
                assert!(
                    out.contains("pending") || out.contains("Pending"),
                    "{stage}: {out}"
                );
            } else {
                let line = fails(&args(&c));
                assert!(
                    line.contains("mtgo-storage migrate up"),
                    "{backend}, {stage}, {c:?}: {line}"
                );
            }
            assert_eq!(
                db.snapshot().await,
                before,
                "{backend}, {stage}: {c:?} changed it"
            );
        }
    }
    db.drop().await;
}

/// A filled database at the current schema: every read-only command
/// succeeds and changes nothing.
async fn current_schema_reads_and_changes_nothing(backend: &str) {
    let Some(db) = Db::new(backend).await else {
        return;
    };
    let session = session_name("read_only");
    let store = db.migrate(None).await;
    seed(&store.with_session(&session)).await;
    store.close_by_ref().await;
    let before = db.snapshot().await;
    assert!(
        before
            .iter()
            .any(|(t, rows)| t == "mtgo_peers" && !rows.is_empty()),
        "{before:?}"
    );
    for c in commands(&db.url(), &session) {
        ok(&args(&c));
        assert_eq!(db.snapshot().await, before, "{backend}: {c:?} changed it");
    }
    db.drop().await;
}

trait CloseQuietly {
    async fn close_by_ref(&self);
}

impl CloseQuietly for OrmAdapter {
    async fn close_by_ref(&self) {
        let _ = mtgo_storage::Adapter::close(self).await;
    }
}

macro_rules! backend_cases {
    ($($backend:ident),*) => {$(
        mod $backend {
            #[tokio::test(flavor = "multi_thread")]
            async fn not_current_schema_is_an_error_and_changes_nothing() {
                super::not_current_schema_is_an_error_and_changes_nothing(stringify!($backend)).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn current_schema_reads_and_changes_nothing() {
                super::current_schema_reads_and_changes_nothing(stringify!($backend)).await;
            }
        }
    )*};
}

backend_cases!(sqlite, postgres, mysql);
