//! [`MemoryAdapter`]: everything in process memory (the spec's `NewMemory`).

use crate::error::Result;
use crate::lease::{self, Lease, LeaseStore, unix_now_ms};
use crate::references::{PeerReference, ReferenceStore, needs_no_reference};
use crate::session_records::SessionRecords;
use crate::store::{
    Adapter, ConversationStore, DcAuthStore, PeerStore, SessionStore, UpdateStateStore,
};
use crate::temp_keys::{ServerSalt, TempAuthKey, TempKeyStore};
use crate::types::{
    ChannelState, Conversation, DcAuth, DedupKey, DurableUpdate, Peer, Session, UpdateState,
    unix_now,
};
use crate::{Error, normalize_phone, normalize_username};
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

const BACKEND: &str = "memory";

/// An in-memory store implementing [`Adapter`] and every optional store.
///
/// Handles made with [`Adapter::session`] (or [`MemoryAdapter::with_session`])
/// share one map, so they see each other's writes. Nothing survives the
/// process. Lookups by username and phone use indexes, not scans.
///
/// ```
/// use mtgo_storage::{MemoryAdapter, Peer, PeerStore, PeerType};
/// # tokio_test_block_on(async {
/// let store = MemoryAdapter::new();
/// let mut peer = Peer::new(42, PeerType::User, 7);
/// peer.username = "Alice".into();
/// store.save_peer(&peer).await?;
/// assert_eq!(store.get_peer_by_username("@alice").await?, Some(peer));
/// # Ok::<(), mtgo_storage::Error>(())
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct MemoryAdapter {
    name: String,
    data: Arc<RwLock<HashMap<String, SessionData>>>,
    /// Set by [`Adapter::close`], shared by every handle.
    closed: Arc<AtomicBool>,
}

#[derive(Default, Debug)]
struct SessionData {
    session: Option<Session>,
    peers: BTreeMap<i64, Peer>,
    by_username: HashMap<String, BTreeSet<i64>>,
    by_phone: HashMap<String, BTreeSet<i64>>,
    conversations: BTreeMap<(i64, i64), Conversation>,
    dc_auth: BTreeMap<i32, DcAuth>,
    update_state: Option<UpdateState>,
    channel_pts: BTreeMap<i64, i32>,
    dedup: HashMap<String, i64>,
    durable: HashMap<String, DurableUpdate>,
    lease: Option<Lease>,
    temp_keys: BTreeMap<i32, TempAuthKey>,
    salts: BTreeMap<i32, BTreeMap<i64, ServerSalt>>,
    /// Reference messages: (peer, chat, message) to `seen_at`.
    references: BTreeMap<(i64, i64, i32), i64>,
}

impl SessionData {
    fn unindex(&mut self, peer: &Peer) {
        for name in peer.normalized_usernames() {
            remove_from(&mut self.by_username, &name, peer.id);
        }
        let phone = peer.normalized_phone();
        if !phone.is_empty() {
            remove_from(&mut self.by_phone, &phone, peer.id);
        }
    }

    fn upsert_peer(&mut self, peer: Peer) {
        if let Some(old) = self.peers.remove(&peer.id) {
            self.unindex(&old);
        }
        for name in peer.normalized_usernames() {
            self.by_username.entry(name).or_default().insert(peer.id);
        }
        let phone = peer.normalized_phone();
        if !phone.is_empty() {
            self.by_phone.entry(phone).or_default().insert(peer.id);
        }
        self.peers.insert(peer.id, peer);
    }

    fn newest(&self, ids: Option<&BTreeSet<i64>>) -> Option<Peer> {
        ids?.iter()
            .filter_map(|id| self.peers.get(id))
            .reduce(|best, p| if p.is_newer_than(best) { p } else { best })
            .cloned()
    }
}

fn remove_from(index: &mut HashMap<String, BTreeSet<i64>>, key: &str, id: i64) {
    if let Some(ids) = index.get_mut(key) {
        ids.remove(&id);
        if ids.is_empty() {
            index.remove(key);
        }
    }
}

