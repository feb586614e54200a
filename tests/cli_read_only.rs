//! Commands that only read (`peers`, `export`, `copy --from`, `migrate
//! status`) never change a SQL database: on a database without our schema,
//! with an older one, or at the current one, its tables and rows are the
//! same before and after each command, and a database that is not at the
//! current schema is an error naming `mtgo-storage migrate up`.

mod cli_support;

use cli_support::{fails, ok, seed, session_name};
use mtgo_storage::conformance::{service_url, unavailable};
use mtgo_storage::orm::{Migrator, MigratorTrait, OrmAdapter};
use sqlx::{Connection, Row};

/// A database of its own for one test, dropped at the end.
enum Db {
    /// The folder (removed when dropped) and the file in it.
    Sqlite(#[allow(dead_code)] tempfile::TempDir, String),
    Postgres {
        admin: String,
        name: String,
    },
    Mysql {
        admin: String,
        name: String,
    },
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            % 1_000_000_000
    )
}

/// `admin` with its database (the URL path) replaced by `name`.
fn in_database(admin: &str, name: &str) -> String {
    cli_support::with_path(admin, name)
}

impl Db {
    async fn new(backend: &str) -> Option<Db> {
        match backend {
            "sqlite" => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("store.db");
                // An existing, empty SQLite file.
                std::fs::File::create(&path).expect("create file");
                let path = path.display().to_string();
                Some(Db::Sqlite(dir, path))
            }
            "postgres" => {
                let admin = service_url("postgres", "postgres://postgres@127.0.0.1:5432/test");
                let name = unique("mtgo_ro");
                let mut c = match sqlx::PgConnection::connect(&admin).await {
                    Ok(c) => c,
                    Err(e) => return unavailable("postgres", &e),
                };
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut c)
                    .await
                    .expect("create database");
                Some(Db::Postgres { admin, name })
            }
            "mysql" => {
                let admin = service_url("mysql", "mysql://root@127.0.0.1:3306/test");
                let name = unique("mtgo_ro");
                let mut c = match sqlx::MySqlConnection::connect(&admin).await {
                    Ok(c) => c,
                    Err(e) => return unavailable("mysql", &e),
                };
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut c)
                    .await
                    .expect("create database");
                Some(Db::Mysql { admin, name })
            }
            other => panic!("unknown backend {other}"),
        }
    }

    fn url(&self) -> String {
        match self {
            Db::Sqlite(_, path) => format!("sqlite://{path}"),
            Db::Postgres { admin, name } | Db::Mysql { admin, name } => in_database(admin, name),
        }
    }

    /// Every table with a digest of all its rows, sorted.
    async fn snapshot(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        match self {
            Db::Sqlite(_, path) => {
                let c = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .expect("open sqlite");
                let tables: Vec<String> = c
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                for t in tables {
                    let mut stmt = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
                    let width = stmt.column_count();
                    let mut rows: Vec<String> = stmt
                        .query_map([], |r| {
                            Ok((0..width)
                                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                                .collect::<Vec<_>>()
                                .join("|"))
                        })
                        .unwrap()
                        .collect::<Result<_, _>>()
                        .unwrap();
                    rows.sort();
                    out.push((t, rows.join("\n")));
                }
            }
            Db::Postgres { admin, name } => {
                let mut c = sqlx::PgConnection::connect(&in_database(admin, name))
                    .await
                    .expect("connect");
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = 'public' ORDER BY 1",
                )
                .fetch_all(&mut c)
                .await
                .unwrap();
                for t in tables {
                    let digest: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM \"{t}\" x"
                    )))
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
                    out.push((t, digest.unwrap_or_default()));
                }
            }
            Db::Mysql { admin, name } => {
                let mut c = sqlx::MySqlConnection::connect(&in_database(admin, name))
                    .await
                    .expect("connect");
                let tables: Vec<String> = sqlx::query(
                    "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
                     WHERE table_schema = DATABASE() ORDER BY 1",
                )
                .fetch_all(&mut c)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>(0))
                .collect();
                for t in tables {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!("CHECKSUM TABLE `{t}`")))
                        .fetch_one(&mut c)
                        .await
                        .unwrap();
                    let sum: Option<i64> = row.try_get(1).unwrap_or(None);
                    out.push((t, format!("{sum:?}")));
                }
            }
        }
        out
    }

    async fn drop(self) {
        match self {
            Db::Sqlite(..) => {}
            Db::Postgres { admin, name } => {
                let mut c = sqlx::PgConnection::connect(&admin).await.expect("connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut c)
                .await
                .expect("drop database");
            }
            Db::Mysql { admin, name } => {
                let mut c = sqlx::MySqlConnection::connect(&admin)
                    .await
                    .expect("connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name}"
                )))
                .execute(&mut c)
                .await
                .expect("drop database");
            }
        }
    }

    /// Applies the first `steps` migrations (all with `None`) through the
    /// library, and returns the adapter on the database.
    async fn migrate(&self, steps: Option<u32>) -> OrmAdapter {
        let conn = sea_orm::Database::connect(self.url())
            .await
            .expect("connect for migrating");
        Migrator::up(&conn, steps).await.expect("migrate");
        OrmAdapter::new(conn)
    }
}

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
