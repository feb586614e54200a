//! Forward migrations keep what was stored: a database at the schema before
//! the peers' min flag (`m20261203_100001_peer_min`) and the reference
//! messages (`m20261203_100002_create_peer_references`), filled with rows
//! of every table (peers with every unknown field), is migrated up; every
//! other table is unchanged, every row reads back through the adapter as
//! before (the old peers as full peers, `min` false), on SQLite, PostgreSQL
//! and MariaDB. The migrations then go down and up again without touching
//! the old rows; an old peer behaves as a full one (a min peer saved over
//! it keeps its access hash and phone), and references work.

mod cli_support;
mod old_schema;
mod own_database;

use cli_support::{assert_same, seed_except_peers};
use mtgo_storage::orm::{Migrator, MigratorTrait, OrmAdapter};
use mtgo_storage::{Adapter, ChannelKind, MemoryAdapter, Peer, PeerReference, PeerStore, PeerType};
use own_database::Db;
use sea_orm::DatabaseConnection;

/// The migrations before the ones this test is about.
const BEFORE: u32 = 13;
/// The peers' min flag; the reference messages.
const NEW_MIGRATIONS: u32 = 2;
/// The migrations after them (the NO PAD key collation, see
/// `schema_upgrade_nopad.rs`).
const LATER_MIGRATIONS: u32 = 1;

const SESSION: &str = "upgrade";

/// Peers as the old schema holds them, with every unknown field varied.
fn old_peers() -> Vec<Peer> {
    vec![
        Peer {
            username: "Old_User".into(),
            usernames: vec!["second_name".into()],
            first_name: "Ünïcode".into(),
            phone_number: "+1 555 0100".into(),
            is_bot_known: false,
            is_self: Some(false),
            last_updated: 1_700_000_000,
            ..Peer::new(1_001, PeerType::User, -77)
        },
        Peer {
            access_hash_known: false,
            is_self: Some(true),
            last_updated: 1_700_000_002,
            ..Peer::new(1_002, PeerType::User, 0)
        },
        Peer {
            username: "old_channel".into(),
            first_name: "A channel".into(),
            channel_kind: Some(ChannelKind::Megagroup),
            last_updated: 1_700_000_001,
            ..Peer::new(-1_000_000_000_123, PeerType::Channel, i64::MAX)
        },
        Peer::new(-5, PeerType::Chat, 0),
    ]
}

/// Every `mtgo_` table but the migrations' bookkeeping, with its digest.
async fn tables(db: &Db) -> Vec<(String, String)> {
    db.snapshot()
        .await
        .into_iter()
        .filter(|(t, _)| t.starts_with("mtgo_") && t != "mtgo_seaql_migrations")
        .collect()
}

/// The old peers read back as full peers, by id and username.
async fn old_peers_are_full(adapter: &OrmAdapter) {
    for p in old_peers() {
        let got = adapter.get_peer(p.id).await.unwrap().expect("old peer");
        assert!(!got.min, "old peer {} reads back as min", p.id);
        assert_eq!(got, p);
        for name in p.normalized_usernames() {
            assert_eq!(
                adapter.get_peer_by_username(&name).await.unwrap(),
                Some(p.clone())
            );
        }
    }
}

async fn upgrade(backend: &str) {
    let Some(db) = Db::new(backend).await else {
        return;
    };
    let total = Migrator::migrations().len() as u32;
    assert_eq!(
        total,
        BEFORE + NEW_MIGRATIONS + LATER_MIGRATIONS,
        "update this test's BEFORE"
    );
    let old = db.migrate(Some(BEFORE)).await.with_session(SESSION);
    seed_except_peers(&old).await;
    old_schema::insert_peers_before_min(old.connection(), SESSION, &old_peers()).await;
    let oracle = MemoryAdapter::new().with_session(SESSION);
    seed_except_peers(&oracle).await;
    oracle.save_peers(&old_peers()).await.unwrap();
    let before = tables(&db).await;

    let conn: DatabaseConnection = old.connection().clone();
    Migrator::up(&conn, None).await.expect("migrate up");
    let after = tables(&db).await;
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    for table in &before {
        if table.0 != "mtgo_peers" {
            assert!(after.contains(table), "{} changed", table.0);
        }
    }
    let adapter = OrmAdapter::open_existing(&db.url())
        .await
        .expect("open at the current schema")
        .with_session(SESSION);
    assert_same(&oracle, &adapter).await;
    old_peers_are_full(&adapter).await;

    // Down and up again keeps the old rows.
    Migrator::down(&conn, Some(NEW_MIGRATIONS + LATER_MIGRATIONS))
        .await
        .expect("migrate down");
    assert_eq!(tables(&db).await, before);
    Migrator::up(&conn, None).await.expect("migrate up again");
    assert_same(&oracle, &adapter).await;
    old_peers_are_full(&adapter).await;

    // An old peer is full: a min sighting keeps its hash and phone.
    let old_user = &old_peers()[0];
    let min = Peer {
        first_name: "Seen in a group".into(),
        last_updated: old_user.last_updated + 1,
        min: true,
        ..Peer::new(old_user.id, PeerType::User, 4242)
    };
    adapter.save_peer(&min).await.unwrap();
    let kept = adapter.get_peer(old_user.id).await.unwrap().unwrap();
    assert_eq!(
        (
            kept.access_hash,
            kept.phone_number.as_str(),
            kept.min,
            kept.first_name.as_str()
        ),
        (-77, "+1 555 0100", false, "Seen in a group")
    );
    let refs = adapter.references().unwrap();
    let r = PeerReference {
        peer_id: 1_002,
        chat_id: -5,
        message_id: 9,
        seen_at: 10,
    };
    refs.save_references(&[r]).await.unwrap();
    assert_eq!(refs.latest_reference(1_002).await.unwrap(), Some(r));
    adapter.close().await.unwrap();
    old.close().await.unwrap();
    db.drop().await;
}

#[tokio::test]
async fn sqlite_rows_survive_the_min_peer_migrations() {
    upgrade("sqlite").await;
}

#[tokio::test]
async fn postgres_rows_survive_the_min_peer_migrations() {
    upgrade("postgres").await;
}

#[tokio::test]
async fn mariadb_rows_survive_the_min_peer_migrations() {
    upgrade("mysql").await;
}
