//! Forward migrations keep what was stored: a database at the schema before
//! the grammers columns (peers' unknown fields, DCs' IPv6 address), filled
//! with rows of every table, is migrated up, and every row reads back
//! unchanged through the adapter, on SQLite, PostgreSQL and MariaDB. The
//! new columns then round-trip, and the two migrations go down and up again.

mod cli_support;
mod own_database;

use mtgo_storage::orm::{Migrator, MigratorTrait, OrmAdapter};
use mtgo_storage::{
    Adapter, AuthKey, ChannelKind, ChannelState, Conversation, DcAuth, DedupKey, DurableUpdate,
    Peer, PeerStore, PeerType, Session, SessionStore, UpdateState,
};
use own_database::Db;
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// The migrations before the grammers columns.
const BEFORE: u32 = 9;
/// The migrations this test is about.
const GRAMMERS_MIGRATIONS: u32 = 2;
/// The migrations after them (session leases, temporary keys and salts:
/// new tables, see `schema_upgrade_lifecycle.rs`; the peers' min flag and
/// the reference messages, see `schema_upgrade_min_peers.rs`; the NO PAD key
/// collation, see `schema_upgrade_nopad.rs`).
const LATER_MIGRATIONS: u32 = 5;

const SESSION: &str = "upgrade";

/// The peers as the old schema holds them: every old column set.
fn old_peers() -> Vec<Peer> {
    vec![
        Peer {
            id: 1_001,
            peer_type: PeerType::User,
            access_hash: -77,
            username: "Old_User".into(),
            usernames: vec!["second_name".into()],
            first_name: "Ünïcode".into(),
            last_name: "Last".into(),
            phone_number: "+1 555 0100".into(),
            is_bot: true,
            photo_id: 9,
            language: "de".into(),
            last_updated: 1_700_000_000,
            ..Peer::default()
        },
        Peer {
            id: -1_000_000_000_123,
            peer_type: PeerType::Channel,
            access_hash: i64::MAX,
            username: "old_channel".into(),
            first_name: "A channel".into(),
            last_updated: 1_700_000_001,
            ..Peer::default()
        },
    ]
}

fn old_dc_auth() -> Vec<DcAuth> {
    vec![
        DcAuth {
            dc_id: 2,
            auth_key: AuthKey::new(vec![2; 256]),
            server_salt: -5,
            port: 443,
            server_addr: "149.154.167.51".into(),
            ..DcAuth::default()
        },
        DcAuth {
            dc_id: 4,
            auth_key: AuthKey::new(vec![4; 256]),
            server_salt: 6,
            port: 80,
            server_addr: "2001:67c:4e8:f004::a".into(),
            ..DcAuth::default()
        },
    ]
}

fn session() -> Session {
    Session {
        name: SESSION.into(),
        dc: 2,
        api_id: 6,
        api_hash: "hash".into(),
        auth_key: Some(AuthKey::new(vec![2; 256])),
        user_id: 1_001,
        addr: "149.154.167.51".into(),
        port: 443,
        ..Session::default()
    }
}

fn conversation() -> Conversation {
    Conversation {
        chat_id: 5,
        user_id: 1_001,
        name: "form".into(),
        step: 2,
        data: vec![1, 2, 3],
        created_at: 10,
        updated_at: 20,
    }
}

/// Writes the peers and DC rows with the old columns only (the entity crate
/// has the new ones, so these inserts name the old columns themselves).
async fn insert_old_rows(conn: &DatabaseConnection) {
    for p in old_peers() {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("mtgo_peers"))
            .columns(
                [
                    "session_name",
                    "id",
                    "peer_type",
                    "access_hash",
                    "username",
                    "usernames",
                    "first_name",
                    "last_name",
                    "phone_number",
                    "phone_normalized",
                    "is_bot",
                    "photo_id",
                    "language",
                    "last_updated",
                ]
                .map(Alias::new),
            )
            .values_panic([
                SESSION.into(),
                p.id.into(),
                p.peer_type.as_i32().into(),
                p.access_hash.into(),
                p.username.clone().into(),
                serde_json::to_string(&p.usernames).unwrap().into(),
                p.first_name.clone().into(),
                p.last_name.clone().into(),
                p.phone_number.clone().into(),
                p.normalized_phone().into(),
                p.is_bot.into(),
                p.photo_id.into(),
                p.language.clone().into(),
                p.last_updated.into(),
            ]);
        conn.execute(&insert).await.unwrap();
        for name in p.normalized_usernames() {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new("mtgo_peer_usernames"))
                .columns(["session_name", "username_normalized", "peer_id"].map(Alias::new))
                .values_panic([SESSION.into(), name.into(), p.id.into()]);
            conn.execute(&insert).await.unwrap();
        }
    }
    for e in old_dc_auth() {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("mtgo_dc_auth"))
            .columns(
                [
                    "session_name",
                    "dc_id",
                    "auth_key",
                    "server_salt",
                    "port",
                    "server_addr",
                ]
                .map(Alias::new),
            )
            .values_panic([
                SESSION.into(),
                e.dc_id.into(),
                e.auth_key.as_bytes().to_vec().into(),
                e.server_salt.into(),
                i32::from(e.port).into(),
                e.server_addr.clone().into(),
            ]);
        conn.execute(&insert).await.unwrap();
    }
}

