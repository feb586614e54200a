//! The Lua scripts behind every multi-key write and index read.
//!
//! Each script gets one key in `KEYS` that fixes its cluster slot and the
//! session's key base (`{prefix}:{<session>}:`) in `ARGV[1]`; the other keys
//! it touches are built from that base, so they share the hash tag and the
//! slot. Scripts run atomically: no other command sees a half-done write.
//!
//! Every script starts with the `#!lua` shebang (Redis 7 and later, and
//! Valkey): the server then checks, before running it, that it may write
//! (refusing it whole when out of memory), and on a cluster it refuses a
//! script that touches a key of another slot than its `KEYS`.

use ::redis::Script;
use std::sync::LazyLock;

/// Lua: `touch(key, created, ttl)` gives an index set the lifetime of its
/// longest-lived member after a member with expiry `ttl` ms (0: none) was
/// added. A set holding a member that never expires never expires; a set
/// created for an expiring member expires with it, and each later member
/// extends it to at least its own expiry. So index sets of expired records
/// go away by themselves instead of piling up.
macro_rules! touch_fn {
    () => {
        r#"
local function touch(key, created, ttl)
  if ttl > 0 then
    local cur = redis.call('PTTL', key)
    if created or (cur >= 0 and cur < ttl) then
      redis.call('PEXPIRE', key, ttl)
    end
  else
    redis.call('PERSIST', key)
  end
end
"#
    };
}

/// The loop of [`SAVE_PEERS_SRC`] and [`SAVE_GUARDED_PEERS_SRC`]: upserts
/// the peers of `ARGV` from position `i` on (needs `base`, `ttl`, `i` and
/// `touch`).
macro_rules! save_peers_loop {
    () => {
        r#"
local last = #ARGV
while i <= last do
  local id = ARGV[i]
  local pkey = base .. 'peer:' .. id
  local old = redis.call('HGET', pkey, 'ix')
  if old then
    for _, k in ipairs(cjson.decode(old)) do
      redis.call('SREM', base .. k, id)
    end
  end
  redis.call('HSET', pkey, 'd', ARGV[i + 1], 'ix', ARGV[i + 2])
  if ttl > 0 then
    redis.call('PEXPIRE', pkey, ttl)
  else
    redis.call('PERSIST', pkey)
  end
  local created = redis.call('EXISTS', KEYS[1]) == 0
  redis.call('SADD', KEYS[1], id)
  touch(KEYS[1], created, ttl)
  local n = tonumber(ARGV[i + 3])
  for j = 1, n do
    local ik = base .. ARGV[i + 3 + j]
    created = redis.call('EXISTS', ik) == 0
    redis.call('SADD', ik, id)
    touch(ik, created, ttl)
  end
  i = i + 4 + n
end"#
    };
}

/// Upserts a chunk of peers with their index entries.
///
/// `KEYS[1]` the peer id set; `ARGV[1]` the key base; `ARGV[2]` the peer
/// expiry in milliseconds (0: none); then per peer: id, JSON, the JSON array
/// of its index key suffixes, their count `n`, and the `n` suffixes. A
/// peer's old index entries (read from its stored `ix` field) are removed
/// before the new ones are added, so renamed usernames and phones stop
/// resolving in the same step.
pub(crate) const SAVE_PEERS_SRC: &str = concat!(
    "#!lua",
    touch_fn!(),
    r#"
local base = ARGV[1]
local ttl = tonumber(ARGV[2])
local i = 3"#,
    save_peers_loop!(),
    r#"
return 0
"#
);

