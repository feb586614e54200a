//! [`Slot`]: the cached peer of one id, shared by the id cache and by the
//! index entries it answers, with its state.

use crate::Peer;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

const VALID: u8 = 0;
const WRITING: u8 = 1;
const DEAD: u8 = 2;

/// The cached peer of one id. At most one slot per id is registered (see
/// [`super::session_cache::SessionCache`]). A slot is *valid* while its
/// content is the inner adapter's current version of the id; a write of
/// the id makes it *writing* until the write is acknowledged (then valid
/// again, with the new content) and a slot that is evicted, replaced,
/// cleared or was written by overlapping writes is *dead* for good. Only a
/// valid slot answers, so index entries that hold it can be trusted
/// without reading the id cache again.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) id: i64,
    content: RwLock<Content>,
    state: AtomicU8,
}

#[derive(Debug)]
struct Content {
    peer: Peer,
    cached_at: Instant,
}

/// What the caches hold.
pub(crate) type Entry = Arc<Slot>;

impl Slot {
    /// A valid slot holding `peer`.
    pub(crate) fn new(peer: Peer) -> Entry {
        Arc::new(Self {
            id: peer.id,
            content: RwLock::new(Content {
                peer,
                cached_at: Instant::now(),
            }),
            state: AtomicU8::new(VALID),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Content> {
        self.content.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The peer, if the slot is valid, younger than `ttl` (when set) and
    /// `accept` takes it.
    pub(crate) fn current_if(
        &self,
        ttl: Option<Duration>,
        accept: impl FnOnce(&Peer) -> bool,
    ) -> Option<Peer> {
        if self.state.load(Ordering::Acquire) != VALID {
            return None;
        }
        let content = self.read();
        let fresh = ttl.is_none_or(|ttl| content.cached_at.elapsed() < ttl);
        (fresh && accept(&content.peer)).then(|| content.peer.clone())
    }

    /// Whether the slot is valid (and younger than `ttl`) and holds exactly
    /// `peer`.
    pub(crate) fn holds(&self, ttl: Option<Duration>, peer: &Peer) -> bool {
        self.current_if(ttl, |p| p == peer).is_some()
    }

    /// A write of the id starts: the slot stops answering. Returns its peer
    /// if it was valid (the version the write replaces).
    pub(crate) fn begin_write(&self, ttl: Option<Duration>) -> Option<Peer> {
        let before = self.current_if(ttl, |_| true);
        match self
            .state
            .compare_exchange(VALID, WRITING, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => before,
            Err(DEAD) => None,
            Err(_) => {
                // Another write of the id is running: neither knows the
                // order, so the slot dies.
                self.kill();
                None
            }
        }
    }

    /// The write was acknowledged and no other write overlapped it: the slot
    /// holds `peer` and answers again. `false` if the slot died meanwhile.
    pub(crate) fn finish_write(&self, peer: &Peer) -> bool {
        {
            let mut content = self.content.write().unwrap_or_else(|e| e.into_inner());
            if self.state.load(Ordering::Acquire) != WRITING {
                return false;
            }
            content.peer = peer.clone();
            content.cached_at = Instant::now();
        }
        self.state
            .compare_exchange(WRITING, VALID, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The slot never answers again.
    pub(crate) fn kill(&self) {
        self.state.store(DEAD, Ordering::Release);
    }
}
