//! [`UpdateStateStore`] on `mtgo_update_state`, `mtgo_channel_state`,
//! `mtgo_update_dedup` and `mtgo_durable_updates`.

use super::OrmAdapter;
use super::sql::Dialect;
use crate::error::{Error, Result};
use crate::store::UpdateStateStore;
use crate::{ChannelState, DurableUpdate, UpdateState};
use async_trait::async_trait;
use mtgo_storage_entity::{channel_state, durable_updates, update_state};
use sea_orm::{ConnectionTrait, TransactionTrait};

const STATE: &str = "mtgo_update_state";
const STATE_COLS: &[&str] = &["session_name", "pts", "qts", "date", "seq"];
const CHANNEL: &str = "mtgo_channel_state";
const CHANNEL_COLS: &[&str] = &["session_name", "channel_id", "pts"];
const DEDUP: &str = "mtgo_update_dedup";
const DEDUP_COLS: &[&str] = &["session_name", "dedup_key", "seen_at"];
const DURABLE: &str = "mtgo_durable_updates";
const DURABLE_COLS: &[&str] = &[
    "session_name",
    "id",
    "payload",
    "created_at",
    "attempts",
    "last_error",
];

pub(super) struct Sql {
    save_state: String,
    load_state: String,
    save_channel: String,
    load_channel: String,
    load_channels: String,
    insert_dedup: String,
    has_dedup: String,
    prune_dedup: String,
    enqueue: String,
    load_updates: String,
    delete_update: String,
    mark_failed: String,
    attempts: String,
}

impl Sql {
    pub(super) fn new(d: Dialect) -> Self {
        let s = &["session_name"][..];
        let mut prune = format!(
            "DELETE FROM {DEDUP} WHERE {} AND seen_at < ",
            d.eq_all(s, 1)
        );
        d.ph(&mut prune, 2);
        let mut mark = format!("UPDATE {DURABLE} SET attempts = attempts + 1, last_error = ");
        d.ph(&mut mark, 1);
        mark.push_str(" WHERE ");
        mark.push_str(&d.eq_all(&["session_name", "id"], 2));
        Self {
            save_state: d.upsert_all(STATE, STATE_COLS, s),
            load_state: d.select(STATE, STATE_COLS, s),
            save_channel: d.upsert_all(CHANNEL, CHANNEL_COLS, &CHANNEL_COLS[..2]),
            load_channel: d.select(CHANNEL, CHANNEL_COLS, &CHANNEL_COLS[..2]),
            load_channels: d.select(CHANNEL, CHANNEL_COLS, s) + " ORDER BY channel_id",
            insert_dedup: d.insert_ignore(DEDUP, DEDUP_COLS),
            has_dedup: d.select(DEDUP, &["seen_at"], &DEDUP_COLS[..2]),
            prune_dedup: prune,
            enqueue: d.upsert_all(DURABLE, DURABLE_COLS, &DURABLE_COLS[..2]),
            // The LIMIT is a literal appended per call: a bound LIMIT makes
            // SQLite re-plan the statement.
            load_updates: d.select(DURABLE, DURABLE_COLS, s) + " ORDER BY created_at, id LIMIT ",
            delete_update: d.delete(DURABLE, &DURABLE_COLS[..2]),
            mark_failed: mark,
            attempts: d.select(DURABLE, &["attempts"], &DURABLE_COLS[..2]),
        }
    }
}

/// Longest dedup key and durable update id (the schema's `VARCHAR(255)`).
/// Longer ones are rejected on every database alike, so MySQL's
/// `INSERT IGNORE` never truncates one silently.
const KEY_LEN: usize = 255;

fn check_key(what: &'static str, key: &str) -> Result<()> {
    if key.chars().count() > KEY_LEN {
        return Err(Error::invalid(
            what,
            format!("longer than {KEY_LEN} characters"),
        ));
    }
    Ok(())
}

fn decode_update(m: durable_updates::Model) -> DurableUpdate {
    DurableUpdate {
        id: m.id,
        payload: m.payload,
        created_at: m.created_at,
        attempts: u32::try_from(m.attempts.max(0)).unwrap_or(u32::MAX),
        last_error: m.last_error,
    }
}

#[async_trait]
impl UpdateStateStore for OrmAdapter {
    async fn save_update_state(&self, st: &UpdateState) -> Result<()> {
        let values = vec![
            self.session_value(),
            st.pts.into(),
            st.qts.into(),
            st.date.into(),
            st.seq.into(),
        ];
        self.exec(&self.inner.update_state.save_state, values)
            .await?;
        Ok(())
    }