/// [`SAVE_PEERS_SRC`] for one chunk of a batch holding min peers, which the
/// caller merged over the stored peers it read ([`crate::Peer::merged_over`]):
/// the batch is written only if those stored peers are still what it read.
///
/// `KEYS[1]` the peer id set; `KEYS[2]` the batch's abort flag; `ARGV[1]`
/// the key base; `ARGV[2]` the peer expiry; `ARGV[3]` `f` for the first
/// chunk of the batch, `l` for the last (`fl` for both); `ARGV[4]` the count
/// `e` of expectations, then `e` pairs of a peer id and the stored JSON the
/// caller read (empty: no peer); then the peers as for [`SAVE_PEERS_SRC`].
/// The first chunk (sent with every expectation of the batch) checks them
/// before writing anything; a mismatch sets the flag, and every chunk of
/// the batch (all in one `MULTI`) then writes nothing and returns -1, the
/// last one removing the flag. Otherwise 0.
pub(crate) const SAVE_GUARDED_PEERS_SRC: &str = concat!(
    "#!lua",
    touch_fn!(),
    r#"
local base = ARGV[1]
local ttl = tonumber(ARGV[2])
local first = string.find(ARGV[3], 'f', 1, true) ~= nil
local final = string.find(ARGV[3], 'l', 1, true) ~= nil
local e = tonumber(ARGV[4])
if first then
  redis.call('DEL', KEYS[2])
  for k = 0, e - 1 do
    local cur = redis.call('HGET', base .. 'peer:' .. ARGV[5 + 2 * k], 'd')
    if (cur or '') ~= ARGV[6 + 2 * k] then
      redis.call('SET', KEYS[2], '1', 'PX', 60000)
      break
    end
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  if final then
    redis.call('DEL', KEYS[2])
  end
  return -1
end
local i = 5 + 2 * e"#,
    save_peers_loop!(),
    r#"
return 0
"#
);

/// See [`SAVE_GUARDED_PEERS_SRC`].
pub(crate) static SAVE_GUARDED_PEERS: LazyLock<Script> =
    LazyLock::new(|| Script::new(SAVE_GUARDED_PEERS_SRC));

/// See [`SAVE_PEERS_SRC`].
pub(crate) static SAVE_PEERS: LazyLock<Script> = LazyLock::new(|| Script::new(SAVE_PEERS_SRC));

/// Deletes a peer and its index entries. `KEYS[1]` the peer id set;
/// `ARGV[1]` the key base; `ARGV[2]` the id.
pub(crate) static DELETE_PEER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local base = ARGV[1]
local id = ARGV[2]
local pkey = base .. 'peer:' .. id
local old = redis.call('HGET', pkey, 'ix')
if old then
  for _, k in ipairs(cjson.decode(old)) do
    redis.call('SREM', base .. k, id)
  end
end
redis.call('DEL', pkey)
redis.call('SREM', KEYS[1], id)
return 0
"#,
    )
});

/// Deletes many peers and their index entries, as [`DELETE_PEER`] for
/// each. `KEYS[1]` the peer id set; `ARGV[1]` the key base; `ARGV[2..]` the
/// ids. Returns how many were there.
pub(crate) const DELETE_PEERS_SRC: &str = r#"#!lua
local base = ARGV[1]
local deleted = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  local pkey = base .. 'peer:' .. id
  local old = redis.call('HGET', pkey, 'ix')
  if old then
    for _, k in ipairs(cjson.decode(old)) do
      redis.call('SREM', base .. k, id)
    end
  end
  deleted = deleted + redis.call('DEL', pkey)
  redis.call('SREM', KEYS[1], id)
end
return deleted
"#;

/// [`DELETE_PEERS_SRC`] as a script (`EVALSHA`, loaded once).
pub(crate) static DELETE_PEERS: LazyLock<Script> = LazyLock::new(|| Script::new(DELETE_PEERS_SRC));

/// The JSON of every peer in a username or phone index set. `KEYS[1]` the
/// index set; `ARGV[1]` the key base; `ARGV[2]` the index key's suffix.
/// Ids whose peer expired, or whose peer no longer lists this index entry
/// (it expired and was saved again with other names), are removed from the
/// set instead of returned.
pub(crate) static LOOKUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('HMGET', ARGV[1] .. 'peer:' .. id, 'd', 'ix')
  local ok = false
  if v[1] and v[2] then
    for _, k in ipairs(cjson.decode(v[2])) do
      if k == ARGV[2] then
        ok = true
        break
      end
    end
  end
  if ok then
    out[#out + 1] = v[1]
  else
    redis.call('SREM', KEYS[1], id)
  end
end
return out
"#,
    )
});

