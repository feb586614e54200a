//! `mtgo-storage go-import` from the Go package's Redis and MongoDB stores.
//! The Go data is written as the Go adapters leave it: JSON documents of
//! the Go structs (`encoding/json`: `[]byte` as base64, `omitempty`
//! honoured) under `prefix:session:kind` keys in Redis, and in MongoDB the
//! BSON the Go driver encodes (`int` as Int32 when it fits, `int64` as
//! Int64, `[]byte` as binary) as the server stores it after Go's
//! replace-upserts. Each test has its own key prefix or database.

mod cli_support;
mod mongo_support;
mod purge_support;

use bson::{Binary, Bson, doc, spec::BinarySubtype};
use cli_support::{fails, ok, open, purge, run, service, session_name, sqlite_url, with_path};
use mtgo_storage::conformance::unavailable;
use mtgo_storage::{Adapter, Conversation, DurableUpdate, PeerType, UpdateState};

fn auth_key() -> Vec<u8> {
    (0..=255u8).rev().collect()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The Go keys and JSON values of two sessions under `prefix`.
fn go_redis_keys(prefix: &str, alice: &str, bob: &str) -> Vec<(String, String)> {
    let k = |s: &str, rest: &str| format!("{prefix}:{s}:{rest}");
    vec![
        (
            k(alice, "session"),
            format!(
                r#"{{"session_id":"{alice}","dc":2,"api_id":12345,"api_hash":"0123456789abcdef0123456789abcdef","test_mode":false,"auth_key":"{}","state":"AQID","user_id":777000111,"is_bot":false,"first_name":"Alice","last_name":"Go","username":"alice_go","date":1700000000,"addr":"149.154.167.51","port":443}}"#,
                b64(&auth_key())
            ),
        ),
        (
            k(alice, "peer:101"),
            r#"{"id":101,"type":0,"access_hash":707,"username":"Alice_Example","usernames":"alice_collectible, @AliceToo","first_name":"first 101","last_name":"","phone_number":"+1 555-0100","photo_id":5,"language":"en","last_updated":1700000101}"#.into(),
        ),
        (k(alice, "peer_uname:Alice_Example"), "101".into()),
        (
            k(alice, "peer:-1000000303"),
            r#"{"id":-1000000303,"type":2,"access_hash":-7000002121,"username":"news_channel","first_name":"News","last_name":"","last_updated":1700000303}"#.into(),
        ),
        (
            k(alice, "conv:1:101"),
            r#"{"chat_id":1,"user_id":101,"name":"flow1","step":2,"data":"AgI=","created_at":1600000000,"updated_at":1600000500}"#.into(),
        ),
        (
            k(alice, "update_state"),
            format!(r#"{{"session_id":"{alice}","pts":10,"qts":20,"date":30,"seq":40}}"#),
        ),
        (
            k(alice, "ch_pts:-1000000303"),
            format!(r#"{{"session_id":"{alice}","channel_id":-1000000303,"pts":55}}"#),
        ),
        (k(alice, "dedup:k1"), "1".into()),
        (k(alice, "dedup:k:2"), "1".into()),
        (
            k(alice, "durable:u-1"),
            format!(
                r#"{{"session_id":"{alice}","id":"u-1","payload":"dS0x","attempts":0,"last_error":"","created_at":5,"updated_at":6}}"#
            ),
        ),
        (
            k(alice, "durable:u-2"),
            format!(
                r#"{{"session_id":"{alice}","id":"u-2","payload":"dS0y","attempts":3,"last_error":"boom","created_at":6,"updated_at":7}}"#
            ),
        ),
        (
            k(bob, "session"),
            format!(
                r#"{{"session_id":"{bob}","dc":4,"api_id":1,"api_hash":"","test_mode":true,"auth_key":null,"state":null,"user_id":5,"is_bot":true,"first_name":"","last_name":"","username":"","date":0,"addr":"","port":80}}"#
            ),
        ),
    ]
}

async fn redis_conn() -> Option<redis::aio::MultiplexedConnection> {
    let url = service("redis");
    let client = redis::Client::open(url.as_str()).expect("redis url");
    match client.get_multiplexed_async_connection().await {
        Ok(c) => Some(c),
        Err(e) => unavailable("redis", &e),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn go_redis_keys_are_imported_and_ours_never_collide() {
    let Some(mut conn) = redis_conn().await else {
        return;
    };
    let prefix = session_name("goredis");
    let (alice, bob) = (session_name("alice"), session_name("bob"));
    let keys = go_redis_keys(&prefix, &alice, &bob);
    for (k, v) in &keys {
        let _: () = redis::AsyncCommands::set(&mut conn, k, v).await.unwrap();
    }
    let from = service("redis");
    let out = ok(&[
        "go-import",
        "--from",
        &from,
        "--to",
        "memory:",
        "--prefix",
        &prefix,
        "--dry-run",
    ]);
    assert!(
        out.contains(&format!("would import session {alice}: sessions=1 peers=2 conversations=1 dc_auth=0 update_state=1 channel_pts=1 queued_updates=2 dedup_keys=2")),
        "{out}"
    );
    // Into the same Redis: our keys (`mtgo:{session}:…`) sit beside Go's.
    let r = run(&[
        "go-import",
        "--from",
        &from,
        "--to",
        &from,
        "--prefix",
        &prefix,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("imported sessions=2 peers=2 "),
        "{}",
        r.stdout
    );
    let dst = open("redis", &from).await.unwrap();
    let a = dst.session(&alice);
    let s = a.load_session().await.unwrap().expect("session");
    assert_eq!((s.dc, s.port, s.state.clone()), (2, 443, vec![1, 2, 3]));
    assert_eq!(s.auth_key.map(|k| k.as_bytes().to_vec()), Some(auth_key()));
    for lookup in ["alice_example", "@alicetoo", "ALICE_COLLECTIBLE"] {
        assert_eq!(
            a.get_peer_by_username(lookup).await.unwrap().map(|p| p.id),
            Some(101)
        );
    }
    assert_eq!(
        a.get_peer_by_phone("+15550100")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(101)
    );
    let channel = a.get_peer(-1_000_000_303).await.unwrap().expect("channel");
    assert_eq!(
        (channel.peer_type, channel.access_hash),
        (PeerType::Channel, -7_000_002_121)
    );
    let conv = a
        .conversations()
        .unwrap()
        .load_conversation(1, 101)
        .await
        .unwrap();
    assert_eq!(
        conv,
        Some(Conversation {
            chat_id: 1,
            user_id: 101,
            name: "flow1".into(),
            step: 2,
            data: vec![2, 2],
            created_at: 1_600_000_000,
            updated_at: 1_600_000_500,
        })
    );
    let u = a.update_state().unwrap();
    assert_eq!(
        u.load_update_state().await.unwrap(),
        Some(UpdateState {
            pts: 10,
            qts: 20,
            date: 30,
            seq: 40
        })
    );
    assert_eq!(u.load_channel_pts(-1_000_000_303).await.unwrap(), Some(55));
    assert!(u.has_dedup_key("k1").await.unwrap() && u.has_dedup_key("k:2").await.unwrap());
    let queue = u.load_updates(10).await.unwrap();
    assert_eq!(
        queue[1],
        DurableUpdate {
            id: "u-2".into(),
            payload: b"u-2".to_vec(),
            created_at: 6,
            attempts: 3,
            last_error: Some("boom".into()),
        }
    );
    let b = dst
        .session(&bob)
        .load_session()
        .await
        .unwrap()
        .expect("bob");
    assert_eq!(
        (b.dc, b.auth_key, b.test_mode, b.is_bot),
        (4, None, true, true)
    );

    // The Go keys are untouched.
    for (k, v) in &keys {
        let now: Option<String> = redis::AsyncCommands::get(&mut conn, k).await.unwrap();
        assert_eq!(now.as_deref(), Some(v.as_str()), "{k}");
    }
    // A malformed Go document is named, and nothing is written.
    let bad = format!("{prefix}:{bob}:peer:9");
    let _: () = redis::AsyncCommands::set(&mut conn, &bad, r#"{"id":9,"type":7}"#)
        .await
        .unwrap();
    let (to, _dir) = sqlite_url();
    let line = fails(&[
        "go-import",
        "--from",
        &from,
        "--to",
        &to,
        "--prefix",
        &prefix,
    ]);
    assert!(line.contains(&bad) && line.contains("type 7"), "{line}");
    assert!(!std::path::Path::new(to.strip_prefix("sqlite://").unwrap()).exists());

    for name in [&alice, &bob] {
        purge(dst.session(name).as_ref()).await;
    }
    let mut all: Vec<String> = keys.into_iter().map(|(k, _)| k).collect();
    all.push(bad);
    let _: () = redis::AsyncCommands::del(&mut conn, all).await.unwrap();
}

/// What the Go MongoDB adapter leaves in a database: one session document,
/// peers keyed by `_id`, and the documents its replace-upserts insert
/// without their key fields.
async fn seed_go_mongo(db: &mongodb::Database) {
    let bin = |b: &[u8]| {
        Bson::Binary(Binary {
            subtype: BinarySubtype::Generic,
            bytes: b.to_vec(),
        })
    };
    let coll = |n: &str| db.collection::<bson::Document>(n);
    coll("sessions")
        .insert_one(doc! {
            "api_id": 12345_i32, "api_hash": "0123456789abcdef0123456789abcdef",
            "test_mode": 0_i32, "auth_key": bin(&auth_key()), "state": bin(&[1, 2, 3]),
            "user_id": 777_000_111_i64, "is_bot": 0_i32, "first_name": "Alice",
            "last_name": "Go", "username": "alice_go", "date": 1_700_000_000_i32,
            "server_address": "149.154.167.51", "port": 443_i32,
        })
        .await
        .unwrap();
    coll("peers")
        .insert_many([
            doc! {
                "_id": 101_i64, "type": 0_i32, "access_hash": 707_i64,
                "username": "Alice_Example", "usernames": "alice_collectible, @AliceToo",
                "first_name": "first 101", "last_name": "", "phone_number": "+1 555-0100",
                "is_bot": 0_i32, "photo_id": 5_i64, "language": "en", "last_updated": 1_700_000_101_i64,
            },
            doc! {
                "_id": -1_000_000_303_i64, "type": 2_i32, "access_hash": -7_i64,
                "username": "news_channel", "usernames": "", "first_name": "News",
                "last_name": "", "phone_number": "", "is_bot": 0_i32, "photo_id": 0_i64,
                "language": "", "last_updated": 1_700_000_303_i64,
            },
        ])
        .await
        .unwrap();
    coll("conversations")
        .insert_one(doc! {
            "name": "flow1", "step": 2_i32, "data": bin(&[2, 2]),
            "created_at": 1_600_000_000_i64, "updated_at": 1_600_000_500_i64,
        })
        .await
        .unwrap();
    coll("update_state")
        .insert_one(doc! { "pts": 10_i32, "qts": 20_i32, "date": 30_i32, "seq": 40_i32, "updated_at": 9_i64 })
        .await
        .unwrap();
    coll("update_dedup")
        .insert_one(doc! { "created_at": 1_700_000_001_i64 })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn go_mongo_database_is_refused_by_our_adapter_and_imported() {
    let name = mongo_support::unique_db("gomongo");
    let client = match mongodb::Client::with_uri_str(mongo_support::url()).await {
        Ok(c) => c,
        Err(e) => {
            unavailable::<()>("mongodb", &e);
            return;
        }
    };
    let db = client.database(&name);
    if let Err(e) = db.run_command(doc! { "ping": 1 }).await {
        unavailable::<()>("mongodb", &e);
        return;
    }
    seed_go_mongo(&db).await;

    // Point 4: our adapter refuses the Go collections instead of indexing them.
    match mtgo_storage::mongo::open(&mongo_support::url(), &name).await {
        Err(mtgo_storage::Error::GoStore { found }) => {
            assert!(found.contains("collection"), "{found}")
        }
        other => panic!("expected GoStore, got {other:?}"),
    }
    let from = with_path(&mongo_support::url(), &name);
    let line = fails(&["peers", "--from", &from]);
    assert!(line.contains("go-import"), "{line}");

    let (to, _dir) = sqlite_url();
    let r = run(&[
        "go-import",
        "--from",
        &from,
        "--to",
        &to,
        "--session",
        "dave",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("imported sessions=1 peers=2 conversations=0 dc_auth=0 update_state=0"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("not carried: collection conversations")
            && r.stderr.contains("no chat_id, user_id")
            && r.stderr.contains("not carried: collection update_state"),
        "{}",
        r.stderr
    );
    let dst = open("sqlite", &to).await.unwrap();
    let d = dst.session("dave");
    let s = d.load_session().await.unwrap().expect("session");
    assert_eq!(
        (s.dc, s.api_id, s.port, s.date),
        (0, 12345, 443, 1_700_000_000)
    );
    assert_eq!(s.auth_key.map(|k| k.as_bytes().to_vec()), Some(auth_key()));
    assert_eq!(
        d.get_peer_by_username("alicetoo")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(101)
    );
    assert_eq!(
        d.get_peer_by_phone("15550100").await.unwrap().map(|p| p.id),
        Some(101)
    );
    dst.close().await.unwrap();
    // The source is unchanged (no index of ours, same documents).
    let peers = db.collection::<bson::Document>("peers");
    assert_eq!(peers.count_documents(doc! {}).await.unwrap(), 2);
    let indexes = peers.list_index_names().await.unwrap();
    assert_eq!(indexes, ["_id_"]);
    db.drop().await.unwrap();
}