    async fn load_update_state(&self) -> Result<Option<UpdateState>> {
        Ok(self
            .one::<update_state::Model>(
                &self.inner.update_state.load_state,
                vec![self.session_value()],
            )
            .await?
            .map(|m| UpdateState {
                pts: m.pts,
                qts: m.qts,
                date: m.date,
                seq: m.seq,
            }))
    }

    async fn save_channel_pts(&self, channel_id: i64, pts: i32) -> Result<()> {
        self.exec(
            &self.inner.update_state.save_channel,
            vec![self.session_value(), channel_id.into(), pts.into()],
        )
        .await?;
        Ok(())
    }

    async fn load_channel_pts(&self, channel_id: i64) -> Result<Option<i32>> {
        Ok(self
            .one::<channel_state::Model>(
                &self.inner.update_state.load_channel,
                vec![self.session_value(), channel_id.into()],
            )
            .await?
            .map(|m| m.pts))
    }

    async fn load_all_channel_pts(&self) -> Result<Vec<ChannelState>> {
        Ok(self
            .all::<channel_state::Model>(
                &self.inner.update_state.load_channels,
                vec![self.session_value()],
            )
            .await?
            .into_iter()
            .map(|m| ChannelState {
                channel_id: m.channel_id,
                pts: m.pts,
            })
            .collect())
    }

    async fn insert_dedup_key(&self, key: &str, seen_at: i64) -> Result<bool> {
        check_key("dedup key", key)?;
        let res = self
            .exec(
                &self.inner.update_state.insert_dedup,
                vec![self.session_value(), key.into(), seen_at.into()],
            )
            .await?;
        Ok(res.rows_affected() == 1)
    }

    async fn has_dedup_key(&self, key: &str) -> Result<bool> {
        Ok(!self
            .rows(
                &self.inner.update_state.has_dedup,
                vec![self.session_value(), key.into()],
            )
            .await?
            .is_empty())
    }

    async fn prune_dedup_keys(&self, older_than: i64) -> Result<u64> {
        Ok(self
            .exec(
                &self.inner.update_state.prune_dedup,
                vec![self.session_value(), older_than.into()],
            )
            .await?
            .rows_affected())
    }

    async fn enqueue_update(&self, u: &DurableUpdate) -> Result<()> {
        check_key("durable update id", &u.id)?;
        let values = vec![
            self.session_value(),
            u.id.clone().into(),
            u.payload.clone().into(),
            u.created_at.into(),
            i64::from(u.attempts).into(),
            u.last_error.clone().into(),
        ];
        self.exec(&self.inner.update_state.enqueue, values).await?;
        Ok(())
    }

    async fn load_updates(&self, limit: usize) -> Result<Vec<DurableUpdate>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = limit.min(i64::MAX as usize);
        let sql = format!("{}{limit}", self.inner.update_state.load_updates);
        Ok(self
            .all::<durable_updates::Model>(&sql, vec![self.session_value()])
            .await?
            .into_iter()
            .map(decode_update)
            .collect())
    }

    async fn delete_update(&self, id: &str) -> Result<()> {
        self.exec(
            &self.inner.update_state.delete_update,
            vec![self.session_value(), id.into()],
        )
        .await?;
        Ok(())
    }

    async fn mark_update_failed(&self, id: &str, error: &str) -> Result<u32> {
        let sql = &self.inner.update_state;
        let txn = self.inner.db.begin().await.map_err(|e| self.err(e))?;
        let updated = txn
            .execute_raw(self.stmt(
                &sql.mark_failed,
                vec![error.into(), self.session_value(), id.into()],
            ))
            .await
            .map_err(|e| self.err(e))?;
        if updated.rows_affected() == 0 {
            txn.rollback().await.map_err(|e| self.err(e))?;
            return Err(Error::NotFound {
                what: format!("durable update {id:?}"),
            });
        }
        let row = txn
            .query_one_raw(self.stmt(&sql.attempts, vec![self.session_value(), id.into()]))
            .await
            .map_err(|e| self.err(e))?;
        txn.commit().await.map_err(|e| self.err(e))?;
        let attempts: i64 = match row {
            Some(r) => r.try_get_by_index(0).map_err(|e| self.err(e))?,
            None => {
                return Err(Error::NotFound {
                    what: format!("durable update {id:?}"),
                });
            }
        };
        Ok(u32::try_from(attempts.max(0)).unwrap_or(u32::MAX))
    }
}
