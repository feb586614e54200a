//! OrmAdapter behaviour beyond the conformance suite: SQLite file mode,
//! pragmas and concurrent pools, 100,000-peer batches and all-or-nothing
//! batches on every database, entities matching the migrated schema, and
//! the constructors.

mod orm_support;
mod purge_support;

use mtgo_storage::conformance::{fixtures, unique_session_name};
use mtgo_storage::orm::entity;
use mtgo_storage::{
    Adapter, Conversation, DcAuth, DurableUpdate, Error, OrmAdapter, Peer, PeerStore, PeerType,
    SessionStore, UpdateState,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use std::time::Instant;

fn peer(id: i64) -> Peer {
    let mut p = Peer::new(id, PeerType::User, id.wrapping_mul(31));
    p.username = format!("user_{id}");
    p.usernames = vec![format!("alt_{id}")];
    p.first_name = format!("Name {id}");
    p.phone_number = format!("+1 555 {id:07}");
    p.last_updated = 1_700_000_000 + id;
    p
}

// ---------------------------------------------------------------- SQLite

#[cfg(feature = "sqlite")]
async fn pragma(adapter: &OrmAdapter, name: &str) -> String {
    let row = adapter
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await
        .unwrap()
        .expect("pragma row");
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
        .unwrap()
}

/// A new database file is created 0600 (it holds auth keys), and the
/// connections run in WAL mode with synchronous=NORMAL, a busy timeout and
/// an in-memory temp store.
#[cfg(all(feature = "sqlite", unix))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_is_owner_only_and_tuned() {
    use std::os::unix::fs::PermissionsExt;
    let (adapter, path, _dir) = orm_support::sqlite_file().await;
    adapter
        .save_session(&fixtures::full_session())
        .await
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "database file mode {mode:o}");
    let wal = path.with_extension("db-wal");
    if wal.exists() {
        let mode = std::fs::metadata(&wal).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "WAL file mode {mode:o}");
    }
    assert_eq!(pragma(&adapter, "journal_mode").await, "wal");
    assert_eq!(pragma(&adapter, "synchronous").await, "1", "NORMAL");
    assert_eq!(pragma(&adapter, "busy_timeout").await, "10000");
    assert_eq!(pragma(&adapter, "temp_store").await, "2", "MEMORY");
    let cache_size = format!("-{}", mtgo_storage::orm::sqlite::PAGE_CACHE_KIB);
    assert_eq!(pragma(&adapter, "cache_size").await, cache_size, "KiB");
}

/// `OrmAdapter::open("sqlite://...")` creates the file 0600 and migrates.
#[cfg(all(feature = "sqlite", unix))]
#[tokio::test]
async fn open_sqlite_url_creates_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("url.db");
    let adapter = OrmAdapter::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(adapter.backend_name(), "sqlite");
    adapter.save_peer(&peer(1)).await.unwrap();
    assert_eq!(adapter.get_peer(1).await.unwrap(), Some(peer(1)));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    adapter.close().await.unwrap();
    adapter.close().await.unwrap();
}

