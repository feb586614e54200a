//! The cache of one session name: peers by id plus two lookup indexes, and
//! the bookkeeping that keeps fills from racing with writes.
//!
//! # Invariants (for writes made through the cache)
//!
//! * **Slots.** At most one [`Slot`] per id is registered, and it is the one
//!   in the id cache. A valid slot holds the inner adapter's current version
//!   of its id. A slot stops answering when a write of its id starts (and
//!   answers again, with the written peer, once the write is acknowledged
//!   and no other write overlapped it) and dies for good when it stops being
//!   registered (evicted or expired from the id cache, replaced, cleared,
//!   deleted, or written by overlapping writes).
//! * **Index entries.** `key -> None` means no peer of the inner adapter
//!   claims `key`. `key -> Some(slot)` with a valid slot whose peer claims
//!   `key` means that peer is the inner adapter's answer for `key` (it wins
//!   the tie rule). Any other index entry is ignored: the lookup asks the
//!   inner adapter. So a hit costs one cache read, and a username that
//!   moved, a deleted peer, a changed phone or an evicted peer never answer
//!   wrongly.
//!
//! Writes keep both through [`super::write::PendingWrite`]; reads that missed
//! fill the cache only when no write started or was running since the read
//! began (a [`Ticket`] records the write epoch).

use super::config::CacheConfig;
use super::entry::{Entry, Slot};
use super::keys::{KeyKind, keys_of};
use crate::Peer;
use moka::notification::RemovalCause;
use moka::sync::Cache;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// An index: normalized key -> the slot that answers it, or `None` for
/// "no peer claims it".
pub(crate) type Index = Cache<String, Option<Entry>>;

/// The registered slot of each id.
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
        let on_removal = move |_: Arc<i64>, slot: Entry, cause: RemovalCause| {
            crate::observe::cache_removal(cause.was_evicted());
            slot.kill();
            let mut registry = lock(&listener_registry);
            if registry
                .get(&slot.id)
                .is_some_and(|current| Arc::ptr_eq(current, &slot))
            {
                registry.remove(&slot.id);
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
        crate::observe::cache_lookup(hit);
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

    /// The configured time-to-live.
    pub(crate) fn ttl(&self) -> Option<Duration> {
        self.ttl
    }

    /// The cached peer with this id, if any.
    pub(crate) fn get(&self, id: i64) -> Option<Peer> {
        let found = self
            .peers
            .get(&id)
            .and_then(|slot| slot.current_if(self.ttl, |_| true));
        self.count(found.is_some());
        found
    }

    /// The answer for a normalized key, if the cache can give it.
    pub(crate) fn lookup(&self, kind: KeyKind, key: &str) -> Lookup {
        let answer = match self.index(kind).get(key) {
            Some(None) => Lookup::Hit(None),
            Some(Some(slot)) => match slot.current_if(self.ttl, |p| kind.claimed_by(p, key)) {
                Some(peer) => Lookup::Hit(Some(peer)),
                None => Lookup::Miss,
            },
            None => Lookup::Miss,
        };
        self.count(matches!(answer, Lookup::Hit(_)));
        answer
    }

    /// Makes `peer` the registered, cached version of its id and returns
    /// its slot (the registered one if it is valid and holds `peer`). Call
    /// only when `peer` is known to be the inner adapter's current version.
    pub(crate) fn register(&self, peer: &Peer) -> Entry {
        let slot = {
            let mut registry = lock(&self.registry);
            if let Some(current) = registry.get(&peer.id)
                && current.holds(self.ttl, peer)
            {
                return Arc::clone(current);
            }
            let slot = Slot::new(peer.clone());
            if let Some(old) = registry.insert(peer.id, Arc::clone(&slot)) {
                old.kill();
            }
            slot
        };
        // Outside the registry lock: moka may call the listener here.
        self.peers.insert(peer.id, Arc::clone(&slot));
        slot
    }

    /// The registered slot of `id`, if any.
    pub(crate) fn slot(&self, id: i64) -> Option<Entry> {
        lock(&self.registry).get(&id).cloned()
    }

    /// Unregisters and kills the slot of `id`, and drops it from the id
    /// cache.
    pub(crate) fn unregister(&self, id: i64) {
        if let Some(old) = lock(&self.registry).remove(&id) {
            old.kill();
        }
        self.peers.invalidate(&id);
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
        for (_, slot) in lock(&self.registry).drain() {
            slot.kill();
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