/// The JSON of every peer of the session, from the id set (never SCAN).
/// `KEYS[1]` the peer id set; `ARGV[1]` the key base. Ids of expired peers
/// are removed from the set.
pub(crate) static LOAD_PEERS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local d = redis.call('HGET', ARGV[1] .. 'peer:' .. id, 'd')
  if d then
    out[#out + 1] = d
  else
    redis.call('SREM', KEYS[1], id)
  end
end
return out
"#,
    )
});

/// Saves a conversation. `KEYS[1]` the conversation index set; `KEYS[2]`
/// the conversation's hash; `ARGV`: now, name, step, data, the expiry in
/// milliseconds (0: none), the index member. `created_at` is set only if
/// absent; every other field is replaced.
pub(crate) static SAVE_CONVERSATION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(concat!(
        "#!lua",
        touch_fn!(),
        r#"
local ttl = tonumber(ARGV[5])
redis.call('HSETNX', KEYS[2], 'c', ARGV[1])
redis.call('HSET', KEYS[2], 'n', ARGV[2], 's', ARGV[3], 'd', ARGV[4], 'u', ARGV[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  redis.call('PERSIST', KEYS[2])
end
local created = redis.call('EXISTS', KEYS[1]) == 0
redis.call('SADD', KEYS[1], ARGV[6])
touch(KEYS[1], created, ttl)
return 0
"#
    ))
});

/// Writes a conversation with the times given: as [`SAVE_CONVERSATION`],
/// with `ARGV[1]` its `created_at` and `ARGV[7]` its `updated_at`, both
/// written whether or not the conversation exists.
pub(crate) static RESTORE_CONVERSATION: LazyLock<Script> =
    LazyLock::new(|| Script::new(RESTORE_CONVERSATION_SRC));

/// The source of [`RESTORE_CONVERSATION`], for `EVAL` in a transaction.
pub(crate) const RESTORE_CONVERSATION_SRC: &str = concat!(
    "#!lua",
    touch_fn!(),
    r#"
local ttl = tonumber(ARGV[5])
redis.call('HSET', KEYS[2], 'c', ARGV[1], 'n', ARGV[2], 's', ARGV[3], 'd', ARGV[4], 'u', ARGV[7])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  redis.call('PERSIST', KEYS[2])
end
local created = redis.call('EXISTS', KEYS[1]) == 0
redis.call('SADD', KEYS[1], ARGV[6])
touch(KEYS[1], created, ttl)
return 0
"#
);

/// Every conversation of the session as `{member, name, step, data,
/// created_at, updated_at}`. `KEYS[1]` the conversation index set;
/// `ARGV[1]` the key base. Members of expired conversations are removed.
pub(crate) static LOAD_CONVERSATIONS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local out = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('HMGET', ARGV[1] .. 'conv:' .. m, 'n', 's', 'd', 'c', 'u')
  if v[1] and v[2] and v[3] and v[4] and v[5] then
    out[#out + 1] = {m, v[1], v[2], v[3], v[4], v[5]}
  else
    redis.call('SREM', KEYS[1], m)
  end
end
return out
"#,
    )
});

/// Records a dedup key if absent. `KEYS[1]` the dedup index (sorted set by
/// time seen); `KEYS[2]` the dedup key; `ARGV[1]` the time seen; `ARGV[2]`
/// the expiry in milliseconds (0: none); `ARGV[3]` the caller's key.
/// Returns 1 if it was new, 0 otherwise.
pub(crate) static INSERT_DEDUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(concat!(
        "#!lua",
        touch_fn!(),
        r#"
local ttl = tonumber(ARGV[2])
local ok
if ttl > 0 then
  ok = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2])
else
  ok = redis.call('SET', KEYS[2], ARGV[1], 'NX')
end
if not ok then
  return 0
