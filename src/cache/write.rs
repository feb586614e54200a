//! A write through the cache: what it does to the cache before the inner
//! adapter is written, and after it succeeded.
//!
//! Before: the epoch moves and the peers and index keys the write touches
//! are removed (their old values kept here), so that while the write runs no
//! read answers them from memory and no read fills them. After success, and
//! only if no other write overlapped this one (so the order of the inner
//! writes is known), the new peers are cached and each touched key gets the
//! answer the inner adapter now gives, when it can be known from what was
//! cached; otherwise the key stays uncached and the next lookup asks the
//! inner adapter. On error, cancellation or overlap nothing is installed.

use super::keys::{KeyKind, keys_of};
use super::session_cache::SessionCache;
use crate::Peer;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// An index key: its kind and normalized text.
type Key = (KeyKind, String);

/// A write in progress; [`PendingWrite::commit`] it after the inner adapter
/// succeeded, or drop it.
pub(crate) struct PendingWrite<'a> {
    cache: &'a SessionCache,
    start: u64,
    /// The peers written, one per id (the last of a repeated id).
    peers: Vec<&'a Peer>,
    /// The cached version of each written or deleted id before the write.
    old: HashMap<i64, Option<Arc<Peer>>>,
    /// The index entry of each key the new peers claim, before the write
    /// (`None`: not cached).
    keys: HashMap<Key, Option<Option<i64>>>,
    finished: bool,
}

impl SessionCache {
    /// Starts saving `peers` (the last of a repeated id wins).
    pub(crate) fn begin_save<'a>(&'a self, peers: &'a [Peer]) -> PendingWrite<'a> {
        let peers = last_of_each_id(peers);
        let start = self.start_write();
        let mut old = HashMap::with_capacity(peers.len());
        let mut keys = HashMap::new();
        for peer in &peers {
            old.insert(peer.id, self.peers.remove(&peer.id));
            for (kind, key) in keys_of(peer) {
                if !keys.contains_key(&(kind, key.clone())) {
                    let before = self.index(kind).remove(&key);
                    keys.insert((kind, key), before);
                }
            }
        }
        PendingWrite {
            cache: self,
            start,
            peers,
            old,
            keys,
            finished: false,
        }
    }

    /// Starts deleting the peer `id`. Index entries naming it stay: they no
    /// longer verify (the peer is not cached), so lookups ask the inner
    /// adapter.
    pub(crate) fn begin_delete(&self, id: i64) -> PendingWrite<'_> {
        let start = self.start_write();
        self.peers.invalidate(&id);
        PendingWrite {
            cache: self,
            start,
            peers: Vec::new(),
            old: HashMap::new(),
            keys: HashMap::new(),
            finished: false,
        }
    }

    fn start_write(&self) -> u64 {
        let mut state = self.lock();
        state.epoch += 1;
        state.in_flight += 1;
        state.epoch
    }
}

impl PendingWrite<'_> {
    /// The inner adapter acknowledged the write: cache its result if no
    /// other write overlapped it.
    pub(crate) fn commit(mut self) {
        self.finish(true);
    }

    fn finish(&mut self, succeeded: bool) {
        self.finished = true;
        let mut state = self.cache.lock();
        let alone = state.epoch == self.start && state.in_flight == 1;
        if succeeded && alone {
            // Under the lock: no fill, commit or write start interleaves.
            self.install();
        }
        state.epoch += 1;
        state.in_flight -= 1;
    }

    fn install(&mut self) {
        let cache = self.cache;
        let written: HashSet<i64> = self.peers.iter().map(|p| p.id).collect();
        let mut done: HashMap<i64, Arc<Peer>> = HashMap::with_capacity(self.peers.len());
        let mut keys = std::mem::take(&mut self.keys);
        for &peer in &self.peers {
            let new = Arc::new(peer.clone());
            cache.peers.insert(peer.id, Arc::clone(&new));
            let old = self.old.get(&peer.id).and_then(Option::as_deref);
            for (kind, key) in keys_of(peer) {
                let current = |id: i64| {
                    if written.contains(&id) {
                        // Written by this batch: known only once handled.
                        done.get(&id).cloned()
                    } else {
                        cache.peers.get(&id)
                    }
                };
                let slot = keys
                    .get_mut(&(kind, key.clone()))
                    .expect("every claimed key was recorded at the start");
                *slot = next_entry(*slot, peer, old, kind, &key, current);
            }
            done.insert(peer.id, new);
        }
        for ((kind, key), entry) in keys {
            if let Some(answer) = entry {
                cache.index(kind).insert(key, answer);
            }
        }
    }
}

impl Drop for PendingWrite<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.finish(false);
        }
    }
}

/// The index entry of `key` after `peer` (which claims it) was written over
/// `old` (its previous version, if it was cached), given the entry before
/// (`None`: not cached) and `current` (the current version of another id,
/// if known). `None` means "not known: leave it uncached".
fn next_entry(
    before: Option<Option<i64>>,
    peer: &Peer,
    old: Option<&Peer>,
    kind: KeyKind,
    key: &str,
    current: impl Fn(i64) -> Option<Arc<Peer>>,
) -> Option<Option<i64>> {
    match before? {
        // Nobody claimed it: the new peer is the only claimant.
        None => Some(Some(peer.id)),
        // The peer was the answer: it stays so if it did claim the key and
        // did not get older; else some other claimant may win now.
        Some(id) if id == peer.id => match old {
            Some(old) if kind.claimed_by(old, key) && peer.last_updated >= old.last_updated => {
                Some(Some(peer.id))
            }
            _ => None,
        },
        // Another peer was the answer (so it beat every other claimant):
        // the winner is whichever of it and the new peer is newer.
        Some(id) => match current(id) {
            Some(winner) if kind.claimed_by(&winner, key) => {
                if peer.is_newer_than(&winner) {
                    Some(Some(peer.id))
                } else {
                    Some(Some(id))
                }
            }
            _ => None,
        },
    }
}

/// One entry per id, the last of each, in batch order.
fn last_of_each_id(peers: &[Peer]) -> Vec<&Peer> {
    if peers.len() <= 1 {
        return peers.iter().collect();
    }
    let mut last: HashMap<i64, usize> = HashMap::with_capacity(peers.len());
    for (i, peer) in peers.iter().enumerate() {
        last.insert(peer.id, i);
    }
    peers
        .iter()
        .enumerate()
        .filter(|(i, p)| last[&p.id] == *i)
        .map(|(_, p)| p)
        .collect()
}
