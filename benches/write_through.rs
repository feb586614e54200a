//! What writing through `CachedAdapter` costs over its inner adapter, as a
//! ratio measured on the same SQLite file in the same run: 10,000 new peers
//! (each round a new session; the cache warmed up on it first, so it is
//! complete, as a client that calls `warm_up` at start has it), and the same
//! 10,000 peers rewritten over themselves (already stored and cached).
//!
//! The machine's speed varies from minute to minute, so the two sides are
//! interleaved: each round times the inner adapter and the cache in turn
//! (ABBA order over consecutive rounds), and the ratio is of the medians.
//!
//! Run: `cargo bench --bench write_through` (`MTGO_BENCH_ROUNDS`, default
//! 40, sets the rounds of each case).

mod common;

use common::{PEERS, peers};
use mtgo_storage::orm::OrmAdapter;
use mtgo_storage::{Adapter, CachedAdapter, Peer, PeerStore};
use std::time::{Duration, Instant};

/// Times one save of `peers` into a new session: through the inner adapter
/// or through a cache warmed up on that session.
async fn save_new(orm: &OrmAdapter, session: &str, peers: &[Peer], cached: bool) -> Duration {
    let inner = orm.with_session(session);
    let elapsed = if cached {
        let cache = CachedAdapter::new(inner.clone());
        cache.warm_up().await.expect("warm up");
        let started = Instant::now();
        cache
            .save_peers(peers)
            .await
            .expect("save through the cache");
        started.elapsed()
    } else {
        let started = Instant::now();
        inner.save_peers(peers).await.expect("save");
        started.elapsed()
    };
    inner.purge_session().await.expect("purge");
    elapsed
}

/// Times one rewrite of the stored `peers` through `adapter`.
async fn rewrite(adapter: &dyn Adapter, peers: &[Peer]) -> Duration {
    let started = Instant::now();
    adapter.save_peers(peers).await.expect("rewrite");
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Prints one case's medians and their ratio.
fn report(case: &str, inner: Vec<Duration>, cached: Vec<Duration>) {
    let rounds = inner.len();
    let (inner, cached) = (median(inner), median(cached));
    println!(
        "{case:<32} rounds {rounds:>3}  OrmAdapter {:>8.2} ms  through the cache {:>8.2} ms  ratio {:.3}",
        inner.as_secs_f64() * 1e3,
        cached.as_secs_f64() * 1e3,
        cached.as_secs_f64() / inner.as_secs_f64()
    );
}

fn main() {
    // `cargo test --all-targets` runs bench targets in test mode (`--bench`
    // absent): do nothing there.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds: usize = std::env::var("MTGO_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let all = peers();
    rt.block_on(async {
        let orm = mtgo_storage::orm::sqlite::open(&dir.path().join("bench.db"))
            .await
            .expect("open sqlite");

        // 10,000 new peers.
        let (mut inner, mut cached) = (Vec::new(), Vec::new());
        for round in 0..rounds + 2 {
            let cache_first = round % 2 == 1;
            for through_cache in [cache_first, !cache_first] {
                let session = format!("new-{round}-{through_cache}");
                let t = save_new(&orm, &session, &all, through_cache).await;
                // The first two rounds warm the file up.
                if round >= 2 {
                    if through_cache {
                        &mut cached
                    } else {
                        &mut inner
                    }
                    .push(t);
                }
            }
        }
        report(&format!("{PEERS} new peers"), inner, cached);

        // The same peers rewritten over themselves.
        let plain = orm.with_session("stored");
        let cache = CachedAdapter::new(orm.with_session("stored"));
        cache.warm_up().await.expect("warm up");
        cache.save_peers(&all).await.expect("first save");
        let (mut inner, mut cached) = (Vec::new(), Vec::new());
        for round in 0..rounds + 2 {
            let cache_first = round % 2 == 1;
            for through_cache in [cache_first, !cache_first] {
                let t = if through_cache {
                    rewrite(&cache, &all).await
                } else {
                    rewrite(&plain, &all).await
                };
                if round >= 2 {
                    if through_cache {
                        &mut cached
                    } else {
                        &mut inner
                    }
                    .push(t);
                }
            }
        }
        report(&format!("{PEERS} stored peers rewritten"), inner, cached);
    });
}
