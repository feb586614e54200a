//! [`UpdateStateStore`]: common state and channel pts as hashes, dedup keys
//! as expiring strings with a sorted-set index, the durable queue as hashes
//! with a byte-ordered sorted set.

use super::script_call::ScriptCall;
use super::scripts::{
    DELETE_UPDATE, ENQUEUE_UPDATE, INSERT_DEDUP, LOAD_DEDUP, LOAD_UPDATES, MARK_UPDATE_FAILED,
    PRUNE_DEDUP,
};
use super::{RedisAdapter, keys, parse_num};
use crate::error::{Error, Result};
use crate::store::UpdateStateStore;
use crate::types::{ChannelState, DedupKey, DurableUpdate, UpdateState};
use ::redis::AsyncCommands;
use async_trait::async_trait;

impl RedisAdapter {
    /// The [`ENQUEUE_UPDATE`] call writing `update`.
    pub(super) fn enqueue_call(&self, update: &DurableUpdate) -> ScriptCall {
        ScriptCall::default()
            .key(self.keys.update_order())
            .key(self.keys.update(&update.id))
            .arg(keys::update_member(update.created_at, &update.id))
            .arg(update.payload.as_slice())
            .arg(update.created_at)
            .arg(update.attempts)
            .arg(if update.last_error.is_some() {
                "1"
            } else {
                "0"
            })
            .arg(update.last_error.as_deref().unwrap_or_default())
    }
}

#[async_trait]
impl UpdateStateStore for RedisAdapter {
    async fn save_update_state(&self, state: &UpdateState) -> Result<()> {
        let mut conn = self.conn()?;
        let _: () = conn
            .hset_multiple(
                self.keys.update_state(),
                &[
                    ("pts", state.pts),
                    ("qts", state.qts),
                    ("date", state.date),
                    ("seq", state.seq),
                ],
            )
            .await?;
        Ok(())
    }

    async fn load_update_state(&self) -> Result<Option<UpdateState>> {
        let key = &self.keys.update_state();
        let fields: Vec<Option<Vec<u8>>> = self
            .read(|mut c| async move {
                ::redis::cmd("HMGET")
                    .arg(key)
                    .arg(&["pts", "qts", "date", "seq"])
                    .query_async(&mut c)
                    .await
            })
            .await?;
        let Ok([Some(pts), Some(qts), Some(date), Some(seq)]) =
            <[Option<Vec<u8>>; 4]>::try_from(fields)
        else {
            return Ok(None);
        };
        Ok(Some(UpdateState {
            pts: parse_num("update state pts", &pts)?,
            qts: parse_num("update state qts", &qts)?,
            date: parse_num("update state date", &date)?,
            seq: parse_num("update state seq", &seq)?,
        }))
    }

    async fn save_channel_pts(&self, channel_id: i64, pts: i32) -> Result<()> {
        let mut conn = self.conn()?;
        let _: () = conn.hset(self.keys.channel_pts(), channel_id, pts).await?;
        Ok(())
    }

    async fn delete_channel_pts(&self, channel_id: i64) -> Result<()> {
        let mut conn = self.conn()?;
        let _: () = conn.hdel(self.keys.channel_pts(), channel_id).await?;
        Ok(())
    }

    async fn load_channel_pts(&self, channel_id: i64) -> Result<Option<i32>> {
        let key = &self.keys.channel_pts();
        let raw: Option<Vec<u8>> = self
            .read(|mut c| async move { c.hget(key, channel_id).await })
            .await?;
        raw.map(|r| parse_num("channel pts", &r)).transpose()
    }

