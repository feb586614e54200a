//! The conformance suite against `RedisAdapter` on a real Redis server
//! (`MTGO_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`). Each case gets
//! its own session name, so its keys never meet another case's, and its keys
//! are deleted when the case ends.
#![cfg(all(feature = "redis", feature = "testing"))]

mod purge_support;
mod redis_support;

use mtgo_storage::conformance::{reachable, service_url, unavailable};
use mtgo_storage::redis::RedisAdapter;
use purge_support::Purging;

async fn redis(session: String) -> Option<Purging<RedisAdapter>> {
    let url = service_url("redis", "redis://127.0.0.1:6379");
    if !reachable("redis", &url).await {
        return None;
    }
    if let Some(problem) = redis_support::shared_server_problem(&url).await {
        return unavailable("redis", &problem);
    }
    match mtgo_storage::redis::open(&url).await {
        Ok(adapter) => {
            let inner = adapter.with_session(&session);
            let prefix = mtgo_storage::redis::DEFAULT_PREFIX;
            Some(Purging::new(
                inner,
                Box::new(move |_| redis_support::purge_session_keys(&url, prefix, &session)),
            ))
        }
        Err(e) => unavailable("redis", &redis_support::error_chain(&e)),
    }
}

mtgo_storage::conformance_tests!(redis);
