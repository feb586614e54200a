//! [`EncryptedAdapter`]: an [`Adapter`] that encrypts auth keys (and
//! optionally conversation data and durable payloads) before the adapter it
//! wraps stores them.

use super::config::EncryptionConfig;
use super::envelope::{self, is_envelope};
use super::field::Field;
use super::keyring::Keyring;
use super::policy::PlaintextPolicy;
use crate::AuthKey;
use crate::error::{Error, Result};
use crate::store::{
    Adapter, ConversationStore, DcAuthStore, PeerStore, SessionStore, UpdateStateStore,
};
use crate::types::{
    ChannelState, Conversation, DcAuth, DedupKey, DurableUpdate, Peer, Session, UpdateState,
};
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;

/// An [`Adapter`] that wraps another and keeps auth keys encrypted at rest.
///
/// * **What is encrypted.** The session's auth key and the auth key of every
///   DC, always; conversation data and durable update payloads when the
///   [`EncryptionConfig`] asks. Everything else (peers, names, update state)
///   is forwarded unchanged. Each field is sealed with XChaCha20-Poly1305
///   under the keyring's primary key and a random nonce, and stored as an
///   envelope in place of the plaintext (the backends' columns hold bytes of
///   any length, so no schema changes).
/// * **Bound to its place.** The associated data names the session, the
///   field and the DC id (or the conversation's chat and user, or the
///   update's id): a ciphertext copied to another session, DC or field does
///   not decrypt.
/// * **Errors, never wrong keys.** A wrong key, a tampered or misplaced
///   ciphertext, a key id the keyring lacks, or a plaintext field under
///   [`PlaintextPolicy::Refuse`] is [`Error::Decrypt`] naming the session and
///   the field.
/// * **Composes.** It is an `Adapter` over any `Adapter`: put a
///   [`CachedAdapter`](crate::CachedAdapter) around it (peers are not
///   encrypted, so caching them changes nothing), or use it under
///   [`AdapterStorage`](crate::AdapterStorage): session strings exported
///   through it are the same as from a plain store. [`Adapter::session`]
///   gives an encrypted handle sharing the keyring.
/// * **Fails closed.** Only the stores it knows are reached through it; an
///   optional store added to [`Adapter`] later answers `None` here until
///   this wrapper forwards it (and seals what it holds: temporary auth keys,
///   when that store exists, are auth keys too).
///
/// ```
/// use mtgo_storage::{AuthKey, EncryptedAdapter, EncryptionKey, Keyring, MemoryAdapter};
/// use mtgo_storage::{Session, SessionStore};
/// # tokio_test_block_on(async {
/// let plain = MemoryAdapter::new();
/// let store = EncryptedAdapter::new(plain.with_session("default"), Keyring::new(EncryptionKey::new("k1", [7u8; 32])?));
/// let session = Session { dc: 2, auth_key: Some(AuthKey::new(vec![1u8; 256])), ..Session::default() };
/// store.save_session(&session).await?;
/// // The inner store holds an envelope, not the key ...
/// let stored = plain.load_session().await?.unwrap().auth_key.unwrap();
/// assert!(mtgo_storage::encryption::is_envelope(stored.as_bytes()));
/// // ... and the wrapper gives the key back.
/// assert_eq!(store.load_session().await?.unwrap().auth_key, session.auth_key);
/// # Ok::<(), mtgo_storage::Error>(())
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct EncryptedAdapter<A> {
    inner: A,
    config: Arc<EncryptionConfig>,
}

impl<A: Adapter> EncryptedAdapter<A> {
    /// Wraps `inner`: auth keys sealed with `keyring`'s primary key,
    /// plaintext records refused (see [`EncryptionConfig::new`]).
    pub fn new(inner: A, keyring: Keyring) -> Self {
        Self::with_config(inner, EncryptionConfig::new(keyring))
    }

    /// Wraps `inner` with the given settings.
    pub fn with_config(inner: A, config: EncryptionConfig) -> Self {
        Self {
            inner,
            config: Arc::new(config),
        }
    }

    /// The wrapped adapter.
    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// The settings (keyring, plaintext policy, what is encrypted).
    pub fn config(&self) -> &EncryptionConfig {
        &self.config
    }

    fn session_label(&self) -> &str {
        self.inner.session_name()
    }