end
local created = redis.call('EXISTS', KEYS[1]) == 0
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
touch(KEYS[1], created, ttl)
return 1
"#
    ))
});

/// Removes dedup keys seen strictly before `ARGV[2]`. `KEYS[1]` the dedup
/// index; `ARGV[1]` the key base. Returns how many keys existed and were
/// removed (expired ones are dropped from the index without counting).
pub(crate) static PRUNE_DEDUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local bound = '(' .. ARGV[2]
local n = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', bound)) do
  n = n + redis.call('DEL', ARGV[1] .. 'dedup:' .. m)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', bound)
return n
"#,
    )
});

/// Every dedup key of the session as `{key, seen_at}`, read through the
/// dedup index (never SCAN). `KEYS[1]` the dedup index; `ARGV[1]` the key
/// base. The time is the key's own value (exact, where the index score is a
/// double); members whose key expired are removed from the index.
pub(crate) static LOAD_DEDUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local seen = redis.call('GET', ARGV[1] .. 'dedup:' .. m)
  if seen then
    out[#out + 1] = {m, seen}
  else
    redis.call('ZREM', KEYS[1], m)
  end
end
return out
"#,
    )
});

/// Adds or replaces a durable update. `KEYS[1]` the order index (sorted
/// set, all scores 0, members ordered by bytes); `KEYS[2]` the update's
/// hash; `ARGV`: order member, payload, created_at, attempts, `1` if there
/// is a last error, the last error.
pub(crate) static ENQUEUE_UPDATE: LazyLock<Script> =
    LazyLock::new(|| Script::new(ENQUEUE_UPDATE_SRC));

/// The source of [`ENQUEUE_UPDATE`], for `EVAL` in a transaction.
pub(crate) const ENQUEUE_UPDATE_SRC: &str = r#"#!lua
local old = redis.call('HGET', KEYS[2], 'o')
if old then
  redis.call('ZREM', KEYS[1], old)
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'o', ARGV[1], 'p', ARGV[2], 'c', ARGV[3], 'a', ARGV[4])
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[2], 'e', ARGV[6])
end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return 0
"#;

/// The first updates of the queue as `{id, payload, created_at, attempts,
/// last_error or false}`. `KEYS[1]` the order index; `ARGV[1]` the key base;
/// `ARGV[2]` the last rank to return (limit - 1); `ARGV[3]` where the id
/// starts in a member (1-based).
pub(crate) static LOAD_UPDATES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, ARGV[2])) do
  local id = string.sub(m, tonumber(ARGV[3]))
  local v = redis.call('HMGET', ARGV[1] .. 'upd:' .. id, 'p', 'c', 'a', 'e')
  if v[1] then
    out[#out + 1] = {id, v[1], v[2], v[3], v[4]}
  end
end
return out
"#,
    )
});

/// Removes an update. `KEYS[1]` the order index; `KEYS[2]` the update's hash.
pub(crate) static DELETE_UPDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local old = redis.call('HGET', KEYS[2], 'o')
if old then
  redis.call('ZREM', KEYS[1], old)
end
redis.call('DEL', KEYS[2])
return 0
"#,
    )
});

/// Counts a failed attempt. `KEYS[1]` the update's hash; `ARGV[1]` the
/// error. Returns the new attempt count (saturating at 2^32 - 1), or -1 if
/// the update does not exist.
pub(crate) static MARK_UPDATE_FAILED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local a = redis.call('HGET', KEYS[1], 'a')
if not a then
  return -1
end
a = tonumber(a)
if a < 4294967295 then
  a = a + 1
end
redis.call('HSET', KEYS[1], 'a', a, 'e', ARGV[1])
return a
"#,
    )
});

