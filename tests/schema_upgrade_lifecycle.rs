//! Forward migrations keep what was stored: a database at the schema before
//! the session leases and the temporary keys and salts, filled with rows of
//! every table, is migrated up; every table's rows are unchanged and read
//! back through the adapter as before, on SQLite, PostgreSQL and MariaDB.
//! The new stores then work on the upgraded database, and the two
//! migrations go down and up again without touching the old rows.

mod cli_support;
mod old_schema;
mod own_database;

use cli_support::{assert_same, seed, seed_except_peers, seed_peers};
use mtgo_storage::orm::{Migrator, MigratorTrait, OrmAdapter};
use mtgo_storage::{Adapter, MemoryAdapter, ServerSalt, TempAuthKey};
use own_database::Db;
use sea_orm::DatabaseConnection;
use std::time::Duration;

/// The migrations before the ones this test is about.
const BEFORE: u32 = 11;
/// Session leases; temporary keys and server salts.
const LIFECYCLE_MIGRATIONS: u32 = 2;
/// The migrations after them (the peers' min flag and the reference
/// messages, see `schema_upgrade_min_peers.rs`; the NO PAD key collation,
/// see `schema_upgrade_nopad.rs`).
const LATER_MIGRATIONS: u32 = 3;

const SESSION: &str = "upgrade";

/// Every `mtgo_` table but the migrations' bookkeeping, with its digest.
async fn tables(db: &Db) -> Vec<(String, String)> {
    db.snapshot()
        .await
        .into_iter()
        .filter(|(t, _)| t.starts_with("mtgo_") && t != "mtgo_seaql_migrations")
        .collect()
}

async fn new_stores_work(adapter: &OrmAdapter) {
    let lease = adapter.lease().unwrap();
    assert!(
        lease
            .acquire_lease("upgraded", Duration::from_secs(30))
            .await
            .unwrap()
    );
    assert_eq!(
        lease.load_lease().await.unwrap().unwrap().holder,
        "upgraded"
    );
    let temp = adapter.temp_keys().unwrap();
    let key = TempAuthKey {
        dc_id: 2,
        auth_key: mtgo_storage::AuthKey::new(vec![5; 256]),
        expires_at: 1_800_000_000,
        perm_auth_key_id: -5,
    };
    temp.save_temp_auth_key(&key).await.unwrap();
    assert_eq!(temp.load_temp_auth_key(2).await.unwrap(), Some(key));
    let salt = ServerSalt {
        valid_since: 1,
        valid_until: 2,
        salt: 3,
    };
    temp.save_server_salts(2, &[salt]).await.unwrap();
    assert_eq!(temp.load_server_salts(2).await.unwrap(), vec![salt]);
}

async fn upgrade(backend: &str) {
    let Some(db) = Db::new(backend).await else {
        return;
    };
    let total = Migrator::migrations().len() as u32;
    assert_eq!(
        total,
        BEFORE + LIFECYCLE_MIGRATIONS + LATER_MIGRATIONS,
        "update this test's LATER_MIGRATIONS"
    );
    let old = db.migrate(Some(BEFORE)).await.with_session(SESSION);
    // The peers with the columns of their schema then (the adapter writes
    // the later ones).
    seed_except_peers(&old).await;
    old_schema::insert_peers_before_min(old.connection(), SESSION, &seed_peers()).await;
    let oracle = MemoryAdapter::new().with_session(SESSION);
    seed(&oracle).await;
    let before = tables(&db).await;
    assert_eq!(before.len(), 9, "{before:?}");

    let conn: DatabaseConnection = old.connection().clone();
    Migrator::up(&conn, Some(LIFECYCLE_MIGRATIONS))
        .await
        .expect("migrate up");
    let after = tables(&db).await;
    for table in &before {
        assert!(after.contains(table), "{} changed", table.0);
    }
    assert_eq!(after.len(), 12, "{after:?}");
    Migrator::up(&conn, None)
        .await
        .expect("migrate up the rest");
    let adapter = OrmAdapter::open_existing(&db.url())
        .await
        .expect("open at the current schema")
        .with_session(SESSION);
    assert_same(&oracle, &adapter).await;
    new_stores_work(&adapter.with_session("upgrade_new")).await;

    // Down and up again keeps the old rows (and drops the new tables' rows).
    Migrator::down(&conn, Some(LIFECYCLE_MIGRATIONS + LATER_MIGRATIONS))
        .await
        .expect("migrate down");
    assert_eq!(tables(&db).await, before);
    Migrator::up(&conn, None).await.expect("migrate up again");
    assert_same(&oracle, &adapter).await;
    new_stores_work(&adapter.with_session("upgrade_new")).await;
    adapter.close().await.unwrap();
    old.close().await.unwrap();
    db.drop().await;
}

#[tokio::test]
async fn sqlite_rows_survive_the_lifecycle_migrations() {
    upgrade("sqlite").await;
}

#[tokio::test]
async fn postgres_rows_survive_the_lifecycle_migrations() {
    upgrade("postgres").await;
}

#[tokio::test]
async fn mariadb_rows_survive_the_lifecycle_migrations() {
    upgrade("mysql").await;
}