    fn seal(&self, field: Field<'_>, plaintext: &[u8]) -> Result<Vec<u8>> {
        envelope::seal(&self.config.keyring, self.session_label(), field, plaintext)
    }

    /// The plaintext of a stored field: `Ok(None)` when it is stored in
    /// plaintext and the policy accepts that (the stored bytes are it).
    fn open(&self, field: Field<'_>, stored: &[u8]) -> Result<Option<Vec<u8>>> {
        if !is_envelope(stored) {
            return match self.config.plaintext {
                PlaintextPolicy::Accept => Ok(None),
                PlaintextPolicy::Refuse => Err(self.decrypt_error(
                    field,
                    "stored in plaintext, and the plaintext policy refuses it \
                     (encrypt the store with `mtgo-storage encrypt`, or accept plaintext)"
                        .into(),
                )),
            };
        }
        envelope::open(&self.config.keyring, self.session_label(), field, stored)
            .map(|mut plain| Some(std::mem::take(&mut *plain)))
            .map_err(|reason| self.decrypt_error(field, reason))
    }

    fn decrypt_error(&self, field: Field<'_>, reason: String) -> Error {
        Error::Decrypt {
            session: self.session_label().to_owned(),
            field: field.to_string(),
            reason,
        }
    }

    fn open_key(&self, field: Field<'_>, key: &mut AuthKey) -> Result<()> {
        if let Some(plain) = self.open(field, key.as_bytes())? {
            *key = AuthKey::new(plain);
        }
        Ok(())
    }

    fn open_bytes(&self, field: Field<'_>, bytes: &mut Vec<u8>) -> Result<()> {
        if let Some(plain) = self.open(field, bytes)? {
            *bytes = plain;
        }
        Ok(())
    }

    fn open_dc_auth(&self, mut entry: DcAuth) -> Result<DcAuth> {
        self.open_key(Field::DcAuthKey(entry.dc_id), &mut entry.auth_key)?;
        Ok(entry)
    }

    fn open_conversation(&self, mut conversation: Conversation) -> Result<Conversation> {
        if self.config.conversation_data {
            let field = Field::ConversationData {
                chat_id: conversation.chat_id,
                user_id: conversation.user_id,
            };
            self.open_bytes(field, &mut conversation.data)?;
        }
        Ok(conversation)
    }

    /// The session record with its auth key sealed.
    fn seal_session(&self, session: &Session) -> Result<Session> {
        let mut sealed = session.clone();
        if let Some(key) = &session.auth_key {
            sealed.auth_key = Some(AuthKey::new(
                self.seal(Field::SessionAuthKey, key.as_bytes())?,
            ));
        }
        Ok(sealed)
    }

    /// The DC auth row with its key sealed.
    fn seal_dc_auth(&self, entry: &DcAuth) -> Result<DcAuth> {
        let mut sealed = entry.clone();
        sealed.auth_key =
            AuthKey::new(self.seal(Field::DcAuthKey(entry.dc_id), entry.auth_key.as_bytes())?);
        Ok(sealed)
    }

    /// The temporary key with its key sealed.
    fn seal_temp_key(&self, key: &crate::TempAuthKey) -> Result<crate::TempAuthKey> {
        let mut sealed = key.clone();
        sealed.auth_key =
            AuthKey::new(self.seal(Field::TempAuthKey(key.dc_id), key.auth_key.as_bytes())?);
        Ok(sealed)
    }

    /// The durable update with its payload sealed when the configuration
    /// asks for it.
    fn seal_update(&self, update: &DurableUpdate) -> Result<DurableUpdate> {
        let mut sealed = update.clone();
        if self.config.durable_payloads {
            sealed.payload = self.seal(Field::DurablePayload(&update.id), &update.payload)?;
        }
        Ok(sealed)
    }

    fn seal_conversation(&self, conversation: &Conversation) -> Result<Option<Conversation>> {
        if !self.config.conversation_data {
            return Ok(None);
        }
        let field = Field::ConversationData {
            chat_id: conversation.chat_id,
            user_id: conversation.user_id,
        };
        let mut sealed = conversation.clone();
        sealed.data = self.seal(field, &conversation.data)?;
        Ok(Some(sealed))
    }

    fn open_update(&self, mut update: DurableUpdate) -> Result<DurableUpdate> {
        if self.config.durable_payloads {
            let id = std::mem::take(&mut update.id);
            let opened = self.open_bytes(Field::DurablePayload(&id), &mut update.payload);
            update.id = id;
            opened?;
        }
        Ok(update)
    }
}

