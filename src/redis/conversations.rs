//! [`ConversationStore`]: one hash per conversation and an index set.

use super::script_call::ScriptCall;
use super::scripts::{LOAD_CONVERSATIONS, RESTORE_CONVERSATION, SAVE_CONVERSATION};
use super::{RedisAdapter, keys, parse_num};
use crate::error::{Error, Result};
use crate::store::ConversationStore;
use crate::types::{Conversation, unix_now};
use async_trait::async_trait;

/// The stored fields `n`, `s`, `d`, `c`, `u` back into a conversation.
fn decode(chat_id: i64, user_id: i64, fields: [Vec<u8>; 5]) -> Result<Conversation> {
    let [name, step, data, created_at, updated_at] = fields;
    Ok(Conversation {
        chat_id,
        user_id,
        name: String::from_utf8(name).map_err(|_| Error::Corrupt {
            what: "conversation name",
            reason: "not UTF-8".into(),
        })?,
        step: parse_num("conversation step", &step)?,
        data,
        created_at: parse_num("conversation created_at", &created_at)?,
        updated_at: parse_num("conversation updated_at", &updated_at)?,
    })
}

fn parse_member(member: &str) -> Result<(i64, i64)> {
    member
        .split_once(':')
        .and_then(|(c, u)| Some((c.parse().ok()?, u.parse().ok()?)))
        .ok_or_else(|| Error::Corrupt {
            what: "conversation index",
            reason: "a member is not `<chat_id>:<user_id>`".into(),
        })
}

impl RedisAdapter {
    /// The [`RESTORE_CONVERSATION`] call writing `conversation` with its own
    /// times.
    pub(super) fn restore_call(&self, conversation: &Conversation) -> ScriptCall {
        ScriptCall::default()
            .key(self.keys.conversation_ids())
            .key(
                self.keys
                    .conversation(conversation.chat_id, conversation.user_id),
            )
            .arg(conversation.created_at)
            .arg(conversation.name.as_str())
            .arg(conversation.step)
            .arg(conversation.data.as_slice())
            .arg(self.options.conversation_ttl_ms)
            .arg(keys::conversation_member(
                conversation.chat_id,
                conversation.user_id,
            ))
            .arg(conversation.updated_at)
    }
}

#[async_trait]
impl ConversationStore for RedisAdapter {
    /// One Lua script: `HSETNX` keeps `created_at`, `HSET` writes the other
    /// fields, the expiry is set (or removed) and the index set updated.
    async fn save_conversation(&self, conversation: &Conversation) -> Result<()> {
        let mut conn = self.conn()?;
        let _: i64 = SAVE_CONVERSATION
            .key(self.keys.conversation_ids())
            .key(
                self.keys
                    .conversation(conversation.chat_id, conversation.user_id),
            )
            .arg(unix_now())
            .arg(conversation.name.as_str())
            .arg(conversation.step)
            .arg(conversation.data.as_slice())
            .arg(self.options.conversation_ttl_ms)
            .arg(keys::conversation_member(
                conversation.chat_id,
                conversation.user_id,
            ))
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// One Lua script, as `save_conversation`, writing both times as given.
    async fn restore_conversation(&self, conversation: &Conversation) -> Result<()> {
        let mut conn = self.conn()?;
        let _: i64 = self
            .restore_call(conversation)
            .invoke(&RESTORE_CONVERSATION, &mut conn)
            .await?;
        Ok(())
    }

    async fn load_conversation(&self, chat_id: i64, user_id: i64) -> Result<Option<Conversation>> {
        let key = &self.keys.conversation(chat_id, user_id);
        let fields: Vec<Option<Vec<u8>>> = self
            .read(|mut c| async move {
                ::redis::cmd("HMGET")
                    .arg(key)
                    .arg(&["n", "s", "d", "c", "u"])
                    .query_async(&mut c)
                    .await
            })
            .await?;
        let Ok([Some(n), Some(s), Some(d), Some(c), Some(u)]) =
            <[Option<Vec<u8>>; 5]>::try_from(fields)
        else {
            return Ok(None);
        };
        decode(chat_id, user_id, [n, s, d, c, u]).map(Some)
    }

    async fn delete_conversation(&self, chat_id: i64, user_id: i64) -> Result<()> {
        let mut conn = self.conn()?;
        let mut pipe = ::redis::pipe();
        pipe.atomic()
            .del(self.keys.conversation(chat_id, user_id))
            .ignore()
            .srem(
                self.keys.conversation_ids(),
                keys::conversation_member(chat_id, user_id),
            )
            .ignore();
        let _: () = pipe.query_async(&mut conn).await?;
        Ok(())
    }

    async fn load_conversations(&self) -> Result<Vec<Conversation>> {
        let (ids, base) = (&self.keys.conversation_ids(), self.keys.base());
        let rows: Vec<(String, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>)> = self
            .read(|mut c| async move {
                LOAD_CONVERSATIONS
                    .key(ids)
                    .arg(base)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (member, n, s, d, c, u) in rows {
            let (chat_id, user_id) = parse_member(&member)?;
            out.push(decode(chat_id, user_id, [n, s, d, c, u])?);
        }
        out.sort_by_key(|c| (c.chat_id, c.user_id));
        Ok(out)
    }
}
