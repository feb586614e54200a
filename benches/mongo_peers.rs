//! `MongoAdapter::save_peers` (10,000 peers) and `get_peer`, each beside a
//! hand-written baseline on the raw `mongodb` driver doing the same work
//! (same documents and indexes, the same transaction of chunked `update`
//! commands, the same decoding), in the same run, so results read as ratios.
//!
//! ```sh
//! cargo bench --features mongodb,testing --bench mongo_peers
//! ```
//!
//! Needs the server of `MTGO_TEST_MONGODB_URL` (default
//! `mongodb://127.0.0.1:27017`); skipped loudly without it, unless
//! `MTGO_TEST_REQUIRE` names `mongodb`.

use bson::{Document, doc};
use criterion::{Criterion, criterion_group, criterion_main};
use mongodb::{Collection, Database};
use mtgo_storage::conformance::fixtures::full_peer;
use mtgo_storage::conformance::{service_url, unavailable};
use mtgo_storage::mongo::{self, MongoAdapter};
use mtgo_storage::{Adapter, Peer, PeerStore, PeerType};
use std::time::Duration;

const PEERS: i64 = 10_000;
const CHUNK: usize = 1_000;
const DB: &str = "mtgo_storage_bench";

fn peers() -> Vec<Peer> {
    (1..=PEERS).map(full_peer).collect()
}

/// The raw driver's documents: the adapter's layout written by hand.
fn raw_doc(session: &str, p: &Peer) -> Document {
    doc! {
        "session": session,
        "id": p.id,
        "type": p.peer_type.as_i32(),
        "access_hash": p.access_hash,
        "username": &p.username,
        "usernames": &p.usernames,
        "first_name": &p.first_name,
        "last_name": &p.last_name,
        "phone_number": &p.phone_number,
        "is_bot": p.is_bot,
        "photo_id": p.photo_id,
        "language": &p.language,
        "last_updated": p.last_updated,
        "username_keys": p.normalized_usernames(),
        "phone_key": p.normalized_phone(),
    }
}

/// Raw baseline of `save_peers`: one transaction of `update` commands of
/// 1,000 upserts each.
async fn raw_save_peers(db: &Database, session: &str, peers: &[Peer]) {
    let mut s = db.client().start_session().await.unwrap();
    s.start_transaction().await.unwrap();
    for chunk in peers.chunks(CHUNK) {
        let updates: Vec<Document> = chunk
            .iter()
            .map(|p| {
                doc! {
                    "q": { "session": session, "id": p.id },
                    "u": raw_doc(session, p),
                    "upsert": true,
                }
            })
            .collect();
        let reply = db
            .run_command(doc! { "update": "peers", "updates": updates, "ordered": true })
            .session(&mut s)
            .await
            .unwrap();
        assert!(reply.get_array("writeErrors").is_err(), "{reply}");
    }
    s.commit_transaction().await.unwrap();
}

/// Raw baseline of `get_peer`: `find_one` and decoding by hand.
async fn raw_get_peer(peers: &Collection<Document>, session: &str, id: i64) -> Option<Peer> {
    let d = peers
        .find_one(doc! { "session": session, "id": id })
        .await
        .unwrap()?;
    let strings = |k: &str| -> Vec<String> {
        d.get_array(k)
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap().to_owned())
            .collect()
    };
    Some(Peer {
        id: d.get_i64("id").unwrap(),
        peer_type: PeerType::try_from(d.get_i32("type").unwrap()).unwrap(),
        access_hash: d.get_i64("access_hash").unwrap(),
        username: d.get_str("username").unwrap().to_owned(),
        usernames: strings("usernames"),
        first_name: d.get_str("first_name").unwrap().to_owned(),
        last_name: d.get_str("last_name").unwrap().to_owned(),
        phone_number: d.get_str("phone_number").unwrap().to_owned(),
        is_bot: d.get_bool("is_bot").unwrap(),
        photo_id: d.get_i64("photo_id").unwrap(),
        language: d.get_str("language").unwrap().to_owned(),
        last_updated: d.get_i64("last_updated").unwrap(),
        ..Peer::default()
    })
}

async fn setup() -> Option<MongoAdapter> {
    let url = service_url(
        "mongodb",
        "mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=5000",
    );
    match mongo::open(&url, DB).await {
        Ok(adapter) => Some(adapter),
        Err(e) => unavailable("mongodb", &e),
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(store) = rt.block_on(setup()) else {
        return;
    };
    let adapter = store.with_session("bench-adapter");
    let db = store.database().clone();
    let raw_session = "bench-raw";
    let peers = peers();

    let mut g = c.benchmark_group("mongo_save_peers_10000");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("adapter", |b| {
        b.to_async(&rt)
            .iter(|| async { adapter.save_peers(&peers).await.unwrap() })
    });
    g.bench_function("raw_driver", |b| {
        b.to_async(&rt)
            .iter(|| raw_save_peers(&db, raw_session, &peers))
    });
    g.finish();

    // Both sessions hold the 10,000 peers now.
    let coll = db.collection::<Document>("peers");
    let mut g = c.benchmark_group("mongo_get_peer");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let mut id = 0;
    g.bench_function("adapter", |b| {
        b.to_async(&rt).iter(|| {
            id = id % PEERS + 1;
            let adapter = &adapter;
            async move { assert!(adapter.get_peer(id).await.unwrap().is_some()) }
        })
    });
    let mut id = 0;
    g.bench_function("raw_driver", |b| {
        b.to_async(&rt).iter(|| {
            id = id % PEERS + 1;
            let coll = &coll;
            async move { assert!(raw_get_peer(coll, raw_session, id).await.is_some()) }
        })
    });
    g.finish();

    rt.block_on(async {
        db.drop().await.unwrap();
        store.close().await.unwrap();
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