    async fn load_all_channel_pts(&self) -> Result<Vec<ChannelState>> {
        let key = &self.keys.channel_pts();
        let all: Vec<(Vec<u8>, Vec<u8>)> = self
            .read(|mut c| async move { c.hgetall(key).await })
            .await?;
        let mut out = all
            .into_iter()
            .map(|(id, pts)| {
                Ok(ChannelState {
                    channel_id: parse_num("channel id", &id)?,
                    pts: parse_num("channel pts", &pts)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|c| c.channel_id);
        Ok(out)
    }

    /// `SET NX` (with `PX` when a dedup TTL is set) and the index update in
    /// one script, so concurrent callers see `true` exactly once.
    async fn insert_dedup_key(&self, key: &str, seen_at: i64) -> Result<bool> {
        let mut conn = self.conn()?;
        let new: i64 = INSERT_DEDUP
            .key(self.keys.dedup_index())
            .key(self.keys.dedup(key))
            .arg(seen_at)
            .arg(self.options.dedup_ttl_ms)
            .arg(key)
            .invoke_async(&mut conn)
            .await?;
        Ok(new == 1)
    }

    async fn has_dedup_key(&self, key: &str) -> Result<bool> {
        let key = &self.keys.dedup(key);
        self.read(|mut c| async move { c.exists(key).await }).await
    }

    async fn prune_dedup_keys(&self, older_than: i64) -> Result<u64> {
        let mut conn = self.conn()?;
        let n: u64 = PRUNE_DEDUP
            .key(self.keys.dedup_index())
            .arg(self.keys.base())
            .arg(older_than)
            .invoke_async(&mut conn)
            .await?;
        Ok(n)
    }

    /// Through the `S:dedup` index, in one script: keys that expired are
    /// skipped (and dropped from the index), so what is listed is what
    /// `has_dedup_key` finds.
    async fn load_dedup_keys(&self) -> Result<Vec<DedupKey>> {
        let (index, base) = (&self.keys.dedup_index(), self.keys.base());
        let rows: Vec<(Vec<u8>, Vec<u8>)> = self
            .read(|mut c| async move { LOAD_DEDUP.key(index).arg(base).invoke_async(&mut c).await })
            .await?;
        let mut keys = rows
            .into_iter()
            .map(|(key, seen_at)| {
                Ok(DedupKey {
                    key: String::from_utf8(key).map_err(|_| Error::Corrupt {
                        what: "dedup key",
                        reason: "not UTF-8 text".into(),
                    })?,
                    seen_at: parse_num("dedup key seen_at", &seen_at)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        keys.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        Ok(keys)
    }

    async fn enqueue_update(&self, update: &DurableUpdate) -> Result<()> {
        let mut conn = self.conn()?;
        let _: i64 = self
            .enqueue_call(update)
            .invoke(&ENQUEUE_UPDATE, &mut conn)
            .await?;
        Ok(())
    }

    async fn load_updates(&self, limit: usize) -> Result<Vec<DurableUpdate>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let last_rank = i64::try_from(limit).unwrap_or(i64::MAX) - 1;
        type Row = (String, Vec<u8>, Vec<u8>, Vec<u8>, Option<String>);
        let (order, base) = (&self.keys.update_order(), self.keys.base());
        let rows: Vec<Row> = self
            .read(|mut c| async move {
                LOAD_UPDATES
                    .key(order)
                    .arg(base)
                    .arg(last_rank)
                    .arg(keys::UPDATE_MEMBER_ID_OFFSET + 1)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        rows.into_iter()
            .map(|(id, payload, created_at, attempts, last_error)| {
                Ok(DurableUpdate {
                    id,
                    payload,
                    created_at: parse_num("durable update created_at", &created_at)?,
                    attempts: parse_num("durable update attempts", &attempts)?,
                    last_error,
                })
            })
            .collect()
    }

    async fn delete_update(&self, id: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let _: i64 = DELETE_UPDATE
            .key(self.keys.update_order())
            .key(self.keys.update(id))
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    async fn mark_update_failed(&self, id: &str, error: &str) -> Result<u32> {
        let mut conn = self.conn()?;
        let attempts: i64 = MARK_UPDATE_FAILED
            .key(self.keys.update(id))
            .arg(error)
            .invoke_async(&mut conn)
            .await?;
        if attempts < 0 {
            return Err(Error::NotFound {
                what: format!("durable update {id:?}"),
            });
        }
        u32::try_from(attempts).map_err(|_| Error::Corrupt {
            what: "durable update attempts",
            reason: "out of range".into(),
        })
    }
}
