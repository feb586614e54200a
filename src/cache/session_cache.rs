//! The cache of one session name: peers by id plus two lookup indexes in
//! one compact store behind one lock, the bookkeeping that keeps fills
//! from racing with writes, and whether the cache holds every peer of the
//! session.
//!
//! # Layout
//!
//! Each cached peer is one [`Record`] in a slot of a vector; the id map
//! and the two indexes (normalized username, normalized phone) hold slot
//! positions (4 bytes), so a peer is stored once however many keys name
//! it. Eviction is CLOCK (second chance): a lookup marks the slot it
//! answered from, the hand clears marks and evicts the first unmarked slot.
//!
//! # Invariants (for writes made through the cache)
//!
//! * **Slots.** At most one slot per id. A valid slot holds the inner
//!   adapter's current version of its id. A slot stops answering when a
//!   write of its id starts (and answers again, with the written peer, once
//!   the write is acknowledged and no other write overlapped it) and is
//!   removed when it is evicted, cleared, deleted or written by overlapping
//!   writes. A slot whose content is replaced by a read of the inner
//!   adapter loses every index entry that named it.
//! * **Index entries.** An entry `key -> slot` exists only while that
//!   slot's peer claims `key`, and then the peer is the inner adapter's
//!   answer for `key` (it wins the tie rule) while the slot is valid.
//!   `key -> Nobody` means no peer of the inner adapter claims `key`;
//!   `key -> Unknown` (only in a complete cache) means "ask the inner
//!   adapter". A missing entry means "unknown", or "nobody" when the cache
//!   is complete.
//! * **Complete.** After [`SessionCache::fill_all`] read every peer of the
//!   session (and they fit), the cache holds every peer and an entry for
//!   every key they claim. Writes through the cache keep that; an eviction,
//!   a failed or overlapped write, a read of the inner adapter that found a
//!   different version than cached, [`SessionCache::clear`] or the end of
//!   the time-to-live (counted from the fill) end it. While complete and no
//!   write is running, a missing id or key is answered "none" from memory.
//!
//! Writes keep both through [`super::write::PendingWrite`]; reads that
//! missed fill the cache only when no write started or was running since
//! the read began (a [`Ticket`] records the write epoch).

use super::config::CacheConfig;
use super::keys::{KeyKind, keys_of, keys_of_record};
use super::record::Record;
use crate::Peer;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// What an index entry says about its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// No peer of the inner adapter claims the key.
    Nobody,
    /// The peer in this slot answers the key.
    Slot(u32),
    /// Not known (kept only in a complete cache, where a missing entry
    /// means "nobody").
    Unknown,
}

/// A slot's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// The record is the inner adapter's current version.
    Valid,
    /// A write of the id is running: the record is the version before it
    /// and answers nothing.
    Writing,
}

/// One cached peer.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) record: Record,
    pub(crate) state: State,
    /// Milliseconds from the cache's creation to when it was cached.
    cached_at: u64,
    /// Set by a lookup it answered; cleared by the eviction hand.
    referenced: AtomicBool,
}

/// A fast hasher for peer ids (Fx-style multiply): ids are not chosen by
/// an adversary who could aim at one session's cache.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type IdMap = HashMap<i64, u32, BuildHasherDefault<IdHasher>>;
type Index = HashMap<Box<str>, Answer>;

/// Everything of one session cache that the lock guards.
#[derive(Debug, Default)]
pub(crate) struct Store {
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    ids: IdMap,
    usernames: Index,
    phones: Index,
    /// `Nobody` entries in both indexes (bounded by the capacity).
    nobody: usize,
    /// Moves when a write starts and when it ends, and on `clear`.
    pub(crate) epoch: u64,
    /// Writes started and not finished.
    pub(crate) in_flight: u32,
    complete: bool,
    complete_until: Option<Instant>,
    hand: usize,
}

/// The cache of one session name, shared by every handle on that name.
#[derive(Debug)]
pub(crate) struct SessionCache {
    store: RwLock<Store>,
    capacity: usize,
    ttl: Option<Duration>,
    created: Instant,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// The write epoch seen before a read of the inner adapter began.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

/// What the cache knows about a lookup.
pub(crate) enum Lookup {
    /// Answered from memory (`None`: no such peer).
    Hit(Option<Peer>),
    /// Unknown: ask the inner adapter.
    Miss,
}

impl Store {
    pub(crate) fn index(&self, kind: KeyKind) -> &Index {
        match kind {
            KeyKind::Username => &self.usernames,
            KeyKind::Phone => &self.phones,
        }
    }

