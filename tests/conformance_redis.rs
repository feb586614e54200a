//! The conformance suite against `RedisAdapter` on a real Redis server
//! (`MTGO_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`). Each case gets
//! its own session name, so its keys never meet another case's.
#![cfg(all(feature = "redis", feature = "testing"))]

use mtgo_storage::conformance::{service_url, unavailable};
use mtgo_storage::redis::RedisAdapter;

async fn redis(session: String) -> Option<RedisAdapter> {
    let url = service_url("redis", "redis://127.0.0.1:6379");
    match mtgo_storage::redis::open(&url).await {
        Ok(adapter) => Some(adapter.with_session(&session)),
        Err(e) => unavailable("redis", &e),
    }
}

mtgo_storage::conformance_tests!(redis);
