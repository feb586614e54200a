//! A write through the cache: what it does to the cache before the inner
//! adapter is written, and after it succeeded.
//!
//! Before: the epoch moves, the slots of the written ids stop answering
//! (their peers are kept here), and the index keys the new peers claim that
//! name another slot (or "nobody") are removed (their old values kept
//! here), so that while the write runs no read answers them from memory and
//! no read fills them. After success, and only if no other write overlapped
//! this one (so the order of the inner writes is known), each slot answers
//! again with the written peer and each touched key gets the answer the
//! inner adapter now gives, when it can be known from what was cached;
//! otherwise the key is left uncached and the next lookup asks the inner
//! adapter. A refresh that keeps a peer's usernames and phone therefore
//! changes no index entry. On error, cancellation or overlap the written
//! slots die and nothing is installed.

use super::entry::Entry;
use super::keys::{KeyKind, keys_of};
use super::session_cache::SessionCache;
use crate::Peer;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// An index key: its kind and normalized text.
type Key = (KeyKind, String);

/// One written peer: its slot at the start (if cached), the peer that slot
/// held then (if it was valid), and the keys it claims (positions in
/// [`PendingWrite::keys`]).
struct Written<'a> {
    peer: &'a Peer,
    slot: Option<Entry>,
    old: Option<Peer>,
    keys: Vec<usize>,
}

/// A key the new peers claim: its index entry at the start (`None`: not
/// cached) and whether that entry was left in the index.
struct Touched {
    key: Key,
    before: Option<Option<Entry>>,
    left_in_index: bool,
}

/// A write in progress; [`PendingWrite::commit`] it after the inner adapter
/// succeeded, or drop it.
pub(crate) struct PendingWrite<'a> {
    cache: &'a SessionCache,
    start: u64,
    /// The peers written, one per id (the last of a repeated id).
    written: Vec<Written<'a>>,
    keys: Vec<Touched>,
    finished: bool,
}

impl SessionCache {
    /// Starts saving `peers` (the last of a repeated id wins).
    pub(crate) fn begin_save<'a>(&'a self, peers: &'a [Peer]) -> PendingWrite<'a> {
        let peers = last_of_each_id(peers);
        let start = self.start_write();
        let ids: HashSet<i64> = peers.iter().map(|p| p.id).collect();
        let mut written = Vec::with_capacity(peers.len());
        let mut keys: Vec<Touched> = Vec::new();
        let mut positions: HashMap<Key, usize> = HashMap::new();
        for peer in peers {
            let slot = self.slot(peer.id);
            let old = slot.as_ref().and_then(|s| s.begin_write(self.ttl()));
            let mut claimed = Vec::new();
            for (kind, key) in keys_of(peer) {
                if let Some(&at) = positions.get(&(kind, key.clone())) {
                    claimed.push(at);
                    continue;
                }
                let index = self.index(kind);
                let (before, left_in_index) = match index.get(&key) {
                    // A slot of this batch: it does not answer while the
                    // write runs, so the entry can stay.
                    Some(Some(s)) if ids.contains(&s.id) => (Some(Some(s)), true),
                    Some(_) => (index.remove(&key), false),
                    None => (None, false),
                };
                claimed.push(keys.len());
                positions.insert((kind, key.clone()), keys.len());
                keys.push(Touched {
                    key: (kind, key),
                    before,
                    left_in_index,
                });
            }
            written.push(Written {
                peer,
                slot,
                old,
                keys: claimed,
            });
        }
        PendingWrite {
            cache: self,
            start,
            written,
            keys,
            finished: false,
        }
    }

    /// Starts deleting the peer `id`: its slot dies. Index entries naming it
    /// stay, but no longer answer.
    pub(crate) fn begin_delete(&self, id: i64) -> PendingWrite<'_> {
        let start = self.start_write();
        self.unregister(id);
        PendingWrite {
            cache: self,
            start,
            written: Vec::new(),
            keys: Vec::new(),
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
        } else {
            for w in &self.written {
                if w.slot.is_some() {
                    self.cache.unregister(w.peer.id);
                }
            }
            for touched in &self.keys {
                if touched.left_in_index {
                    let (kind, key) = &touched.key;
                    self.cache.index(*kind).invalidate(key);
                }
            }
        }
        state.epoch += 1;
        state.in_flight -= 1;
    }

    fn install(&mut self) {
        let cache = self.cache;
        let ttl = cache.ttl();
        // The current answer of each touched key as the batch is applied.
        let mut answers: Vec<Option<Option<Entry>>> =
            self.keys.iter().map(|t| t.before.clone()).collect();
        for w in &self.written {
            let peer = w.peer;
            let slot = match &w.slot {
                Some(slot) if slot.finish_write(peer) => Arc::clone(slot),
                _ => cache.register(peer),
            };
            for &at in &w.keys {
                let (kind, key) = &self.keys[at].key;
                let answer = answers[at].take();
                answers[at] = next_answer(answer, &slot, w, *kind, key, |s| {
                    s.current_if(ttl, |p| kind.claimed_by(p, key))
                });
            }
        }
        for (touched, answer) in self.keys.drain(..).zip(answers) {
            let (kind, key) = touched.key;
            let index = cache.index(kind);
            match answer {
                Some(answer) => {
                    let unchanged = touched.left_in_index
                        && matches!((&touched.before, &answer),
                            (Some(Some(a)), Some(b)) if Arc::ptr_eq(a, b));
                    if !unchanged {
                        index.insert(key, answer);
                    }
                }
                None if touched.left_in_index => index.invalidate(&key),
                None => {}
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

/// The answer for `key` after `w.peer` (which claims it, now held by
/// `slot`) was written, given the answer before (`None`: not known).
/// `None` means "not known: leave it uncached". `current` gives another
/// slot's peer if that slot is valid and its peer claims the key (slots of
/// this batch are not valid until the batch has reached them).
fn next_answer(
    before: Option<Option<Entry>>,
    slot: &Entry,
    w: &Written<'_>,
    kind: KeyKind,
    key: &str,
    current: impl Fn(&Entry) -> Option<Peer>,
) -> Option<Option<Entry>> {
    let peer = w.peer;
    match before? {
        // Nobody claimed it: the new peer is the only claimant.
        None => Some(Some(Arc::clone(slot))),
        // The written id's slot was the answer, holding the version this
        // write replaced: it stays the answer if that version claimed the
        // key and the new one is not older; else another claimant may win.
        Some(answer) if answer.id == peer.id => {
            let was_current = w.slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, &answer));
            match &w.old {
                Some(old)
                    if was_current
                        && kind.claimed_by(old, key)
                        && peer.last_updated >= old.last_updated =>
                {
                    Some(Some(Arc::clone(slot)))
                }
                _ => None,
            }
        }
        // Another peer's valid slot was the answer (so it beat every other
        // claimant): the winner is whichever of it and the new peer is newer.
        Some(answer) => match current(&answer) {
            Some(winner) if peer.is_newer_than(&winner) => Some(Some(Arc::clone(slot))),
            Some(_) => Some(Some(answer)),
            None => None,
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
