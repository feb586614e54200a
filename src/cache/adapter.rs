//! [`CachedAdapter`]: an [`Adapter`] that serves peer lookups from memory
//! and writes through to the adapter it wraps.

use super::config::CacheConfig;
use super::keys::KeyKind;
use super::session_cache::{Lookup, SessionCache};
use crate::error::Result;
use crate::store::{
    Adapter, ConversationStore, DcAuthStore, PeerStore, SessionStore, UpdateStateStore,
};
use crate::types::{Peer, Session};
use async_trait::async_trait;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// An [`Adapter`] that wraps another one and answers peer lookups (by id,
/// username and phone) from a bounded in-memory cache.
///
/// * **Writes go through.** `save_peer`, `save_peers` and `delete_peer` are
///   acknowledged only after the inner adapter acknowledged them; the cache
///   is updated afterwards, so an error leaves the cache without the failed
///   change. Sessions, `load_peers`, `session_names`, and the optional stores
///   (conversations, DC auth, update state) are forwarded to the inner
///   adapter unchanged.
/// * **Reads come from memory when they can.** `get_peer` of a cached id is
///   answered from memory; a miss reads the inner adapter and caches what it
///   found. A username or phone lookup is answered from memory only when the
///   cache knows the inner adapter's answer for that key (see below);
///   otherwise it reads the inner adapter and caches its answer (including
///   "no such peer", so repeated lookups of an unknown username stay in
///   memory too). A write keeps the answers it can derive.
/// * **Complete caches answer misses too.** After
///   [`CachedAdapter::warm_up`] read every peer of the session and they fit
///   in the capacity, the cache knows it holds every peer: a lookup of an
///   id, username or phone it does not hold is answered "none" from memory,
///   and a username or phone a write brings in is known at once (the written
///   peer is its only claimant, or the tie rule picks between it and the
///   cached ones). It stays complete while every write of the session goes
///   through it; it stops being complete (and asks the inner adapter again
///   for what it does not hold) when it evicts a peer, when a write through
///   it fails or overlaps another write, when a read of the inner adapter
///   finds a version of a peer other than the cached one (someone else
///   wrote), on [`CachedAdapter::clear`], and when the time-to-live, counted
///   from the warm-up, lapses; [`CacheStats::complete`] tells. Without a
///   warm-up it is never complete: the first lookup of a username a write
///   brought in for a new peer asks the inner adapter once (another,
///   uncached peer might claim it too). So call `warm_up` at start, also on
///   a new, empty store.
/// * **Bounded and compact.** Each session name keeps up to
///   [`CacheConfig::max_peers`] peers in one store: each peer once, in a
///   compact record (numbers in place, its texts in one allocation), with
///   the id map and the username and phone indexes holding 4-byte slot
///   numbers; about 200 to 300 bytes per peer with a username and a phone
///   (`tests/cache_memory.rs`). Eviction is CLOCK (a peer answered since the
///   hand last passed is kept once more) and only costs a read of the inner
///   adapter.
/// * **Sessions.** [`Adapter::session`] gives a cached handle on the inner
///   adapter's handle for that name. Every handle made from one
///   `CachedAdapter` shares one cache per session name, so they see each
///   other's writes.
///
/// # Why a hit never disagrees with the inner adapter
///
/// Peers are cached by id, in one slot per id: a write of the id suspends
/// the slot until the inner adapter acknowledged it, then the slot holds the
/// written peer; a slot that is evicted, deleted or written by overlapping
/// writes is dropped for good. For each username and phone the cache keeps
/// the slot that answers it (or "nobody"). A write that touches a key
/// updates that answer only when the new one follows from what is cached
/// (the previous answer was a valid slot whose peer claims the key, so the
/// tie rule "greatest `last_updated`, then greatest id" can be applied
/// between it and the written peer); otherwise the key is dropped and the
/// next lookup asks the inner adapter. A hit is served only if its slot is
/// valid and its peer claims the key, which covers a username that moved to
/// another peer, a deleted peer, a changed phone and an evicted peer. Reads that fill the
/// cache are discarded when a write started or ran while they read, and
/// writes that overlapped each other install nothing (their order in the
/// inner store is unknown), so concurrent use keeps these rules. While a
/// write is running, a lookup of what it touches reads the inner adapter.
///
/// # Other writers (other processes, other `CachedAdapter`s)
///
/// The cache sees only the writes made through it (through any handle of the
/// same `CachedAdapter`). A peer written by another process into the same
/// database, or through another `CachedAdapter` or the inner adapter
/// directly, is not seen while an older entry answers the lookup: without a
/// time-to-live that lasts until the entry is evicted or overwritten through
/// this cache. Lookups that missed see such writes (they read the inner
/// adapter). Use [`CacheConfig::time_to_live`] to bound the staleness (every
/// entry is re-read once it is older than the time-to-live), or
/// [`CachedAdapter::clear`] after a known outside change. Share one
/// `CachedAdapter` (and its `session` handles) inside a process.
///
/// ```
/// use mtgo_storage::{CachedAdapter, MemoryAdapter, Peer, PeerStore, PeerType};
/// # tokio_test_block_on(async {
/// let store = CachedAdapter::new(MemoryAdapter::new());
/// let mut peer = Peer::new(42, PeerType::User, 7);
/// peer.username = "Alice".into();
/// store.save_peer(&peer).await?; // written to the MemoryAdapter, then cached
/// assert_eq!(store.get_peer(42).await?, Some(peer.clone())); // from memory
/// // Who answers "alice" is asked of the inner adapter once, then kept.
/// assert_eq!(store.get_peer_by_username("@alice").await?, Some(peer.clone()));
/// assert_eq!(store.get_peer_by_username("ALICE").await?, Some(peer));
/// let stats = store.stats();
/// assert_eq!((stats.hits, stats.misses), (2, 1));
/// # Ok::<(), mtgo_storage::Error>(())
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct CachedAdapter<A> {
    inner: A,
    cache: Arc<SessionCache>,
    shared: Arc<Shared>,
}

