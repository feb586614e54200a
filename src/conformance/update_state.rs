//! Cases for [`UpdateStateStore`](crate::UpdateStateStore).

use super::store;
use crate::{Adapter, ChannelState, DedupKey, DurableUpdate, Error, UpdateState};
use std::sync::Arc;

/// The common state is `None` until saved, then read back, then replaced.
pub async fn update_state_round_trips(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    assert_eq!(store.load_update_state().await.unwrap(), None);
    let state = UpdateState {
        pts: 100,
        qts: -1,
        date: 1_795_595_029,
        seq: i32::MAX,
    };
    store.save_update_state(&state).await.unwrap();
    assert_eq!(store.load_update_state().await.unwrap(), Some(state));
    let next = UpdateState {
        pts: 101,
        qts: 0,
        date: 1_795_595_030,
        seq: 1,
    };
    store.save_update_state(&next).await.unwrap();
    assert_eq!(store.load_update_state().await.unwrap(), Some(next));
}

/// Channel pts are kept per channel, replaced on save, and listed by
/// channel id.
pub async fn channel_pts_one_and_all(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    assert_eq!(store.load_channel_pts(1).await.unwrap(), None);
    assert!(store.load_all_channel_pts().await.unwrap().is_empty());
    store.save_channel_pts(3_000_000_000, 7).await.unwrap();
    store.save_channel_pts(1, 5).await.unwrap();
    store.save_channel_pts(1, 6).await.unwrap();
    assert_eq!(store.load_channel_pts(1).await.unwrap(), Some(6));
    assert_eq!(store.load_channel_pts(2).await.unwrap(), None);
    assert_eq!(
        store.load_all_channel_pts().await.unwrap(),
        vec![
            ChannelState {
                channel_id: 1,
                pts: 6
            },
            ChannelState {
                channel_id: 3_000_000_000,
                pts: 7
            }
        ]
    );
}

/// `insert_dedup_key` returns `true` exactly once per key, also for 16
/// concurrent callers; `has_dedup_key` sees it.
pub async fn dedup_insert_is_new_exactly_once(adapter: Arc<dyn Adapter>) {
    {
        let store = store(adapter.update_state(), "update_state");
        assert!(!store.has_dedup_key("upd:1").await.unwrap());
        assert!(store.insert_dedup_key("upd:1", 10).await.unwrap());
        assert!(!store.insert_dedup_key("upd:1", 20).await.unwrap());
        assert!(store.has_dedup_key("upd:1").await.unwrap());
        assert!(!store.has_dedup_key("upd:2").await.unwrap());
    }
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let adapter = Arc::clone(&adapter);
        tasks.push(tokio::spawn(async move {
            let store = adapter.update_state().expect("update_state store");
            store
                .insert_dedup_key("race", 1)
                .await
                .expect("insert_dedup_key")
        }));
    }
    let mut new = 0;
    for t in tasks {
        new += usize::from(t.await.expect("task panicked"));
    }
    assert_eq!(new, 1, "exactly one concurrent insert is new");
}

/// Pruning removes keys seen strictly before the given time and returns how
/// many; a key that was seen again keeps its first time.
pub async fn dedup_prune_removes_older_keys(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    for (key, at) in [("a", 100), ("b", 200), ("c", 300)] {
        assert!(store.insert_dedup_key(key, at).await.unwrap());
    }
    assert!(!store.insert_dedup_key("a", 1_000).await.unwrap());
    assert_eq!(store.prune_dedup_keys(200).await.unwrap(), 1);
    assert!(!store.has_dedup_key("a").await.unwrap());
    assert!(store.has_dedup_key("b").await.unwrap());
    assert_eq!(store.prune_dedup_keys(200).await.unwrap(), 0);
    assert_eq!(store.prune_dedup_keys(i64::MAX).await.unwrap(), 2);
    assert!(
        store.insert_dedup_key("a", 5).await.unwrap(),
        "a pruned key is new again"
    );
}

fn dedup(key: &str, seen_at: i64) -> DedupKey {
    DedupKey {
        key: key.into(),
        seen_at,
    }
}

/// `load_dedup_keys` is empty until a key is recorded, then lists every key
/// with the time it was first seen (exact, whatever its size or sign),
/// sorted by key in `str` order (case, punctuation and non-ASCII letters
/// included, whatever the database's collation).
pub async fn dedup_keys_listed_sorted_with_times(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    assert!(store.load_dedup_keys().await.unwrap().is_empty());
    let keys = [
        ("upd:9", 9),
        ("b", 1_700_000_000_123),
        ("é", -5),
        ("B", (1 << 53) + 1),
        ("upd:10", i64::MAX),
        ("_", 0),
        ("a", i64::MIN),
        ("Z", 7),
    ];
    for (key, at) in keys {
        assert!(store.insert_dedup_key(key, at).await.unwrap());
    }
    assert!(!store.insert_dedup_key("b", 1).await.unwrap());
    let mut expected: Vec<DedupKey> = keys.iter().map(|&(k, at)| dedup(k, at)).collect();
    expected.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(
        expected.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(),
        ["B", "Z", "_", "a", "b", "upd:10", "upd:9", "é"]
    );
    assert_eq!(store.load_dedup_keys().await.unwrap(), expected);
}

