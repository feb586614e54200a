//! Which field of which record a ciphertext belongs to. Its bytes are the
//! associated data of the AEAD, so a ciphertext copied to another session,
//! DC, conversation, update or field does not open.

use std::fmt;

/// An encrypted field.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'a> {
    /// The session record's auth key.
    SessionAuthKey,
    /// The auth key of one DC.
    DcAuthKey(i32),
    /// The temporary auth key of one DC.
    TempAuthKey(i32),
    /// The data of one conversation.
    ConversationData {
        /// Its chat.
        chat_id: i64,
        /// Its user.
        user_id: i64,
    },
    /// The payload of one durable update.
    DurablePayload(&'a str),
}

/// What every associated data starts with (the format and its version).
const DOMAIN: &[u8] = b"mtgo-storage encrypted field v1\0";

impl Field<'_> {
    /// The associated data: the domain, the session name, the field's label
    /// and its ids, each length-prefixed or fixed-size.
    pub(crate) fn associated_data(&self, session: &str) -> Vec<u8> {
        let mut aad = Vec::with_capacity(DOMAIN.len() + session.len() + 64);
        aad.extend_from_slice(DOMAIN);
        push_bytes(&mut aad, session.as_bytes());
        match *self {
            Field::SessionAuthKey => push_bytes(&mut aad, b"session.auth_key"),
            Field::DcAuthKey(dc) => {
                push_bytes(&mut aad, b"dc_auth.auth_key");
                aad.extend_from_slice(&dc.to_be_bytes());
            }
            Field::TempAuthKey(dc) => {
                push_bytes(&mut aad, b"temp_auth_keys.auth_key");
                aad.extend_from_slice(&dc.to_be_bytes());
            }
            Field::ConversationData { chat_id, user_id } => {
                push_bytes(&mut aad, b"conversation.data");
                aad.extend_from_slice(&chat_id.to_be_bytes());
                aad.extend_from_slice(&user_id.to_be_bytes());
            }
            Field::DurablePayload(id) => {
                push_bytes(&mut aad, b"durable_update.payload");
                push_bytes(&mut aad, id.as_bytes());
            }
        }
        aad
    }
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::SessionAuthKey => f.write_str("auth_key"),
            Field::DcAuthKey(dc) => write!(f, "dc_auth[{dc}].auth_key"),
            Field::TempAuthKey(dc) => write!(f, "temp_auth_keys[{dc}].auth_key"),
            Field::ConversationData { chat_id, user_id } => {
                write!(f, "conversation[{chat_id},{user_id}].data")
            }
            Field::DurablePayload(id) => write!(f, "durable_update[{id:?}].payload"),
        }
    }
}
