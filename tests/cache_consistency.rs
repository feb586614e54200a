//! `CachedAdapter` answers exactly as its inner adapter does for writes made
//! through it, whatever was cached before (lookups that filled the cache,
//! moved usernames, deleted peers, changed phones, eviction), and serves
//! cached lookups from memory.

use mtgo_storage::conformance::fixtures::assert_found_by_every_key;
use mtgo_storage::{Adapter, CacheConfig, CachedAdapter, MemoryAdapter, Peer, PeerStore, PeerType};
use proptest::prelude::*;
use std::time::Duration;

fn peer(id: i64, username: &str, phone: &str, last_updated: i64) -> Peer {
    let mut p = Peer::new(id, PeerType::User, id * 10);
    p.username = username.into();
    p.phone_number = phone.into();
    p.last_updated = last_updated;
    p
}

/// The id of the peer `store` gives for `username`, if any.
async fn id_by_username(store: &impl PeerStore, username: &str) -> Option<i64> {
    store
        .get_peer_by_username(username)
        .await
        .unwrap()
        .map(|p| p.id)
}

/// The id of the peer `store` gives for `phone`, if any.
async fn id_by_phone(store: &impl PeerStore, phone: &str) -> Option<i64> {
    store.get_peer_by_phone(phone).await.unwrap().map(|p| p.id)
}

/// Asserts that every lookup in `ids`, `names` and `phones` gives the same
/// answer through the cache as through the inner adapter.
async fn assert_agrees<A: Adapter>(
    cached: &CachedAdapter<A>,
    ids: &[i64],
    names: &[&str],
    phones: &[&str],
) {
    let inner = cached.inner();
    for &id in ids {
        assert_eq!(
            cached.get_peer(id).await.unwrap(),
            inner.get_peer(id).await.unwrap(),
            "get_peer({id})"
        );
    }
    for &name in names {
        assert_eq!(
            cached.get_peer_by_username(name).await.unwrap(),
            inner.get_peer_by_username(name).await.unwrap(),
            "get_peer_by_username({name:?})"
        );
    }
    for &phone in phones {
        assert_eq!(
            cached.get_peer_by_phone(phone).await.unwrap(),
            inner.get_peer_by_phone(phone).await.unwrap(),
            "get_peer_by_phone({phone:?})"
        );
    }
}

#[tokio::test]
async fn username_moved_to_another_peer_after_it_was_cached() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    cached.save_peer(&peer(1, "Moving", "", 10)).await.unwrap();
    assert_eq!(id_by_username(&cached, "moving").await, Some(1));

    // Another peer takes the username with a newer time: it wins.
    cached.save_peer(&peer(2, "moving", "", 20)).await.unwrap();
    assert_eq!(id_by_username(&cached, "@MOVING").await, Some(2));

    // The old owner gives it up, then a stale copy of it is written: 2 wins.
    cached.save_peer(&peer(1, "other", "", 30)).await.unwrap();
    cached.save_peer(&peer(1, "moving", "", 5)).await.unwrap();
    assert_eq!(id_by_username(&cached, "moving").await, Some(2));

    // The new owner drops it: the old one (still claiming it) answers.
    cached.save_peer(&peer(2, "", "", 40)).await.unwrap();
    assert_eq!(id_by_username(&cached, "moving").await, Some(1));

    // The remaining owner gets older than an uncached claimant written
    // directly to the inner store: the cache must not keep answering 1.
    cached
        .inner()
        .save_peer(&peer(3, "moving", "", 4))
        .await
        .unwrap();
    cached.clear();
    assert_eq!(id_by_username(&cached, "moving").await, Some(1));
    cached.save_peer(&peer(1, "moving", "", 1)).await.unwrap();
    assert_eq!(id_by_username(&cached, "moving").await, Some(3));
    assert_agrees(&cached, &[1, 2, 3], &["moving", "other"], &[]).await;
}

