//! The cache of one session name: peers by id plus two lookup indexes, and
//! the bookkeeping that keeps fills from racing with writes.
//!
//! # Invariants (for writes made through the cache)
//!
//! * **Registry.** At most one [`Entry`] per id is registered; a registered
//!   entry is valid, equals the inner adapter's current version of its id,
//!   and is the one in the id cache. An entry that stops being registered
//!   (a write of its id starts, a newer entry replaces it, the id cache
//!   evicts or expires it, [`SessionCache::clear`]) is invalidated first, so
//!   "valid" means "current".
//! * **Index entries.** `key -> None` means no peer of the inner adapter
//!   claims `key`. `key -> Some(entry)` with a valid entry that claims `key`
//!   means that peer is the inner adapter's answer for `key` (it wins the
//!   tie rule). Any other index entry is ignored: the lookup asks the inner
//!   adapter. So a hit costs one cache read, and a username that moved, a
//!   deleted peer, a changed phone or an evicted peer never answer wrongly.
//!
//! Writes keep both through [`super::write::PendingWrite`]; reads that missed
//! fill the cache only when no write started or was running since the read
//! began (a [`Ticket`] records the write epoch).

use super::config::CacheConfig;
use super::entry::{CachedPeer, Entry};
use super::keys::{KeyKind, keys_of};
use crate::Peer;
use moka::notification::RemovalCause;
use moka::sync::Cache;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// An index: normalized key -> the entry that answers it, or `None` for
/// "no peer claims it".
pub(crate) type Index = Cache<String, Option<Entry>>;

/// The registered entry of each id.
type Registry = Arc<Mutex<HashMap<i64, Entry>>>;

