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

use super::entry::Entry;
use super::keys::{KeyKind, keys_of};
use super::session_cache::SessionCache;
use crate::Peer;
use std::collections::HashMap;
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
    /// The current entry of each written id before the write, if cached.
    old: HashMap<i64, Option<Entry>>,
    /// The index entry of each key the new peers claim, before the write
    /// (`None`: not cached).
    keys: HashMap<Key, Option<Option<Entry>>>,
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
            old.insert(peer.id, self.unregister(peer.id));
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

    /// Starts deleting the peer `id`. Index entries naming it stay, but its
    /// entry is no longer valid, so lookups of them ask the inner adapter.
    pub(crate) fn begin_delete(&self, id: i64) -> PendingWrite<'_> {
        let start = self.start_write();
        self.unregister(id);
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
        let mut keys = std::mem::take(&mut self.keys);
        for &peer in &self.peers {
            let new = cache.register(peer);
            let old = self.old.get(&peer.id).and_then(Option::as_ref);
            for (kind, key) in keys_of(peer) {
                let slot = keys
                    .get_mut(&(kind, key.clone()))
                    .expect("every claimed key was recorded at the start");
                *slot = next_entry(slot.take(), &new, old, kind, &key, |e| cache.is_current(e));
            }
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

/// The index entry of `key` after `new` (which claims it) was written over
/// `old` (the entry current before the write, if it was cached), given the
/// entry before (`None`: not cached). `None` means "not known: leave it
/// uncached". `is_current` tells whether another peer's entry is still its
/// current version (entries of ids this batch wrote are no longer current
/// until the batch has registered their new entries).
fn next_entry(
    before: Option<Option<Entry>>,
    new: &Entry,
    old: Option<&Entry>,
    kind: KeyKind,
    key: &str,
    is_current: impl Fn(&Entry) -> bool,
) -> Option<Option<Entry>> {
    let peer = &new.peer;
    match before? {
        // Nobody claimed it: the new peer is the only claimant.
        None => Some(Some(Arc::clone(new))),
        // The peer's current version was the answer: it stays so if it did
        // claim the key and did not get older; else another claimant may
        // win now.
        Some(answer) if answer.peer.id == peer.id => match old {
            Some(old)
                if Arc::ptr_eq(&answer, old)
                    && kind.claimed_by(&old.peer, key)
                    && peer.last_updated >= old.peer.last_updated =>
            {
                Some(Some(Arc::clone(new)))
            }
            _ => None,
        },
        // Another peer's current version was the answer (so it beat every
        // other claimant): the winner is whichever of it and the new peer is
        // newer.
        Some(answer) if is_current(&answer) && kind.claimed_by(&answer.peer, key) => {
            if peer.is_newer_than(&answer.peer) {
                Some(Some(Arc::clone(new)))
            } else {
                Some(Some(answer))
            }
        }
        Some(_) => None,
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