/// What every handle of one `CachedAdapter` shares.
struct Shared {
    config: CacheConfig,
    sessions: Mutex<HashMap<String, Arc<SessionCache>>>,
}

impl Shared {
    fn cache_for(&self, name: &str) -> Arc<SessionCache> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            sessions
                .entry(name.to_owned())
                .or_insert_with(|| Arc::new(SessionCache::new(&self.config))),
        )
    }
}

/// Counters of a [`CachedAdapter`]'s session cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CacheStats {
    /// Lookups (by id, username or phone) answered from memory.
    pub hits: u64,
    /// Lookups that read the inner adapter.
    pub misses: u64,
    /// Peers cached now.
    pub peers: u64,
    /// Whether the cache knows it holds every peer of the session now, so
    /// that a lookup of an id, username or phone it does not hold is
    /// answered "none" from memory (see [`CachedAdapter::warm_up`]).
    pub complete: bool,
}

#[crate::observe::observed]
impl<A: Adapter> CachedAdapter<A> {
    /// Wraps `inner` with the default [`CacheConfig`] (up to 100,000 peers per
    /// session name, no time-to-live). Nothing is read yet; see
    /// [`CachedAdapter::warm_up`].
    pub fn new(inner: A) -> Self {
        Self::with_config(inner, CacheConfig::default())
    }

    /// Wraps `inner` with the given settings.
    pub fn with_config(inner: A, config: CacheConfig) -> Self {
        let shared = Arc::new(Shared {
            config,
            sessions: Mutex::default(),
        });
        let cache = shared.cache_for(inner.session_name());
        Self {
            inner,
            cache,
            shared,
        }
    }

    /// Loads every peer of the session from the inner adapter into the cache
    /// (up to the capacity), replacing what it held, along with the answer
    /// of each username and phone they claim, and returns how many peers
    /// were read. Lookups of those peers are then served from memory from
    /// the first call. If every peer fitted, the cache is *complete* (see
    /// the type's docs): lookups of ids, usernames and phones no peer has
    /// are answered from memory as well, and so are the usernames and
    /// phones of peers written through the cache later. Call it at start,
    /// also on a new, empty store.
    ///
    /// If a write through the cache runs at the same time, nothing is cached
    /// (the read may be older than the write) and the count is still
    /// returned.
    ///
    /// # Errors
    /// Whatever the inner adapter's `load_peers` returns.
    pub async fn warm_up(&self) -> Result<usize> {
        let ticket = self.cache.ticket();
        let peers = self.inner.load_peers().await?;
        self.cache.fill_all(ticket, &peers);
        tracing::debug!(
            session = self.inner.session_name(),
            peers = peers.len(),
            "peer cache warmed up"
        );
        Ok(peers.len())
    }

    /// The wrapped adapter.
    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// The settings this cache was made with.
    pub fn config(&self) -> &CacheConfig {
        &self.shared.config
    }

    /// Forgets every cached peer and lookup answer of this handle's session
    /// name (the inner adapter is untouched); later lookups read the inner
    /// adapter again. Use it after another process changed peers.
    pub fn clear(&self) {
        self.cache.clear();
    }

    /// Hit and miss counters and the number of cached peers of this handle's
    /// session name.
    pub fn stats(&self) -> CacheStats {
        let (hits, misses) = self.cache.counts();
        CacheStats {
            hits,
            misses,
            peers: self.cache.peer_count(),
            complete: self.cache.is_complete(),
        }
    }

    async fn lookup(&self, kind: KeyKind, query: &str) -> Result<Option<Peer>> {
        let key = kind.normalize(query);
        if key.is_empty() {
            // Nothing to index ("", "@", a phone without digits).
            return self.read_inner(kind, query).await;
        }
        if let Lookup::Hit(answer) = self.cache.lookup(kind, &key) {
            return Ok(answer);
        }
        let ticket = self.cache.ticket();
        let answer = self.read_inner(kind, query).await?;
        self.cache.fill_lookup(ticket, kind, key, answer.as_ref());
        Ok(answer)
    }

