//! [`LeaseStore`] on `mtgo_session_leases`: one row per session name,
//! taken with a compare-and-set `UPDATE` (or an insert that a concurrent
//! insert makes fail), so the database decides between competing holders.

use super::OrmAdapter;
use super::statement::{
    find_by_primary_key, insert_or_ignore, is_unique_violation, slot, slot_expr, text,
};
use crate::error::Result;
use crate::lease::{self, Lease, LeaseStore, unix_now_ms};
use async_trait::async_trait;
use mtgo_storage_entity::session_leases::{Column, Entity, Model};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait};
use std::time::Duration;

/// The statements of this table, in one backend's dialect.
pub(super) struct Sql {
    /// `SET holder, expires WHERE session AND (holder = ? OR expires <= now)`.
    take: String,
    insert: String,
    /// `SET expires WHERE session AND holder AND expires > now`.
    renew: String,
    release: String,
    load: String,
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        Self {
            take: text(
                backend,
                &Entity::update_many()
                    .col_expr(Column::Holder, slot_expr())
                    .col_expr(Column::ExpiresAtMs, slot_expr())
                    .filter(Column::SessionName.eq(slot()))
                    .filter(
                        Condition::any()
                            .add(Column::Holder.eq(slot()))
                            .add(Column::ExpiresAtMs.lte(slot())),
                    )
                    .into_query(),
            ),
            insert: text(backend, &insert_or_ignore::<Entity>(backend)),
            renew: text(
                backend,
                &Entity::update_many()
                    .col_expr(Column::ExpiresAtMs, slot_expr())
                    .filter(Column::SessionName.eq(slot()))
                    .filter(Column::Holder.eq(slot()))
                    .filter(Column::ExpiresAtMs.gt(slot()))
                    .into_query(),
            ),
            release: text(
                backend,
                &Entity::delete_many()
                    .filter(Column::SessionName.eq(slot()))
                    .filter(Column::Holder.eq(slot()))
                    .into_query(),
            ),
            load: text(backend, &find_by_primary_key::<Entity>().into_query()),
        }
    }
}

#[crate::observe::observed]
#[async_trait]
impl LeaseStore for OrmAdapter {
    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool> {
        let ttl = lease::check(holder, ttl)?;
        let now = unix_now_ms();
        let until = now.saturating_add(ttl);
        let sql = &self.inner.lease;
        let taken = self
            .exec(
                &sql.take,
                vec![
                    holder.into(),
                    until.into(),
                    self.session_value(),
                    holder.into(),
                    now.into(),
                ],
            )
            .await?;
        if taken.rows_affected() == 1 {
            return Ok(true);
        }
        // No row, or another holder's unexpired one: insert. Of concurrent
        // inserts the primary key lets one through.
        let values = vec![self.session_value(), holder.into(), until.into()];
        match self
            .inner
            .db
            .execute_raw(self.stmt(&sql.insert, values))
            .await
        {
            Ok(r) => Ok(r.rows_affected() == 1),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(self.err(e)),
        }
    }

    async fn renew_lease(&self, holder: &str, ttl: Duration) -> Result<bool> {
        let ttl = lease::check(holder, ttl)?;
        let now = unix_now_ms();
        let renewed = self
            .exec(
                &self.inner.lease.renew,
                vec![
                    now.saturating_add(ttl).into(),
                    self.session_value(),
                    holder.into(),
                    now.into(),
                ],
            )
            .await?;
        Ok(renewed.rows_affected() == 1)
    }

    async fn release_lease(&self, holder: &str) -> Result<()> {
        lease::check_holder(holder)?;
        self.exec(
            &self.inner.lease.release,
            vec![self.session_value(), holder.into()],
        )
        .await?;
        Ok(())
    }

    async fn load_lease(&self) -> Result<Option<Lease>> {
        let now = unix_now_ms();
        Ok(self
            .one::<Model>(&self.inner.lease.load, vec![self.session_value()])
            .await?
            .filter(|m| m.expires_at_ms > now)
            .map(|m| Lease {
                holder: m.holder,
                expires_at_ms: m.expires_at_ms,
            }))
    }
}
