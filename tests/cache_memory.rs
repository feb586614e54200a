//! Measures (does not estimate) the heap bytes a `CachedAdapter` holds per
//! cached peer, for 100,000 peers, with a global allocator that counts live
//! bytes. Run `cargo test --release --test cache_memory -- --nocapture` to
//! see the figure the README quotes.

use mtgo_storage::{CachedAdapter, MemoryAdapter, Peer, PeerStore, PeerType};
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

const PEERS: i64 = 100_000;

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

#[tokio::test(flavor = "current_thread")]
async fn bytes_per_cached_peer_for_100_000_peers() {
    let peers: Vec<Peer> = (0..PEERS).map(realistic_peer).collect();
    let inner = MemoryAdapter::new();
    inner.save_peers(&peers).await.unwrap();

    // The peers themselves: the `Peer` structs and their strings.
    let before = live();
    let copies: Vec<Peer> = peers.clone();
    let peer_data = (live() - before) as f64 / PEERS as f64;
    drop(copies);

    let before = live();
    let cached = CachedAdapter::new(inner);
    assert_eq!(cached.warm_up().await.unwrap(), PEERS as usize);
    let stats = cached.stats(); // runs moka's pending maintenance first
    let after = live();
    assert_eq!(stats.peers, PEERS as u64, "nothing evicted");
    let per_peer = (after - before) as f64 / PEERS as f64;

    // Every peer is then answered from memory.
    let p = &peers[12_345];
    assert_eq!(
        cached
            .get_peer_by_username(&p.username)
            .await
            .unwrap()
            .as_ref(),
        Some(p)
    );
    assert_eq!(
        cached
            .get_peer_by_phone(&p.phone_number)
            .await
            .unwrap()
            .as_ref(),
        Some(p)
    );
    assert_eq!(cached.stats().misses, 0);

    println!(
        "cache_memory: {PEERS} peers cached (id + username + phone entries): \
         {per_peer:.0} bytes per peer, of which the Peer values (struct and \
         strings) are {peer_data:.0}"
    );
    assert!(
        per_peer > peer_data && per_peer < 1_500.0,
        "{per_peer:.0} bytes per cached peer"
    );
}
