//! Measures (does not estimate) the heap bytes a `CachedAdapter` holds per
//! cached peer, for 100,000 and 1,000,000 peers (each with a username, a
//! phone and names), with a global allocator that counts live bytes, and
//! checks the bound of 350 bytes. Run `cargo test --release --test
//! cache_memory -- --include-ignored --nocapture` to see the figures the
//! README quotes.

use mtgo_storage::conformance::fixtures::assert_found_by_every_key;
use mtgo_storage::{CacheConfig, CachedAdapter, MemoryAdapter, Peer, PeerStore, PeerType};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a
// counter of live bytes is kept on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout as asked of us.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout as asked of us.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The most heap a cached peer may cost (the bound).
const MAX_BYTES_PER_PEER: f64 = 350.0;

/// A peer as a client typically caches one: a username, names, a phone.
fn realistic_peer(i: i64) -> Peer {
    let mut p = Peer::new(
        1_000_000_000 + i * 7,
        PeerType::User,
        i.wrapping_mul(0x5DEECE66D),
    );
    p.username = format!("user_name_{i:06}");
    p.first_name = format!("First{i}");
    p.last_name = "Lastname".into();
    p.phone_number = format!("+1555{i:07}");
    p.language = "en".into();
    p.last_updated = 1_795_000_000 + i;
    p
}

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// One measurement at a time: the counter is global, and the test harness
/// runs tests on parallel threads.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Caches `count` peers with `warm_up` and returns the live heap bytes the
/// cache holds per peer, after checking that lookups are answered from
/// memory.
async fn bytes_per_cached_peer(count: i64) -> f64 {
    let _alone = ONE_AT_A_TIME.lock().await;
    let peers: Vec<Peer> = (0..count).map(realistic_peer).collect();
    let inner = MemoryAdapter::new();
    inner.save_peers(&peers).await.unwrap();

    // The peers themselves: the `Peer` structs and their strings.
    let before = live();
    let copies: Vec<Peer> = peers[..1_000].to_vec();
    let peer_data = (live() - before) as f64 / 1_000.0;
    drop(copies);

    let config = CacheConfig::default().max_peers(count as u64);
    let before = live();
    let cached = CachedAdapter::with_config(inner, config);
    assert_eq!(cached.warm_up().await.unwrap(), count as usize);
    let after = live();
    let stats = cached.stats();
    assert_eq!(stats.peers, count as u64, "nothing evicted");
    assert!(stats.complete, "{stats:?}");
    let per_peer = (after - before) as f64 / count as f64;

    // Every peer is then answered from memory.
    for p in [&peers[12_345], &peers[count as usize - 1]] {
        assert_found_by_every_key(&cached, p).await;
    }
    assert_eq!(
        cached.get_peer_by_username("nobody_here").await.unwrap(),
        None
    );
    assert_eq!(cached.stats().misses, 0);

    println!(
        "cache_memory: {count} peers cached (id + username + phone entries): \
         {per_peer:.0} bytes per peer; a `Peer` value (struct and strings) \
         alone is {peer_data:.0}"
    );
    per_peer
}

#[tokio::test(flavor = "current_thread")]
async fn bytes_per_cached_peer_for_100_000_peers() {
    let per_peer = bytes_per_cached_peer(100_000).await;
    assert!(
        per_peer > 50.0 && per_peer <= MAX_BYTES_PER_PEER,
        "{per_peer:.0} bytes per cached peer"
    );
}

/// A million peers: the hash tables are then at their emptiest (just past
/// a doubling). About 1.5 GB of heap for the test itself (the peers, the
/// inner store's copy, `load_peers`' copy, the cache), so it is not part of
/// the default run: `cargo test --release --test cache_memory -- --ignored
/// --nocapture`.
#[tokio::test(flavor = "current_thread")]
#[ignore = "a million peers: about 1.5 GB and a minute; run with --ignored"]
async fn bytes_per_cached_peer_for_1_000_000_peers() {
    let per_peer = bytes_per_cached_peer(1_000_000).await;
    assert!(
        per_peer > 50.0 && per_peer <= MAX_BYTES_PER_PEER,
        "{per_peer:.0} bytes per cached peer"
    );
}
