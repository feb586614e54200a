//! [`UpdateStateStore`] on `mtgo_update_state`, `mtgo_channel_state`,
//! `mtgo_update_dedup` and `mtgo_durable_updates`.

use super::OrmAdapter;
use super::statement::{
    StatementKind, delete_by, find_by, find_by_primary_key, insert_or_ignore, is_unique_violation,
    primary_key, row_values, slot, slot_expr, text, upsert_all,
};
use crate::error::{Error, Result};
use crate::store::UpdateStateStore;
use crate::{ChannelState, DedupKey, DurableUpdate, UpdateState};
use async_trait::async_trait;
use mtgo_storage_entity::{channel_state, durable_updates, update_dedup, update_state};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Statement, TransactionTrait,
};

/// The statements of the four tables, in one backend's dialect.
pub(super) struct Sql {
    backend: DbBackend,
    save_state: String,
    load_state: String,
    save_channel: String,
    load_channel: String,
    load_channels: String,
    delete_channel: String,
    insert_dedup: String,
    has_dedup: String,
    prune_dedup: String,
    load_dedup: String,
    enqueue: String,
    delete_update: String,
    mark_failed: String,
    attempts: String,
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        use durable_updates::{Column as Durable, Entity as DurableUpdates};
        use sea_orm::sea_query::ExprTrait as _;
        use update_dedup::{Column as Dedup, Entity as UpdateDedup};
        Self {
            backend,
            save_state: text(backend, &upsert_all::<update_state::Entity>()),
            load_state: text(
                backend,
                &find_by_primary_key::<update_state::Entity>().into_query(),
            ),
            save_channel: text(backend, &upsert_all::<channel_state::Entity>()),
            load_channel: text(
                backend,
                &find_by_primary_key::<channel_state::Entity>().into_query(),
            ),
            load_channels: text(
                backend,
                &find_by::<channel_state::Entity>(&[channel_state::Column::SessionName])
                    .order_by_asc(channel_state::Column::ChannelId)
                    .into_query(),
            ),
            delete_channel: text(
                backend,
                &delete_by::<channel_state::Entity>(&primary_key::<channel_state::Entity>()),
            ),
            insert_dedup: text(backend, &insert_or_ignore::<UpdateDedup>(backend)),
            has_dedup: text(
                backend,
                &find_by_primary_key::<UpdateDedup>()
                    .select_only()
                    .column(Dedup::SeenAt)
                    .into_query(),
            ),
            prune_dedup: text(
                backend,
                &UpdateDedup::delete_many()
                    .filter(Dedup::SessionName.eq(slot()))
                    .filter(Dedup::SeenAt.lt(slot()))
                    .into_query(),
            ),
            load_dedup: text(
                backend,
                &find_by::<UpdateDedup>(&[Dedup::SessionName])
                    .order_by_asc(Dedup::DedupKey)
                    .into_query(),
            ),
            enqueue: text(backend, &upsert_all::<DurableUpdates>()),
            delete_update: text(
                backend,
                &delete_by::<DurableUpdates>(&primary_key::<DurableUpdates>()),
            ),
            mark_failed: text(
                backend,
                &DurableUpdates::update_many()
                    .col_expr(Durable::Attempts, Expr::col(Durable::Attempts).add(1))
                    .col_expr(Durable::LastError, slot_expr())
                    .filter(Durable::SessionName.eq(slot()))
                    .filter(Durable::Id.eq(slot()))
                    .into_query(),
            ),
            attempts: text(
                backend,
                &find_by_primary_key::<DurableUpdates>()
                    .select_only()
                    .column(Durable::Attempts)
                    .into_query(),
            ),
        }
    }

    /// The first `limit` queued updates, oldest first. The limit is a
    /// literal (a text per limit, cached) rather than one more parameter.
    fn load_updates(&self, limit: u64) -> String {
        use durable_updates::{Column as Durable, Entity as DurableUpdates};
        text(
            self.backend,
            &find_by::<DurableUpdates>(&[Durable::SessionName])
                .order_by_asc(Durable::CreatedAt)
                .order_by_asc(Durable::Id)
                .limit(limit)
                .into_query(),
        )
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

impl OrmAdapter {
    /// The upsert of the durable update `u`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an id longer than the schema allows.
    pub(super) fn enqueue_update_statement(&self, u: &DurableUpdate) -> Result<Statement> {
        check_key("durable update id", &u.id)?;
        let values = row_values::<durable_updates::Entity, _>(durable_updates::Model {
            session_name: self.name.to_string(),
            id: u.id.clone(),
            payload: u.payload.clone(),
            created_at: u.created_at,
            attempts: i64::from(u.attempts),
            last_error: u.last_error.clone(),
        });
        Ok(self.stmt(&self.inner.update_state.enqueue, values))
    }
}

#[async_trait]
impl UpdateStateStore for OrmAdapter {
    async fn save_update_state(&self, st: &UpdateState) -> Result<()> {
        let values = row_values::<update_state::Entity, _>(update_state::Model {
            session_name: self.name.to_string(),
            pts: st.pts,
            qts: st.qts,
            date: st.date,
            seq: st.seq,
        });
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
            row_values::<channel_state::Entity, _>(channel_state::Model {
                session_name: self.name.to_string(),
                channel_id,
                pts,
            }),
        )
        .await?;
        Ok(())
    }

    async fn delete_channel_pts(&self, channel_id: i64) -> Result<()> {
        self.exec(
            &self.inner.update_state.delete_channel,
            vec![self.session_value(), channel_id.into()],
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
        let row = update_dedup::Model {
            session_name: self.name.to_string(),
            dedup_key: key.to_owned(),
            seen_at,
        };
        match self
            .inner
            .db
            .execute_raw(self.stmt(
                &self.inner.update_state.insert_dedup,
                row_values::<update_dedup::Entity, _>(row),
            ))
            .await
        {
            Ok(res) => Ok(res.rows_affected() == 1),
            // MySQL/MariaDB: a plain insert (see `insert_or_ignore`).
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(self.err(e)),
        }
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

    /// Ordered by the database and then once more in Rust: a PostgreSQL
    /// database with a linguistic collation orders text differently from
    /// `str`, and every backend answers alike.
    async fn load_dedup_keys(&self) -> Result<Vec<DedupKey>> {
        let mut keys: Vec<DedupKey> = self
            .all::<update_dedup::Model>(
                &self.inner.update_state.load_dedup,
                vec![self.session_value()],
            )
            .await?
            .into_iter()
            .map(|m| DedupKey {
                key: m.dedup_key,
                seen_at: m.seen_at,
            })
            .collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(keys)
    }

    async fn enqueue_update(&self, u: &DurableUpdate) -> Result<()> {
        self.run(self.enqueue_update_statement(u)?).await?;
        Ok(())
    }

    async fn load_updates(&self, limit: usize) -> Result<Vec<DurableUpdate>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = limit.min(i64::MAX as usize);
        let sql = self.inner.texts.get(StatementKind::LoadUpdates, limit, || {
            self.inner.update_state.load_updates(limit as u64)
        });
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
