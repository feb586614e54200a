//! `mtgo-storage schema --dialect …` prints DDL that, applied by hand to an
//! empty database, gives the same tables, columns and indexes as running
//! the migrations (`mtgo-storage migrate up`) — on SQLite, PostgreSQL and
//! MariaDB. Also `migrate up|down|status` itself.

mod cli_support;

use cli_support::{fails, ok, service, sqlite_url, with_path};
use mtgo_storage::conformance::{reachable, unavailable, unique_session_name};
use sqlx::{AssertSqlSafe, Connection, Row};

/// The migrator's bookkeeping table, which `schema` does not print.
const BOOKKEEPING: &str = "mtgo_seaql_migrations";
/// Tables the migrations create.
const TABLES: usize = 13;
/// Migrations of the schema (the tables' nine, then the grammers columns).
const MIGRATIONS: usize = 16;

fn sqlite_shape(path: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).expect("open sqlite");
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT type, name, tbl_name FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> ?1 ORDER BY type, name",
        )
        .unwrap();
    let objects: Vec<(String, String, String)> = stmt
        .query_map([BOOKKEEPING], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (kind, name, table) in objects {
        out.push(format!("{kind} {name} on {table}"));
        if kind == "table" {
            let mut cols = conn.prepare(&format!("PRAGMA table_info({name})")).unwrap();
            for col in cols
                .query_map([], |r| {
                    Ok(format!(
                        "  column {} {} notnull={} pk={}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .unwrap()
            {
                out.push(col.unwrap());
            }
            let mut idx = conn.prepare(&format!("PRAGMA index_list({name})")).unwrap();
            let indexes: Vec<(String, i64, String)> = idx
                .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for (index, unique, origin) in indexes {
                let mut info = conn
                    .prepare(&format!("PRAGMA index_info({index})"))
                    .unwrap();
                let cols: Vec<String> = info
                    .query_map([], |r| r.get::<_, String>(2))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                out.push(format!(
                    "  index {index} unique={unique} origin={origin} ({})",
                    cols.join(",")
                ));
            }
        }
    }
    out
}

#[test]
fn schema_sqlite_matches_the_migrations() {
    let ddl = ok(&["schema", "--dialect", "sqlite"]);
    assert!(ddl.contains("CREATE TABLE"), "{ddl}");
    assert!(
        !ddl.contains(BOOKKEEPING) || ddl.contains("not listed"),
        "{ddl}"
    );

    let dir = tempfile::tempdir().unwrap();
    let by_hand = dir.path().join("by_hand.db");
    let migrated = dir.path().join("migrated.db");
    rusqlite::Connection::open(&by_hand)
        .unwrap()
        .execute_batch(&ddl)
        .expect("the printed DDL applies to an empty SQLite database");
    let out = ok(&[
        "migrate",
        "up",
        "--url",
        &format!("sqlite://{}", migrated.display()),
    ]);
    assert!(
        out.contains(&format!("applied {MIGRATIONS} migration(s)")),
        "{out}"
    );

    let a = sqlite_shape(by_hand.to_str().unwrap());
    let b = sqlite_shape(migrated.to_str().unwrap());
    assert_eq!(
        a.iter().filter(|l| l.starts_with("table ")).count(),
        TABLES,
        "{a:#?}"
    );
    assert!(
        a.iter().any(|l| l.starts_with("index ")),
        "no index: {a:#?}"
    );
    assert_eq!(a, b, "the printed DDL and the migrations differ");
}

/// A new database on a server (`postgres` or `mysql`): its URL, for the
/// CLI and sqlx.
async fn create_db(service_name: &str, admin_url: &str, tag: &str) -> Option<String> {
    if !reachable(service_name, admin_url).await {
        return None;
    }
    let name: String = unique_session_name(tag)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let sql = format!("CREATE DATABASE {name}");
    let result = if service_name == "postgres" {
        match sqlx::PgConnection::connect(admin_url).await {
            Ok(mut c) => sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .map(|_| ()),
            Err(e) => return unavailable(service_name, &e),
        }
    } else {
        match sqlx::MySqlConnection::connect(admin_url).await {
            Ok(mut c) => sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .map(|_| ()),
            Err(e) => return unavailable(service_name, &e),
        }
    };
    result.expect("create a test database");
    Some(with_path(admin_url, &name))
}

async fn drop_db(service_name: &str, admin_url: &str, url: &str) {
    let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    if service_name == "postgres" {
        let mut c = sqlx::PgConnection::connect(admin_url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut c)
        .await
        .unwrap();
    } else {
        let mut c = sqlx::MySqlConnection::connect(admin_url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
            .execute(&mut c)
            .await
            .unwrap();
    }
}

const PG_SHAPE: [&str; 2] = [
    "SELECT concat_ws('|', 'column', table_name, column_name, ordinal_position, data_type, \
     is_nullable, coalesce(character_maximum_length::text, ''), coalesce(column_default, '')) \
     FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'mtgo_seaql_migrations' \
     ORDER BY 1",
    "SELECT concat_ws('|', 'index', tablename, indexname, indexdef) FROM pg_indexes \
     WHERE schemaname = 'public' AND tablename <> 'mtgo_seaql_migrations' ORDER BY 1",
];

const MYSQL_SHAPE: [&str; 3] = [
    "SELECT CONCAT_WS('|', 'table', table_name, engine, table_collation) FROM information_schema.tables \
     WHERE table_schema = DATABASE() AND table_name <> 'mtgo_seaql_migrations' ORDER BY 1",
    "SELECT CONCAT_WS('|', 'column', table_name, column_name, ordinal_position, column_type, is_nullable, \
     IFNULL(collation_name, ''), column_key) FROM information_schema.columns \
     WHERE table_schema = DATABASE() AND table_name <> 'mtgo_seaql_migrations' ORDER BY 1",
    "SELECT CONCAT_WS('|', 'index', table_name, index_name, seq_in_index, column_name, non_unique) \
     FROM information_schema.statistics \
     WHERE table_schema = DATABASE() AND table_name <> 'mtgo_seaql_migrations' ORDER BY 1",
];

async fn shape(service_name: &str, url: &str) -> Vec<String> {
    let mut out = Vec::new();
    if service_name == "postgres" {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        for q in PG_SHAPE {
            for row in sqlx::query(q).fetch_all(&mut c).await.unwrap() {
                out.push(row.get::<String, _>(0));
            }
        }
    } else {
        let mut c = sqlx::MySqlConnection::connect(url).await.unwrap();
        for q in MYSQL_SHAPE {
            for row in sqlx::query(q).fetch_all(&mut c).await.unwrap() {
                let raw: Vec<u8> = row.get(0);
                out.push(String::from_utf8_lossy(&raw).into_owned());
            }
        }
    }
    out
}

async fn apply(service_name: &str, url: &str, ddl: &str) {
    let sql = AssertSqlSafe(ddl.to_owned());
    let result = if service_name == "postgres" {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ())
    } else {
        let mut c = sqlx::MySqlConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ())
    };
    result.unwrap_or_else(|e| panic!("the printed {service_name} DDL does not apply: {e}"));
}

async fn server_schema_matches(service_name: &str, dialect: &str) {
    let admin = service(service_name);
    let Some(by_hand) = create_db(service_name, &admin, "ddl-hand").await else {
        return;
    };
    let migrated = create_db(service_name, &admin, "ddl-migrated")
        .await
        .unwrap();

    let ddl = ok(&["schema", "--dialect", dialect]);
    apply(service_name, &by_hand, &ddl).await;
    let status = ok(&["migrate", "status", "--url", &migrated]);
    assert_eq!(status.matches("pending").count(), MIGRATIONS, "{status}");
    let out = ok(&["migrate", "up", "--url", &migrated]);
    assert!(
        out.contains(&format!("applied {MIGRATIONS} migration(s); 0 pending")),
        "{out}"
    );

    let a = shape(service_name, &by_hand).await;
    let b = shape(service_name, &migrated).await;
    drop_db(service_name, &admin, &by_hand).await;
    drop_db(service_name, &admin, &migrated).await;
    let tables: std::collections::BTreeSet<&str> = a
        .iter()
        .filter(|l| l.starts_with("column|"))
        .filter_map(|l| l.split('|').nth(1))
        .collect();
    assert_eq!(tables.len(), TABLES, "{a:#?}");
    assert!(a.iter().any(|l| l.starts_with("index|")), "{a:#?}");
    assert_eq!(a, b, "the printed {dialect} DDL and the migrations differ");
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_postgres_matches_the_migrations() {
    server_schema_matches("postgres", "postgres").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_mysql_matches_the_migrations() {
    server_schema_matches("mysql", "mysql").await;
}

#[test]
fn schema_dialects_differ_and_an_unknown_one_is_a_usage_error() {
    let sqlite = ok(&["schema", "--dialect", "sqlite"]);
    let pg = ok(&["schema", "--dialect", "postgres"]);
    let my = ok(&["schema", "--dialect", "mariadb"]);
    assert!(pg.contains("bytea"), "{pg}");
    assert!(my.contains("utf8mb4_bin") && my.contains('`'), "{my}");
    assert!(my.contains("COLLATE utf8mb4_nopad_bin"), "{my}");
    assert!(sqlite.contains("blob"), "{sqlite}");
    let line = fails(&["schema", "--dialect", "oracle"]);
    assert!(line.contains("oracle"), "{line}");
}

#[test]
fn migrate_up_down_status_on_sqlite() {
    let (url, _dir) = sqlite_url();
    let status = ok(&["migrate", "status", "--url", &url]);
    assert_eq!(status.lines().count(), MIGRATIONS, "{status}");
    assert!(
        status.lines().all(|l| l.starts_with("pending ")),
        "{status}"
    );
    assert!(
        ok(&["migrate", "up", "--url", &url])
            .contains(&format!("applied {MIGRATIONS} migration(s); 0 pending"))
    );
    let out = ok(&["migrate", "down", "--url", &url, "--steps", "7"]);
    assert!(out.contains("reverted 7 migration(s); 9 applied"), "{out}");
    let status = ok(&["migrate", "status", "--url", &url]);
    assert_eq!(status.matches("applied ").count(), 9, "{status}");
    assert!(
        status.contains("pending  m20261202_000002_dc_auth_ipv6"),
        "{status}"
    );
    assert!(ok(&["migrate", "down", "--url", &url]).contains("reverted 1 migration(s); 8 applied"));
    assert!(ok(&["migrate", "up", "--url", &url]).contains("applied 8 migration(s); 0 pending"));
}

#[test]
fn migrate_refuses_a_backend_without_sql() {
    let line = fails(&["migrate", "up", "--url", "redis://127.0.0.1:6379"]);
    assert!(line.contains("not a SQL database"), "{line}");
    let line = fails(&["migrate", "sideways", "--url", "memory:"]);
    assert!(line.contains("sideways"), "{line}");
}
