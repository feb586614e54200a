//! A write through the cache: what it does to the cache before the inner
//! adapter is written, and after it succeeded.
//!
//! Before: the epoch moves, the slots of the written ids stop answering
//! (their records, the versions the write replaces, stay in them), and the
//! index keys the new peers claim that name another slot (or "nobody") are
//! removed (their old values kept here), so that while the write runs no
//! read answers them from memory and no read fills them. After success,
//! and only if no other write overlapped this one (so the order of the
//! inner writes is known), each slot answers again with the written peer
//! and each touched key gets the answer the inner adapter now gives, when
//! it can be known from what was cached (in a complete cache a key nobody
//! claimed is known too: the written peer is then its only claimant);
//! otherwise the key is left unknown and the next lookup asks the inner
//! adapter. A refresh that keeps a peer's usernames and phone therefore
//! changes no index entry. On error, cancellation or overlap the written
//! slots are removed, nothing is installed and the cache stops being
//! complete.

use super::keys::{KeyKind, keys_of};
use super::record::Record;
use super::session_cache::{Answer, IdHasher, SessionCache, State, Store};
use crate::Peer;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault};

/// A map keyed by peer ids or by hashes: the fast hasher is enough.
type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// One written peer: its slot at the start (if cached), whether that slot
/// held a valid version then, and the keys it claims (positions in
/// [`PendingWrite::keys`]).
struct Written<'a> {
    peer: &'a Peer,
    slot: Option<u32>,
    old_valid: bool,
    keys: Vec<usize>,
}

/// A key the new peers claim: its answer at the start (`None`: not known)
/// and whether its entry was left in the index.
struct Touched {
    kind: KeyKind,
    key: String,
    before: Option<Answer>,
    left_in_index: bool,
    /// The previous touched key of the same hash (see `begin_save`).
    same_hash: Option<usize>,
}

/// A write in progress; [`PendingWrite::commit`] it after the inner adapter
/// succeeded, or drop it.
pub(crate) struct PendingWrite<'a> {
    cache: &'a SessionCache,
    start: u64,
    /// Whether the cache was complete when the write started.
    complete: bool,
    /// The peers written, one per id (the last of a repeated id).
    written: Vec<Written<'a>>,
    keys: Vec<Touched>,
    finished: bool,
}

impl SessionCache {
    /// Starts saving `peers` (the last of a repeated id wins).
    pub(crate) fn begin_save<'a>(&'a self, peers: &'a [Peer]) -> PendingWrite<'a> {
        let peers = last_of_each_id(peers);
        let mut store = self.write();
        let start = start_write(&mut store);
        let complete = store.complete_for_write();
        let mut written = Vec::with_capacity(peers.len());
        // First every written slot stops answering, so that the keys below
        // can tell this batch's slots from the others.
        for peer in peers {
            let (slot, old_valid) = match store.position(peer.id) {
                Some(pos) => match store.slot(pos).map(|s| (s.state, self.answers(s))) {
                    Some((State::Valid, fresh)) => {
                        if let Some(s) = store.slot_mut(pos) {
                            s.state = State::Writing;
                        }
                        (Some(pos), fresh)
                    }
                    // Another write of the id is running: neither knows the
                    // order, so the slot goes.
                    _ => {
                        store.remove_slot(pos, false);
                        (None, false)
                    }
                },
                None => (None, false),
            };
            written.push(Written {
                peer,
                slot,
                old_valid,
                keys: Vec::new(),
            });
        }
        let mut keys: Vec<Touched> = Vec::new();
        // Each key once: the first touched key of each hash, then a chain
        // through `Touched::same_hash` (no copy of the key text).
        let hasher = std::hash::RandomState::new();
        let mut first_of_hash: IdMap<u64, usize> = IdMap::default();
        for w in &mut written {
            for (kind, key) in keys_of(w.peer) {
                let hash = hasher.hash_one((kind, key.as_str()));
                let mut at = first_of_hash.get(&hash).copied();
                while let Some(i) = at {
                    if keys[i].kind == kind && keys[i].key == key {
                        break;
                    }
                    at = keys[i].same_hash;
                }
                if let Some(at) = at {
                    w.keys.push(at);
                    continue;
                }
                let current = store.index(kind).get(key.as_str()).copied();
                let in_batch = match current {
                    Some(Answer::Slot(pos)) => {
                        store.slot(pos).is_some_and(|s| s.state == State::Writing)
                    }
                    _ => false,
                };
                let (before, left_in_index) = match current {
                    // A slot of this batch: it does not answer while the
                    // write runs, so the entry can stay.
                    Some(answer) if in_batch => (Some(answer), true),
                    Some(_) => match store.take_answer(kind, &key) {
                        Some(Answer::Unknown) | None => (None, false),
                        known => (known, false),
                    },
                    None if complete => (Some(Answer::Nobody), false),
                    None => (None, false),
                };
                w.keys.push(keys.len());
                let same_hash = first_of_hash.insert(hash, keys.len());
                keys.push(Touched {
                    kind,
                    key,
                    before,
                    left_in_index,
                    same_hash,
                });
            }
        }
        drop(store);
        PendingWrite {
            cache: self,
            start,
            complete,
            written,
            keys,
            finished: false,
        }
    }

