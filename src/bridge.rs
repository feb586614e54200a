//! [`AdapterStorage`]: the spec's `NewAdapter`, which turns any [`Adapter`]
//! into the low-level [`Storage`] a client uses.

use crate::error::Result;
use crate::storage::{PeerCache, Storage};
use crate::store::{Adapter, ConversationStore, DcAuthStore, UpdateStateStore, require};
use crate::types::{
    ChannelState, Conversation, DcAuth, DedupKey, DurableUpdate, Peer, Session, UpdateState,
};
use crate::{AuthKey, session_string};
use async_trait::async_trait;
use std::sync::{Arc, RwLock};
use tokio::sync::{Mutex, OnceCell};

/// [`Storage`] and [`PeerCache`] over any [`Adapter`].
///
/// The session is loaded once, on first use; getters are then served from
/// memory. Each setter writes the whole session through to the adapter before
/// it returns, and [`AdapterStorage::update_session`] changes several fields
/// in one write. Conversations, DC auth keys and update state are forwarded
/// to the adapter; when the adapter lacks one of those stores, the call fails
/// with [`crate::Error::Unsupported`].
///
/// Writes through other handles after the first load are not seen until
/// [`AdapterStorage::reload`].
///
/// ```
/// use mtgo_storage::{AdapterStorage, MemoryAdapter, Storage};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let storage = AdapterStorage::new(MemoryAdapter::new());
/// storage.set_dc_id(2).await?;
/// storage.update_session(|s| {
///     s.addr = "149.154.167.51".into();
///     s.port = 443;
/// }).await?;
/// assert_eq!(storage.dc_id().await?, 2);
/// assert_eq!(storage.port().await?, 443);
/// # Ok::<(), mtgo_storage::Error>(())
/// # });
/// ```
pub struct AdapterStorage<A: Adapter> {
    adapter: A,
    lease_holder: Option<String>,
    current: OnceCell<RwLock<Arc<Session>>>,
    writer: Mutex<()>,
}

impl<A: Adapter> std::fmt::Debug for AdapterStorage<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdapterStorage")
            .field("backend", &self.adapter.backend_name())
            .field("session", &self.adapter.session_name())
            .finish_non_exhaustive()
    }
}

#[crate::observe::observed]
impl<A: Adapter> AdapterStorage<A> {
    /// Wraps an adapter. Nothing is read until the first call.
    pub fn new(adapter: A) -> Self {
        Self {
            adapter,
            lease_holder: None,
            current: OnceCell::new(),
            writer: Mutex::new(()),
        }
    }

    /// Opt-in guard against two writers: every write of an auth key through
    /// this bridge (a session whose auth key changes, `save_dc_auth`) first
    /// checks that `holder` holds the session's lease
    /// ([`crate::LeaseStore`]), one more round trip per such write. Acquiring
    /// and renewing the lease stays the caller's job.
    ///
    /// ```
    /// use mtgo_storage::{AdapterStorage, Adapter, AuthKey, MemoryAdapter, Storage};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let adapter = MemoryAdapter::new();
    /// let storage = AdapterStorage::new(adapter.clone()).with_lease_holder("host-1:4242");
    /// // Without the lease, the key is not written.
    /// assert!(storage.set_auth_key(Some(AuthKey::new(vec![1; 256]))).await.is_err());
    /// let lease = adapter.lease().unwrap();
    /// assert!(lease.acquire_lease("host-1:4242", std::time::Duration::from_secs(30)).await?);
    /// storage.set_auth_key(Some(AuthKey::new(vec![1; 256]))).await?;
    /// # Ok::<(), mtgo_storage::Error>(())
    /// # });
    /// ```
    pub fn with_lease_holder(mut self, holder: impl Into<String>) -> Self {
        self.lease_holder = Some(holder.into());
        self
    }

    /// Checks the lease before an auth key is written, when a holder is set.
    ///
    /// # Errors
    /// [`crate::Error::LeaseNotHeld`]; [`crate::Error::Unsupported`] when
    /// the adapter has no lease store.
    async fn check_lease(&self, operation: &'static str) -> Result<()> {
        let Some(holder) = &self.lease_holder else {
            return Ok(());
        };
        let lease = require(self.adapter.lease(), operation, self.backend())?;
        let found = match lease.load_lease().await? {
            Some(l) if &l.holder == holder => return Ok(()),
            Some(l) => format!("held by {:?}", l.holder),
            None => "nobody holds it".to_owned(),
        };
        Err(crate::Error::LeaseNotHeld {
            session: self.adapter.session_name().to_owned(),
            holder: holder.clone(),
            found,
        })
    }

    /// The wrapped adapter.
    pub fn adapter(&self) -> &A {
        &self.adapter
    }

    /// Unwraps the adapter.
    pub fn into_inner(self) -> A {
        self.adapter
    }