/// A peer that answered a username gives it up, then takes it back with an
/// older time than another claimant: the other claimant answers.
#[tokio::test]
async fn username_given_up_then_taken_back_by_an_older_copy() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    cached.save_peer(&peer(2, "u", "", 5)).await.unwrap();
    assert_eq!(id_by_username(&cached, "u").await, Some(2));
    cached.save_peer(&peer(1, "u", "", 9)).await.unwrap();
    assert_eq!(id_by_username(&cached, "u").await, Some(1));
    cached.save_peer(&peer(1, "other", "", 1)).await.unwrap();
    cached.save_peer(&peer(1, "u", "", 2)).await.unwrap();
    assert_eq!(id_by_username(&cached, "u").await, Some(2));
    assert_agrees(&cached, &[1, 2], &["u", "other"], &[]).await;
}

#[tokio::test]
async fn deleted_peer_after_it_was_cached() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    cached
        .save_peers(&[
            peer(1, "gone", "+1 555 0001", 10),
            peer(2, "gone", "15550001", 5),
        ])
        .await
        .unwrap();
    assert_eq!(id_by_username(&cached, "gone").await, Some(1));
    assert_eq!(id_by_phone(&cached, "15550001").await, Some(1));
    assert!(cached.get_peer(1).await.unwrap().is_some());

    cached.delete_peer(1).await.unwrap();
    assert_eq!(cached.get_peer(1).await.unwrap(), None);
    // The other claimant answers now.
    assert_eq!(id_by_username(&cached, "gone").await, Some(2));
    assert_eq!(id_by_phone(&cached, "+15550001").await, Some(2));

    cached.delete_peer(2).await.unwrap();
    assert_eq!(cached.get_peer_by_username("gone").await.unwrap(), None);
    assert_eq!(cached.get_peer_by_phone("15550001").await.unwrap(), None);
    cached.delete_peer(2).await.unwrap();
    assert_agrees(&cached, &[1, 2], &["gone"], &["15550001"]).await;
}

#[tokio::test]
async fn phone_changed_after_it_was_cached() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    cached
        .save_peer(&peer(7, "", "+44 7700 900001", 1))
        .await
        .unwrap();
    assert_eq!(id_by_phone(&cached, "447700900001").await, Some(7));
    // A lookup of the new number before the change caches "nobody".
    assert_eq!(
        cached.get_peer_by_phone("447700900002").await.unwrap(),
        None
    );

    cached
        .save_peer(&peer(7, "", "+44 7700 900002", 2))
        .await
        .unwrap();
    assert_eq!(
        cached.get_peer_by_phone("447700900001").await.unwrap(),
        None
    );
    let found = cached
        .get_peer_by_phone("+44-7700-900002")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.phone_number, "+44 7700 900002");

    // The phone removed altogether.
    cached.save_peer(&peer(7, "", "", 3)).await.unwrap();
    assert_eq!(
        cached.get_peer_by_phone("447700900002").await.unwrap(),
        None
    );
    assert_agrees(&cached, &[7], &[], &["447700900001", "447700900002"]).await;
}

#[tokio::test]
async fn eviction_under_a_small_capacity() {
    let cached =
        CachedAdapter::with_config(MemoryAdapter::new(), CacheConfig::default().max_peers(10));
    let peers: Vec<Peer> = (0..500)
        .map(|i| peer(i, &format!("user_{i}"), &format!("+1 555 {i:04}"), i))
        .collect();
    cached.save_peers(&peers).await.unwrap();
    for _ in 0..3 {
        for p in &peers {
            assert_found_by_every_key(&cached, p).await;
        }
    }
    let stats = cached.stats();
    assert!(stats.peers <= 10, "capacity exceeded: {stats:?}");
    assert!(
        stats.misses > 0,
        "a capacity of 10 cannot hold 500 peers: {stats:?}"
    );
    // Rewrites of evicted peers are still answered right.
    let renamed: Vec<Peer> = peers
        .iter()
        .map(|p| peer(p.id, &format!("renamed_{}", p.id), "", p.last_updated + 1))
        .collect();
    cached.save_peers(&renamed).await.unwrap();
    for p in &renamed {
        assert_eq!(
            cached
                .get_peer_by_username(&format!("user_{}", p.id))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            cached
                .get_peer_by_username(&p.username)
                .await
                .unwrap()
                .as_ref(),
            Some(p)
        );
    }
}