    /// Starts deleting the peer `id`: its slot and the index entries naming
    /// it go (in a complete cache those keys become unknown).
    pub(crate) fn begin_delete(&self, id: i64) -> PendingWrite<'_> {
        self.begin_delete_many(std::slice::from_ref(&id))
    }

    /// [`begin_delete`](Self::begin_delete) of many ids at once (one write
    /// in flight for all of them).
    pub(crate) fn begin_delete_many(&self, ids: &[i64]) -> PendingWrite<'_> {
        let mut store = self.write();
        let start = start_write(&mut store);
        for &id in ids {
            if let Some(pos) = store.position(id) {
                store.remove_slot(pos, true);
            }
        }
        drop(store);
        PendingWrite {
            cache: self,
            start,
            complete: false,
            written: Vec::new(),
            keys: Vec::new(),
            finished: false,
        }
    }
}

fn start_write(store: &mut Store) -> u64 {
    store.epoch += 1;
    store.in_flight += 1;
    store.epoch
}

impl PendingWrite<'_> {
    /// The inner adapter acknowledged the write: cache its result if no
    /// other write overlapped it.
    pub(crate) fn commit(mut self) {
        self.finish(true);
    }

    fn finish(&mut self, succeeded: bool) {
        self.finished = true;
        let cache = self.cache;
        let mut store = cache.write();
        let alone = store.epoch == self.start && store.in_flight == 1;
        if succeeded && alone {
            // Under the lock: no fill, commit or write start interleaves.
            self.install(&mut store);
        } else {
            store.lose_completeness();
            for w in &self.written {
                if let Some(pos) = w.slot
                    && store.slot(pos).is_some_and(|s| s.record.id == w.peer.id)
                {
                    store.remove_slot(pos, false);
                }
            }
            for touched in &self.keys {
                if touched.left_in_index {
                    store.take_answer(touched.kind, &touched.key);
                }
            }
        }
        store.epoch += 1;
        store.in_flight -= 1;
    }

    fn install(&mut self, store: &mut Store) {
        let cache = self.cache;
        let now = cache.now();
        // The current answer of each touched key as the batch is applied.
        let mut answers: Vec<Option<Answer>> = self.keys.iter().map(|t| t.before).collect();
        for w in &self.written {
            let peer = w.peer;
            let mut record = Some(Record::new(peer));
            let existing = w
                .slot
                .filter(|&pos| store.slot(pos).is_some_and(|s| s.state == State::Writing));
            let pos = match existing {
                Some(pos) => pos,
                None if cache.capacity() == 0 => {
                    for &at in &w.keys {
                        answers[at] = None;
                    }
                    continue;
                }
                None => store.insert_slot(record.take().unwrap_or_else(|| Record::new(peer)), now),
            };
            for &at in &w.keys {
                let touched = &self.keys[at];
                answers[at] = next_answer(
                    answers[at].take(),
                    pos,
                    existing.is_some() && w.old_valid,
                    peer,
                    store,
                    cache,
                    touched.kind,
                    &touched.key,
                );
            }
            if existing.is_some() {
                // Keys the replaced version claimed and this one does not:
                // their entries naming this slot go (nothing to do when the
                // usernames and phone are the ones it had).
                let same_keys = store.slot(pos).is_some_and(|s| {
                    s.record.phone() == peer.phone_number
                        && s.record
                            .usernames()
                            .eq(std::iter::once(peer.username.as_str())
                                .chain(peer.usernames.iter().map(String::as_str)))
                });
                if !same_keys {
                    let claims: Vec<(KeyKind, String)> = keys_of(peer).collect();
                    store.drop_answers_of(pos, |kind, key| {
                        claims.iter().any(|(k, c)| *k == kind && c == key)
                    });
                }
                if let Some(record) = record {
                    store.replace_record(pos, record, now);
                }
            }
        }
        for (touched, answer) in self.keys.drain(..).zip(answers) {
            match answer {
                Some(answer) => {
                    let unchanged = touched.left_in_index && touched.before == Some(answer);
                    if !unchanged {
                        store.set_answer(touched.kind, touched.key.into_boxed_str(), answer);
                    }
                }
                None if self.complete => {
                    store.set_answer(touched.kind, touched.key.into_boxed_str(), Answer::Unknown);
                }
                None if touched.left_in_index => {
                    store.take_answer(touched.kind, &touched.key);
                }
                None => {}
            }
        }
        store.evict_to(cache.capacity());
    }
}

