//! The store traits every backend implements.
//!
//! A handle is bound to one session name; [`Adapter::session`] gives a handle
//! for another name on the same connection. Absent data is `Ok(None)`,
//! deleting what is absent is `Ok(())`. Session names, usernames, dedup keys
//! and durable update ids of up to 255 characters (any Unicode) work on every
//! backend; longer ones, and text holding a NUL character, are refused by
//! every backend alike with [`crate::Error::InvalidInput`] (the limits are in
//! [`crate::limits`]). Session names compare byte for byte: trailing spaces
//! and letter case count. After [`Adapter::close`], every call on a handle of
//! the store is [`crate::Error::Closed`]. Each sentence of these docs is a
//! case of the same name in [`crate::conformance`].

use crate::error::Result;
use crate::lease::LeaseStore;
use crate::references::ReferenceStore;
use crate::session_records::SessionRecords;
use crate::temp_keys::TempKeyStore;
use crate::types::{
    ChannelState, Conversation, DcAuth, DedupKey, DurableUpdate, Peer, Session, UpdateState,
};
use async_trait::async_trait;
use std::sync::Arc;

/// Loads and saves the session record of the handle's session name.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Loads the session; `Ok(None)` if none was saved. The returned
    /// [`Session::name`] is the handle's session name.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails, [`crate::Error::Corrupt`]
    /// when the stored record cannot be read back.
    async fn load_session(&self) -> Result<Option<Session>>;

    /// Saves the session, replacing every field of a previous one. The
    /// handle's session name is used, whatever `session.name` says.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_session(&self, session: &Session) -> Result<()>;

    /// Deletes the session record (peers and the other stores are kept).
    /// Deleting an absent session is `Ok(())`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn delete_session(&self) -> Result<()>;
}

/// The peer cache of one session.
#[async_trait]
pub trait PeerStore: Send + Sync {
    /// Saves one peer, replacing every field of a stored peer with the same
    /// id (usernames and phone included: old ones no longer resolve), except
    /// that a min peer saved over a full one is merged into it
    /// ([`Peer::merged_over`]).
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_peer(&self, peer: &Peer) -> Result<()> {
        self.save_peers(std::slice::from_ref(peer)).await
    }

    /// Saves many peers atomically: all of them or, on error, none. When an
    /// id appears more than once, the last one wins. An empty slice is
    /// `Ok(())`. A min peer ([`Peer::min`]) saved over a stored full one
    /// keeps the stored access hash, phone and `is_self`
    /// ([`Peer::merged_over`]); [`save_peer`](Self::save_peer) does the same.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails; nothing of the batch
    /// is then written.
    async fn save_peers(&self, peers: &[Peer]) -> Result<()>;

    /// The peer with this id, or `Ok(None)`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn get_peer(&self, id: i64) -> Result<Option<Peer>>;

    /// The peer with this username (main or additional), ignoring case and
    /// a leading `@`. When several peers claim it, the one with the greatest
    /// `last_updated` (then the greatest id) wins. `Ok(None)` if none.
    /// A username is returned however long ago it was confirmed: the
    /// peer's `last_updated` is that time (each save rewrites the usernames),
    /// for the caller to decide whether to resolve it again.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>>;

    /// The peer with this phone number, ignoring `+`, spaces, dashes and
    /// parentheses. Ties as for usernames. `Ok(None)` if none or if the
    /// number has no digits.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>>;

    /// Every cached peer of the session, in ascending id order.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_peers(&self) -> Result<Vec<Peer>>;

    /// Removes a peer and its username and phone entries. Deleting an absent
    /// peer is `Ok(())`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn delete_peer(&self, id: i64) -> Result<()>;

    /// Removes many peers with their username and phone entries, as
    /// [`delete_peer`](Self::delete_peer) does for each. Absent ids and
    /// repeated ids are skipped; an empty slice is `Ok(())`. The built-in
    /// backends delete in chunks, each one statement or script (SQL: one
    /// transaction for the whole call, all of it or nothing; MongoDB: one
    /// `deleteMany` per chunk; Redis: one script per chunk, all in one
    /// `MULTI`; memory: one lock). The default calls `delete_peer` for each
    /// id.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails; on a backend
    /// without transactions the peers deleted before the failure stay
    /// deleted.
    async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
        for &id in ids {
            self.delete_peer(id).await?;
        }
        Ok(())
    }
}