    async fn cell(&self) -> Result<&RwLock<Arc<Session>>> {
        self.current
            .get_or_try_init(|| async {
                let session = self
                    .adapter
                    .load_session()
                    .await?
                    .unwrap_or_else(|| Session {
                        name: self.adapter.session_name().to_owned(),
                        ..Session::default()
                    });
                Ok(RwLock::new(Arc::new(session)))
            })
            .await
    }

    /// The current session, from memory after the first load.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] if the first load fails.
    pub async fn session(&self) -> Result<Arc<Session>> {
        let cell = self.cell().await?;
        Ok(Arc::clone(&cell.read().unwrap_or_else(|e| e.into_inner())))
    }

    /// Changes several session fields and saves them in one write. The change
    /// is visible to getters only once the write succeeded.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] if the write fails;
    /// [`crate::Error::LeaseNotHeld`] when the change writes an auth key and
    /// the lease holder set with [`AdapterStorage::with_lease_holder`] does
    /// not hold the lease. Memory is then unchanged.
    pub async fn update_session(&self, change: impl FnOnce(&mut Session) + Send) -> Result<()> {
        let _writer = self.writer.lock().await;
        let cell = self.cell().await?;
        let mut next = (**cell.read().unwrap_or_else(|e| e.into_inner())).clone();
        let key_before = next.auth_key.clone();
        change(&mut next);
        if next.auth_key != key_before {
            self.check_lease("update_session").await?;
        }
        self.adapter.save_session(&next).await?;
        *cell.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        Ok(())
    }

    /// Re-reads the session from the adapter, dropping what memory holds.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] if the load fails.
    pub async fn reload(&self) -> Result<()> {
        let _writer = self.writer.lock().await;
        let cell = self.cell().await?;
        let session = self
            .adapter
            .load_session()
            .await?
            .unwrap_or_else(|| Session {
                name: self.adapter.session_name().to_owned(),
                ..Session::default()
            });
        *cell.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(session);
        Ok(())
    }

    /// Logout: removes everything stored under the session name
    /// ([`Adapter::purge_session`]) and resets the session in memory to an
    /// empty one, so getters no longer return the old auth key.
    ///
    /// # Errors
    /// As [`Adapter::purge_session`]; memory is then unchanged.
    pub async fn purge_session(&self) -> Result<()> {
        let _writer = self.writer.lock().await;
        self.adapter.purge_session().await?;
        if let Some(cell) = self.current.get() {
            *cell.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Session {
                name: self.adapter.session_name().to_owned(),
                ..Session::default()
            });
        }
        Ok(())
    }

    fn backend(&self) -> &'static str {
        self.adapter.backend_name()
    }

    fn conversation_store(&self, operation: &'static str) -> Result<&dyn ConversationStore> {
        require(self.adapter.conversations(), operation, self.backend())
    }

    fn dc_auth_store(&self, operation: &'static str) -> Result<&dyn DcAuthStore> {
        require(self.adapter.dc_auth(), operation, self.backend())
    }

    fn update_store(&self, operation: &'static str) -> Result<&dyn UpdateStateStore> {
        require(self.adapter.update_state(), operation, self.backend())
    }
}

/// Writes the `Storage` impl: a getter and a write-through setter per field.
macro_rules! storage_impl {
    ($($getter:ident / $setter:ident : $field:ident : $ty:ty, $arg:ty, |$v:ident| $into:expr;)*) => {
        #[crate::observe::observed]
        #[async_trait]
        impl<A: Adapter> Storage for AdapterStorage<A> {
            $(
                async fn $getter(&self) -> Result<$ty> {
                    Ok(self.session().await?.$field.clone())
                }
                async fn $setter(&self, $v: $arg) -> Result<()> {
                    let value: $ty = $into;
                    self.update_session(move |s| s.$field = value).await
                }
            )*

            async fn export_session_string(&self) -> Result<String> {
                session_string::telethon::encode(&*self.session().await?)
            }

            async fn close(&self) -> Result<()> {
                self.adapter.close().await
            }
        }
    };
}