impl Default for MemoryAdapter {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryAdapter {
    /// An empty store with a handle on the session name
    /// [`crate::DEFAULT_SESSION_NAME`].
    pub fn new() -> Self {
        Self {
            name: crate::DEFAULT_SESSION_NAME.to_owned(),
            data: Arc::default(),
            closed: Arc::default(),
        }
    }

    /// A handle for another session name on the same memory.
    pub fn with_session(&self, name: &str) -> Self {
        Self {
            name: name.to_owned(),
            data: Arc::clone(&self.data),
            closed: Arc::clone(&self.closed),
        }
    }

    /// `Ok` while the store is open and the session name is within
    /// [`crate::limits`]; [`Error::Closed`] after [`Adapter::close`].
    fn ready(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed { backend: BACKEND });
        }
        crate::limits::check_session_name(&self.name)
    }

    fn read<T>(&self, f: impl FnOnce(Option<&SessionData>) -> T) -> T {
        let guard: RwLockReadGuard<'_, _> = self.data.read().unwrap_or_else(|e| e.into_inner());
        f(guard.get(&self.name))
    }

    fn write<T>(&self, f: impl FnOnce(&mut SessionData) -> T) -> T {
        let mut guard: RwLockWriteGuard<'_, _> =
            self.data.write().unwrap_or_else(|e| e.into_inner());
        f(guard.entry(self.name.clone()).or_default())
    }
}

#[crate::observe::observed]
#[async_trait]
impl SessionStore for MemoryAdapter {
    async fn load_session(&self) -> Result<Option<Session>> {
        self.ready()?;
        Ok(self.read(|d| d.and_then(|d| d.session.clone())))
    }

    async fn save_session(&self, session: &Session) -> Result<()> {
        self.ready()?;
        crate::limits::check_session(session)?;
        let mut session = session.clone();
        session.name = self.name.clone();
        self.write(|d| d.session = Some(session));
        Ok(())
    }

    async fn delete_session(&self) -> Result<()> {
        self.ready()?;
        self.write(|d| d.session = None);
        Ok(())
    }
}

#[crate::observe::observed]
#[async_trait]
impl PeerStore for MemoryAdapter {
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        self.ready()?;
        crate::limits::check_peers(peers)?;
        if peers.is_empty() {
            return Ok(());
        }
        // The last of each id, merged over the stored peer.
        let last: HashMap<i64, usize> = peers.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        self.write(|d| {
            for (i, peer) in peers.iter().enumerate() {
                if last.get(&peer.id) == Some(&i) {
                    let saved = peer.merged_over(d.peers.get(&peer.id));
                    d.upsert_peer(saved);
                }
            }
        });
        Ok(())
    }

    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
        self.ready()?;
        Ok(self.read(|d| d.and_then(|d| d.peers.get(&id).cloned())))
    }

    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
        self.ready()?;
        crate::limits::check_key("username", &normalize_username(username))?;
        let key = normalize_username(username);
        Ok(self.read(|d| d.and_then(|d| d.newest(d.by_username.get(&key)))))
    }

    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
        self.ready()?;
        let key = normalize_phone(phone);
        Ok(self.read(|d| d.and_then(|d| d.newest(d.by_phone.get(&key)))))
    }

    async fn load_peers(&self) -> Result<Vec<Peer>> {
        self.ready()?;
        Ok(self.read(|d| {
            d.map(|d| d.peers.values().cloned().collect())
                .unwrap_or_default()
        }))
    }

    async fn delete_peer(&self, id: i64) -> Result<()> {
        self.ready()?;
        self.write(|d| {
            if let Some(old) = d.peers.remove(&id) {
                d.unindex(&old);
            }
        });
        Ok(())
    }

    /// Under one lock.
    async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
        self.ready()?;
        if ids.is_empty() {
            return Ok(());
        }
        self.write(|d| {
            for id in ids {
                if let Some(old) = d.peers.remove(id) {
                    d.unindex(&old);
                }
            }
        });
        Ok(())
    }
}

