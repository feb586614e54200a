//! [`SessionRecords`]: records of one session that are written together.

use crate::{Conversation, DcAuth, DurableUpdate, Session, TempAuthKey};

/// Records of one session name that
/// [`Adapter::save_session_records`](crate::Adapter::save_session_records)
/// writes all together or not at all: the session record, DC auth rows,
/// temporary auth keys, conversations and durable updates.
///
/// Each record is written as its own store method writes it
/// ([`SessionStore::save_session`](crate::SessionStore::save_session),
/// [`DcAuthStore::save_dc_auth`](crate::DcAuthStore::save_dc_auth),
/// [`TempKeyStore::save_temp_auth_key`](crate::TempKeyStore::save_temp_auth_key),
/// [`ConversationStore::restore_conversation`](crate::ConversationStore::restore_conversation)
/// and [`UpdateStateStore::enqueue_update`](crate::UpdateStateStore::enqueue_update)):
/// it replaces the stored record with the same key. Records not listed are
/// left as they are.
///
/// `Debug` shows auth keys by length only, as [`Session`] and [`DcAuth`] do.
///
/// ```
/// use mtgo_storage::{AuthKey, DcAuth, Session, SessionRecords};
///
/// let mut records = SessionRecords::default();
/// records.session = Some(Session { dc: 2, ..Session::default() });
/// records.dc_auth.push(DcAuth { dc_id: 4, auth_key: AuthKey::new(vec![7; 256]), ..DcAuth::default() });
/// assert_eq!(records.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SessionRecords {
    /// The session record, saved under the handle's session name.
    pub session: Option<Session>,
    /// DC auth rows, each replacing the row of its DC.
    pub dc_auth: Vec<DcAuth>,
    /// Temporary auth keys, each replacing the key of its DC.
    pub temp_auth_keys: Vec<TempAuthKey>,
    /// Conversations, each stored with its own timestamps (as
    /// `restore_conversation`).
    pub conversations: Vec<Conversation>,
    /// Durable updates, each replacing the update with its id.
    pub durable_updates: Vec<DurableUpdate>,
}

impl SessionRecords {
    /// How many records there are to write.
    pub fn len(&self) -> usize {
        usize::from(self.session.is_some())
            + self.dc_auth.len()
            + self.temp_auth_keys.len()
            + self.conversations.len()
            + self.durable_updates.len()
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
