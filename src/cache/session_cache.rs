//! The cache of one session name: peers by id plus two lookup indexes, and
//! the bookkeeping that keeps fills from racing with writes.
//!
//! # Invariants (for writes made through the cache)
//!
//! * **Peers.** A cached peer equals the inner adapter's current version of
//!   that id.
//! * **Index entries.** `key -> None` means no peer of the inner adapter
//!   claims `key`. `key -> Some(x)` means either peer `x` is the inner
//!   adapter's answer for `key` (it claims it and wins the tie rule), or `x`
//!   no longer claims `key` (or no longer exists). A lookup therefore answers
//!   from memory only when `x` is cached *and* still claims `key`; otherwise
//!   it asks the inner adapter.
//!
//! Writes keep both invariants through [`super::write::PendingWrite`]; reads
//! that missed fill the cache only when no write started or was running
//! since the read began (a [`Ticket`] records the write epoch).

use super::config::CacheConfig;
use super::keys::{KeyKind, keys_of};
use crate::Peer;
use moka::sync::Cache;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// An index: normalized key -> the id that answers it, or `None` for "no
/// peer claims it".
pub(crate) type Index = Cache<String, Option<i64>>;

/// The cache of one session name, shared by every handle on that name.
pub(crate) struct SessionCache {
    pub(crate) peers: Cache<i64, Arc<Peer>>,
    pub(crate) usernames: Index,
    pub(crate) phones: Index,
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

impl SessionCache {
    pub(crate) fn new(config: &CacheConfig) -> Self {
        let capacity = config.peer_capacity();
        let ttl = config.ttl();
        let peers = {
            let b = Cache::builder().max_capacity(capacity);
            match ttl {
                Some(ttl) => b.time_to_live(ttl).build(),
                None => b.build(),
            }
        };
        let index = || {
            let b = Cache::builder().max_capacity(capacity);
            match ttl {
                Some(ttl) => b.time_to_live(ttl).build(),
                None => b.build(),
            }
        };
        Self {
            peers,
            usernames: index(),
            phones: index(),
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
        self.writes.lock().unwrap_or_else(|e| e.into_inner())
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

    /// The cached peer with this id, if any.
    pub(crate) fn get(&self, id: i64) -> Option<Peer> {
        let found = self.peers.get(&id).map(|p| Peer::clone(&p));
        self.count(found.is_some());
        found
    }

    /// The answer for a normalized key, if the cache can give it.
    pub(crate) fn lookup(&self, kind: KeyKind, key: &str) -> Lookup {
        let answer = match self.index(kind).get(key) {
            Some(None) => Lookup::Hit(None),
            Some(Some(id)) => match self.peers.get(&id) {
                Some(peer) if kind.claimed_by(&peer, key) => Lookup::Hit(Some(Peer::clone(&peer))),
                _ => Lookup::Miss,
            },
            None => Lookup::Miss,
        };
        self.count(matches!(answer, Lookup::Hit(_)));
        answer
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
            self.peers.insert(peer.id, Arc::new(peer.clone()));
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
            if let Some(peer) = answer {
                self.peers.insert(peer.id, Arc::new(peer.clone()));
            }
            self.index(kind).insert(key, answer.map(|p| p.id));
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
            for peer in peers {
                self.peers.insert(peer.id, Arc::new(peer.clone()));
            }
            for ((kind, key), peer) in winners {
                self.index(kind).insert(key, Some(peer.id));
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
        // Under the lock so that no fill or commit interleaves; moving the
        // epoch stops fills whose read began before the clear.
        let mut state = self.lock();
        state.epoch += 1;
        self.peers.invalidate_all();
        self.usernames.invalidate_all();
        self.phones.invalidate_all();
    }

    /// Number of cached peers (moka's count, which may lag recent changes
    /// by a little).
    pub(crate) fn peer_count(&self) -> u64 {
        self.peers.run_pending_tasks();
        self.peers.entry_count()
    }
}