#[tokio::test]
async fn repeated_ids_in_one_batch_after_lookups() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    cached.save_peer(&peer(1, "first", "100", 1)).await.unwrap();
    assert!(
        cached
            .get_peer_by_username("first")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(cached.get_peer_by_username("last").await.unwrap(), None);
    cached
        .save_peers(&[
            peer(1, "middle", "200", 5),
            peer(2, "last", "", 1),
            peer(1, "last", "300", 2),
        ])
        .await
        .unwrap();
    assert_eq!(cached.get_peer_by_username("first").await.unwrap(), None);
    assert_eq!(cached.get_peer_by_username("middle").await.unwrap(), None);
    assert_eq!(cached.get_peer_by_phone("200").await.unwrap(), None);
    assert_eq!(id_by_username(&cached, "last").await, Some(1));
    assert_agrees(
        &cached,
        &[1, 2],
        &["first", "middle", "last"],
        &["100", "200", "300"],
    )
    .await;
}

#[tokio::test]
async fn cached_lookups_are_served_from_memory() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    cached
        .save_peer(&peer(5, "Bob", "+1 555 0005", 1))
        .await
        .unwrap();
    // The write caches the peer by id; who answers "bob" and the phone is
    // known once the inner store was asked (other peers may claim them).
    assert!(cached.get_peer_by_username("@BOB").await.unwrap().is_some());
    assert!(
        cached
            .get_peer_by_phone("+1-555-0005")
            .await
            .unwrap()
            .is_some()
    );
    let before = cached.stats();
    for _ in 0..10 {
        assert!(cached.get_peer(5).await.unwrap().is_some());
        assert!(cached.get_peer_by_username("bob").await.unwrap().is_some());
        assert!(
            cached
                .get_peer_by_phone("15550005")
                .await
                .unwrap()
                .is_some()
        );
    }
    let after = cached.stats();
    assert_eq!(after.hits - before.hits, 30, "{after:?}");
    assert_eq!(after.misses, before.misses);

    // A miss fills the cache: the second lookup of an unknown name is a hit.
    assert_eq!(cached.get_peer_by_username("nobody").await.unwrap(), None);
    let misses = cached.stats().misses;
    assert_eq!(cached.get_peer_by_username("nobody").await.unwrap(), None);
    assert_eq!(cached.stats().misses, misses);
}

#[tokio::test]
async fn warm_up_loads_the_sessions_peers() {
    let inner = MemoryAdapter::new();
    let peers: Vec<Peer> = (0..1_000)
        .map(|i| {
            peer(
                i,
                &format!("u{}", i % 700),
                &format!("{}", 5_000 + i % 300),
                i % 7,
            )
        })
        .collect();
    inner.save_peers(&peers).await.unwrap();
    inner
        .with_session("someone-else")
        .save_peer(&peer(5_000, "x", "", 0))
        .await
        .unwrap();

    let cached = CachedAdapter::new(inner);
    assert_eq!(cached.warm_up().await.unwrap(), 1_000);
    assert_eq!(cached.stats().peers, 1_000);
    let names: Vec<String> = (0..700).map(|i| format!("u{i}")).collect();
    let phones: Vec<String> = (0..300).map(|i| format!("{}", 5_000 + i)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
    let ids: Vec<i64> = (0..1_000).collect();
    assert_agrees(&cached, &ids, &names, &phones).await;
    assert_eq!(
        cached.stats().misses,
        0,
        "every lookup after the warm-up is a hit"
    );
}

#[tokio::test]
async fn session_handles_share_one_cache_per_name() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    let a = cached.session("alice");
    let a2 = cached.session("alice");
    let b = cached.session("bob");
    a.save_peer(&peer(1, "shared", "", 1)).await.unwrap();
    assert_eq!(id_by_username(&a2, "shared").await, Some(1));
    assert_eq!(b.get_peer_by_username("shared").await.unwrap(), None);
    assert_eq!(cached.get_peer(1).await.unwrap(), None);
    // A write through one handle is seen by another that had cached the peer.
    a2.save_peer(&peer(1, "renamed", "", 2)).await.unwrap();
    assert_eq!(a.get_peer_by_username("shared").await.unwrap(), None);
    assert_eq!(a.get_peer(1).await.unwrap().unwrap().username, "renamed");
}

