//! The whole conformance suite through a Redis Cluster connection, on a
//! private one-node cluster that holds every slot. A cluster refuses any
//! transaction, multi-key command or script touching keys of two slots
//! (CROSSSLOT), so this shows the key layout keeps each operation in one
//! slot.
#![cfg(all(feature = "redis", feature = "testing"))]

mod redis_support;

use mtgo_storage::conformance::unavailable;
use mtgo_storage::redis::{ClusterClient, RedisAdapter};
use redis_support::PrivateRedis;
use std::sync::OnceLock;

/// The cluster node's URL, started once for the whole test binary (the
/// server stops when the test process exits).
fn cluster_url() -> Result<String, String> {
    static SERVER: OnceLock<Result<PrivateRedis, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| PrivateRedis::start_cluster().map_err(|e| e.to_string()))
        .as_ref()
        .map(PrivateRedis::url)
        .map_err(Clone::clone)
}

async fn cluster(session: String) -> Option<RedisAdapter> {
    let url = match cluster_url() {
        Ok(url) => url,
        Err(e) => return unavailable("redis", &e),
    };
    let client = ClusterClient::new(vec![url]).expect("cluster client");
    let connection = client
        .get_async_connection()
        .await
        .expect("connect to the one-node cluster");
    Some(RedisAdapter::cluster(connection).with_session(&session))
}

mtgo_storage::conformance_tests!(cluster);

#[tokio::test(flavor = "multi_thread")]
async fn cluster_refuses_cross_slot_scripts() {
    // The suite above means something only if the server enforces slots:
    // a script written like the adapter's (with the `#!lua` shebang) that
    // touches keys of two slots must fail.
    let Ok(url) = cluster_url() else { return };
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let result: redis::RedisResult<i64> = redis::Script::new(
        "#!lua\nredis.call('SET', KEYS[1], 1); redis.call('SET', ARGV[1], 1); return 1",
    )
    .key("mtgo:{a}:x")
    .arg("mtgo:{b}:x")
    .invoke_async(&mut conn)
    .await;
    let err = result.expect_err("a cross-slot script must fail on a cluster");
    assert!(
        err.to_string().to_lowercase().contains("slot"),
        "unexpected error: {err}"
    );
}
