//! [`ReferenceStore`]: where min peers were seen, so a client can still
//! address them.
//!
//! A min peer ([`crate::Peer::min`]) has no access hash a client can use on
//! its own; Telegram accepts it through the message it was seen in
//! (`inputPeerUserFromMessage`, `inputPeerChannelFromMessage`, with the
//! chat's own input peer and the message id). A client records a
//! [`PeerReference`] for each peer a message mentions (sender, forward
//! origin, mentioned users) and, when it needs the peer, takes
//! [`ReferenceStore::latest_reference`].

use crate::error::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A message that mentions a peer: the peer, the chat the message is in,
/// the message id, and when the client saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct PeerReference {
    /// The peer seen (as the client marks its id, like [`crate::Peer::id`]).
    pub peer_id: i64,
    /// The chat the message is in (marked id).
    pub chat_id: i64,
    /// The message id within that chat.
    pub message_id: i32,
    /// When the client saw it (Unix seconds; the caller's clock).
    pub seen_at: i64,
}

impl PeerReference {
    /// Whether `self` is a later reference than `other`: the greater
    /// `seen_at`, then chat id, then message id.
    pub fn is_later_than(&self, other: &PeerReference) -> bool {
        (self.seen_at, self.chat_id, self.message_id)
            > (other.seen_at, other.chat_id, other.message_id)
    }
}

/// The reference messages of one session.
///
/// A reference is keyed by (peer, chat, message); saving it again replaces
/// its `seen_at`.
#[async_trait]
pub trait ReferenceStore: Send + Sync {
    /// Records references, all of them or, on error, none. A reference
    /// stored already (same peer, chat and message) gets the new
    /// `seen_at`; of repeated keys in one call the last wins. An empty
    /// slice is `Ok(())`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_references(&self, references: &[PeerReference]) -> Result<()>;

    /// The latest reference of a peer (greatest `seen_at`, then chat id,
    /// then message id), or `Ok(None)` when it has none, or when the peer
    /// is stored as a full peer with a known access hash: it needs no
    /// reference then (its references stay until deleted or pruned, and
    /// come back if it is saved as a peer without a usable hash again).
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn latest_reference(&self, peer_id: i64) -> Result<Option<PeerReference>>;

    /// Deletes the references to these messages of a chat (the messages
    /// were deleted); returns how many. Unknown messages are skipped.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn delete_message_references(&self, chat_id: i64, message_ids: &[i32]) -> Result<u64>;

    /// Deletes every reference to a message of a chat (the chat was deleted
    /// or left); returns how many.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn delete_chat_references(&self, chat_id: i64) -> Result<u64>;

    /// Every reference of the session, ordered by (peer, chat, message):
    /// for copies and tests, not a client's hot path.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_references(&self) -> Result<Vec<PeerReference>>;
}

/// Whether a stored peer needs no reference: full, with a known hash.
pub(crate) fn needs_no_reference(peer: Option<&crate::Peer>) -> bool {
    peer.is_some_and(|p| !p.min && p.access_hash_known)
}
