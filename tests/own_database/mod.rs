//! A database of a test's own: an empty SQLite file, or a PostgreSQL or
//! MariaDB database created for the test and dropped by [`Db::drop`]. The
//! crate that uses it also declares `mod cli_support;`.
#![allow(dead_code)]

use mtgo_storage::conformance::{service_url, unavailable};
use mtgo_storage::orm::{Migrator, MigratorTrait, OrmAdapter};
use sqlx::{Connection, Row};

/// A database of its own for one test, dropped at the end.
pub enum Db {
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

pub fn unique(prefix: &str) -> String {
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
    super::cli_support::with_path(admin, name)
}

impl Db {
    pub async fn new(backend: &str) -> Option<Db> {
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

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(_, path) => format!("sqlite://{path}"),
            Db::Postgres { admin, name } | Db::Mysql { admin, name } => in_database(admin, name),
        }
    }

    /// Every table with a digest of all its rows, sorted.
    pub async fn snapshot(&self) -> Vec<(String, String)> {
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

    pub async fn drop(self) {
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
    pub async fn migrate(&self, steps: Option<u32>) -> OrmAdapter {
        let conn = sea_orm::Database::connect(self.url())
            .await
            .expect("connect for migrating");
        Migrator::up(&conn, steps).await.expect("migrate");
        OrmAdapter::new(conn)
    }
}