#[crate::observe::observed]
#[async_trait]
impl ConversationStore for MemoryAdapter {
    async fn save_conversation(&self, conversation: &Conversation) -> Result<()> {
        self.ready()?;
        crate::limits::check_conversation(conversation)?;
        let now = unix_now();
        self.write(|d| {
            let key = (conversation.chat_id, conversation.user_id);
            let created_at = d.conversations.get(&key).map_or(now, |c| c.created_at);
            let mut stored = conversation.clone();
            stored.created_at = created_at;
            stored.updated_at = now;
            d.conversations.insert(key, stored);
        });
        Ok(())
    }

    async fn load_conversation(&self, chat_id: i64, user_id: i64) -> Result<Option<Conversation>> {
        self.ready()?;
        Ok(self.read(|d| d.and_then(|d| d.conversations.get(&(chat_id, user_id)).cloned())))
    }

    async fn delete_conversation(&self, chat_id: i64, user_id: i64) -> Result<()> {
        self.ready()?;
        self.write(|d| d.conversations.remove(&(chat_id, user_id)));
        Ok(())
    }

    async fn load_conversations(&self) -> Result<Vec<Conversation>> {
        self.ready()?;
        Ok(self.read(|d| {
            d.map(|d| d.conversations.values().cloned().collect())
                .unwrap_or_default()
        }))
    }

    async fn restore_conversation(&self, conversation: &Conversation) -> Result<()> {
        self.ready()?;
        crate::limits::check_conversation(conversation)?;
        self.write(|d| {
            d.conversations.insert(
                (conversation.chat_id, conversation.user_id),
                conversation.clone(),
            )
        });
        Ok(())
    }

    /// Under one lock.
    async fn delete_conversations_idle_since(&self, before: i64) -> Result<u64> {
        self.ready()?;
        Ok(self.write(|d| {
            let count = d.conversations.len();
            d.conversations.retain(|_, c| c.updated_at >= before);
            (count - d.conversations.len()) as u64
        }))
    }
}

#[crate::observe::observed]
#[async_trait]
impl DcAuthStore for MemoryAdapter {
    async fn save_dc_auth(&self, entry: &DcAuth) -> Result<()> {
        self.ready()?;
        crate::limits::check_dc_auth(entry)?;
        self.write(|d| d.dc_auth.insert(entry.dc_id, entry.clone()));
        Ok(())
    }

    async fn load_dc_auth(&self, dc_id: i32) -> Result<Option<DcAuth>> {
        self.ready()?;
        Ok(self.read(|d| d.and_then(|d| d.dc_auth.get(&dc_id).cloned())))
    }

    async fn load_all_dc_auth(&self) -> Result<Vec<DcAuth>> {
        self.ready()?;
        Ok(self.read(|d| {
            d.map(|d| d.dc_auth.values().cloned().collect())
                .unwrap_or_default()
        }))
    }
}

#[crate::observe::observed]
#[async_trait]
impl UpdateStateStore for MemoryAdapter {
    async fn save_update_state(&self, state: &UpdateState) -> Result<()> {
        self.ready()?;
        self.write(|d| d.update_state = Some(*state));
        Ok(())
    }

    async fn load_update_state(&self) -> Result<Option<UpdateState>> {
        self.ready()?;
        Ok(self.read(|d| d.and_then(|d| d.update_state)))
    }

    async fn save_channel_pts(&self, channel_id: i64, pts: i32) -> Result<()> {
        self.ready()?;
        self.write(|d| d.channel_pts.insert(channel_id, pts));
        Ok(())
    }

    async fn load_channel_pts(&self, channel_id: i64) -> Result<Option<i32>> {
        self.ready()?;
        Ok(self.read(|d| d.and_then(|d| d.channel_pts.get(&channel_id).copied())))
    }