/// Writes that bypass the cache (another process, simulated by writing to the
/// inner store directly) are not seen while the cached entry lives; with a
/// time-to-live they are seen once it expires, and `clear` shows them at once.
#[tokio::test]
async fn outside_writes_are_seen_after_the_time_to_live() {
    let inner = MemoryAdapter::new();
    let ttl = Duration::from_millis(1_000);
    let cached =
        CachedAdapter::with_config(inner.clone(), CacheConfig::default().time_to_live(ttl));
    cached.save_peer(&peer(1, "carol", "", 1)).await.unwrap();
    assert_eq!(cached.get_peer(1).await.unwrap().unwrap().username, "carol");

    inner.save_peer(&peer(1, "carol_new", "", 2)).await.unwrap();
    assert_eq!(
        cached.get_peer(1).await.unwrap().unwrap().username,
        "carol",
        "served from memory: the outside write is not seen yet"
    );
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    assert_eq!(
        cached.get_peer(1).await.unwrap().unwrap().username,
        "carol_new"
    );
    assert_eq!(cached.get_peer_by_username("carol").await.unwrap(), None);

    inner.delete_peer(1).await.unwrap();
    assert!(cached.get_peer(1).await.unwrap().is_some(), "still cached");
    cached.clear();
    assert_eq!(cached.get_peer(1).await.unwrap(), None);
}

/// Many tasks writing and reading overlapping peers at once; afterwards every
/// lookup through the cache agrees with the inner store.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_and_reads_leave_the_cache_consistent() {
    let cached =
        CachedAdapter::with_config(MemoryAdapter::new(), CacheConfig::default().max_peers(40));
    concurrent_writes_and_reads(std::sync::Arc::new(cached), 200).await;
}

/// The same through a cache warmed up on the empty store (complete until
/// overlapping writes end that), with room for every peer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_and_reads_through_a_complete_cache() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    cached.warm_up().await.unwrap();
    assert!(cached.stats().complete);
    concurrent_writes_and_reads(std::sync::Arc::new(cached), 200).await;
}