/// `load_dedup_keys` lists the keys of the handle's session only: another
/// session's keys, even the same ones with other times, are not listed.
pub async fn dedup_keys_listed_per_session(adapter: Arc<dyn Adapter>) {
    let other: Arc<dyn Adapter> =
        Arc::from(adapter.session(&format!("{}-other", adapter.session_name())));
    let (a, b) = (
        store(adapter.update_state(), "update_state"),
        store(other.update_state(), "update_state"),
    );
    assert!(a.insert_dedup_key("shared", 1).await.unwrap());
    assert!(a.insert_dedup_key("mine", 2).await.unwrap());
    assert!(b.load_dedup_keys().await.unwrap().is_empty());
    assert!(b.insert_dedup_key("shared", 50).await.unwrap());
    assert_eq!(
        a.load_dedup_keys().await.unwrap(),
        vec![dedup("mine", 2), dedup("shared", 1)]
    );
    assert_eq!(
        b.load_dedup_keys().await.unwrap(),
        vec![dedup("shared", 50)]
    );
    b.prune_dedup_keys(i64::MAX).await.unwrap();
    assert_eq!(a.load_dedup_keys().await.unwrap().len(), 2);
}

/// Keys removed by `prune_dedup_keys` are no longer listed; a pruned key
/// recorded again is listed with its new time.
pub async fn dedup_keys_pruned_are_not_listed(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    for (key, at) in [("a", 100), ("b", 200), ("c", 300)] {
        assert!(store.insert_dedup_key(key, at).await.unwrap());
    }
    assert_eq!(store.prune_dedup_keys(200).await.unwrap(), 1);
    assert_eq!(
        store.load_dedup_keys().await.unwrap(),
        vec![dedup("b", 200), dedup("c", 300)]
    );
    assert!(store.insert_dedup_key("a", 400).await.unwrap());
    assert_eq!(
        store.load_dedup_keys().await.unwrap(),
        vec![dedup("a", 400), dedup("b", 200), dedup("c", 300)]
    );
    assert_eq!(store.prune_dedup_keys(i64::MAX).await.unwrap(), 3);
    assert!(store.load_dedup_keys().await.unwrap().is_empty());
}

fn update(id: &str, created_at: i64) -> DurableUpdate {
    DurableUpdate {
        id: id.into(),
        payload: (0..=255u8).rev().chain([0, 0]).collect(),
        created_at,
        attempts: 0,
        last_error: None,
    }
}

/// Queued updates load oldest first (by `created_at`, then id), at most
/// `limit` of them, binary payloads intact; deleting removes one, deleting
/// an absent one is `Ok`.
pub async fn durable_queue_order_and_limit(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    assert!(store.load_updates(10).await.unwrap().is_empty());
    for (id, at) in [("d", 30), ("b", 10), ("c", 20), ("a", 20), ("e", -5)] {
        store.enqueue_update(&update(id, at)).await.unwrap();
    }
    let ids = |v: Vec<DurableUpdate>| v.into_iter().map(|u| u.id).collect::<Vec<_>>();
    assert_eq!(ids(store.load_updates(3).await.unwrap()), ["e", "b", "a"]);
    assert_eq!(
        ids(store.load_updates(100).await.unwrap()),
        ["e", "b", "a", "c", "d"]
    );
    assert!(store.load_updates(0).await.unwrap().is_empty());
    assert_eq!(store.load_updates(1).await.unwrap(), vec![update("e", -5)]);
    store.delete_update("b").await.unwrap();
    store.delete_update("b").await.unwrap();
    assert_eq!(ids(store.load_updates(2).await.unwrap()), ["e", "a"]);
}

/// A limit larger than the queue, up to `usize::MAX` (what a caller that
/// wants "everything", such as a copy between stores, passes), loads every
/// queued update in order.
pub async fn durable_queue_largest_limit_loads_all(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    for (id, at) in [("q2", 2), ("q1", 1), ("q3", 3)] {
        store.enqueue_update(&update(id, at)).await.unwrap();
    }
    for limit in [
        i32::MAX as usize,
        u32::MAX as usize,
        i64::MAX as usize,
        usize::MAX,
    ] {
        let ids: Vec<String> = store
            .load_updates(limit)
            .await
            .unwrap_or_else(|e| panic!("load_updates({limit}) failed: {e}"))
            .into_iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(ids, ["q1", "q2", "q3"], "limit {limit}");
    }
}

/// Marking a failure adds one attempt and keeps the last error; an absent
/// id is [`Error::NotFound`]; enqueueing the same id again replaces it.
pub async fn durable_mark_failed_counts_attempts(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    store.enqueue_update(&update("x", 1)).await.unwrap();
    assert_eq!(store.mark_update_failed("x", "timeout").await.unwrap(), 1);
    assert_eq!(
        store
            .mark_update_failed("x", "FLOOD_WAIT_3 ✗")
            .await
            .unwrap(),
        2
    );
    let got = store.load_updates(1).await.unwrap().remove(0);
    assert_eq!(
        (got.attempts, got.last_error.as_deref()),
        (2, Some("FLOOD_WAIT_3 ✗"))
    );
    assert_eq!(got.payload, update("x", 1).payload);
    match store.mark_update_failed("absent", "e").await {
        Err(Error::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
    store.enqueue_update(&update("x", 2)).await.unwrap();
    assert_eq!(store.load_updates(10).await.unwrap(), vec![update("x", 2)]);
}

/// `delete_channel_pts` forgets one channel and leaves the others; forgetting
/// an absent channel is `Ok`.
pub async fn channel_pts_deleted(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.update_state(), "update_state");
    store.delete_channel_pts(5).await.unwrap();
    store.save_channel_pts(5, 50).await.unwrap();
    store.save_channel_pts(6, 60).await.unwrap();
    store.delete_channel_pts(5).await.unwrap();
    assert_eq!(store.load_channel_pts(5).await.unwrap(), None);
    assert_eq!(
        store.load_all_channel_pts().await.unwrap(),
        vec![ChannelState {
            channel_id: 6,
            pts: 60
        }]
    );
    store.delete_channel_pts(5).await.unwrap();
    store.save_channel_pts(5, 51).await.unwrap();
    assert_eq!(store.load_channel_pts(5).await.unwrap(), Some(51));
}