/// Deletes every key of a session, walking its index sets (never SCAN):
/// each peer with the username and phone sets its `ix` field lists, each
/// conversation, dedup key, durable update and reference, then the index sets and the
/// keys `ARGV[2..]` (the session's single keys). `KEYS[1]` the session key
/// (it fixes the slot); `ARGV[1]` the key base.
pub(crate) static PURGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local base = ARGV[1]
for _, id in ipairs(redis.call('SMEMBERS', base .. 'peers')) do
  local pkey = base .. 'peer:' .. id
  local ix = redis.call('HGET', pkey, 'ix')
  if ix then
    for _, k in ipairs(cjson.decode(ix)) do
      redis.call('DEL', base .. k)
    end
  end
  redis.call('DEL', pkey)
end
for _, m in ipairs(redis.call('SMEMBERS', base .. 'convs')) do
  redis.call('DEL', base .. 'conv:' .. m)
end
for _, m in ipairs(redis.call('ZRANGE', base .. 'dedup', 0, -1)) do
  redis.call('DEL', base .. 'dedup:' .. m)
end
for _, m in ipairs(redis.call('ZRANGE', base .. 'updates', 0, -1)) do
  redis.call('DEL', base .. 'upd:' .. string.sub(m, 18))
end
for _, id in ipairs(redis.call('SMEMBERS', base .. 'refpeers')) do
  redis.call('DEL', base .. 'ref:' .. id)
end
for _, id in ipairs(redis.call('SMEMBERS', base .. 'refchats')) do
  redis.call('DEL', base .. 'refchat:' .. id)
end
redis.call('DEL', base .. 'peers', base .. 'convs', base .. 'dedup', base .. 'updates')
redis.call('DEL', base .. 'refpeers', base .. 'refchats')
for i = 2, #ARGV do
  redis.call('DEL', ARGV[i])
end
return 0
"#,
    )
});

/// Takes the lease: `SET NX PX` with the holder's token, or a renewal when
/// the key already holds that token. `KEYS[1]` the lease key; `ARGV[1]` the
/// holder; `ARGV[2]` the time to live in ms. Returns 1 if the holder holds
/// the lease now, 0 if another does.
pub(crate) static ACQUIRE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"#,
    )
});

/// Extends the lease if `ARGV[1]` holds it: `KEYS[1]` the lease key;
/// `ARGV[2]` the time to live in ms. Returns 1 if renewed.
pub(crate) static RENEW_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"#,
    )
});

/// Deletes the lease if `ARGV[1]` holds it. `KEYS[1]` the lease key.
pub(crate) static RELEASE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
"#,
    )
});

/// The lease's holder and remaining time in ms, or nil. `KEYS[1]` the
/// lease key.
pub(crate) static LOAD_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local holder = redis.call('GET', KEYS[1])
if not holder then
  return nil
end
return {holder, redis.call('PTTL', KEYS[1])}
"#,
    )
});

/// Drops expired temporary keys and salts. `KEYS[1]` the temporary key
/// hash (DC id → JSON with the expiry as a decimal string in `e`);
/// `KEYS[2]` the salt hash (DC id → JSON array of `[since, until, salt]`
/// decimal strings); `ARGV[1]` now. Times compare as doubles (exact for
/// |t| < 2^53); salts are rewritten as the strings they were. Returns how
/// many keys and salts were dropped.
pub(crate) static PRUNE_TEMP_KEYS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"#!lua
local now = tonumber(ARGV[1])
local n = 0
local keys = redis.call('HGETALL', KEYS[1])
for i = 1, #keys, 2 do
  if tonumber(cjson.decode(keys[i + 1]).e) <= now then
    redis.call('HDEL', KEYS[1], keys[i])
    n = n + 1
  end
end
local salts = redis.call('HGETALL', KEYS[2])
for i = 1, #salts, 2 do
  local kept = {}
  local list = cjson.decode(salts[i + 1])
  for _, s in ipairs(list) do
    if tonumber(s[2]) > now then
      kept[#kept + 1] = s
    end
  end
  if #kept < #list then
    n = n + #list - #kept
    if #kept == 0 then
      redis.call('HDEL', KEYS[2], salts[i])
    else
      redis.call('HSET', KEYS[2], salts[i], cjson.encode(kept))
    end
  end
end
return n
"#,
    )
});
