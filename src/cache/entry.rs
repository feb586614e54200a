//! [`Entry`]: a cached peer, shared by the id cache and the index entries
//! that answer with it, and whether it is still the current version.

use crate::Peer;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A cached peer. One `Arc` is registered per id (see
/// [`super::session_cache::SessionCache`]); it stops being valid, for good,
/// when a write of its id starts, when a newer entry replaces it, or when
/// the id cache evicts it, so an index entry holding it can be trusted
/// without looking the id up again.
#[derive(Debug)]
pub(crate) struct CachedPeer {
    pub(crate) peer: Peer,
    valid: AtomicBool,
    cached_at: Instant,
}

/// What the caches hold.
pub(crate) type Entry = Arc<CachedPeer>;

impl CachedPeer {
    pub(crate) fn new(peer: Peer) -> Entry {
        Arc::new(Self {
            peer,
            valid: AtomicBool::new(true),
            cached_at: Instant::now(),
        })
    }

    /// Whether this is still the registered version of its id and, with a
    /// time-to-live, younger than it.
    pub(crate) fn is_current(&self, ttl: Option<Duration>) -> bool {
        self.valid.load(Ordering::Acquire) && ttl.is_none_or(|ttl| self.cached_at.elapsed() < ttl)
    }

    /// Marks the entry as no longer current (it never becomes current again).
    pub(crate) fn invalidate(&self) {
        self.valid.store(false, Ordering::Release);
    }
}