/// Writes through a complete cache keep it complete: usernames and phones
/// of new peers, and ids, usernames and phones nobody has, are answered
/// from memory; a username moved between peers follows the tie rule.
#[tokio::test]
async fn a_complete_cache_answers_first_lookups_from_memory() {
    let cached = CachedAdapter::new(MemoryAdapter::new());
    assert_eq!(cached.warm_up().await.unwrap(), 0);
    let peers: Vec<Peer> = (0..100)
        .map(|i| peer(i, &format!("user_{i}"), &format!("+1 555 {i:04}"), i))
        .collect();
    cached.save_peers(&peers).await.unwrap();
    let before = cached.stats();
    assert!(before.complete, "{before:?}");
    for p in &peers {
        assert_found_by_every_key(&cached, p).await;
    }
    assert_eq!(cached.get_peer(1_000).await.unwrap(), None);
    assert_eq!(cached.get_peer_by_username("nobody").await.unwrap(), None);
    assert_eq!(cached.get_peer_by_phone("999").await.unwrap(), None);
    // A newer peer takes user_1; an older one claiming user_2 does not win.
    cached
        .save_peers(&[peer(500, "user_1", "", 1_000), peer(501, "user_2", "", 0)])
        .await
        .unwrap();
    assert_eq!(id_by_username(&cached, "user_1").await, Some(500));
    assert_eq!(id_by_username(&cached, "user_2").await, Some(2));
    // The winner gives the name up: who answers now is asked of the inner
    // store (the cache does not keep every claimant), and it is right.
    cached
        .save_peer(&peer(500, "other", "", 1_001))
        .await
        .unwrap();
    assert_eq!(id_by_username(&cached, "user_1").await, Some(1));
    let after = cached.stats();
    assert_eq!(after.misses - before.misses, 1, "{after:?}");
    assert!(after.complete, "{after:?}");
    cached.delete_peer(3).await.unwrap();
    assert_eq!(cached.get_peer(3).await.unwrap(), None);
    assert_eq!(cached.get_peer_by_username("user_3").await.unwrap(), None);
    assert_agrees(
        &cached,
        &[1, 2, 3, 500, 501],
        &["user_1", "user_2", "user_3", "other"],
        &[],
    )
    .await;
    // Clearing ends completeness: lookups read the inner store again.
    cached.clear();
    assert!(!cached.stats().complete);
    let misses = cached.stats().misses;
    assert_eq!(cached.get_peer_by_username("nobody").await.unwrap(), None);
    assert_eq!(cached.stats().misses, misses + 1);
}

/// The same over a SQLite file, where writes take long enough to overlap.
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_and_reads_leave_the_cache_consistent_over_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let orm = mtgo_storage::orm::sqlite::open(dir.path().join("overlap.db"))
        .await
        .unwrap();
    let cached = CachedAdapter::with_config(orm, CacheConfig::default().max_peers(40));
    concurrent_writes_and_reads(std::sync::Arc::new(cached), 40).await;
}