impl<A: Adapter> fmt::Debug for EncryptedAdapter<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedAdapter")
            .field("backend", &self.inner.backend_name())
            .field("session", &self.inner.session_name())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> SessionStore for EncryptedAdapter<A> {
    /// Loads the session and decrypts its auth key.
    ///
    /// # Errors
    /// [`Error::Decrypt`] when the key does not decrypt (or is plaintext
    /// and refused); the inner adapter's errors.
    async fn load_session(&self) -> Result<Option<Session>> {
        let Some(mut session) = self.inner.load_session().await? else {
            return Ok(None);
        };
        if let Some(key) = session.auth_key.as_mut() {
            self.open_key(Field::SessionAuthKey, key)?;
        }
        Ok(Some(session))
    }

    /// Saves the session with its auth key encrypted.
    async fn save_session(&self, session: &Session) -> Result<()> {
        self.inner.save_session(&self.seal_session(session)?).await
    }

    async fn delete_session(&self) -> Result<()> {
        self.inner.delete_session().await
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> PeerStore for EncryptedAdapter<A> {
    async fn save_peer(&self, peer: &Peer) -> Result<()> {
        self.inner.save_peer(peer).await
    }

    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        self.inner.save_peers(peers).await
    }

    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
        self.inner.get_peer(id).await
    }

    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
        self.inner.get_peer_by_username(username).await
    }

    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
        self.inner.get_peer_by_phone(phone).await
    }

    async fn load_peers(&self) -> Result<Vec<Peer>> {
        self.inner.load_peers().await
    }

    async fn delete_peer(&self, id: i64) -> Result<()> {
        self.inner.delete_peer(id).await
    }

    async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
        self.inner.delete_peers(ids).await
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> DcAuthStore for EncryptedAdapter<A> {
    /// Saves the entry with its auth key encrypted.
    async fn save_dc_auth(&self, entry: &DcAuth) -> Result<()> {
        let store = self.inner_dc_auth("save_dc_auth")?;
        store.save_dc_auth(&self.seal_dc_auth(entry)?).await
    }

    async fn load_dc_auth(&self, dc_id: i32) -> Result<Option<DcAuth>> {
        let store = self.inner_dc_auth("load_dc_auth")?;
        store
            .load_dc_auth(dc_id)
            .await?
            .map(|entry| self.open_dc_auth(entry))
            .transpose()
    }

    async fn load_all_dc_auth(&self) -> Result<Vec<DcAuth>> {
        let store = self.inner_dc_auth("load_all_dc_auth")?;
        store
            .load_all_dc_auth()
            .await?
            .into_iter()
            .map(|entry| self.open_dc_auth(entry))
            .collect()
    }
}

#[async_trait]
impl<A: Adapter> crate::TempKeyStore for EncryptedAdapter<A> {
    /// Saves the key encrypted.
    async fn save_temp_auth_key(&self, key: &crate::TempAuthKey) -> Result<()> {
        let store = self.inner_temp_keys("save_temp_auth_key")?;
        store.save_temp_auth_key(&self.seal_temp_key(key)?).await
    }

    async fn load_temp_auth_key(&self, dc_id: i32) -> Result<Option<crate::TempAuthKey>> {
        let store = self.inner_temp_keys("load_temp_auth_key")?;
        let Some(mut key) = store.load_temp_auth_key(dc_id).await? else {
            return Ok(None);
        };
        self.open_key(Field::TempAuthKey(dc_id), &mut key.auth_key)?;
        Ok(Some(key))
    }

    async fn delete_temp_auth_key(&self, dc_id: i32) -> Result<()> {
        self.inner_temp_keys("delete_temp_auth_key")?
            .delete_temp_auth_key(dc_id)
            .await
    }

    async fn save_server_salts(&self, dc_id: i32, salts: &[crate::ServerSalt]) -> Result<()> {
        self.inner_temp_keys("save_server_salts")?
            .save_server_salts(dc_id, salts)
            .await
    }

    async fn load_server_salts(&self, dc_id: i32) -> Result<Vec<crate::ServerSalt>> {
        self.inner_temp_keys("load_server_salts")?
            .load_server_salts(dc_id)
            .await
    }

    async fn prune_temp_keys(&self, now: i64) -> Result<u64> {
        self.inner_temp_keys("prune_temp_keys")?
            .prune_temp_keys(now)
            .await
    }
}