    async fn delete_channel_pts(&self, channel_id: i64) -> Result<()> {
        self.ready()?;
        self.write(|d| d.channel_pts.remove(&channel_id));
        Ok(())
    }

    async fn load_all_channel_pts(&self) -> Result<Vec<ChannelState>> {
        self.ready()?;
        Ok(self.read(|d| {
            d.map(|d| {
                d.channel_pts
                    .iter()
                    .map(|(&channel_id, &pts)| ChannelState { channel_id, pts })
                    .collect()
            })
            .unwrap_or_default()
        }))
    }

    async fn insert_dedup_key(&self, key: &str, seen_at: i64) -> Result<bool> {
        self.ready()?;
        crate::limits::check_key("dedup key", key)?;
        Ok(self.write(|d| {
            if d.dedup.contains_key(key) {
                false
            } else {
                d.dedup.insert(key.to_owned(), seen_at);
                true
            }
        }))
    }

    async fn has_dedup_key(&self, key: &str) -> Result<bool> {
        self.ready()?;
        crate::limits::check_key("dedup key", key)?;
        Ok(self.read(|d| d.is_some_and(|d| d.dedup.contains_key(key))))
    }

    async fn prune_dedup_keys(&self, older_than: i64) -> Result<u64> {
        self.ready()?;
        Ok(self.write(|d| {
            let before = d.dedup.len();
            d.dedup.retain(|_, seen_at| *seen_at >= older_than);
            (before - d.dedup.len()) as u64
        }))
    }