    pub(crate) fn index_mut(&mut self, kind: KeyKind) -> &mut Index {
        match kind {
            KeyKind::Username => &mut self.usernames,
            KeyKind::Phone => &mut self.phones,
        }
    }

    pub(crate) fn slot(&self, pos: u32) -> Option<&Slot> {
        self.slots.get(pos as usize).and_then(Option::as_ref)
    }

    pub(crate) fn slot_mut(&mut self, pos: u32) -> Option<&mut Slot> {
        self.slots.get_mut(pos as usize).and_then(Option::as_mut)
    }

    /// The slot position of `id`, if cached.
    pub(crate) fn position(&self, id: i64) -> Option<u32> {
        self.ids.get(&id).copied()
    }

    /// Whether the cache holds every peer of the session now (and no write
    /// is running, so a missing entry really is missing).
    fn is_complete(&self) -> bool {
        self.complete
            && self.in_flight == 0
            && self.complete_until.is_none_or(|t| Instant::now() < t)
    }

    /// Whether the cache was complete when the only running write (the
    /// caller's) started.
    pub(crate) fn complete_for_write(&self) -> bool {
        self.complete
            && self.in_flight == 1
            && self.complete_until.is_none_or(|t| Instant::now() < t)
    }

    /// The cache no longer knows it holds every peer.
    pub(crate) fn lose_completeness(&mut self) {
        self.complete = false;
        self.complete_until = None;
    }

    /// Sets the entry of `key`, keeping the count of `Nobody` entries.
    pub(crate) fn set_answer(&mut self, kind: KeyKind, key: Box<str>, answer: Answer) {
        let old = self.index_mut(kind).insert(key, answer);
        if old == Some(Answer::Nobody) {
            self.nobody -= 1;
        }
        if answer == Answer::Nobody {
            self.nobody += 1;
        }
    }

    /// Removes the entry of `key`, returning it.
    pub(crate) fn take_answer(&mut self, kind: KeyKind, key: &str) -> Option<Answer> {
        let old = self.index_mut(kind).remove(key);
        if old == Some(Answer::Nobody) {
            self.nobody -= 1;
        }
        old
    }

    /// Drops the entries that name slot `pos` for the keys its record
    /// claims, except those `keep` keeps: they become `Unknown` in a
    /// complete cache (another peer may claim them) and disappear
    /// otherwise.
    pub(crate) fn drop_answers_of(&mut self, pos: u32, keep: impl Fn(KeyKind, &str) -> bool) {
        let Some(slot) = self.slot(pos) else { return };
        let unknown = self.complete;
        for (kind, key) in keys_of_record(&slot.record) {
            if keep(kind, &key) {
                continue;
            }
            let index = self.index_mut(kind);
            if let Some(answer) = index.get_mut(key.as_str())
                && *answer == Answer::Slot(pos)
            {
                if unknown {
                    *answer = Answer::Unknown;
                } else {
                    index.remove(key.as_str());
                }
            }
        }
    }

    /// Removes slot `pos` and every index entry naming it. A deleted peer
    /// (`deleted`) leaves a complete cache complete: its keys become
    /// `Unknown`.
    pub(crate) fn remove_slot(&mut self, pos: u32, deleted: bool) {
        if !deleted {
            self.lose_completeness();
        }
        self.drop_answers_of(pos, |_, _| false);
        if let Some(slot) = self.slots.get_mut(pos as usize).and_then(Option::take) {
            if self.ids.get(&slot.record.id) == Some(&pos) {
                self.ids.remove(&slot.record.id);
            }
            self.free.push(pos);
        }
    }