impl<A: Adapter> EncryptedAdapter<A> {
    fn inner_temp_keys(&self, operation: &'static str) -> Result<&dyn crate::TempKeyStore> {
        crate::store::require(self.inner.temp_keys(), operation, self.inner.backend_name())
    }

    fn inner_dc_auth(&self, operation: &'static str) -> Result<&dyn DcAuthStore> {
        crate::store::require(self.inner.dc_auth(), operation, self.inner.backend_name())
    }

    fn inner_conversations(&self, operation: &'static str) -> Result<&dyn ConversationStore> {
        crate::store::require(
            self.inner.conversations(),
            operation,
            self.inner.backend_name(),
        )
    }

    fn inner_update_state(&self, operation: &'static str) -> Result<&dyn UpdateStateStore> {
        crate::store::require(
            self.inner.update_state(),
            operation,
            self.inner.backend_name(),
        )
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> ConversationStore for EncryptedAdapter<A> {
    async fn save_conversation(&self, conversation: &Conversation) -> Result<()> {
        let store = self.inner_conversations("save_conversation")?;
        match self.seal_conversation(conversation)? {
            Some(sealed) => store.save_conversation(&sealed).await,
            None => store.save_conversation(conversation).await,
        }
    }

    async fn load_conversation(&self, chat_id: i64, user_id: i64) -> Result<Option<Conversation>> {
        let store = self.inner_conversations("load_conversation")?;
        store
            .load_conversation(chat_id, user_id)
            .await?
            .map(|c| self.open_conversation(c))
            .transpose()
    }

    async fn delete_conversation(&self, chat_id: i64, user_id: i64) -> Result<()> {
        let store = self.inner_conversations("delete_conversation")?;
        store.delete_conversation(chat_id, user_id).await
    }

    async fn load_conversations(&self) -> Result<Vec<Conversation>> {
        let store = self.inner_conversations("load_conversations")?;
        store
            .load_conversations()
            .await?
            .into_iter()
            .map(|c| self.open_conversation(c))
            .collect()
    }

    async fn restore_conversation(&self, conversation: &Conversation) -> Result<()> {
        let store = self.inner_conversations("restore_conversation")?;
        match self.seal_conversation(conversation)? {
            Some(sealed) => store.restore_conversation(&sealed).await,
            None => store.restore_conversation(conversation).await,
        }
    }

    /// Forwarded: `updated_at` is not sealed.
    async fn delete_conversations_idle_since(&self, before: i64) -> Result<u64> {
        self.inner_conversations("delete_conversations_idle_since")?
            .delete_conversations_idle_since(before)
            .await
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> UpdateStateStore for EncryptedAdapter<A> {
    async fn save_update_state(&self, state: &UpdateState) -> Result<()> {
        self.inner_update_state("save_update_state")?
            .save_update_state(state)
            .await
    }

    async fn load_update_state(&self) -> Result<Option<UpdateState>> {
        self.inner_update_state("load_update_state")?
            .load_update_state()
            .await
    }

    async fn save_channel_pts(&self, channel_id: i64, pts: i32) -> Result<()> {
        self.inner_update_state("save_channel_pts")?
            .save_channel_pts(channel_id, pts)
            .await
    }

    async fn load_channel_pts(&self, channel_id: i64) -> Result<Option<i32>> {
        self.inner_update_state("load_channel_pts")?
            .load_channel_pts(channel_id)
            .await
    }

    async fn load_all_channel_pts(&self) -> Result<Vec<ChannelState>> {
        self.inner_update_state("load_all_channel_pts")?
            .load_all_channel_pts()
            .await
    }

    async fn delete_channel_pts(&self, channel_id: i64) -> Result<()> {
        self.inner_update_state("delete_channel_pts")?
            .delete_channel_pts(channel_id)
            .await
    }

    async fn insert_dedup_key(&self, key: &str, seen_at: i64) -> Result<bool> {
        self.inner_update_state("insert_dedup_key")?
            .insert_dedup_key(key, seen_at)
            .await
    }

    async fn has_dedup_key(&self, key: &str) -> Result<bool> {
        self.inner_update_state("has_dedup_key")?
            .has_dedup_key(key)
            .await
    }

    async fn prune_dedup_keys(&self, older_than: i64) -> Result<u64> {
        self.inner_update_state("prune_dedup_keys")?
            .prune_dedup_keys(older_than)
            .await
    }

    async fn load_dedup_keys(&self) -> Result<Vec<DedupKey>> {
        self.inner_update_state("load_dedup_keys")?
            .load_dedup_keys()
            .await
    }

    async fn enqueue_update(&self, update: &DurableUpdate) -> Result<()> {
        let store = self.inner_update_state("enqueue_update")?;
        store.enqueue_update(&self.seal_update(update)?).await
    }

    async fn load_updates(&self, limit: usize) -> Result<Vec<DurableUpdate>> {
        self.inner_update_state("load_updates")?
            .load_updates(limit)
            .await?
            .into_iter()
            .map(|u| self.open_update(u))
            .collect()
    }

    async fn delete_update(&self, id: &str) -> Result<()> {
        self.inner_update_state("delete_update")?
            .delete_update(id)
            .await
    }

    async fn mark_update_failed(&self, id: &str, error: &str) -> Result<u32> {
        self.inner_update_state("mark_update_failed")?
            .mark_update_failed(id, error)
            .await
    }
}

#[crate::observe::observed]
#[async_trait]
impl<A: Adapter> Adapter for EncryptedAdapter<A> {
    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }

    fn session_name(&self) -> &str {
        self.inner.session_name()
    }

    /// An encrypted handle for another session name, sharing the keyring
    /// and settings.
    fn session(&self, name: &str) -> Box<dyn Adapter> {
        Box::new(EncryptedAdapter {
            inner: self.inner.session(name),
            config: Arc::clone(&self.config),
        })
    }

    async fn session_names(&self) -> Result<Vec<String>> {
        self.inner.session_names().await
    }

    fn conversations(&self) -> Option<&dyn ConversationStore> {
        self.inner
            .conversations()
            .map(|_| self as &dyn ConversationStore)
    }

    fn dc_auth(&self) -> Option<&dyn DcAuthStore> {
        self.inner.dc_auth().map(|_| self as &dyn DcAuthStore)
    }

    fn update_state(&self) -> Option<&dyn UpdateStateStore> {
        self.inner
            .update_state()
            .map(|_| self as &dyn UpdateStateStore)
    }

    /// The inner adapter's lease store: a lease holds no secret (holder
    /// tokens and times), so it is forwarded as it is.
    fn lease(&self) -> Option<&dyn crate::LeaseStore> {
        self.inner.lease()
    }

    /// The inner adapter's reference store: references hold no peer data
    /// and no secret.
    fn references(&self) -> Option<&dyn crate::ReferenceStore> {
        self.inner.references()
    }

    /// Temporary auth keys sealed like the DC keys; server salts as they
    /// are.
    fn temp_keys(&self) -> Option<&dyn crate::TempKeyStore> {
        self.inner
            .temp_keys()
            .map(|_| self as &dyn crate::TempKeyStore)
    }

    /// Forwarded: deleting everything of the name reads and writes no
    /// secret.
    async fn purge_session(&self) -> Result<()> {
        self.inner.purge_session().await
    }

    /// Forwarded: vacuuming reads and writes no secret.
    async fn reclaim_space(&self) -> Result<()> {
        self.inner.reclaim_space().await
    }

    /// Each record sealed as its own store method seals it, then the whole
    /// set written by the inner adapter in one step. A record that cannot be
    /// sealed stops the call before anything is written.
    async fn save_session_records(&self, records: &crate::SessionRecords) -> Result<()> {
        let sealed = crate::SessionRecords {
            session: records
                .session
                .as_ref()
                .map(|s| self.seal_session(s))
                .transpose()?,
            dc_auth: records
                .dc_auth
                .iter()
                .map(|e| self.seal_dc_auth(e))
                .collect::<Result<_>>()?,
            temp_auth_keys: records
                .temp_auth_keys
                .iter()
                .map(|k| self.seal_temp_key(k))
                .collect::<Result<_>>()?,
            conversations: records
                .conversations
                .iter()
                .map(|c| Ok(self.seal_conversation(c)?.unwrap_or_else(|| c.clone())))
                .collect::<Result<_>>()?,
            durable_updates: records
                .durable_updates
                .iter()
                .map(|u| self.seal_update(u))
                .collect::<Result<_>>()?,
        };
        self.inner.save_session_records(&sealed).await
    }

    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }
}