storage_impl! {
    dc_id / set_dc_id: dc: i32, i32, |v| v;
    api_id / set_api_id: api_id: i32, i32, |v| v;
    api_hash / set_api_hash: api_hash: String, &str, |v| v.to_owned();
    test_mode / set_test_mode: test_mode: bool, bool, |v| v;
    auth_key / set_auth_key: auth_key: Option<AuthKey>, Option<AuthKey>, |v| v;
    user_id / set_user_id: user_id: i64, i64, |v| v;
    is_bot / set_is_bot: is_bot: bool, bool, |v| v;
    first_name / set_first_name: first_name: String, &str, |v| v.to_owned();
    last_name / set_last_name: last_name: String, &str, |v| v.to_owned();
    username / set_username: username: String, &str, |v| v.to_owned();
    date / set_date: date: i64, i64, |v| v;
    server_address / set_server_address: addr: String, &str, |v| v.to_owned();
    port / set_port: port: u16, u16, |v| v;
    state / set_state: state: Vec<u8>, &[u8], |v| v.to_vec();
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> PeerCache for AdapterStorage<A> {
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        self.adapter.save_peers(peers).await
    }

    async fn load_peers(&self) -> Result<Vec<Peer>> {
        self.adapter.load_peers().await
    }

    async fn save_peer(&self, peer: &Peer) -> Result<()> {
        self.adapter.save_peer(peer).await
    }

    async fn delete_peer(&self, id: i64) -> Result<()> {
        self.adapter.delete_peer(id).await
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> ConversationStore for AdapterStorage<A> {
    async fn save_conversation(&self, conversation: &Conversation) -> Result<()> {
        self.conversation_store("save_conversation")?
            .save_conversation(conversation)
            .await
    }

    async fn load_conversation(&self, chat_id: i64, user_id: i64) -> Result<Option<Conversation>> {
        self.conversation_store("load_conversation")?
            .load_conversation(chat_id, user_id)
            .await
    }

    async fn delete_conversation(&self, chat_id: i64, user_id: i64) -> Result<()> {
        self.conversation_store("delete_conversation")?
            .delete_conversation(chat_id, user_id)
            .await
    }

    async fn load_conversations(&self) -> Result<Vec<Conversation>> {
        self.conversation_store("load_conversations")?
            .load_conversations()
            .await
    }

    async fn restore_conversation(&self, conversation: &Conversation) -> Result<()> {
        self.conversation_store("restore_conversation")?
            .restore_conversation(conversation)
            .await
    }

    async fn delete_conversations_idle_since(&self, before: i64) -> Result<u64> {
        self.conversation_store("delete_conversations_idle_since")?
            .delete_conversations_idle_since(before)
            .await
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> DcAuthStore for AdapterStorage<A> {
    async fn save_dc_auth(&self, entry: &DcAuth) -> Result<()> {
        self.check_lease("save_dc_auth").await?;
        self.dc_auth_store("save_dc_auth")?
            .save_dc_auth(entry)
            .await
    }

    async fn load_dc_auth(&self, dc_id: i32) -> Result<Option<DcAuth>> {
        self.dc_auth_store("load_dc_auth")?
            .load_dc_auth(dc_id)
            .await
    }

    async fn load_all_dc_auth(&self) -> Result<Vec<DcAuth>> {
        self.dc_auth_store("load_all_dc_auth")?
            .load_all_dc_auth()
            .await
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> UpdateStateStore for AdapterStorage<A> {
    async fn save_update_state(&self, state: &UpdateState) -> Result<()> {
        self.update_store("save_update_state")?
            .save_update_state(state)
            .await
    }

    async fn load_update_state(&self) -> Result<Option<UpdateState>> {
        self.update_store("load_update_state")?
            .load_update_state()
            .await
    }

    async fn save_channel_pts(&self, channel_id: i64, pts: i32) -> Result<()> {
        self.update_store("save_channel_pts")?
            .save_channel_pts(channel_id, pts)
            .await
    }

    async fn load_channel_pts(&self, channel_id: i64) -> Result<Option<i32>> {
        self.update_store("load_channel_pts")?
            .load_channel_pts(channel_id)
            .await
    }

    async fn load_all_channel_pts(&self) -> Result<Vec<ChannelState>> {
        self.update_store("load_all_channel_pts")?
            .load_all_channel_pts()
            .await
    }

    async fn insert_dedup_key(&self, key: &str, seen_at: i64) -> Result<bool> {
        self.update_store("insert_dedup_key")?
            .insert_dedup_key(key, seen_at)
            .await
    }

    async fn has_dedup_key(&self, key: &str) -> Result<bool> {
        self.update_store("has_dedup_key")?.has_dedup_key(key).await
    }

    async fn prune_dedup_keys(&self, older_than: i64) -> Result<u64> {
        self.update_store("prune_dedup_keys")?
            .prune_dedup_keys(older_than)
            .await
    }

    async fn load_dedup_keys(&self) -> Result<Vec<DedupKey>> {
        self.update_store("load_dedup_keys")?
            .load_dedup_keys()
            .await
    }

    async fn enqueue_update(&self, update: &DurableUpdate) -> Result<()> {
        self.update_store("enqueue_update")?
            .enqueue_update(update)
            .await
    }

    async fn load_updates(&self, limit: usize) -> Result<Vec<DurableUpdate>> {
        self.update_store("load_updates")?.load_updates(limit).await
    }

    async fn delete_update(&self, id: &str) -> Result<()> {
        self.update_store("delete_update")?.delete_update(id).await
    }

    async fn mark_update_failed(&self, id: &str, error: &str) -> Result<u32> {
        self.update_store("mark_update_failed")?
            .mark_update_failed(id, error)
            .await
    }
}