/// Conversation state for the conversations plugin.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Saves a conversation keyed by (`chat_id`, `user_id`). The store sets
    /// `created_at` on the first save and keeps it afterwards, and sets
    /// `updated_at` to now on every save; the caller's values of both are
    /// ignored.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_conversation(&self, conversation: &Conversation) -> Result<()>;

    /// The conversation of this chat and user, or `Ok(None)`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_conversation(&self, chat_id: i64, user_id: i64) -> Result<Option<Conversation>>;

    /// Deletes a conversation; deleting an absent one is `Ok(())`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn delete_conversation(&self, chat_id: i64, user_id: i64) -> Result<()>;

    /// Every conversation of the session, ordered by (`chat_id`, `user_id`).
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_conversations(&self) -> Result<Vec<Conversation>>;

    /// Saves a conversation keyed by (`chat_id`, `user_id`) exactly as
    /// given, its `created_at` and `updated_at` included, replacing a stored
    /// one: for imports and copies, which must keep the original times.
    ///
    /// # Errors
    /// [`crate::Error::Unsupported`] from a store that does not implement it
    /// (the default); [`crate::Error::Backend`] when the store fails.
    async fn restore_conversation(&self, conversation: &Conversation) -> Result<()> {
        let _ = conversation;
        Err(crate::Error::unsupported("restore_conversation", "custom"))
    }

    /// Deletes every conversation of the session whose `updated_at` is
    /// strictly before `before` (Unix seconds) and returns how many. SQL
    /// and MongoDB do it in one statement, memory under one lock; the
    /// default (Redis, custom stores) loads the conversations and deletes
    /// the old ones one by one.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails (with the default,
    /// what was deleted before stays deleted).
    async fn delete_conversations_idle_since(&self, before: i64) -> Result<u64> {
        let mut deleted = 0;
        for c in self.load_conversations().await? {
            if c.updated_at < before {
                self.delete_conversation(c.chat_id, c.user_id).await?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

/// Authorization keys of the data centers other than (or besides) the home DC.
#[async_trait]
pub trait DcAuthStore: Send + Sync {
    /// Saves the entry of `entry.dc_id`, replacing a previous one.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_dc_auth(&self, entry: &DcAuth) -> Result<()>;

    /// The entry of one DC, or `Ok(None)`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_dc_auth(&self, dc_id: i32) -> Result<Option<DcAuth>>;

    /// Every entry of the session, in ascending DC id order.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_all_dc_auth(&self) -> Result<Vec<DcAuth>>;
}

/// Update state: pts/qts/date/seq, per-channel pts, dedup keys and a durable
/// retry queue.
#[async_trait]
pub trait UpdateStateStore: Send + Sync {
    /// Saves the common update state, replacing the previous one.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_update_state(&self, state: &UpdateState) -> Result<()>;

    /// The common update state, or `Ok(None)`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_update_state(&self) -> Result<Option<UpdateState>>;

    /// Saves the pts of one channel, replacing the previous one.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_channel_pts(&self, channel_id: i64, pts: i32) -> Result<()>;

    /// The pts of one channel, or `Ok(None)`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_channel_pts(&self, channel_id: i64) -> Result<Option<i32>>;

    /// The pts of every channel, in ascending channel id order.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_all_channel_pts(&self) -> Result<Vec<ChannelState>>;

    /// Forgets the pts of one channel (a channel the account left, or one
    /// a client's full update state no longer lists). Forgetting a channel
    /// that has no pts is not an error.
    ///
    /// # Errors
    /// [`crate::Error::Unsupported`] from a store that does not implement it
    /// (the default); [`crate::Error::Backend`] when the store fails.
    async fn delete_channel_pts(&self, channel_id: i64) -> Result<()> {
        let _ = channel_id;
        Err(crate::Error::unsupported("delete_channel_pts", "custom"))
    }

    /// Records a dedup key seen at `seen_at` if it is absent. Returns `true`
    /// if the key was new, `false` if it was already there (its time is then
    /// left unchanged). Concurrent callers with one key see `true` exactly
    /// once.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn insert_dedup_key(&self, key: &str, seen_at: i64) -> Result<bool>;

    /// Whether a dedup key is recorded.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn has_dedup_key(&self, key: &str) -> Result<bool>;

    /// Removes dedup keys seen strictly before `older_than`; returns how many.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn prune_dedup_keys(&self, older_than: i64) -> Result<u64>;

    /// Every dedup key of the session with the time it was first seen,
    /// sorted by key (byte order of the UTF-8 text, as `str` compares, on
    /// every backend whatever its collation). Empty if there are none; keys
    /// removed by [`prune_dedup_keys`](Self::prune_dedup_keys) (or expired,
    /// on a store that expires them) are not listed. For copies and
    /// exports, not for a client's hot path: it reads every key.
    ///
    /// # Errors
    /// [`crate::Error::Unsupported`] from a store that does not implement it
    /// (the default); [`crate::Error::Backend`] when the store fails;
    /// [`crate::Error::Corrupt`] when a stored key or time cannot be read
    /// back.
    async fn load_dedup_keys(&self) -> Result<Vec<DedupKey>> {
        Err(crate::Error::unsupported("load_dedup_keys", "custom"))
    }

    /// Adds an update to the durable queue. An update with the same id is
    /// replaced (attempts and last error included).
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn enqueue_update(&self, update: &DurableUpdate) -> Result<()>;

    /// Up to `limit` queued updates, oldest first (by `created_at`, then id).
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_updates(&self, limit: usize) -> Result<Vec<DurableUpdate>>;

    /// Removes a handled update; removing an absent one is `Ok(())`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn delete_update(&self, id: &str) -> Result<()>;

    /// Records a failed attempt: adds one to `attempts`, stores `error` as
    /// `last_error`, and returns the new attempt count.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if no update has this id;
    /// [`crate::Error::Backend`] when the store fails.
    async fn mark_update_failed(&self, id: &str, error: &str) -> Result<u32>;
}

/// A storage backend: the session and peer cache of one session name, plus
/// optional stores reached through accessors.
///
/// Object safe: use it as `Arc<dyn Adapter>` or `Box<dyn Adapter>`.
#[async_trait]
pub trait Adapter: SessionStore + PeerStore {
    /// The backend's name (`memory`, `sqlite`, `postgres`, ...), used in
    /// errors.
    fn backend_name(&self) -> &'static str;

    /// The session name this handle reads and writes.
    fn session_name(&self) -> &str;

    /// A handle for another session name on the same store and connection.
    fn session(&self, name: &str) -> Box<dyn Adapter>;

    /// Every session name with a saved session, sorted.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn session_names(&self) -> Result<Vec<String>>;

    /// The conversation store, if the backend has one.
    fn conversations(&self) -> Option<&dyn ConversationStore> {
        None
    }

    /// The DC auth store, if the backend has one.
    fn dc_auth(&self) -> Option<&dyn DcAuthStore> {
        None
    }

    /// The update-state store, if the backend has one.
    fn update_state(&self) -> Option<&dyn UpdateStateStore> {
        None
    }

    /// The session lease store, if the backend has one.
    fn lease(&self) -> Option<&dyn LeaseStore> {
        None
    }

    /// The store of temporary auth keys and server salts, if the backend
    /// has one.
    fn temp_keys(&self) -> Option<&dyn TempKeyStore> {
        None
    }

    /// The store of reference messages (where min peers were seen), if the
    /// backend has one.
    fn references(&self) -> Option<&dyn ReferenceStore> {
        None
    }

    /// Removes everything stored under the handle's session name: the
    /// session, the peers with their usernames and phones, conversations,
    /// DC auth keys, update state, channel pts, dedup keys, the durable
    /// queue, and the stores added since (lease, temporary keys and server
    /// salts, reference messages). Other session names are untouched. On a backend with
    /// transactions it is one transaction (all of it or nothing); purging
    /// a name with nothing stored is `Ok(())`. For logout: afterwards no
    /// auth key of the name is left in the store.
    ///
    /// # Errors
    /// [`crate::Error::Unsupported`] from a store that does not implement it
    /// (the default); [`crate::Error::Backend`] when the store fails (a
    /// transactional backend then keeps everything).
    async fn purge_session(&self) -> Result<()> {
        Err(crate::Error::unsupported(
            "purge_session",
            self.backend_name(),
        ))
    }

    /// Writes the records of the handle's session all together or not at
    /// all: on SQL and MongoDB in one transaction, on Redis in one
    /// `MULTI`/`EXEC`, in memory under one lock. Each record replaces the
    /// stored one with the same key, as its own store method would write it
    /// (see [`SessionRecords`]); an empty set writes nothing. It is how a
    /// session is rewritten in place, as `mtgo-storage encrypt`, `decrypt`
    /// and `rekey` do: a crash or an error leaves the old records, never a
    /// mix.
    ///
    /// # Errors
    /// [`crate::Error::Unsupported`] from a store that does not implement it
    /// (the default) or that lacks a store the records need;
    /// [`crate::Error::Backend`] when the store fails, and then nothing of
    /// the set is written.
    async fn save_session_records(&self, records: &SessionRecords) -> Result<()> {
        let _ = records;
        Err(crate::Error::unsupported(
            "save_session_records",
            self.backend_name(),
        ))
    }

    /// Gives the space freed by deletes back to the operating system, where
    /// the backend keeps it otherwise; [`crate::prune`] calls it after it
    /// removed something. SQLite files run an incremental vacuum (`PRAGMA
    /// incremental_vacuum`), so the file shrinks; a file created before the
    /// crate made new files `auto_vacuum=INCREMENTAL` is converted once
    /// (`PRAGMA auto_vacuum=INCREMENTAL` and a full `VACUUM`, which rewrites
    /// the file and needs as much free disk as it takes). An in-memory
    /// SQLite database, memory and the other backends (PostgreSQL,
    /// MariaDB, MongoDB and Redis reuse or reclaim freed space themselves)
    /// have nothing to do: they only refuse a closed store. The default
    /// reads the session once (so that a closed store answers
    /// [`crate::Error::Closed`], as after `close` every call must) and does
    /// nothing else. It works on the whole database, not only the handle's
    /// session name.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails;
    /// [`crate::Error::Closed`] after [`close`](Self::close).
    async fn reclaim_space(&self) -> Result<()> {
        self.load_session().await.map(drop)
    }

    /// Closes the store's connections. Later calls on any handle sharing
    /// them return [`crate::Error::Closed`] at once (never data, a panic or a
    /// hang). Closing twice is `Ok(())`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when closing fails.
    async fn close(&self) -> Result<()>;
}

macro_rules! forward_stores {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        impl<T: SessionStore + ?Sized> SessionStore for $wrapper<T> {
            async fn load_session(&self) -> Result<Option<Session>> {
                (**self).load_session().await
            }
            async fn save_session(&self, session: &Session) -> Result<()> {
                (**self).save_session(session).await
            }
            async fn delete_session(&self) -> Result<()> {
                (**self).delete_session().await
            }
        }

        #[async_trait]
        impl<T: PeerStore + ?Sized> PeerStore for $wrapper<T> {
            async fn save_peer(&self, peer: &Peer) -> Result<()> {
                (**self).save_peer(peer).await
            }
            async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
                (**self).save_peers(peers).await
            }
            async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
                (**self).get_peer(id).await
            }
            async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
                (**self).get_peer_by_username(username).await
            }
            async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
                (**self).get_peer_by_phone(phone).await
            }
            async fn load_peers(&self) -> Result<Vec<Peer>> {
                (**self).load_peers().await
            }
            async fn delete_peer(&self, id: i64) -> Result<()> {
                (**self).delete_peer(id).await
            }
            async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
                (**self).delete_peers(ids).await
            }
        }

        #[async_trait]
        impl<T: Adapter + ?Sized> Adapter for $wrapper<T> {
            fn backend_name(&self) -> &'static str {
                (**self).backend_name()
            }
            fn session_name(&self) -> &str {
                (**self).session_name()
            }
            fn session(&self, name: &str) -> Box<dyn Adapter> {
                (**self).session(name)
            }
            async fn session_names(&self) -> Result<Vec<String>> {
                (**self).session_names().await
            }
            fn conversations(&self) -> Option<&dyn ConversationStore> {
                (**self).conversations()
            }
            fn dc_auth(&self) -> Option<&dyn DcAuthStore> {
                (**self).dc_auth()
            }
            fn update_state(&self) -> Option<&dyn UpdateStateStore> {
                (**self).update_state()
            }
            fn lease(&self) -> Option<&dyn LeaseStore> {
                (**self).lease()
            }
            fn temp_keys(&self) -> Option<&dyn TempKeyStore> {
                (**self).temp_keys()
            }
            fn references(&self) -> Option<&dyn ReferenceStore> {
                (**self).references()
            }
            async fn purge_session(&self) -> Result<()> {
                (**self).purge_session().await
            }
            async fn save_session_records(&self, records: &SessionRecords) -> Result<()> {
                (**self).save_session_records(records).await
            }
            async fn reclaim_space(&self) -> Result<()> {
                (**self).reclaim_space().await
            }
            async fn close(&self) -> Result<()> {
                (**self).close().await
            }
        }
    )*};
}

forward_stores!(Arc, Box);

/// Returns the store or an [`crate::Error::Unsupported`] naming the operation.
pub(crate) fn require<'a, S: ?Sized>(
    store: Option<&'a S>,
    operation: &'static str,
    backend: &'static str,
) -> Result<&'a S> {
    store.ok_or(crate::Error::Unsupported { operation, backend })
}