/// Two adapters with separate pools on one file, writing at the same time
/// (batches, sessions, update state, dedup keys, the queue), all succeed:
/// no "database is locked".
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_pools_write_one_file_concurrently() {
    let (a, path, _dir) = orm_support::sqlite_file().await;
    let b = mtgo_storage::orm::sqlite::open(&path).await.unwrap();
    let mut tasks = Vec::new();
    for task in 0..8i64 {
        let (adapter, other) = if task % 2 == 0 {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        tasks.push(tokio::spawn(async move {
            let store = adapter.with_session(&format!("writer-{task}"));
            let updates = store.update_state().unwrap();
            for round in 0..20i64 {
                // Overlapping ids across tasks plus ids of this task only.
                let batch: Vec<Peer> = (0..100i64)
                    .chain((0..100).map(|i| 1_000 * (task + 1) + i))
                    .map(|id| {
                        let mut p = peer(id);
                        p.access_hash = task * 1_000 + round;
                        p
                    })
                    .collect();
                store.save_peers(&batch).await?;
                // The default session, shared by every task, through the other pool.
                other.save_peers(&batch[..10]).await?;
                store.save_session(&fixtures::full_session()).await?;
                updates
                    .save_update_state(&UpdateState {
                        pts: round as i32,
                        ..UpdateState::default()
                    })
                    .await?;
                updates
                    .insert_dedup_key(&format!("k{round}"), round)
                    .await?;
                updates
                    .enqueue_update(&DurableUpdate {
                        id: format!("u{round}"),
                        payload: vec![1, 2, 3],
                        created_at: round,
                        ..DurableUpdate::default()
                    })
                    .await?;
                updates
                    .mark_update_failed(&format!("u{round}"), "x")
                    .await?;
            }
            Ok::<_, Error>(())
        }));
    }
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            panic!("concurrent write failed: {}", orm_support::chain(&e));
        }
    }
    for task in 0..8 {
        let store = b.with_session(&format!("writer-{task}"));
        assert_eq!(store.load_peers().await.unwrap().len(), 200);
        assert_eq!(
            store
                .update_state()
                .unwrap()
                .load_updates(100)
                .await
                .unwrap()
                .len(),
            20
        );
    }
    assert_eq!(a.session_names().await.unwrap().len(), 8);
    assert_eq!(a.load_peers().await.unwrap().len(), 10);
}

// ------------------------------------------------- every database, generic

/// 100,000 peers in one `save_peers` call are written and read back.
async fn save_100k(adapter: OrmAdapter) {
    let peers: Vec<Peer> = (1..=100_000i64).map(peer).collect();
    let started = Instant::now();
    adapter.save_peers(&peers).await.unwrap();
    eprintln!(
        "{}: save_peers(100,000) took {:?}",
        adapter.backend_name(),
        started.elapsed()
    );
    let loaded = adapter.load_peers().await.unwrap();
    assert_eq!(loaded.len(), 100_000);
    assert_eq!(loaded, peers);
    for id in [1, 50_000, 99_999, 100_000] {
        assert_eq!(
            adapter
                .get_peer_by_username(&format!("@ALT_{id}"))
                .await
                .unwrap(),
            Some(peer(id))
        );
        assert_eq!(
            adapter
                .get_peer_by_phone(&format!("1555{id:07}"))
                .await
                .unwrap(),
            Some(peer(id))
        );
    }
    orm_support::purge(&adapter).await;
}