    /// Stores `record` in a new slot (the id must not have one).
    pub(crate) fn insert_slot(&mut self, record: Record, now: u64) -> u32 {
        let id = record.id;
        let slot = Some(Slot {
            record,
            state: State::Valid,
            cached_at: now,
            referenced: AtomicBool::new(false),
        });
        let pos = match self.free.pop() {
            Some(pos) => {
                self.slots[pos as usize] = slot;
                pos
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        self.ids.insert(id, pos);
        pos
    }

    /// Puts `record` into slot `pos` (a write of its id was acknowledged):
    /// valid again, cached now.
    pub(crate) fn replace_record(&mut self, pos: u32, record: Record, now: u64) {
        if let Some(slot) = self.slot_mut(pos) {
            slot.record = record;
            slot.state = State::Valid;
            slot.cached_at = now;
        }
    }

    /// Evicts (CLOCK) until at most `capacity` peers are cached.
    pub(crate) fn evict_to(&mut self, capacity: usize) {
        while self.ids.len() > capacity {
            let n = self.slots.len();
            let mut victim = None;
            // Two turns clear every mark, so a victim is found.
            for _ in 0..2 * n {
                if self.hand >= n {
                    self.hand = 0;
                }
                let pos = self.hand;
                self.hand += 1;
                if let Some(slot) = &self.slots[pos]
                    && !slot.referenced.swap(false, Ordering::Relaxed)
                {
                    victim = Some(pos as u32);
                    break;
                }
            }
            match victim {
                Some(pos) => {
                    crate::observe::cache_removal(true);
                    self.remove_slot(pos, false);
                }
                None => break,
            }
        }
    }

    fn clear(&mut self) {
        let epoch = self.epoch + 1;
        let in_flight = self.in_flight;
        *self = Store {
            epoch,
            in_flight,
            ..Store::default()
        };
    }
}

impl SessionCache {
    pub(crate) fn new(config: &CacheConfig) -> Self {
        Self {
            store: RwLock::default(),
            capacity: usize::try_from(config.peer_capacity()).unwrap_or(usize::MAX),
            ttl: config.ttl(),
            created: Instant::now(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The largest number of peers kept.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Milliseconds since the cache was made: the clock of `cached_at`.
    pub(crate) fn now(&self) -> u64 {
        u64::try_from(self.created.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether `slot` is valid and younger than the time-to-live.
    pub(crate) fn answers(&self, slot: &Slot) -> bool {
        slot.state == State::Valid
            && self.ttl.is_none_or(|ttl| {
                u128::from(self.now().saturating_sub(slot.cached_at)) < ttl.as_millis()
            })
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

    /// The peer of a slot that answers a lookup (marking it used).
    fn answer_from(&self, slot: &Slot) -> Peer {
        if !slot.referenced.load(Ordering::Relaxed) {
            slot.referenced.store(true, Ordering::Relaxed);
        }
        slot.record.peer()
    }

    /// The cached peer with this id, `Hit(None)` if a complete cache has
    /// none, else `Miss`.
    pub(crate) fn get(&self, id: i64) -> Lookup {
        let answer = {
            let store = self.read();
            match store.position(id).and_then(|pos| store.slot(pos)) {
                Some(slot) if self.answers(slot) => Lookup::Hit(Some(self.answer_from(slot))),
                Some(_) => Lookup::Miss,
                None if store.is_complete() => Lookup::Hit(None),
                None => Lookup::Miss,
            }
        };
        self.count(matches!(answer, Lookup::Hit(_)));
        answer
    }

    /// The answer for a normalized key, if the cache can give it.
    pub(crate) fn lookup(&self, kind: KeyKind, key: &str) -> Lookup {
        let answer = {
            let store = self.read();
            match store.index(kind).get(key) {
                Some(Answer::Nobody) => Lookup::Hit(None),
                Some(&Answer::Slot(pos)) => match store.slot(pos) {
                    Some(slot) if self.answers(slot) && kind.claimed_by(&slot.record, key) => {
                        Lookup::Hit(Some(self.answer_from(slot)))
                    }
                    _ => Lookup::Miss,
                },
                Some(Answer::Unknown) => Lookup::Miss,
                None if store.is_complete() => Lookup::Hit(None),
                None => Lookup::Miss,
            }
        };
        self.count(matches!(answer, Lookup::Hit(_)));
        answer
    }

    /// Makes `peer` the cached version of its id (the inner adapter's
    /// current one) and returns its slot, or `None` when nothing is kept
    /// (capacity 0). A slot holding another version, or one past its
    /// time-to-live, is replaced and loses its index entries; finding
    /// another version than cached ends completeness (someone else wrote).
    fn register(&self, store: &mut Store, peer: &Peer) -> Option<u32> {
        if self.capacity == 0 {
            return None;
        }
        let record = Record::new(peer);
        let now = self.now();
        if let Some(pos) = store.position(peer.id) {
            if let Some(slot) = store.slot(pos)
                && self.answers(slot)
                && slot.record == record
            {
                return Some(pos);
            }
            store.lose_completeness();
            store.drop_answers_of(pos, |_, _| false);
            store.replace_record(pos, record, now);
            return Some(pos);
        }
        if store.ids.len() >= self.capacity {
            store.evict_to(self.capacity - 1);
        }
        Some(store.insert_slot(record, now))
    }

    /// Call before reading the inner adapter to fill the cache afterwards.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.read().epoch)
    }

    /// Runs `fill` (under the write lock) only if no write started or was
    /// running since `ticket` was taken: what was read is then still current.
    fn fill_if_current(&self, ticket: Ticket, fill: impl FnOnce(&mut Store)) -> bool {
        let mut store = self.write();
        let current = store.epoch == ticket.0 && store.in_flight == 0;
        if current {
            fill(&mut store);
        }
        current
    }

    /// Caches a peer read by id from the inner adapter.
    pub(crate) fn fill_peer(&self, ticket: Ticket, peer: &Peer) {
        self.fill_if_current(ticket, |store| {
            self.register(store, peer);
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
        self.fill_if_current(ticket, |store| match answer {
            Some(peer) => {
                if let Some(pos) = self.register(store, peer) {
                    store.set_answer(kind, key.into_boxed_str(), Answer::Slot(pos));
                }
            }
            None if self.capacity > 0 => {
                if store.nobody >= self.capacity.max(64) {
                    // Forget the "nobody" answers at once rather than keep
                    // an order of them: they are cheap to ask again.
                    store.usernames.retain(|_, a| *a != Answer::Nobody);
                    store.phones.retain(|_, a| *a != Answer::Nobody);
                    store.nobody = 0;
                }
                store.set_answer(kind, key.into_boxed_str(), Answer::Nobody);
            }
            None => {}
        });
    }

    /// Replaces the cache with every peer of the session (as `load_peers`
    /// returned them) and the answer for each key they claim, computed with
    /// the tie rule. If they all fit, the cache is complete from now on
    /// (until the time-to-live ends, counted from now). Returns whether the
    /// cache was filled (no write raced with the read).
    pub(crate) fn fill_all(&self, ticket: Ticket, peers: &[Peer]) -> bool {
        // The winner of each key: its position in `peers`.
        let mut winners: HashMap<(KeyKind, String), usize> = HashMap::new();
        for (i, peer) in peers.iter().enumerate() {
            for key in keys_of(peer) {
                winners
                    .entry(key)
                    .and_modify(|best| {
                        if peer.is_newer_than(&peers[*best]) {
                            *best = i;
                        }
                    })
                    .or_insert(i);
            }
        }
        let kept = peers.len().min(self.capacity);
        let complete = kept == peers.len();
        let now = self.now();
        self.fill_if_current(ticket, |store| {
            store.clear();
            store.slots.reserve_exact(kept);
            store.ids.reserve(kept);
            let names = winners
                .keys()
                .filter(|(kind, _)| *kind == KeyKind::Username)
                .count();
            store.usernames.reserve(names);
            store.phones.reserve(winners.len() - names);
            // Of a repeated id, the last one (as `last_per_id` writes).
            let mut positions: Vec<Option<u32>> = vec![None; peers.len()];
            for (i, peer) in peers.iter().enumerate().take(kept) {
                let pos = match store.position(peer.id) {
                    Some(pos) => {
                        store.replace_record(pos, Record::new(peer), now);
                        pos
                    }
                    None => store.insert_slot(Record::new(peer), now),
                };
                positions[i] = Some(pos);
            }
            for ((kind, key), i) in winners {
                if let Some(pos) = positions[i] {
                    store.set_answer(kind, key.into_boxed_str(), Answer::Slot(pos));
                }
            }
            store.complete = complete;
            store.complete_until = self.ttl.map(|ttl| Instant::now() + ttl);
        })
    }

    /// Forgets everything cached (counters are kept).
    pub(crate) fn clear(&self) {
        // Under the write lock so that no fill or commit interleaves; moving
        // the epoch stops fills whose read began before the clear.
        self.write().clear();
    }

    /// Number of cached peers.
    pub(crate) fn peer_count(&self) -> u64 {
        self.read().ids.len() as u64
    }

    /// Whether the cache holds every peer of the session now.
    pub(crate) fn is_complete(&self) -> bool {
        self.read().is_complete()
    }
}
