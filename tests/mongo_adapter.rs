//! What is particular to `MongoAdapter` (the shared behaviour is in
//! `conformance_mongo.rs`): indexes, typed documents, batching, the batch
//! error report, write races, error sources. Every test runs against a real
//! MongoDB-wire server (`MTGO_TEST_MONGODB_URL`) in a database of its own.

mod mongo_support;
mod purge_support;

use bson::spec::ElementType;
use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;
use mongo_support::{TestResult, chain, client, client_with, unique_db, url};
use mongodb::event::EventHandler;
use mongodb::event::command::CommandEvent;
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Database, IndexModel};
use mtgo_storage::conformance::fixtures::{auth_key, full_peer, full_session};
use mtgo_storage::mongo::{BatchWriteError, Conflict, MongoAdapter, RetryDeadlineError};
use mtgo_storage::{
    Adapter, Conversation, DcAuth, DurableUpdate, Error, Peer, PeerStore, PeerType, SessionStore,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A fresh database of the test server, dropped by [`Fresh::drop_db`].
struct Fresh {
    db: Database,
}

impl Fresh {
    async fn new(case: &str) -> Option<Self> {
        let client = client().await?;
        Some(Self {
            db: client.database(&unique_db(case)),
        })
    }

    async fn drop_db(self) {
        self.db.drop().await.expect("drop the test database");
    }
}

/// Every command the client sends: (name, command document).
type Log = Arc<Mutex<Vec<(String, Document)>>>;

/// A client on the test server that records every command it starts.
async fn recording_client() -> Option<(mongodb::Client, Log)> {
    let log: Log = Arc::default();
    let mut options = ClientOptions::parse(url()).await.expect("URL parses");
    let sink = Arc::clone(&log);
    options.command_event_handler = Some(EventHandler::callback(move |event: CommandEvent| {
        if let CommandEvent::Started(started) = event {
            sink.lock()
                .unwrap()
                .push((started.command_name, started.command));
        }
    }));
    Some((client_with(options).await?, log))
}

fn taken(log: &Log) -> Vec<(String, Document)> {
    std::mem::take(&mut *log.lock().unwrap())
}

/// The keys and uniqueness of every index of a collection, by index name.
async fn indexes(db: &Database, collection: &str) -> Vec<(String, Document, bool)> {
    let mut out: Vec<(String, Document, bool)> = db
        .collection::<Document>(collection)
        .list_indexes()
        .await
        .expect("listIndexes")
        .try_collect::<Vec<IndexModel>>()
        .await
        .expect("index list")
        .into_iter()
        .map(|m| {
            let options = m.options.unwrap_or_default();
            (
                options.name.unwrap_or_default(),
                m.keys,
                options.unique.unwrap_or(false),
            )
        })
        .filter(|(name, _, _)| name != "_id_")
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[tokio::test]
async fn open_creates_unique_session_key_indexes_idempotently() {
    let Some(fresh) = Fresh::new("indexes").await else {
        return;
    };
    let first = MongoAdapter::new(fresh.db.clone()).await.unwrap();
    let before: Vec<_> = {
        let mut all = Vec::new();
        for c in [
            "sessions",
            "peers",
            "conversations",
            "dc_auth",
            "update_state",
            "channel_state",
            "update_dedup",
            "durable_updates",
        ] {
            all.push((c, indexes(&fresh.db, c).await));
        }
        all
    };
    // Opening again (through the URL this time) is a no-op for the indexes.
    let second = mtgo_storage::mongo::open(&url(), fresh.db.name())
        .await
        .unwrap();
    for (c, want) in &before {
        assert_eq!(&indexes(&fresh.db, c).await, want, "{c} changed on reopen");
    }

    let unique = |keys: Document| (keys, true);
    let expect_unique = [
        ("sessions", doc! { "session": 1 }),
        ("peers", doc! { "session": 1, "id": 1 }),
        (
            "conversations",
            doc! { "session": 1, "chat_id": 1, "user_id": 1 },
        ),
        ("dc_auth", doc! { "session": 1, "dc_id": 1 }),
        ("update_state", doc! { "session": 1 }),
        ("channel_state", doc! { "session": 1, "channel_id": 1 }),
        ("update_dedup", doc! { "session": 1, "key": 1 }),
        ("durable_updates", doc! { "session": 1, "id": 1 }),
    ];
    for (c, keys) in expect_unique {
        let list = &before.iter().find(|(n, _)| *n == c).unwrap().1;
        assert!(
            list.iter()
                .any(|(_, k, u)| (k.clone(), *u) == unique(keys.clone())),
            "{c} lacks the unique index {keys}: {list:?}"
        );
    }
    let peers = &before.iter().find(|(n, _)| *n == "peers").unwrap().1;
    for keys in [
        doc! { "session": 1, "username_keys": 1 },
        doc! { "session": 1, "phone_key": 1 },
    ] {
        assert!(
            peers.iter().any(|(_, k, _)| *k == keys),
            "peers lacks the lookup index {keys}: {peers:?}"
        );
    }
    first.close().await.unwrap();
    second.close().await.unwrap();
    fresh.drop_db().await;
}

fn element_type(doc: &Document, key: &str) -> ElementType {
    doc.get(key)
        .unwrap_or_else(|| panic!("{key} missing in {doc}"))
        .element_type()
}

#[tokio::test]
async fn documents_are_typed_and_carry_the_session_name() {
    let Some(fresh) = Fresh::new("typed").await else {
        return;
    };
    let store = MongoAdapter::new(fresh.db.clone())
        .await
        .unwrap()
        .with_session("typed");
    let peer = full_peer(-1_000_000_000_123);
    store.save_session(&full_session()).await.unwrap();
    store.save_peer(&peer).await.unwrap();
    let conv = store.conversations().unwrap();
    conv.save_conversation(&Conversation {
        chat_id: -100_200_300_400,
        user_id: 5,
        name: "flow".into(),
        step: 3,
        data: vec![0, 1, 2, 255],
        ..Conversation::default()
    })
    .await
    .unwrap();
    store
        .dc_auth()
        .unwrap()
        .save_dc_auth(&DcAuth {
            dc_id: 4,
            auth_key: auth_key(9),
            server_salt: -9,
            port: 443,
            server_addr: "1.2.3.4".into(),
            ..DcAuth::default()
        })
        .await
        .unwrap();
    let updates = store.update_state().unwrap();
    updates
        .enqueue_update(&DurableUpdate {
            id: "u1".into(),
            payload: vec![9, 8, 7],
            created_at: 1,
            ..DurableUpdate::default()
        })
        .await
        .unwrap();
    updates.insert_dedup_key("k", 5).await.unwrap();
    updates
        .save_channel_pts(-1_001_234_567_890, 7)
        .await
        .unwrap();

    let one = |c: &'static str| {
        let db = fresh.db.clone();
        async move {
            db.collection::<Document>(c)
                .find_one(doc! {})
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("no document in {c}"))
        }
    };

    let s = one("sessions").await;
    assert_eq!(s.get_str("session").unwrap(), "typed");
    assert_eq!(element_type(&s, "auth_key"), ElementType::Binary);
    assert_eq!(element_type(&s, "state"), ElementType::Binary);
    assert_eq!(element_type(&s, "user_id"), ElementType::Int64);
    let Some(Bson::Binary(key)) = s.get("auth_key") else {
        unreachable!()
    };
    assert_eq!(key.bytes, auth_key(0).as_bytes());

    let p = one("peers").await;
    assert_eq!(p.get_str("session").unwrap(), "typed");
    for key in ["id", "access_hash", "photo_id", "last_updated"] {
        assert_eq!(element_type(&p, key), ElementType::Int64, "peer {key}");
    }
    assert_eq!(p.get_i64("id").unwrap(), peer.id);
    assert_eq!(p.get_i64("access_hash").unwrap(), peer.access_hash);
    assert_eq!(element_type(&p, "type"), ElementType::Int32);
    let keys: Vec<&str> = p
        .get_array("username_keys")
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(keys, peer.normalized_usernames());
    assert_eq!(p.get_str("phone_key").unwrap(), peer.normalized_phone());

    let c = one("conversations").await;
    assert_eq!(c.get_str("session").unwrap(), "typed");
    assert_eq!(element_type(&c, "data"), ElementType::Binary);
    for key in ["chat_id", "user_id", "created_at", "updated_at"] {
        assert_eq!(
            element_type(&c, key),
            ElementType::Int64,
            "conversation {key}"
        );
    }

    let d = one("dc_auth").await;
    assert_eq!(d.get_str("session").unwrap(), "typed");
    assert_eq!(element_type(&d, "auth_key"), ElementType::Binary);
    assert_eq!(element_type(&d, "server_salt"), ElementType::Int64);

    let u = one("durable_updates").await;
    assert_eq!(u.get_str("session").unwrap(), "typed");
    assert_eq!(element_type(&u, "payload"), ElementType::Binary);
    assert_eq!(element_type(&u, "created_at"), ElementType::Int64);

    for c in ["update_dedup", "channel_state"] {
        assert_eq!(one(c).await.get_str("session").unwrap(), "typed", "{c}");
    }
    assert_eq!(
        element_type(&one("channel_state").await, "channel_id"),
        ElementType::Int64
    );
    store.close().await.unwrap();
    fresh.drop_db().await;
}