/// A batch whose last chunk fails leaves nothing of the batch written: the
/// earlier chunks (including an update of an existing peer and its
/// usernames) are rolled back. `bad` is a peer the database rejects.
async fn failed_batch_writes_nothing(adapter: OrmAdapter, bad: Peer) {
    let mut old = peer(5);
    old.username = "old_five".into();
    adapter.save_peer(&old).await.unwrap();

    let mut batch: Vec<Peer> = (1..=2_500i64).map(peer).collect();
    batch[4].username = "new_five".into(); // id 5, in the first chunk
    assert!(bad.id > 2_500, "the bad peer sorts into the last chunk");
    batch.push(bad);
    match adapter.save_peers(&batch).await {
        Err(Error::Backend { source, .. }) => {
            eprintln!("expected failure: {}", orm_support::chain(&*source));
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
    assert_eq!(adapter.load_peers().await.unwrap(), vec![old.clone()]);
    assert_eq!(
        adapter.get_peer_by_username("old_five").await.unwrap(),
        Some(old.clone())
    );
    assert_eq!(
        adapter.get_peer_by_username("new_five").await.unwrap(),
        None
    );
    assert_eq!(adapter.get_peer_by_username("alt_1").await.unwrap(), None);
    assert_eq!(adapter.get_peer(1).await.unwrap(), None);
    // The adapter is still usable and the same batch without the bad peer
    // goes through.
    batch.pop();
    adapter.save_peers(&batch).await.unwrap();
    assert_eq!(adapter.load_peers().await.unwrap().len(), 2_500);
    orm_support::purge(&adapter).await;
}

/// A peer the server refuses once [`reject_trigger`] is installed (a
/// longer-than-allowed username is refused by the library before anything
/// reaches the server, so it cannot show what the server's failure does).
fn rejected_peer() -> Peer {
    let mut p = peer(1_000_000);
    p.username = "Reject_Me".into();
    p
}

/// A trigger of the test's own that makes the server refuse the username
/// `reject_me` of `session`, and the statements that drop it.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn reject_trigger(backend: DbBackend, session: &str) -> (Vec<String>, Vec<String>) {
    let name = format!(
        "test_reject_{}",
        session.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let when = format!("NEW.session_name = '{session}' AND NEW.username_normalized = 'reject_me'");
    if backend == DbBackend::Postgres {
        (
            vec![
                format!(
                    "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF {when} THEN RAISE EXCEPTION 'rejected by the test trigger'; END IF; \
                     RETURN NEW; END $$"
                ),
                format!(
                    "CREATE TRIGGER {name} BEFORE INSERT ON mtgo_peer_usernames \
                     FOR EACH ROW EXECUTE FUNCTION {name}()"
                ),
            ],
            vec![
                format!("DROP TRIGGER {name} ON mtgo_peer_usernames"),
                format!("DROP FUNCTION {name}()"),
            ],
        )
    } else {
        (
            vec![format!(
                "CREATE TRIGGER {name} BEFORE INSERT ON mtgo_peer_usernames FOR EACH ROW \
                 BEGIN IF {when} THEN \
                 SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'rejected by the test trigger'; \
                 END IF; END"
            )],
            vec![format!("DROP TRIGGER {name}")],
        )
    }
}

/// Dedup keys and durable update ids longer than the 255-character key
/// columns are rejected alike on every database (MySQL's `INSERT IGNORE`
/// would otherwise truncate them silently); 255 characters are fine.
async fn long_keys_rejected(adapter: OrmAdapter) {
    let u = adapter.update_state().unwrap();
    let ok = "k".repeat(255);
    let long = "\u{e9}".repeat(256);
    assert!(u.insert_dedup_key(&ok, 1).await.unwrap());
    assert!(u.has_dedup_key(&ok).await.unwrap());
    assert!(matches!(
        u.insert_dedup_key(&long, 1).await,
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        u.has_dedup_key(&long).await,
        Err(Error::InvalidInput { .. })
    ));
    let update = DurableUpdate {
        id: long,
        ..DurableUpdate::default()
    };
    assert!(matches!(
        u.enqueue_update(&update).await,
        Err(Error::InvalidInput { .. })
    ));
    assert!(u.load_updates(10).await.unwrap().is_empty());
}

/// Every entity of `mtgo-storage-entity` reads rows the adapter wrote on the
/// migrated schema (column names and types agree).
async fn entities_match_schema(adapter: OrmAdapter) {
    let name = adapter.session_name().to_owned();
    adapter
        .save_session(&fixtures::full_session())
        .await
        .unwrap();
    adapter.save_peer(&fixtures::full_peer(9)).await.unwrap();
    adapter
        .conversations()
        .unwrap()
        .save_conversation(&Conversation {
            chat_id: 1,
            user_id: 2,
            name: "c".into(),
            step: 3,
            data: vec![0, 255],
            ..Conversation::default()
        })
        .await
        .unwrap();
    adapter
        .dc_auth()
        .unwrap()
        .save_dc_auth(&DcAuth {
            dc_id: 4,
            auth_key: fixtures::auth_key(4),
            server_salt: -1,
            port: 443,
            server_addr: "::1".into(),
            ..DcAuth::default()
        })
        .await
        .unwrap();
    let u = adapter.update_state().unwrap();
    u.save_update_state(&UpdateState::default()).await.unwrap();
    u.save_channel_pts(7, 8).await.unwrap();
    u.insert_dedup_key("k", 1).await.unwrap();
    u.enqueue_update(&DurableUpdate {
        id: "q".into(),
        payload: vec![9],
        ..DurableUpdate::default()
    })
    .await
    .unwrap();

    let db = adapter.connection();
    macro_rules! count {
        ($m:ident) => {
            entity::$m::Entity::find()
                .filter(entity::$m::Column::SessionName.eq(name.as_str()))
                .all(db)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", stringify!($m)))
                .len()
        };
    }
    assert_eq!(count!(sessions), 1);
    assert_eq!(count!(peers), 1);
    assert_eq!(count!(peer_usernames), 3, "main and two additional");
    assert_eq!(count!(conversations), 1);
    assert_eq!(count!(dc_auth), 1);
    assert_eq!(count!(update_state), 1);
    assert_eq!(count!(channel_state), 1);
    assert_eq!(count!(update_dedup), 1);
    assert_eq!(count!(durable_updates), 1);
    let stored = entity::peers::Entity::find_by_id((name.clone(), 9))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.phone_normalized, "15550000009");
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;

    /// An adapter on a new file, and the folder that holds it (removed
    /// when dropped at the end of the test).
    async fn file() -> (OrmAdapter, tempfile::TempDir) {
        let (adapter, _, dir) = orm_support::sqlite_file().await;
        (adapter.with_session(&unique_session_name("sqlite")), dir)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn save_peers_100k() {
        let (adapter, _dir) = file().await;
        save_100k(adapter).await;
    }

    /// SQLite does not enforce `VARCHAR(255)`, so a trigger (on this test's
    /// own file) rejects one username of the last chunk.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn failed_batch_leaves_nothing_written() {
        let (adapter, _dir) = file().await;
        adapter
            .connection()
            .execute_unprepared(
                "CREATE TRIGGER test_reject BEFORE INSERT ON mtgo_peer_usernames \
                 WHEN NEW.username_normalized = 'reject_me' \
                 BEGIN SELECT RAISE(ABORT, 'rejected by the test trigger'); END",
            )
            .await
            .unwrap();
        failed_batch_writes_nothing(adapter, rejected_peer()).await;
    }

    #[tokio::test]
    async fn long_keys_are_rejected() {
        let (adapter, _dir) = file().await;
        long_keys_rejected(adapter).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entities_match_migrated_schema() {
        let (adapter, _dir) = file().await;
        entities_match_schema(adapter).await;
        let memory = mtgo_storage::orm::sqlite::memory().await.unwrap();
        entities_match_schema(memory.with_session("memory")).await;
    }

    /// `OrmAdapter::new` takes an application's connection as it is: no
    /// tables until `migrate()` is called; migrating twice is fine.
    #[tokio::test]
    async fn new_does_not_migrate_until_asked() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let adapter = OrmAdapter::new(db);
        assert!(matches!(
            adapter.load_session().await,
            Err(Error::Backend {
                backend: "sqlite",
                ..
            })
        ));
        adapter.migrate().await.unwrap();
        adapter.migrate().await.unwrap();
        assert_eq!(adapter.load_session().await.unwrap(), None);
        adapter.save_peer(&peer(3)).await.unwrap();
        assert_eq!(adapter.get_peer(3).await.unwrap(), Some(peer(3)));
    }
}

/// The cases every server database runs, in a module whose `adapter()`
/// gives a migrated adapter (or `None` when the service is skipped) and
/// whose `purge_on_drop(&adapter)` deletes the adapter's rows when dropped.
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! server_cases {
    () => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn save_peers_100k() {
            if let Some(a) = adapter().await {
                let _purge = purge_on_drop(&a);
                save_100k(a).await;
            }
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn failed_batch_leaves_nothing_written() {
            if let Some(a) = adapter().await {
                let _purge = purge_on_drop(&a);
                let backend = a.connection().get_database_backend();
                let (create, drop) = reject_trigger(backend, a.session_name());
                for sql in &create {
                    a.connection().execute_unprepared(sql).await.unwrap();
                }
                let conn = a.connection().clone();
                failed_batch_writes_nothing(a, rejected_peer()).await;
                for sql in &drop {
                    conn.execute_unprepared(sql).await.unwrap();
                }
            }
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn entities_match_migrated_schema() {
            if let Some(a) = adapter().await {
                let _purge = purge_on_drop(&a);
                entities_match_schema(a).await;
            }
        }

        #[tokio::test]
        async fn long_keys_are_rejected() {
            if let Some(a) = adapter().await {
                let _purge = purge_on_drop(&a);
                long_keys_rejected(a).await;
            }
        }
    };
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;

    async fn adapter() -> Option<OrmAdapter> {
        orm_support::postgres(unique_session_name("pg")).await
    }

    fn purge_on_drop(a: &OrmAdapter) -> purge_support::OnDrop {
        purge_support::OnDrop::new(orm_support::purge_prefix_later(
            orm_support::postgres_url(),
            a.session_name().to_owned(),
        ))
    }

    server_cases!();

    /// With autovacuum off, statistics taken while a session was absent
    /// (`ANALYZE` of two small sessions) make PostgreSQL expect one row for
    /// a big session written afterwards. The lookups must keep their plans:
    /// the join of peers and usernames this replaced walked every peer of
    /// the big session times every username of it (minutes), and a lookup
    /// by id took the phone index. On a database of the test's own, so the
    /// `ANALYZE` touches no other test.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lookups_stay_fast_after_analyze_of_a_small_session() {
        use sqlx::Connection;
        use std::time::Duration;
        if adapter().await.is_none() {
            return;
        }
        let admin = orm_support::postgres_url();
        let name = format!("mtgo_analyze_{}", std::process::id());
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
        let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
        let url = format!(
            "{}/{name}{}{query}",
            &base[..base.rfind('/').unwrap()],
            if query.is_empty() { "" } else { "?" }
        );
        let store = mtgo_storage::orm::postgres::open(&url).await.unwrap();
        for small in ["small-a", "small-b"] {
            let peers: Vec<Peer> = (1..=200).map(peer).collect();
            store.with_session(small).save_peers(&peers).await.unwrap();
        }
        let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("ANALYZE mtgo_peers; ANALYZE mtgo_peer_usernames")
            .execute(&mut db)
            .await
            .unwrap();
        let big = store.with_session("big");
        let peers: Vec<Peer> = (1..=20_000).map(peer).collect();
        big.save_peers(&peers).await.unwrap();
        // The oldest peers are the last a walk in `last_updated` order meets.
        // Repeated, so that sqlx's prepared statements reach PostgreSQL's
        // plan cache decisions (custom plans first, generic after five).
        for round in 0..8 {
            for id in [1, 2, 10_000, 20_000] {
                let want = Some(peer(id));
                let lookups = async {
                    assert_eq!(
                        big.get_peer_by_username(&format!("alt_{id}"))
                            .await
                            .unwrap(),
                        want
                    );
                    assert_eq!(big.get_peer(id).await.unwrap(), want);
                    assert_eq!(
                        big.get_peer_by_phone(&format!("1555{id:07}"))
                            .await
                            .unwrap(),
                        want
                    );
                };
                tokio::time::timeout(Duration::from_secs(5), lookups)
                    .await
                    .unwrap_or_else(|_| {
                        panic!("round {round}: lookups of peer {id} took over 5 s")
                    });
            }
        }
        store.close().await.unwrap();
        drop(db);
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut c)
        .await
        .unwrap();
    }

    /// `migrate` waits while another session (another process) holds the
    /// advisory migration lock, and finishes once it is released.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn migrate_waits_for_the_database_lock() {
        use sqlx::Connection;
        let Some(a) = adapter().await else { return };
        let mut other = sqlx::PgConnection::connect(&orm_support::postgres_url())
            .await
            .unwrap();
        let key = mtgo_storage::orm::PG_MIGRATION_LOCK;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(key)
            .execute(&mut other)
            .await
            .unwrap();
        let task = tokio::spawn(async move { a.migrate().await });
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(!task.is_finished(), "migrate did not wait for the lock");
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .execute(&mut other)
            .await
            .unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(30), task)
            .await
            .expect("migrate finishes once the lock is free")
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn open_url_dispatches_on_scheme() {
        if adapter().await.is_some() {
            let url = orm_support::postgres_url();
            let a = OrmAdapter::open(&url).await.unwrap();
            assert_eq!(a.backend_name(), "postgres");
            let alt = url.replacen("postgres://", "postgresql://", 1);
            assert_eq!(
                OrmAdapter::open(&alt).await.unwrap().backend_name(),
                "postgres"
            );
        }
    }
}