/// Fills every table: peers and DC rows with the old columns, the tables the
/// migrations do not touch through the adapter.
async fn fill(adapter: &OrmAdapter) {
    insert_old_rows(adapter.connection()).await;
    adapter.save_session(&session()).await.unwrap();
    let conversations = adapter.conversations().unwrap();
    conversations
        .restore_conversation(&conversation())
        .await
        .unwrap();
    let updates = adapter.update_state().unwrap();
    let state = UpdateState {
        pts: 1,
        qts: 2,
        date: 3,
        seq: 4,
    };
    updates.save_update_state(&state).await.unwrap();
    updates.save_channel_pts(77, 8).await.unwrap();
    updates.insert_dedup_key("k", 99).await.unwrap();
    updates
        .enqueue_update(&DurableUpdate {
            id: "u1".into(),
            payload: vec![9; 3],
            created_at: 5,
            ..DurableUpdate::default()
        })
        .await
        .unwrap();
}

/// Everything [`fill`] wrote reads back unchanged.
async fn check(adapter: &OrmAdapter) {
    assert_eq!(adapter.load_session().await.unwrap(), Some(session()));
    let peers = old_peers();
    for p in &peers {
        assert_eq!(adapter.get_peer(p.id).await.unwrap().as_ref(), Some(p));
        for name in p.normalized_usernames() {
            assert_eq!(
                adapter.get_peer_by_username(&name).await.unwrap().as_ref(),
                Some(p)
            );
        }
    }
    assert_eq!(
        adapter
            .get_peer_by_phone("15550100")
            .await
            .unwrap()
            .as_ref(),
        Some(&peers[0])
    );
    let mut sorted = peers.clone();
    sorted.sort_by_key(|p| p.id);
    assert_eq!(adapter.load_peers().await.unwrap(), sorted);
    let dc = adapter.dc_auth().unwrap();
    assert_eq!(dc.load_all_dc_auth().await.unwrap(), old_dc_auth());
    let conversations = adapter.conversations().unwrap();
    assert_eq!(
        conversations.load_conversations().await.unwrap(),
        vec![conversation()]
    );
    let updates = adapter.update_state().unwrap();
    assert_eq!(
        updates.load_update_state().await.unwrap(),
        Some(UpdateState {
            pts: 1,
            qts: 2,
            date: 3,
            seq: 4
        })
    );
    assert_eq!(
        updates.load_all_channel_pts().await.unwrap(),
        vec![ChannelState {
            channel_id: 77,
            pts: 8
        }]
    );
    assert_eq!(
        updates.load_dedup_keys().await.unwrap(),
        vec![DedupKey {
            key: "k".into(),
            seen_at: 99
        }]
    );
    let queued = updates.load_updates(10).await.unwrap();
    assert_eq!(
        (queued.len(), queued[0].id.as_str(), &queued[0].payload[..]),
        (1, "u1", &[9u8; 3][..])
    );
}

/// The new columns hold what they are given after the upgrade (under a
/// session name of their own, which the down migration leaves behind).
async fn new_columns_round_trip(adapter: &OrmAdapter) {
    let peer = Peer {
        access_hash_known: false,
        is_bot_known: false,
        is_self: Some(false),
        channel_kind: Some(ChannelKind::Gigagroup),
        ..Peer::new(-1_000_000_000_500, PeerType::Channel, 0)
    };
    adapter.save_peer(&peer).await.unwrap();
    assert_eq!(adapter.get_peer(peer.id).await.unwrap(), Some(peer.clone()));
    adapter.delete_peer(peer.id).await.unwrap();
    let dc = adapter.dc_auth().unwrap();
    let entry = DcAuth {
        dc_id: 9,
        server_addr: "1.2.3.4".into(),
        port: 1,
        ipv6_addr: "::1".into(),
        ipv6_port: 2,
        ..DcAuth::default()
    };
    dc.save_dc_auth(&entry).await.unwrap();
    assert_eq!(dc.load_dc_auth(9).await.unwrap(), Some(entry));
}

async fn upgrade(backend: &str) {
    let Some(db) = Db::new(backend).await else {
        return;
    };
    let total = Migrator::migrations().len() as u32;
    assert_eq!(
        total,
        BEFORE + GRAMMERS_MIGRATIONS + LATER_MIGRATIONS,
        "update this test's LATER_MIGRATIONS"
    );
    let old = db.migrate(Some(BEFORE)).await.with_session(SESSION);
    fill(&old).await;
    let conn: DatabaseConnection = old.connection().clone();
    Migrator::up(&conn, None).await.expect("migrate up");
    let adapter = OrmAdapter::open_existing(&db.url())
        .await
        .expect("open at the current schema")
        .with_session(SESSION);
    check(&adapter).await;
    new_columns_round_trip(&adapter.with_session("upgrade_new")).await;
    // Down and up again keeps the old rows too.
    Migrator::down(&conn, Some(GRAMMERS_MIGRATIONS + LATER_MIGRATIONS))
        .await
        .expect("migrate down");
    Migrator::up(&conn, None).await.expect("migrate up again");
    check(&adapter).await;
    adapter.close().await.unwrap();
    old.close().await.unwrap();
    db.drop().await;
}

#[tokio::test]
async fn sqlite_rows_survive_the_grammers_migrations() {
    upgrade("sqlite").await;
}

#[tokio::test]
async fn postgres_rows_survive_the_grammers_migrations() {
    upgrade("postgres").await;
}

#[tokio::test]
async fn mariadb_rows_survive_the_grammers_migrations() {
    upgrade("mysql").await;
}
