//! The NO PAD key collation (`m20261203_200001`) keeps what was stored: a
//! database at the schema before it, filled with rows of every table, is
//! migrated up; every table's rows are unchanged and read back through the
//! adapter as before, on SQLite, PostgreSQL and MariaDB. Afterwards the
//! session names `bob` and `bob ` are two sessions everywhere (on MariaDB
//! they were one before: `utf8mb4_bin` is PAD SPACE), the migration goes
//! down and up again, and on MariaDB every key column reports the NO PAD
//! collation.

mod cli_support;
mod own_database;

use cli_support::{assert_same, seed};
use mtgo_storage::conformance::fixtures::{full_session, other_session};
use mtgo_storage::orm::{Migrator, MigratorTrait, OrmAdapter};
use mtgo_storage::{Adapter, MemoryAdapter, SessionStore};
use own_database::Db;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// The migrations before the one this test is about.
const BEFORE: u32 = 15;
/// The NO PAD key collation.
const NOPAD_MIGRATIONS: u32 = 1;

const SESSION: &str = "upgrade";

/// Every `mtgo_` table but the migrations' bookkeeping, with its digest.
async fn tables(db: &Db) -> Vec<(String, String)> {
    db.snapshot()
        .await
        .into_iter()
        .filter(|(t, _)| t.starts_with("mtgo_") && t != "mtgo_seaql_migrations")
        .collect()
}

/// Saves `bob` then `bob `; returns how many distinct sessions the store
/// holds afterwards among the two names (1 when they are one session).
async fn bob_sessions(adapter: &OrmAdapter) -> usize {
    let bob = adapter.with_session("bob");
    let bob_space = adapter.with_session("bob ");
    bob.save_session(&full_session()).await.unwrap();
    bob_space.save_session(&other_session()).await.unwrap();
    let a = bob.load_session().await.unwrap().map(|s| s.dc);
    let b = bob_space.load_session().await.unwrap().map(|s| s.dc);
    bob.delete_session().await.unwrap();
    bob_space.delete_session().await.unwrap();
    if a == b { 1 } else { 2 }
}

/// `(table, column, collation)` of the `mtgo_` VARCHAR columns on MySQL.
async fn collations(conn: &DatabaseConnection) -> Vec<(String, String, String)> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE = 'varchar' \
             AND TABLE_NAME LIKE 'mtgo\\_%' AND TABLE_NAME <> 'mtgo_seaql_migrations'",
        ))
        .await
        .unwrap();
    let mut out: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn upgrade(backend: &str) {
    let Some(db) = Db::new(backend).await else {
        return;
    };
    let total = Migrator::migrations().len() as u32;
    assert_eq!(
        total,
        BEFORE + NOPAD_MIGRATIONS,
        "update this test's BEFORE"
    );
    let old = db.migrate(Some(BEFORE)).await.with_session(SESSION);
    seed(&old).await;
    let oracle = MemoryAdapter::new().with_session(SESSION);
    seed(&oracle).await;
    let padded = bob_sessions(&old).await;
    assert_eq!(
        padded,
        if backend == "mysql" { 1 } else { 2 },
        "before the migration"
    );
    let before = tables(&db).await;

    let conn: DatabaseConnection = old.connection().clone();
    Migrator::up(&conn, None).await.expect("migrate up");
    assert_eq!(tables(&db).await, before, "rows changed");
    let adapter = OrmAdapter::open_existing(&db.url())
        .await
        .expect("open at the current schema")
        .with_session(SESSION);
    assert_same(&oracle, &adapter).await;
    assert_eq!(bob_sessions(&adapter).await, 2, "after the migration");
    if backend == "mysql" {
        let keys = collations(&conn).await;
        let nopad: Vec<_> = keys
            .iter()
            .filter(|(_, _, c)| c == "utf8mb4_nopad_bin")
            .map(|(t, c, _)| format!("{t}.{c}"))
            .collect();
        assert_eq!(nopad.len(), 17, "{keys:?}");
        for column in [
            "mtgo_sessions.session_name",
            "mtgo_peer_usernames.username_normalized",
            "mtgo_update_dedup.dedup_key",
            "mtgo_durable_updates.id",
        ] {
            assert!(nopad.iter().any(|c| c == column), "{column}: {keys:?}");
        }
    }

    // Down and up again keeps the rows.
    Migrator::down(&conn, Some(NOPAD_MIGRATIONS))
        .await
        .expect("migrate down");
    assert_eq!(tables(&db).await, before);
    if backend == "mysql" {
        assert!(
            collations(&conn)
                .await
                .iter()
                .all(|(_, _, c)| c == "utf8mb4_bin")
        );
    }
    Migrator::up(&conn, None).await.expect("migrate up again");
    assert_same(&oracle, &adapter).await;
    assert_eq!(bob_sessions(&adapter).await, 2);
    adapter.close().await.unwrap();
    old.close().await.unwrap();
    db.drop().await;
}

#[tokio::test]
async fn sqlite_rows_survive_the_nopad_migration() {
    upgrade("sqlite").await;
}

#[tokio::test]
async fn postgres_rows_survive_the_nopad_migration() {
    upgrade("postgres").await;
}

#[tokio::test]
async fn mariadb_rows_survive_the_nopad_migration() {
    upgrade("mysql").await;
}