#[cfg(feature = "mysql")]
mod mariadb {
    use super::*;

    async fn adapter() -> Option<OrmAdapter> {
        orm_support::mysql(unique_session_name("my")).await
    }

    fn purge_on_drop(a: &OrmAdapter) -> purge_support::OnDrop {
        purge_support::OnDrop::new(orm_support::purge_prefix_later(
            orm_support::mysql_url(),
            a.session_name().to_owned(),
        ))
    }

    server_cases!();

    /// The tables compare strings byte for byte (`utf8mb4_bin`), not through
    /// the server's case- and accent-insensitive default collation.
    #[tokio::test]
    async fn tables_use_the_binary_collation() {
        let Some(a) = adapter().await else { return };
        let rows = a
            .connection()
            .query_all_raw(Statement::from_string(
                DbBackend::MySql,
                "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'mtgo\\_%' \
                 AND TABLE_NAME <> 'mtgo_seaql_migrations'",
            ))
            .await
            .unwrap();
        assert!(rows.len() >= 9, "{} mtgo_ tables", rows.len());
        for r in rows {
            let table: String = r.try_get_by_index(0).unwrap();
            let collation: String = r.try_get_by_index(1).unwrap();
            assert_eq!(collation, "utf8mb4_bin", "{table}");
        }
    }

