//! `save_peers` of 10,000 peers is a bounded number of commands in one
//! round trip, and no read uses SCAN or KEYS. Counted with `INFO
//! commandstats` on a private `redis-server`, so no other test's traffic is
//! counted.
#![cfg(all(feature = "redis", feature = "testing"))]

mod redis_support;

use mtgo_storage::conformance::fixtures::full_peer;
use mtgo_storage::redis::{PEER_CHUNK, RedisAdapter};
use mtgo_storage::{Peer, PeerStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_peers_of_10000_is_one_transaction_of_chunked_scripts() {
    let Some(server) = redis_support::start_or_skip(&[]) else {
        return;
    };
    let store: RedisAdapter = mtgo_storage::redis::open(&server.url())
        .await
        .unwrap()
        .with_session("bulk");
    let peers: Vec<Peer> = (0..10_000).map(full_peer).collect();
    let chunks = peers.len().div_ceil(PEER_CHUNK) as u64;
    server.reset_stats();
    store.save_peers(&peers).await.unwrap();
    // The client sent MULTI, one EVAL per chunk and EXEC: one pipeline, one
    // round trip (the per-peer HSET/SADD run inside the scripts).
    assert_eq!(server.command_calls("multi"), 1);
    assert_eq!(server.command_calls("exec"), 1);
    assert_eq!(server.command_calls("eval"), chunks);
    assert_eq!(server.command_calls("evalsha"), 0);
    assert!(chunks <= 10, "{chunks} chunks");
    assert_eq!(server.command_calls("hset"), peers.len() as u64);

    // Saving them again replaces their index entries inside the same calls.
    server.reset_stats();
    let mut renamed = peers.clone();
    for p in &mut renamed {
        p.username = format!("renamed_{}", p.id);
    }
    let started = std::time::Instant::now();
    store.save_peers(&renamed).await.unwrap();
    eprintln!("re-saving 10,000 peers took {:?}", started.elapsed());
    assert_eq!(server.command_calls("exec"), 1);
    assert_eq!(server.command_calls("eval"), chunks);
    assert_eq!(
        store
            .get_peer_by_username(&peers[42].username)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.get_peer_by_username("renamed_42").await.unwrap(),
        Some(renamed[42].clone())
    );

    // Reads go through the index sets: one script call each, never SCAN/KEYS.
    server.reset_stats();
    assert_eq!(store.load_peers().await.unwrap().len(), 10_000);
    store
        .get_peer_by_phone(&peers[7].phone_number)
        .await
        .unwrap();
    store.get_peer(7).await.unwrap();
    assert_eq!(server.command_calls("scan"), 0);
    assert_eq!(server.command_calls("keys"), 0);
    assert_eq!(server.command_calls("smembers"), 2);
    // Two script calls, each perhaps preceded by a NOSCRIPT miss on first use.
    assert!(server.command_calls("evalsha") <= 4);

    // A single peer is one script call without a transaction.
    server.reset_stats();
    store.save_peer(&full_peer(1)).await.unwrap();
    assert_eq!(server.command_calls("exec"), 0);
    assert_eq!(
        server.command_calls("evalsha") + server.command_calls("eval"),
        1
    );
}
