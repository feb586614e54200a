//! [`ReferenceStore`]: per peer a hash `ref:<peer>` (field `<chat>:<message>`,
//! value `seen_at`), per chat a set `refchat:<chat>` of `<peer>:<message>`
//! for the deletes, and the sets `refpeers` and `refchats` listing them
//! (for loads and the purge, never SCAN). Every write is one Lua script.

use super::{BACKEND, RedisAdapter};
use crate::error::{Error, Result};
use crate::references::{PeerReference, ReferenceStore, needs_no_reference};
use crate::store::PeerStore;
use ::redis::Script;
use async_trait::async_trait;
use std::sync::LazyLock;

/// Records references. `KEYS[1]` the `refpeers` set; `ARGV[1]` the key
/// base; then per reference: peer id, chat id, message id, seen_at.
static SAVE_REFERENCES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local base = ARGV[1]
for i = 2, #ARGV, 4 do
  local peer, chat, msg = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('HSET', base .. 'ref:' .. peer, chat .. ':' .. msg, ARGV[i + 3])
  redis.call('SADD', base .. 'refchat:' .. chat, peer .. ':' .. msg)
  redis.call('SADD', KEYS[1], peer)
  redis.call('SADD', base .. 'refchats', chat)
end
return 0
"#,
    )
});

/// Deletes the references into one chat: all of them when `ARGV[3]` is
/// `*`, else those of the message ids `ARGV[3..]`. `KEYS[1]` the
/// `refpeers` set; `ARGV[1]` the key base; `ARGV[2]` the chat id. Returns
/// how many.
static DELETE_CHAT_REFERENCES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local base, chat = ARGV[1], ARGV[2]
local ckey = base .. 'refchat:' .. chat
local all = ARGV[3] == '*'
local wanted = {}
for i = 3, #ARGV do
  wanted[ARGV[i]] = true
end
local n = 0
for _, m in ipairs(redis.call('SMEMBERS', ckey)) do
  local sep = string.find(m, ':', 1, true)
  local peer, msg = string.sub(m, 1, sep - 1), string.sub(m, sep + 1)
  if all or wanted[msg] then
    local pkey = base .. 'ref:' .. peer
    redis.call('HDEL', pkey, chat .. ':' .. msg)
    redis.call('SREM', ckey, m)
    if redis.call('EXISTS', pkey) == 0 then
      redis.call('SREM', KEYS[1], peer)
    end
    n = n + 1
  end
end
if redis.call('EXISTS', ckey) == 0 then
  redis.call('SREM', base .. 'refchats', chat)
end
return n
"#,
    )
});

/// Every reference: `[peer, field, seen_at, ...]` for each peer of the
/// `refpeers` set `KEYS[1]`; `ARGV[1]` the key base.
static LOAD_REFERENCES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local out = {}
for _, peer in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local h = redis.call('HGETALL', ARGV[1] .. 'ref:' .. peer)
  for i = 1, #h, 2 do
    out[#out + 1] = peer
    out[#out + 1] = h[i]
    out[#out + 1] = h[i + 1]
  end
end
return out
"#,
    )
});

fn corrupt(reason: String) -> Error {
    Error::Corrupt {
        what: "redis peer reference",
        reason,
    }
}

/// A reference from its peer id, `<chat>:<message>` field and `seen_at`.
fn parse(peer_id: i64, field: &str, seen_at: &str) -> Result<PeerReference> {
    let (chat, message) = field
        .split_once(':')
        .ok_or_else(|| corrupt(format!("field {field:?} is not <chat>:<message>")))?;
    let number = |what: &str, text: &str| corrupt(format!("{what} {text:?} is not a number"));
    Ok(PeerReference {
        peer_id,
        chat_id: chat.parse().map_err(|_| number("chat id", chat))?,
        message_id: message.parse().map_err(|_| number("message id", message))?,
        seen_at: seen_at.parse().map_err(|_| number("seen_at", seen_at))?,
    })
}

impl RedisAdapter {
    fn reference_peers(&self) -> String {
        format!("{}refpeers", self.keys.base())
    }

    async fn delete_in_chat(&self, chat_id: i64, messages: Vec<String>) -> Result<u64> {
        let mut conn = self.conn()?;
        let mut invocation = DELETE_CHAT_REFERENCES.key(self.reference_peers());
        invocation.arg(self.keys.base()).arg(chat_id);
        for m in messages {
            invocation.arg(m);
        }
        let n: i64 = invocation.invoke_async(&mut conn).await?;
        Ok(n.max(0) as u64)
    }
}

#[async_trait]
impl ReferenceStore for RedisAdapter {
    async fn save_references(&self, references: &[PeerReference]) -> Result<()> {
        if references.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn()?;
        let mut invocation = SAVE_REFERENCES.key(self.reference_peers());
        invocation.arg(self.keys.base());
        for r in references {
            invocation
                .arg(r.peer_id)
                .arg(r.chat_id)
                .arg(r.message_id)
                .arg(r.seen_at);
        }
        let _: i64 = invocation.invoke_async(&mut conn).await?;
        Ok(())
    }

    async fn latest_reference(&self, peer_id: i64) -> Result<Option<PeerReference>> {
        if needs_no_reference(self.get_peer(peer_id).await?.as_ref()) {
            return Ok(None);
        }
        let key = &format!("{}ref:{peer_id}", self.keys.base());
        let fields: Vec<(String, String)> = self
            .read(|mut c| async move { ::redis::AsyncCommands::hgetall(&mut c, key).await })
            .await?;
        let mut best: Option<PeerReference> = None;
        for (field, seen_at) in &fields {
            let r = parse(peer_id, field, seen_at)?;
            if best.as_ref().is_none_or(|b| r.is_later_than(b)) {
                best = Some(r);
            }
        }
        Ok(best)
    }

    async fn delete_message_references(&self, chat_id: i64, message_ids: &[i32]) -> Result<u64> {
        if message_ids.is_empty() {
            return Ok(0);
        }
        self.delete_in_chat(chat_id, message_ids.iter().map(i32::to_string).collect())
            .await
    }

    async fn delete_chat_references(&self, chat_id: i64) -> Result<u64> {
        self.delete_in_chat(chat_id, vec!["*".to_owned()]).await
    }

    async fn load_references(&self) -> Result<Vec<PeerReference>> {
        let (peers, base) = (&self.reference_peers(), self.keys.base());
        let flat: Vec<String> = self
            .read(|mut c| async move {
                LOAD_REFERENCES
                    .key(peers)
                    .arg(base)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        let mut out = Vec::with_capacity(flat.len() / 3);
        for triple in flat.chunks(3) {
            let [peer, field, seen_at] = triple else {
                return Err(Error::backend(
                    BACKEND,
                    "a reference row of the wrong width",
                ));
            };
            let peer_id = peer
                .parse()
                .map_err(|_| corrupt(format!("peer id {peer:?} is not a number")))?;
            out.push(parse(peer_id, field, seen_at)?);
        }
        out.sort_unstable_by_key(|r| (r.peer_id, r.chat_id, r.message_id));
        Ok(out)
    }
}
