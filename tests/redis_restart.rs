//! The adapter survives a Redis restart: the connection manager reconnects
//! by itself, so the same adapter keeps working and sees the data written
//! before the crash (the private server persists with fsync always).
#![cfg(all(feature = "redis", feature = "testing"))]

mod redis_support;

use mtgo_storage::conformance::fixtures::{auth_key, full_peer, full_session};
use mtgo_storage::redis::RedisAdapter;
use mtgo_storage::{Adapter, DurableUpdate, Error};
use std::time::{Duration, Instant};

/// Runs `op` until it succeeds or 20 s pass; returns the result and how many
/// attempts failed. Failures must be backend errors, never panics.
async fn eventually<T, F, Fut>(mut op: F) -> (T, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = mtgo_storage::Result<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut failures = 0;
    loop {
        match op().await {
            Ok(v) => return (v, failures),
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        Error::Backend {
                            backend: "redis",
                            ..
                        }
                    ),
                    "unexpected error kind: {e:?}"
                );
                failures += 1;
                assert!(
                    Instant::now() < deadline,
                    "still failing 20s after the restart: {e:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_survives_a_server_restart() {
    let Some(mut server) = redis_support::start_or_skip(&[]) else {
        return;
    };
    let adapter: RedisAdapter = mtgo_storage::redis::open(&server.url())
        .await
        .expect("open")
        .with_session("restart");
    let store: &dyn Adapter = &adapter;
    store.save_session(&full_session()).await.unwrap();
    let peers: Vec<_> = (1..=500).map(full_peer).collect();
    store.save_peers(&peers).await.unwrap();
    let updates = store.update_state().unwrap();
    updates
        .enqueue_update(&DurableUpdate {
            id: "before".into(),
            payload: (0..=255u8).collect(),
            created_at: 1,
            attempts: 0,
            last_error: None,
        })
        .await
        .unwrap();

    server.restart().expect("restart redis-server");

    // The old connection died with the server. A read notices, the
    // connection manager reconnects, and the adapter tries the read once
    // more: the first read after the restart already succeeds.
    let (session, failures) = eventually(|| store.load_session()).await;
    assert_eq!(failures, 0, "the first read after a restart succeeds");
    let session = session.expect("the session survived the restart");
    assert_eq!(session.auth_key, Some(auth_key(0)));
    let (loaded, _) = eventually(|| store.load_peers()).await;
    assert_eq!(loaded, peers, "peers survived the restart");
    let (by_name, _) = eventually(|| store.get_peer_by_username("extra_250_b")).await;
    assert_eq!(by_name.as_ref(), Some(&peers[249]));
    let (queued, _) = eventually(|| updates.load_updates(10)).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].payload, (0..=255u8).collect::<Vec<u8>>());

    // Writes work again too, scripts included (the restarted server has an
    // empty script cache: EVALSHA falls back to loading the script).
    let mut renamed = full_peer(7);
    renamed.username = "after_restart".into();
    renamed.usernames.clear();
    let (_, _) = eventually(|| store.save_peer(&renamed)).await;
    assert_eq!(
        store.get_peer_by_username("after_restart").await.unwrap(),
        Some(renamed.clone())
    );
    assert_eq!(store.get_peer_by_username("User_7").await.unwrap(), None);
    assert_eq!(updates.mark_update_failed("before", "x").await.unwrap(), 1);

    // A second crash. Writes are not retried by the adapter (a write whose
    // reply was lost may have been applied): the first one may fail with a
    // backend error, and the next ones succeed on the same adapter.
    server.restart().expect("second restart");
    let mut third = full_peer(8);
    third.username = "after_second_restart".into();
    let (_, write_failures) = eventually(|| store.save_peer(&third)).await;
    assert!(write_failures <= 1, "{write_failures} failed writes");
    assert_eq!(store.get_peer(7).await.unwrap(), Some(renamed));
    assert_eq!(
        store
            .get_peer_by_username("after_second_restart")
            .await
            .unwrap(),
        Some(third)
    );
}