/// The cache of one session name, shared by every handle on that name.
pub(crate) struct SessionCache {
    pub(crate) peers: Cache<i64, Entry>,
    pub(crate) usernames: Index,
    pub(crate) phones: Index,
    registry: Registry,
    ttl: Option<Duration>,
    writes: Mutex<WriteState>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Write bookkeeping: `epoch` moves when a write starts and when it ends.
#[derive(Debug, Default)]
pub(crate) struct WriteState {
    pub(crate) epoch: u64,
    pub(crate) in_flight: u32,
}

/// The write epoch seen before a read of the inner adapter began.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

/// What the cache knows about a lookup.
pub(crate) enum Lookup {
    /// Answered from memory (`None`: no peer claims the key).
    Hit(Option<Peer>),
    /// Unknown: ask the inner adapter.
    Miss,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl SessionCache {
    pub(crate) fn new(config: &CacheConfig) -> Self {
        let capacity = config.peer_capacity();
        let ttl = config.ttl();
        let registry: Registry = Arc::default();
        let listener_registry = Arc::clone(&registry);
        // Called by moka, in the thread that removes the entry, before any
        // other operation on that id proceeds (moka holds the key's lock).
        // Never called while `registry` is held: the cache is not touched
        // under that lock.
        let on_removal = move |_: Arc<i64>, entry: Entry, _: RemovalCause| {
            entry.invalidate();
            let mut registry = lock(&listener_registry);
            if registry
                .get(&entry.peer.id)
                .is_some_and(|current| Arc::ptr_eq(current, &entry))
            {
                registry.remove(&entry.peer.id);
            }
        };
        let mut peers = Cache::builder()
            .max_capacity(capacity)
            .eviction_listener(on_removal);
        if let Some(ttl) = ttl {
            peers = peers.time_to_live(ttl);
        }
        let index = || {
            let b = Cache::builder().max_capacity(capacity);
            match ttl {
                Some(ttl) => b.time_to_live(ttl).build(),
                None => b.build(),
            }
        };
        Self {
            peers: peers.build(),
            usernames: index(),
            phones: index(),
            registry,
            ttl,
            writes: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(crate) fn index(&self, kind: KeyKind) -> &Index {
        match kind {
            KeyKind::Username => &self.usernames,
            KeyKind::Phone => &self.phones,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, WriteState> {
        lock(&self.writes)
    }

    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// (hits, misses) so far.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Whether an entry read from a cache may answer.
    pub(crate) fn is_current(&self, entry: &CachedPeer) -> bool {
        entry.is_current(self.ttl)
    }

    /// The cached peer with this id, if any.
    pub(crate) fn get(&self, id: i64) -> Option<Peer> {
        let found = self
            .peers
            .get(&id)
            .filter(|e| self.is_current(e))
            .map(|e| e.peer.clone());
        self.count(found.is_some());
        found
    }

    /// The answer for a normalized key, if the cache can give it.
    pub(crate) fn lookup(&self, kind: KeyKind, key: &str) -> Lookup {
        let answer = match self.index(kind).get(key) {
            Some(None) => Lookup::Hit(None),
            Some(Some(e)) if self.is_current(&e) && kind.claimed_by(&e.peer, key) => {
                Lookup::Hit(Some(e.peer.clone()))
            }
            _ => Lookup::Miss,
        };
        self.count(matches!(answer, Lookup::Hit(_)));
        answer
    }

    /// Makes `peer` the registered, cached version of its id and returns
    /// its entry (the registered one if it is current and equal). Call only
    /// when `peer` is known to be the inner adapter's current version.
    pub(crate) fn register(&self, peer: &Peer) -> Entry {
        let entry = {
            let mut registry = lock(&self.registry);
            if let Some(current) = registry.get(&peer.id)
                && current.peer == *peer
                && self.is_current(current)
            {
                return Arc::clone(current);
            }
            let entry = CachedPeer::new(peer.clone());
            if let Some(old) = registry.insert(peer.id, Arc::clone(&entry)) {
                old.invalidate();
            }
            entry
        };
        // Outside the registry lock: moka may call the listener here.
        self.peers.insert(peer.id, Arc::clone(&entry));
        entry
    }

    /// Unregisters and invalidates the entry of `id`; returns it if it was
    /// current. Then drops it from the id cache.
    pub(crate) fn unregister(&self, id: i64) -> Option<Entry> {
        let old = lock(&self.registry).remove(&id).filter(|old| {
            let current = self.is_current(old);
            old.invalidate();
            current
        });
        self.peers.invalidate(&id);
        old
    }

    /// Call before reading the inner adapter to fill the cache afterwards.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.lock().epoch)
    }

    /// Runs `fill` (under the write lock) only if no write started or was
    /// running since `ticket` was taken: what was read is then still current.
    fn fill_if_current(&self, ticket: Ticket, fill: impl FnOnce()) -> bool {
        let state = self.lock();
        let current = state.epoch == ticket.0 && state.in_flight == 0;
        if current {
            fill();
        }
        current
    }

    /// Caches a peer read by id from the inner adapter.
    pub(crate) fn fill_peer(&self, ticket: Ticket, peer: &Peer) {
        self.fill_if_current(ticket, || {
            self.register(peer);
        });
    }

    /// Caches the inner adapter's answer for a normalized key.
    pub(crate) fn fill_lookup(
        &self,
        ticket: Ticket,
        kind: KeyKind,
        key: String,
        answer: Option<&Peer>,
    ) {
        self.fill_if_current(ticket, || {
            let entry = answer.map(|p| self.register(p));
            self.index(kind).insert(key, entry);
        });
    }

    /// Caches every peer of the session (as `load_peers` returned them) and
    /// the answer for each key they claim, computed with the tie rule.
    /// Returns whether the cache was filled (no write raced with the read).
    pub(crate) fn fill_all(&self, ticket: Ticket, peers: &[Peer]) -> bool {
        let mut winners: HashMap<(KeyKind, String), &Peer> = HashMap::new();
        for peer in peers {
            for key in keys_of(peer) {
                winners
                    .entry(key)
                    .and_modify(|best| {
                        if peer.is_newer_than(best) {
                            *best = peer;
                        }
                    })
                    .or_insert(peer);
            }
        }
        let filled = self.fill_if_current(ticket, || {
            let entries: HashMap<i64, Entry> =
                peers.iter().map(|p| (p.id, self.register(p))).collect();
            for ((kind, key), peer) in winners {
                self.index(kind)
                    .insert(key, Some(Arc::clone(&entries[&peer.id])));
            }
        });
        // Apply moka's pending bookkeeping now rather than on the first
        // lookups.
        self.peers.run_pending_tasks();
        self.usernames.run_pending_tasks();
        self.phones.run_pending_tasks();
        filled
    }

    /// Forgets everything cached (counters are kept).
    pub(crate) fn clear(&self) {
        // Under the write lock so that no fill or commit interleaves; moving
        // the epoch stops fills whose read began before the clear.
        let mut state = self.lock();
        state.epoch += 1;
        for (_, entry) in lock(&self.registry).drain() {
            entry.invalidate();
        }
        self.peers.invalidate_all();
        self.usernames.invalidate_all();
        self.phones.invalidate_all();
    }

    /// Number of cached peers (moka's count, after its pending work).
    pub(crate) fn peer_count(&self) -> u64 {
        self.peers.run_pending_tasks();
        self.peers.entry_count()
    }
}