    async fn load_dedup_keys(&self) -> Result<Vec<DedupKey>> {
        self.ready()?;
        let mut keys = self.read(|d| {
            d.map(|d| {
                d.dedup
                    .iter()
                    .map(|(key, &seen_at)| DedupKey {
                        key: key.clone(),
                        seen_at,
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
        });
        keys.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        Ok(keys)
    }

    async fn enqueue_update(&self, update: &DurableUpdate) -> Result<()> {
        self.ready()?;
        crate::limits::check_durable_update(update)?;
        self.write(|d| d.durable.insert(update.id.clone(), update.clone()));
        Ok(())
    }

    async fn load_updates(&self, limit: usize) -> Result<Vec<DurableUpdate>> {
        self.ready()?;
        Ok(self.read(|d| {
            let Some(d) = d else { return Vec::new() };
            let mut all: Vec<&DurableUpdate> = d.durable.values().collect();
            all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            all.into_iter().take(limit).cloned().collect()
        }))
    }

    async fn delete_update(&self, id: &str) -> Result<()> {
        self.ready()?;
        crate::limits::check_key("durable update id", id)?;
        self.write(|d| d.durable.remove(id));
        Ok(())
    }

    async fn mark_update_failed(&self, id: &str, error: &str) -> Result<u32> {
        self.ready()?;
        crate::limits::check_key("durable update id", id)?;
        crate::limits::check_text("durable update error", error)?;
        self.write(|d| match d.durable.get_mut(id) {
            Some(update) => {
                update.attempts = update.attempts.saturating_add(1);
                update.last_error = Some(error.to_owned());
                Ok(update.attempts)
            }
            None => Err(Error::NotFound {
                what: format!("durable update {id:?}"),
            }),
        })
    }
}

#[crate::observe::observed]
#[async_trait]
impl ReferenceStore for MemoryAdapter {
    async fn save_references(&self, references: &[PeerReference]) -> Result<()> {
        self.ready()?;
        self.write(|d| {
            for r in references {
                d.references
                    .insert((r.peer_id, r.chat_id, r.message_id), r.seen_at);
            }
        });
        Ok(())
    }

    async fn latest_reference(&self, peer_id: i64) -> Result<Option<PeerReference>> {
        self.ready()?;
        Ok(self.read(|d| {
            let d = d?;
            if needs_no_reference(d.peers.get(&peer_id)) {
                return None;
            }
            d.references
                .range((peer_id, i64::MIN, i32::MIN)..=(peer_id, i64::MAX, i32::MAX))
                .map(
                    |(&(peer_id, chat_id, message_id), &seen_at)| PeerReference {
                        peer_id,
                        chat_id,
                        message_id,
                        seen_at,
                    },
                )
                .reduce(|best, r| if r.is_later_than(&best) { r } else { best })
        }))
    }

    async fn delete_message_references(&self, chat_id: i64, message_ids: &[i32]) -> Result<u64> {
        self.ready()?;
        Ok(self.write(|d| {
            let before = d.references.len();
            d.references.retain(|&(_, chat, message), _| {
                chat != chat_id || !message_ids.contains(&message)
            });
            (before - d.references.len()) as u64
        }))
    }

    async fn delete_chat_references(&self, chat_id: i64) -> Result<u64> {
        self.ready()?;
        Ok(self.write(|d| {
            let before = d.references.len();
            d.references.retain(|&(_, chat, _), _| chat != chat_id);
            (before - d.references.len()) as u64
        }))
    }

    async fn load_references(&self) -> Result<Vec<PeerReference>> {
        self.ready()?;
        Ok(self.read(|d| {
            d.map(|d| {
                d.references
                    .iter()
                    .map(
                        |(&(peer_id, chat_id, message_id), &seen_at)| PeerReference {
                            peer_id,
                            chat_id,
                            message_id,
                            seen_at,
                        },
                    )
                    .collect()
            })
            .unwrap_or_default()
        }))
    }
}

#[crate::observe::observed]
#[async_trait]
impl LeaseStore for MemoryAdapter {
    async fn acquire_lease(&self, holder: &str, ttl: std::time::Duration) -> Result<bool> {
        self.ready()?;
        let ttl = lease::check(holder, ttl)?;
        let now = unix_now_ms();
        Ok(self.write(|d| match &d.lease {
            Some(l) if l.holder != holder && l.expires_at_ms > now => false,
            _ => {
                d.lease = Some(Lease {
                    holder: holder.to_owned(),
                    expires_at_ms: now.saturating_add(ttl),
                });
                true
            }
        }))
    }

    async fn renew_lease(&self, holder: &str, ttl: std::time::Duration) -> Result<bool> {
        self.ready()?;
        let ttl = lease::check(holder, ttl)?;
        let now = unix_now_ms();
        Ok(self.write(|d| match &mut d.lease {
            Some(l) if l.holder == holder && l.expires_at_ms > now => {
                l.expires_at_ms = now.saturating_add(ttl);
                true
            }
            _ => false,
        }))
    }

    async fn release_lease(&self, holder: &str) -> Result<()> {
        self.ready()?;
        lease::check_holder(holder)?;
        self.write(|d| {
            if d.lease.as_ref().is_some_and(|l| l.holder == holder) {
                d.lease = None;
            }
        });
        Ok(())
    }

    async fn load_lease(&self) -> Result<Option<Lease>> {
        self.ready()?;
        let now = unix_now_ms();
        Ok(self.read(|d| {
            d.and_then(|d| d.lease.clone())
                .filter(|l| l.expires_at_ms > now)
        }))
    }
}

#[crate::observe::observed]
#[async_trait]
impl TempKeyStore for MemoryAdapter {
    async fn save_temp_auth_key(&self, key: &TempAuthKey) -> Result<()> {
        self.ready()?;
        self.write(|d| d.temp_keys.insert(key.dc_id, key.clone()));
        Ok(())
    }

    async fn load_temp_auth_key(&self, dc_id: i32) -> Result<Option<TempAuthKey>> {
        self.ready()?;
        Ok(self.read(|d| d.and_then(|d| d.temp_keys.get(&dc_id).cloned())))
    }

    async fn delete_temp_auth_key(&self, dc_id: i32) -> Result<()> {
        self.ready()?;
        self.write(|d| d.temp_keys.remove(&dc_id));
        Ok(())
    }

    async fn save_server_salts(&self, dc_id: i32, salts: &[ServerSalt]) -> Result<()> {
        self.ready()?;
        let list: BTreeMap<i64, ServerSalt> = salts.iter().map(|s| (s.valid_since, *s)).collect();
        self.write(|d| {
            if list.is_empty() {
                d.salts.remove(&dc_id);
            } else {
                d.salts.insert(dc_id, list);
            }
        });
        Ok(())
    }

    async fn load_server_salts(&self, dc_id: i32) -> Result<Vec<ServerSalt>> {
        self.ready()?;
        Ok(self.read(|d| {
            d.and_then(|d| d.salts.get(&dc_id))
                .map(|l| l.values().copied().collect())
                .unwrap_or_default()
        }))
    }

    async fn prune_temp_keys(&self, now: i64) -> Result<u64> {
        self.ready()?;
        Ok(self.write(|d| {
            let mut n = 0;
            d.temp_keys.retain(|_, k| {
                let keep = k.expires_at > now;
                n += u64::from(!keep);
                keep
            });
            for list in d.salts.values_mut() {
                list.retain(|_, s| {
                    let keep = s.valid_until > now;
                    n += u64::from(!keep);
                    keep
                });
            }
            d.salts.retain(|_, l| !l.is_empty());
            n
        }))
    }
}

#[crate::observe::observed]
#[async_trait]
impl Adapter for MemoryAdapter {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }

    fn session_name(&self) -> &str {
        &self.name
    }

    fn session(&self, name: &str) -> Box<dyn Adapter> {
        Box::new(self.with_session(name))
    }

    async fn session_names(&self) -> Result<Vec<String>> {
        self.ready()?;
        let guard = self.data.read().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<String> = guard
            .iter()
            .filter(|(_, d)| d.session.is_some())
            .map(|(n, _)| n.clone())
            .collect();
        names.sort();
        Ok(names)
    }

    fn conversations(&self) -> Option<&dyn ConversationStore> {
        Some(self)
    }

    fn dc_auth(&self) -> Option<&dyn DcAuthStore> {
        Some(self)
    }

    fn update_state(&self) -> Option<&dyn UpdateStateStore> {
        Some(self)
    }

    fn lease(&self) -> Option<&dyn LeaseStore> {
        Some(self)
    }

    fn temp_keys(&self) -> Option<&dyn TempKeyStore> {
        Some(self)
    }

    fn references(&self) -> Option<&dyn ReferenceStore> {
        Some(self)
    }

    async fn purge_session(&self) -> Result<()> {
        self.ready()?;
        let mut guard = self.data.write().unwrap_or_else(|e| e.into_inner());
        guard.remove(&self.name);
        Ok(())
    }

    async fn save_session_records(&self, records: &SessionRecords) -> Result<()> {
        self.ready()?;
        crate::limits::check_session_records(records)?;
        if records.is_empty() {
            return Ok(());
        }
        self.write(|d| {
            if let Some(session) = &records.session {
                let mut session = session.clone();
                session.name = self.name.clone();
                d.session = Some(session);
            }
            for entry in &records.dc_auth {
                d.dc_auth.insert(entry.dc_id, entry.clone());
            }
            for key in &records.temp_auth_keys {
                d.temp_keys.insert(key.dc_id, key.clone());
            }
            for c in &records.conversations {
                d.conversations.insert((c.chat_id, c.user_id), c.clone());
            }
            for update in &records.durable_updates {
                d.durable.insert(update.id.clone(), update.clone());
            }
        });
        Ok(())
    }

    /// Nothing to give back: deleted records are freed at once.
    async fn reclaim_space(&self) -> Result<()> {
        self.ready()
    }

    /// Marks every handle of this store closed: later calls are
    /// [`Error::Closed`]. The data is dropped with the last handle.
    async fn close(&self) -> Result<()> {
        self.closed.store(true, Ordering::Release);
        Ok(())
    }
}