#[tokio::test]
async fn lookups_match_normalized_fields_exactly() {
    let Some((client, log)) = recording_client().await else {
        return;
    };
    let db = client.database(&unique_db("lookups"));
    let store = MongoAdapter::new(db.clone()).await.unwrap();
    let mut peer = Peer::new(1, PeerType::User, 1);
    peer.username = "Dot.Star".into();
    peer.phone_number = "+1 (555) 000".into();
    store.save_peer(&peer).await.unwrap();
    taken(&log);

    assert_eq!(
        store.get_peer_by_username("@DOT.STAR").await.unwrap(),
        Some(peer.clone())
    );
    // A regular expression would let `.` match any character.
    assert_eq!(store.get_peer_by_username("dotxstar").await.unwrap(), None);
    assert_eq!(
        store.get_peer_by_phone("1555000").await.unwrap(),
        Some(peer)
    );
    let finds: Vec<Document> = taken(&log)
        .into_iter()
        .filter(|(name, _)| name == "find")
        .map(|(_, cmd)| cmd.get_document("filter").unwrap().clone())
        .collect();
    assert_eq!(
        finds,
        vec![
            doc! { "session": "default", "username_keys": "dot.star" },
            doc! { "session": "default", "username_keys": "dotxstar" },
            doc! { "session": "default", "phone_key": "1555000" },
        ]
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn new_on_an_application_database_leaves_its_client_open() {
    let Some(fresh) = Fresh::new("reuse").await else {
        return;
    };
    let store = MongoAdapter::new(fresh.db.clone()).await.unwrap();
    let bob = store.session("bob");
    bob.save_peer(&full_peer(3)).await.unwrap();
    store.close().await.unwrap();
    store.close().await.unwrap();
    assert!(matches!(
        bob.get_peer(3).await,
        Err(Error::Closed { backend: "mongodb" })
    ));
    // The application's client still works.
    let n = fresh
        .db
        .collection::<Document>("peers")
        .count_documents(doc! { "session": "bob" })
        .await
        .unwrap();
    assert_eq!(n, 1);
    fresh.drop_db().await;
}

fn peers(n: i64, first_id: i64) -> Vec<Peer> {
    (0..n).map(|i| full_peer(first_id + i)).collect()
}

#[tokio::test]
async fn save_peers_of_10000_takes_a_bounded_number_of_round_trips() {
    let Some((client, log)) = recording_client().await else {
        return;
    };
    let db = client.database(&unique_db("batched"));
    let store = MongoAdapter::new(db.clone()).await.unwrap();
    let batch = peers(10_000, 1);
    taken(&log);
    store.save_peers(&batch).await.unwrap();
    let commands: Vec<String> = taken(&log).into_iter().map(|(name, _)| name).collect();
    let updates = commands.iter().filter(|n| *n == "update").count();
    // 10 commands of 1,000 upserts, plus the commit.
    assert_eq!(updates, 10, "{commands:?}");
    assert!(
        commands.len() <= 12,
        "{} round trips: {commands:?}",
        commands.len()
    );
    assert!(commands.iter().any(|n| n == "commitTransaction"));
    assert_eq!(store.load_peers().await.unwrap(), batch);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn refused_batch_lists_what_failed_and_writes_nothing() {
    let Some(fresh) = Fresh::new("refused").await else {
        return;
    };
    let store = MongoAdapter::new(fresh.db.clone()).await.unwrap();
    let kept = full_peer(-5);
    store.save_peer(&kept).await.unwrap();
    // An application's own unique index the batch will break.
    fresh
        .db
        .collection::<Document>("peers")
        .create_index(
            IndexModel::builder()
                .keys(doc! { "session": 1, "first_name": 1 })
                .options(
                    IndexOptions::builder()
                        .unique(true)
                        .name("app_unique_first_name".to_owned())
                        .build(),
                )
                .build(),
        )
        .await
        .unwrap();
    // 2,500 peers: the clash is in the third `update` command, after two
    // commands of the transaction succeeded.
    let mut batch = peers(2_500, 1);
    batch[2_200].first_name = batch[3].first_name.clone();
    let mut changed_kept = kept.clone();
    changed_kept.access_hash = 1;
    batch.push(changed_kept);

    let err = store.save_peers(&batch).await.unwrap_err();
    let Error::Backend { backend, source } = &err else {
        panic!("not a backend error: {err:?}");
    };
    assert_eq!(*backend, "mongodb");
    let report = source
        .downcast_ref::<BatchWriteError>()
        .unwrap_or_else(|| panic!("source is not a BatchWriteError: {}", chain(&err)));
    assert_eq!(report.batch_len, 2_501);
    assert_eq!(report.failures.len(), 1, "{report}");
    assert_eq!(report.failures[0].peer_id, batch[2_200].id);
    assert_eq!(report.failures[0].code, 11000);
    assert!(
        report.failures[0].message.contains("app_unique_first_name"),
        "{report}"
    );
    assert!(
        chain(&err).contains(&format!("peer {}", batch[2_200].id)),
        "{}",
        chain(&err)
    );

    // Nothing of the batch was written: not the first commands, not the
    // update of the peer that existed before.
    assert_eq!(store.load_peers().await.unwrap(), vec![kept]);
    fresh.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_of_one_new_peer_store_one_value() {
    let Some(fresh) = Fresh::new("race").await else {
        return;
    };
    // Two writers on two clients (two connection pools), as two processes
    // would be.
    let a = mtgo_storage::mongo::open(&url(), fresh.db.name())
        .await
        .unwrap();
    let b = mtgo_storage::mongo::open(&url(), fresh.db.name())
        .await
        .unwrap();
    for round in 0..40i64 {
        let id = 1_000 + round;
        let write = |store: MongoAdapter, writer: i64| {
            tokio::spawn(async move {
                let mut p = full_peer(id);
                p.access_hash = writer;
                p.first_name = format!("writer {writer}");
                if round % 2 == 0 {
                    store.save_peer(&p).await
                } else {
                    // A batch: the new peer plus one of the writer's own.
                    store.save_peers(&[p, full_peer(-id - writer)]).await
                }
            })
        };
        let (ra, rb) = tokio::join!(write(a.clone(), 1), write(b.clone(), 2));
        ra.unwrap()
            .unwrap_or_else(|e| panic!("writer 1, round {round}: {}", chain(&e)));
        rb.unwrap()
            .unwrap_or_else(|e| panic!("writer 2, round {round}: {}", chain(&e)));
        let stored = a.get_peer(id).await.unwrap().expect("stored");
        assert!(
            [1, 2].contains(&stored.access_hash)
                && stored.first_name == format!("writer {}", stored.access_hash),
            "round {round}: {stored:?}"
        );
        let copies = fresh
            .db
            .collection::<Document>("peers")
            .count_documents(doc! { "session": "default", "id": id })
            .await
            .unwrap();
        assert_eq!(copies, 1, "round {round}");
    }
    a.close().await.unwrap();
    b.close().await.unwrap();
    fresh.drop_db().await;
}

/// A conflict that never clears: another client's transaction has written
/// peer 7 and stays open. A batch holding peer 7 meets a write conflict on
/// every attempt, retries until the adapter's retry deadline and then
/// reports `Error::Backend` naming the conflict, within the deadline and one
/// round trip; the default deadline is a few seconds.
#[tokio::test]
async fn a_conflict_that_never_clears_stops_at_the_retry_deadline() -> TestResult {
    let Some(fresh) = Fresh::new("deadline").await else {
        return Ok(());
    };
    let store = MongoAdapter::new(fresh.db.clone()).await?;
    assert_eq!(
        store.retry_deadline(),
        mtgo_storage::mongo::DEFAULT_RETRY_DEADLINE
    );
    assert!(store.retry_deadline() <= Duration::from_secs(10));
    // The server's time for this batch without a conflict, so that a loaded
    // machine (a slow first attempt, which the deadline does not cut off)
    // does not decide the test: the deadline is at least three such batches
    // and the slack at least two.
    let quiet = Instant::now();
    store
        .session("warm-up")
        .save_peers(&[full_peer(7), full_peer(8)])
        .await?;
    let batch = quiet.elapsed();
    let deadline = Duration::from_millis(1_500).max(batch * 3);
    let slack = Duration::from_secs(1).max(batch * 2);
    let store = store.with_retry_deadline(deadline);
    assert_eq!(store.session("other").session_name(), "other");
    assert_eq!(store.with_session("other").retry_deadline(), deadline);

    let holder = client().await.expect("the server answered a moment ago");
    let mut open_txn = holder.start_session().await?;
    open_txn.start_transaction().await?;
    holder
        .database(fresh.db.name())
        .collection::<Document>("peers")
        .insert_one(doc! { "session": "default", "id": 7i64, "holder": true })
        .session(&mut open_txn)
        .await?;

    let started = Instant::now();
    let err = store
        .save_peers(&[full_peer(7), full_peer(8)])
        .await
        .expect_err("the conflict never clears");
    let took = started.elapsed();
    let Error::Backend { backend, source } = &err else {
        panic!("not a backend error: {}", chain(&err));
    };
    assert_eq!(*backend, "mongodb");
    let gave_up = source
        .downcast_ref::<RetryDeadlineError>()
        .unwrap_or_else(|| panic!("source is not a RetryDeadlineError: {}", chain(&err)));
    assert_eq!(gave_up.conflict, Conflict::WriteConflict, "{}", chain(&err));
    assert_eq!(gave_up.deadline, deadline);
    assert!(gave_up.attempts > 1, "{}", chain(&err));
    assert!(
        chain(&err).contains("write conflict"),
        "the message names the conflict: {}",
        chain(&err)
    );
    assert!(
        took < deadline + slack,
        "gave up after {took:?}, deadline {deadline:?}, one batch {batch:?}"
    );
    assert!(took >= deadline / 2, "gave up early, after {took:?}");

    // Once the other transaction ends, the same batch goes through.
    open_txn.abort_transaction().await?;
    store.save_peers(&[full_peer(7), full_peer(8)]).await?;
    assert_eq!(store.load_peers().await?.len(), 2);
    fresh.drop_db().await;
    Ok(())
}

#[tokio::test]
async fn driver_errors_keep_their_source() -> TestResult {
    let Some(fresh) = Fresh::new("errors").await else {
        return Ok(());
    };
    // A server-side failure: an index of the adapter's name, other keys.
    fresh
        .db
        .collection::<Document>("peers")
        .create_index(
            IndexModel::builder()
                .keys(doc! { "other": 1 })
                .options(
                    IndexOptions::builder()
                        .name("session_id_unique".to_owned())
                        .build(),
                )
                .build(),
        )
        .await?;
    let err = MongoAdapter::new(fresh.db.clone()).await.unwrap_err();
    let Error::Backend { backend, source } = &err else {
        panic!("not a backend error: {err:?}");
    };
    assert_eq!(*backend, "mongodb");
    let driver = source
        .downcast_ref::<mongodb::error::Error>()
        .unwrap_or_else(|| panic!("source is not the driver's error: {}", chain(&err)));
    assert!(
        matches!(&*driver.kind, mongodb::error::ErrorKind::Command(c) if c.code == 86),
        "{driver:?}"
    );

    // No server: the driver's server selection error, as the source.
    let err = mtgo_storage::mongo::open("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300", "x")
        .await
        .unwrap_err();
    let driver = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<mongodb::error::Error>())
        .unwrap_or_else(|| panic!("no driver source: {}", chain(&err)));
    assert!(
        matches!(
            *driver.kind,
            mongodb::error::ErrorKind::ServerSelection { .. }
        ),
        "{driver:?}"
    );
    fresh.drop_db().await;
    Ok(())
}

#[tokio::test]
async fn corrupt_documents_are_reported_without_their_values() {
    let Some(fresh) = Fresh::new("corrupt").await else {
        return;
    };
    let store = MongoAdapter::new(fresh.db.clone()).await.unwrap();
    store.save_session(&full_session()).await.unwrap();
    // The auth key as an array of numbers, as a careless serializer writes it.
    let numbers: Vec<i32> = auth_key(0)
        .as_bytes()
        .iter()
        .map(|&b| i32::from(b))
        .collect();
    fresh
        .db
        .collection::<Document>("sessions")
        .update_one(
            doc! { "session": "default" },
            doc! { "$set": { "auth_key": numbers } },
        )
        .await
        .unwrap();
    let err = store.load_session().await.unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("auth_key"), "{message}");
    assert!(message.contains("array"), "{message}");
    assert!(!message.contains("255"), "the value leaked: {message}");

    // An id written as a 32-bit integer is not silently widened.
    fresh
        .db
        .collection::<Document>("peers")
        .insert_one(doc! { "session": "default", "id": 1i32 })
        .await
        .unwrap();
    let err = store.load_peers().await.unwrap_err();
    assert!(
        matches!(&err, Error::Corrupt { reason, .. } if reason.contains("`id` is int32")),
        "{err:?}"
    );
    fresh.drop_db().await;
}

#[tokio::test]
async fn save_peers_splits_commands_under_the_size_limit() {
    let Some((client, log)) = recording_client().await else {
        return;
    };
    let db = client.database(&unique_db("sized"));
    let store = MongoAdapter::new(db.clone()).await.unwrap();
    // 20 peers of about 1 MiB each: 20 MiB would not fit one command
    // (16 MiB), so the batch takes several, in one transaction.
    let batch: Vec<Peer> = (1..=20)
        .map(|i| {
            let mut p = full_peer(i);
            p.first_name = "x".repeat(1 << 20);
            p
        })
        .collect();
    taken(&log);
    store.save_peers(&batch).await.unwrap();
    let sizes: Vec<usize> = taken(&log)
        .into_iter()
        .filter(|(name, _)| name == "update")
        .map(|(_, cmd)| cmd.get_array("updates").unwrap().len())
        .collect();
    assert!(sizes.len() >= 3, "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), 20, "{sizes:?}");
    assert_eq!(store.load_peers().await.unwrap(), batch);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn close_of_an_opened_adapter_shuts_its_client_down() {
    let Some(fresh) = Fresh::new("close").await else {
        return;
    };
    let store = mtgo_storage::mongo::open(&url(), fresh.db.name())
        .await
        .unwrap();
    let other = store.session("other");
    other.save_peer(&full_peer(1)).await.unwrap();
    let own_db = store.database().clone();
    store.close().await.unwrap();
    assert!(matches!(
        other.load_peers().await,
        Err(Error::Closed { backend: "mongodb" })
    ));
    assert!(
        own_db.list_collection_names().await.is_err(),
        "the adapter's client still works after close"
    );
    fresh.drop_db().await;
}

/// Documents written before peers had their "unknown" fields and DCs their
/// IPv6 address (the fields of the format before the change, and no others)
/// read back with the defaults, by id, username and phone.
#[tokio::test]
async fn documents_written_before_the_grammers_fields_read_back() {
    let Some(fresh) = Fresh::new("old_documents").await else {
        return;
    };
    let store = MongoAdapter::new(fresh.db.clone())
        .await
        .unwrap()
        .with_session("old");
    fresh
        .db
        .collection::<Document>("peers")
        .insert_one(doc! {
            "session": "old",
            "id": 1_001i64,
            "type": 0,
            "access_hash": -5i64,
            "username": "Old_Format",
            "usernames": ["second"],
            "first_name": "Old",
            "last_name": "",
            "phone_number": "+1 555 0100",
            "is_bot": true,
            "photo_id": 0i64,
            "language": "",
            "last_updated": 1_700_000_000i64,
            "username_keys": ["old_format", "second"],
            "phone_key": "15550100",
        })
        .await
        .unwrap();
    fresh
        .db
        .collection::<Document>("dc_auth")
        .insert_one(doc! {
            "session": "old",
            "dc_id": 2,
            "auth_key": Bson::Binary(bson::Binary {
                subtype: bson::spec::BinarySubtype::Generic,
                bytes: auth_key(2).as_bytes().to_vec(),
            }),
            "server_salt": 7i64,
            "port": 443,
            "server_addr": "149.154.167.51",
        })
        .await
        .unwrap();
    let peer = Peer {
        username: "Old_Format".into(),
        usernames: vec!["second".into()],
        first_name: "Old".into(),
        phone_number: "+1 555 0100".into(),
        is_bot: true,
        last_updated: 1_700_000_000,
        ..Peer::new(1_001, PeerType::User, -5)
    };
    assert_eq!(store.get_peer(1_001).await.unwrap(), Some(peer.clone()));
    assert_eq!(
        store.get_peer_by_username("second").await.unwrap(),
        Some(peer.clone())
    );
    assert_eq!(
        store.get_peer_by_phone("15550100").await.unwrap(),
        Some(peer)
    );
    let entry = DcAuth {
        dc_id: 2,
        auth_key: auth_key(2),
        server_salt: 7,
        port: 443,
        server_addr: "149.154.167.51".into(),
        ..DcAuth::default()
    };
    assert_eq!(
        store.dc_auth().unwrap().load_all_dc_auth().await.unwrap(),
        vec![entry]
    );
    fresh.drop_db().await;
}