impl Drop for PendingWrite<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.finish(false);
        }
    }
}

/// The answer for `key` after `peer` (which claims it, now in slot `pos`)
/// was written, given the answer before (`None`: not known). `None` means
/// "not known: leave it uncached". `old_valid`: slot `pos` held a valid
/// version when the write started, and still holds it (the record is
/// replaced after this). Another slot answers only if it is valid and its
/// peer claims the key (slots of this batch are not valid until the batch
/// has reached them).
#[allow(clippy::too_many_arguments)]
fn next_answer(
    before: Option<Answer>,
    pos: u32,
    old_valid: bool,
    peer: &Peer,
    store: &Store,
    cache: &SessionCache,
    kind: KeyKind,
    key: &str,
) -> Option<Answer> {
    match before? {
        // Nobody claimed it: the new peer is the only claimant.
        Answer::Nobody => Some(Answer::Slot(pos)),
        Answer::Unknown => None,
        // The written id's slot was the answer, holding the version this
        // write replaces: it stays the answer if that version claimed the
        // key and the new one is not older; else another claimant may win.
        Answer::Slot(answer) if answer == pos => {
            let old = store.slot(pos).map(|s| &s.record);
            match old {
                Some(old)
                    if old_valid
                        && kind.claimed_by(old, key)
                        && peer.last_updated >= old.last_updated =>
                {
                    Some(Answer::Slot(pos))
                }
                _ => None,
            }
        }
        // Another peer's valid slot was the answer (so it beat every other
        // claimant): the winner is whichever of it and the new peer is newer.
        Answer::Slot(answer) => match store.slot(answer) {
            Some(slot) if cache.answers(slot) && kind.claimed_by(&slot.record, key) => {
                let winner = &slot.record;
                if (peer.last_updated, peer.id) > (winner.last_updated, winner.id) {
                    Some(Answer::Slot(pos))
                } else {
                    Some(Answer::Slot(answer))
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
    let mut last: IdMap<i64, usize> = IdMap::default();
    last.reserve(peers.len());
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
