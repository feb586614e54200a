//! `save_peers` (10,000 peers) and `get_peer` on the Redis adapter, beside a
//! hand-written raw redis-rs baseline doing the same writes and reads in the
//! same run, so the results read as ratios.
//!
//! The baseline writes what a minimal hand-written store writes: per peer a
//! hash with the JSON, the id set and one set per username and phone, in
//! one `MULTI`/`EXEC` pipeline. Unlike the adapter it never removes a
//! peer's old index entries, so renames would leave stale names behind.
//!
//! Needs a Redis server (`MTGO_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`); skipped loudly when unreachable.
//! `cargo bench --bench redis_peers --features redis,testing`

use criterion::{Criterion, criterion_group, criterion_main};
use mtgo_storage::conformance::fixtures::full_peer;
use mtgo_storage::conformance::{service_url, unavailable};
use mtgo_storage::redis::{ConnectionManager, RedisAdapter};
use mtgo_storage::{Peer, PeerStore};
use std::hint::black_box;

const BATCH: i64 = 10_000;

fn peers() -> Vec<Peer> {
    (0..BATCH).map(full_peer).collect()
}

/// The baseline's writes: one atomic pipeline, hash + index sets per peer.
async fn raw_save_peers(conn: &mut ConnectionManager, base: &str, peers: &[Peer]) {
    let mut pipe = redis::pipe();
    pipe.atomic();
    for p in peers {
        let json = serde_json::to_vec(p).unwrap();
        pipe.hset(format!("{base}peer:{}", p.id), "d", json)
            .ignore()
            .sadd(format!("{base}peers"), p.id)
            .ignore();
        for name in p.normalized_usernames() {
            pipe.sadd(format!("{base}uname:{name}"), p.id).ignore();
        }
        let phone = p.normalized_phone();
        if !phone.is_empty() {
            pipe.sadd(format!("{base}phone:{phone}"), p.id).ignore();
        }
    }
    let _: () = pipe.query_async(conn).await.unwrap();
}

/// The baseline's read: one HGET and the JSON decode.
async fn raw_get_peer(conn: &mut ConnectionManager, base: &str, id: i64) -> Option<Peer> {
    let raw: Option<Vec<u8>> = redis::cmd("HGET")
        .arg(format!("{base}peer:{id}"))
        .arg("d")
        .query_async(conn)
        .await
        .unwrap();
    raw.map(|r| serde_json::from_slice(&r).unwrap())
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = service_url("redis", "redis://127.0.0.1:6379");
    let Some(store) = rt.block_on(async {
        match mtgo_storage::redis::open(&url).await {
            Ok(s) => Some(s),
            Err(e) => unavailable::<RedisAdapter>("redis", &e),
        }
    }) else {
        return;
    };
    let store = store
        .with_prefix("mtgo-bench")
        .unwrap()
        .with_session("bench");
    let raw_base = "mtgo-bench-raw:{bench}:";
    let conn = rt.block_on(async {
        ConnectionManager::new(redis::Client::open(url.as_str()).unwrap())
            .await
            .unwrap()
    });
    let peers = peers();
    // Both sides start from the same stored state.
    rt.block_on(async {
        store.save_peers(&peers).await.unwrap();
        raw_save_peers(&mut conn.clone(), raw_base, &peers).await;
    });

    let mut group = c.benchmark_group("redis_save_peers_10000");
    group.sample_size(10);
    group.bench_function("adapter", |b| {
        b.to_async(&rt)
            .iter(|| async { store.save_peers(black_box(&peers)).await.unwrap() })
    });
    group.bench_function("raw_redis_rs", |b| {
        b.to_async(&rt)
            .iter(|| async { raw_save_peers(&mut conn.clone(), raw_base, black_box(&peers)).await })
    });
    group.finish();

    let mut group = c.benchmark_group("redis_get_peer");
    group.sample_size(50);
    let id = peers[4_321].id;
    group.bench_function("adapter", |b| {
        b.to_async(&rt)
            .iter(|| async { store.get_peer(black_box(id)).await.unwrap().unwrap() })
    });
    group.bench_function("raw_redis_rs", |b| {
        b.to_async(&rt).iter(|| async {
            raw_get_peer(&mut conn.clone(), raw_base, black_box(id))
                .await
                .unwrap()
        })
    });
    group.finish();

    // Leave nothing behind on the server.
    rt.block_on(async {
        let mut conn = conn.clone();
        for pattern in ["mtgo-bench:*", "mtgo-bench-raw:*"] {
            let mut cursor: u64 = 0;
            loop {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(pattern)
                    .arg("COUNT")
                    .arg(10_000)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                if !keys.is_empty() {
                    let _: () = redis::cmd("UNLINK")
                        .arg(&keys)
                        .query_async(&mut conn)
                        .await
                        .unwrap();
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