    /// `migrate` waits while another session (another process) holds the
    /// named migration lock, and finishes once it is released.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn migrate_waits_for_the_database_lock() {
        use sqlx::Connection;
        let Some(a) = adapter().await else { return };
        let mut other = sqlx::MySqlConnection::connect(&orm_support::mysql_url())
            .await
            .unwrap();
        let name = mtgo_storage::orm::MYSQL_MIGRATION_LOCK;
        sqlx::query("SELECT GET_LOCK(?, 10)")
            .bind(name)
            .execute(&mut other)
            .await
            .unwrap();
        let task = tokio::spawn(async move { a.migrate().await });
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(!task.is_finished(), "migrate did not wait for the lock");
        sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(name)
            .execute(&mut other)
            .await
            .unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(30), task)
            .await
            .expect("migrate finishes once the lock is free")
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn open_url_dispatches_on_scheme() {
        if adapter().await.is_some() {
            let url = orm_support::mysql_url();
            assert_eq!(
                OrmAdapter::open(&url).await.unwrap().backend_name(),
                "mysql"
            );
            let alt = url.replacen("mysql://", "mariadb://", 1);
            assert_eq!(
                OrmAdapter::open(&alt).await.unwrap().backend_name(),
                "mysql"
            );
        }
    }
}

/// A URL of an unknown database is invalid input, not a panic.
#[tokio::test]
async fn open_rejects_unknown_scheme() {
    match OrmAdapter::open("oracle://scott@tiger/db").await {
        Err(Error::InvalidInput { what, .. }) => assert_eq!(what, "database url"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}