async fn concurrent_writes_and_reads<A: Adapter + 'static>(
    cached: std::sync::Arc<CachedAdapter<A>>,
    rounds: i64,
) {
    let mut tasks = Vec::new();
    for task in 0..16i64 {
        let cached = std::sync::Arc::clone(&cached);
        tasks.push(tokio::spawn(async move {
            for round in 0..rounds {
                let id = (task * 7 + round) % 30;
                let name = format!("n{}", (task + round) % 10);
                let phone = format!("{}", (task * round) % 10);
                match round % 5 {
                    0 => cached
                        .save_peer(&peer(id, &name, &phone, round % 4))
                        .await
                        .unwrap(),
                    1 => cached
                        .save_peers(&[
                            peer(id, &name, "", round % 3),
                            peer((id + 1) % 30, "", &phone, task % 3),
                        ])
                        .await
                        .unwrap(),
                    2 => cached.delete_peer(id).await.unwrap(),
                    3 => drop(cached.get_peer_by_username(&name).await.unwrap()),
                    _ => {
                        drop(cached.get_peer_by_phone(&phone).await.unwrap());
                        drop(cached.get_peer(id).await.unwrap());
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let names: Vec<String> = (0..10).map(|i| format!("n{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let phones: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
    let ids: Vec<i64> = (0..30).collect();
    assert_agrees(&cached, &ids, &names, &phones).await;
    assert_agrees(&cached, &ids, &names, &phones).await;
}

#[derive(Debug, Clone)]
enum Op {
    Save(Vec<Peer>),
    Delete(i64),
    GetId(i64),
    ByName(&'static str),
    ByPhone(&'static str),
    Clear,
    WarmUp,
}

const NAMES: [&str; 4] = ["a", "B", "@c", "a_b"];
const PHONES: [&str; 3] = ["+1 555", "1-555", "42"];

fn arb_peer() -> impl Strategy<Value = Peer> {
    (
        0..6i64,
        prop::option::of(0..NAMES.len()),
        prop::collection::vec(0..NAMES.len(), 0..2),
        prop::option::of(0..PHONES.len()),
        0..3i64,
    )
        .prop_map(|(id, main, extra, phone, t)| {
            let mut p = peer(
                id,
                main.map_or("", |i| NAMES[i]),
                phone.map_or("", |i| PHONES[i]),
                t,
            );
            p.usernames = extra.into_iter().map(|i| NAMES[i].to_uppercase()).collect();
            p
        })
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => prop::collection::vec(arb_peer(), 1..4).prop_map(Op::Save),
        1 => (0..6i64).prop_map(Op::Delete),
        2 => (0..6i64).prop_map(Op::GetId),
        3 => (0..NAMES.len()).prop_map(|i| Op::ByName(NAMES[i])),
        2 => (0..PHONES.len()).prop_map(|i| Op::ByPhone(PHONES[i])),
        1 => Just(Op::Clear),
        1 => Just(Op::WarmUp),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random sequences of writes and lookups (few ids, usernames and phones,
    /// so keys move between peers all the time, with ties) through a cache of
    /// 1, 2 or 100 peers, warmed up at start (complete until it evicts) or
    /// not, and now and then warmed up again: every lookup answers as the
    /// inner store does.
    #[test]
    fn random_operations_agree_with_the_inner_store(
        ops in prop::collection::vec(arb_op(), 1..40),
        capacity in prop::sample::select(vec![1u64, 2, 100]),
        warm in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let cached = CachedAdapter::with_config(
                MemoryAdapter::new(),
                CacheConfig::default().max_peers(capacity),
            );
            let inner = cached.inner().clone();
            if warm {
                cached.warm_up().await.unwrap();
            }
            for op in ops {
                match op {
                    Op::Save(peers) => cached.save_peers(&peers).await.unwrap(),
                    Op::Delete(id) => cached.delete_peer(id).await.unwrap(),
                    Op::GetId(id) => assert_eq!(
                        cached.get_peer(id).await.unwrap(),
                        inner.get_peer(id).await.unwrap()
                    ),
                    Op::ByName(name) => assert_eq!(
                        cached.get_peer_by_username(name).await.unwrap(),
                        inner.get_peer_by_username(name).await.unwrap(),
                        "username {name:?}"
                    ),
                    Op::ByPhone(phone) => assert_eq!(
                        cached.get_peer_by_phone(phone).await.unwrap(),
                        inner.get_peer_by_phone(phone).await.unwrap(),
                        "phone {phone:?}"
                    ),
                    Op::Clear => cached.clear(),
                    Op::WarmUp => {
                        cached.warm_up().await.unwrap();
                    }
                }
            }
            assert_agrees(&cached, &[0, 1, 2, 3, 4, 5], &NAMES, &PHONES).await;
        });
    }
}

/// A write the database refuses (a trigger installed by another connection
/// rejects one peer of the batch) changes nothing, neither in SQLite nor in
/// the cache: lookups keep answering the old values, then a write that
/// succeeds is seen.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_refused_write_leaves_the_cache_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refuse.db");
    let orm = mtgo_storage::orm::sqlite::open(&path).await.unwrap();
    let cached = CachedAdapter::new(orm);
    let old = peer(1, "first", "+1 555 0001", 1);
    cached.save_peer(&old).await.unwrap();
    assert_eq!(
        cached.get_peer_by_username("first").await.unwrap(),
        Some(old.clone())
    );
    assert_eq!(
        cached.get_peer_by_phone("15550001").await.unwrap(),
        Some(old.clone())
    );
    assert_eq!(cached.get_peer_by_username("second").await.unwrap(), None);

    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse_666 BEFORE INSERT ON mtgo_peers WHEN NEW.id = 666 \
             BEGIN SELECT RAISE(ABORT, 'peer 666 refused'); END;",
        )
        .unwrap();
    let new = peer(1, "second", "+1 555 0002", 2);
    let refused = cached
        .save_peers(&[new.clone(), peer(666, "x", "", 1)])
        .await;
    assert!(refused.is_err(), "{refused:?}");

    let before = cached.stats();
    assert_eq!(cached.get_peer(1).await.unwrap(), Some(old.clone()));
    assert_eq!(cached.get_peer_by_username("second").await.unwrap(), None);
    assert_eq!(
        cached.get_peer_by_username("first").await.unwrap(),
        Some(old.clone())
    );
    assert_eq!(cached.get_peer_by_phone("15550002").await.unwrap(), None);
    assert_eq!(cached.get_peer(666).await.unwrap(), None);
    assert!(
        cached.stats().misses > before.misses,
        "touched keys were dropped, then re-read"
    );
    assert_agrees(
        &cached,
        &[1, 666],
        &["first", "second", "x"],
        &["15550001", "15550002"],
    )
    .await;

    cached.save_peer(&new).await.unwrap();
    assert_eq!(
        cached.get_peer_by_username("second").await.unwrap(),
        Some(new.clone())
    );
    assert_eq!(cached.get_peer_by_username("first").await.unwrap(), None);
    assert_agrees(
        &cached,
        &[1, 666],
        &["first", "second", "x"],
        &["15550001", "15550002"],
    )
    .await;
}

/// While other tasks write and read at the same time, every task sees its
/// own acknowledged writes: its peer by id, and the username and phone it
/// just took (times come from one counter, so the latest claimant wins)
/// answered by itself or by a later claimant, never by an older one.
async fn acknowledged_writes_are_seen<A: Adapter + 'static>(
    cached: std::sync::Arc<CachedAdapter<A>>,
    rounds: i64,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    let clock = Arc::new(AtomicI64::new(1));
    let mut tasks = Vec::new();
    for task in 0..8i64 {
        let (cached, clock) = (Arc::clone(&cached), Arc::clone(&clock));
        tasks.push(tokio::spawn(async move {
            for round in 0..rounds {
                let id = task * 100 + round % 5;
                let name = format!("shared_{}", (task + round) % 6);
                let phone = format!("{}", 100 + (task * 3 + round) % 7);
                let mine = peer(id, &name, &phone, clock.fetch_add(1, Ordering::SeqCst));
                if round % 3 == 0 {
                    cached
                        .save_peers(std::slice::from_ref(&mine))
                        .await
                        .unwrap();
                } else {
                    cached.save_peer(&mine).await.unwrap();
                }
                assert_eq!(cached.get_peer(id).await.unwrap(), Some(mine.clone()));
                for found in [
                    cached.get_peer_by_username(&name).await.unwrap(),
                    cached.get_peer_by_phone(&phone).await.unwrap(),
                ] {
                    let found = found.expect("someone claims it");
                    assert!(
                        found.last_updated >= mine.last_updated,
                        "older {found:?} answered after {mine:?}"
                    );
                }
                if round % 50 == 49 {
                    cached.delete_peer(id).await.unwrap();
                    assert_eq!(cached.get_peer(id).await.unwrap(), None);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_are_seen_at_once_over_memory() {
    let cached =
        CachedAdapter::with_config(MemoryAdapter::new(), CacheConfig::default().max_peers(16));
    acknowledged_writes_are_seen(std::sync::Arc::new(cached), 300).await;
}

/// The same over a SQLite file, where writes take long enough to overlap.
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_are_seen_at_once_over_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let orm = mtgo_storage::orm::sqlite::open(dir.path().join("acked.db"))
        .await
        .unwrap();
    let cached = CachedAdapter::with_config(orm, CacheConfig::default().max_peers(16));
    acknowledged_writes_are_seen(std::sync::Arc::new(cached), 60).await;
}