    async fn read_inner(&self, kind: KeyKind, query: &str) -> Result<Option<Peer>> {
        match kind {
            KeyKind::Username => self.inner.get_peer_by_username(query).await,
            KeyKind::Phone => self.inner.get_peer_by_phone(query).await,
        }
    }
}

impl<A: Adapter> fmt::Debug for CachedAdapter<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedAdapter")
            .field("backend", &self.inner.backend_name())
            .field("session", &self.inner.session_name())
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> SessionStore for CachedAdapter<A> {
    async fn load_session(&self) -> Result<Option<Session>> {
        self.inner.load_session().await
    }

    async fn save_session(&self, session: &Session) -> Result<()> {
        self.inner.save_session(session).await
    }

    async fn delete_session(&self) -> Result<()> {
        self.inner.delete_session().await
    }
}

/// Finishes a write the inner adapter acknowledged. A batch holding a min
/// peer is not installed: the inner store may have merged it over its
/// stored peer ([`Peer::merged_over`]), so the written slots and keys are
/// dropped and the next read asks the inner adapter.
fn commit_unless_min(write: super::write::PendingWrite<'_>, peers: &[Peer]) {
    if peers.iter().any(|p| p.min) {
        drop(write);
    } else {
        write.commit();
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> PeerStore for CachedAdapter<A> {
    async fn save_peer(&self, peer: &Peer) -> Result<()> {
        let write = self.cache.begin_save(std::slice::from_ref(peer));
        self.inner.save_peer(peer).await?;
        commit_unless_min(write, std::slice::from_ref(peer));
        Ok(())
    }

    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        if peers.is_empty() {
            return self.inner.save_peers(peers).await;
        }
        let write = self.cache.begin_save(peers);
        self.inner.save_peers(peers).await?;
        commit_unless_min(write, peers);
        Ok(())
    }

    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
        if let Lookup::Hit(answer) = self.cache.get(id) {
            return Ok(answer);
        }
        let ticket = self.cache.ticket();
        let found = self.inner.get_peer(id).await?;
        if let Some(peer) = &found {
            self.cache.fill_peer(ticket, peer);
        }
        Ok(found)
    }

    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
        self.lookup(KeyKind::Username, username).await
    }

    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
        self.lookup(KeyKind::Phone, phone).await
    }

    async fn load_peers(&self) -> Result<Vec<Peer>> {
        self.inner.load_peers().await
    }

    async fn delete_peer(&self, id: i64) -> Result<()> {
        let write = self.cache.begin_delete(id);
        self.inner.delete_peer(id).await?;
        write.commit();
        Ok(())
    }

    /// Evicts the ids, then deletes them in the inner adapter in one call.
    async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
        let write = self.cache.begin_delete_many(ids);
        self.inner.delete_peers(ids).await?;
        write.commit();
        Ok(())
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> Adapter for CachedAdapter<A> {
    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }

    fn session_name(&self) -> &str {
        self.inner.session_name()
    }

    fn session(&self, name: &str) -> Box<dyn Adapter> {
        let inner = self.inner.session(name);
        Box::new(CachedAdapter {
            cache: self.shared.cache_for(inner.session_name()),
            inner,
            shared: Arc::clone(&self.shared),
        })
    }

    async fn session_names(&self) -> Result<Vec<String>> {
        self.inner.session_names().await
    }

    fn conversations(&self) -> Option<&dyn ConversationStore> {
        self.inner.conversations()
    }

    fn dc_auth(&self) -> Option<&dyn DcAuthStore> {
        self.inner.dc_auth()
    }

    fn update_state(&self) -> Option<&dyn UpdateStateStore> {
        self.inner.update_state()
    }

    /// The inner adapter's reference store: references hold no peer data
    /// and no secret.
    fn references(&self) -> Option<&dyn crate::ReferenceStore> {
        self.inner.references()
    }

    fn lease(&self) -> Option<&dyn crate::LeaseStore> {
        self.inner.lease()
    }

    fn temp_keys(&self) -> Option<&dyn crate::TempKeyStore> {
        self.inner.temp_keys()
    }

    /// Purges the session name in the inner adapter, then forgets every
    /// cached peer of it (also when purging fails: the cache then reads
    /// again what is left).
    async fn purge_session(&self) -> Result<()> {
        let result = self.inner.purge_session().await;
        self.cache.clear();
        result
    }

    /// Forwarded: the records hold no peer, so the cache is unchanged.
    async fn save_session_records(&self, records: &crate::SessionRecords) -> Result<()> {
        self.inner.save_session_records(records).await
    }

    /// Forwarded: the cache holds no freed space.
    async fn reclaim_space(&self) -> Result<()> {
        self.inner.reclaim_space().await
    }

    /// Closes the inner adapter and forgets every cached entry of every
    /// session name of this `CachedAdapter`.
    async fn close(&self) -> Result<()> {
        let result = self.inner.close().await;
        let sessions = self
            .shared
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for cache in sessions.values() {
            cache.clear();
        }
        result
    }
}
