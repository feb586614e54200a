//! [`Adapter::purge_session`](crate::Adapter::purge_session): one
//! transaction deleting the session name's rows from every table.

use super::OrmAdapter;
use super::peers::retry;
use super::statement::{delete_by, text};
use crate::error::Result;
use mtgo_storage_entity as entity;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Statement, TransactionTrait};

/// `DELETE FROM t WHERE session_name = ?` for each table of the schema,
/// usernames before the peers they point to.
pub(super) struct Sql {
    deletes: Vec<String>,
}

fn by_session<E: EntityTrait>(backend: DbBackend, column: E::Column) -> String {
    text(backend, &delete_by::<E>(&[column]))
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        use entity::*;
        Self {
            deletes: vec![
                by_session::<peer_usernames::Entity>(backend, peer_usernames::Column::SessionName),
                by_session::<peers::Entity>(backend, peers::Column::SessionName),
                by_session::<conversations::Entity>(backend, conversations::Column::SessionName),
                by_session::<dc_auth::Entity>(backend, dc_auth::Column::SessionName),
                by_session::<update_state::Entity>(backend, update_state::Column::SessionName),
                by_session::<channel_state::Entity>(backend, channel_state::Column::SessionName),
                by_session::<update_dedup::Entity>(backend, update_dedup::Column::SessionName),
                by_session::<durable_updates::Entity>(
                    backend,
                    durable_updates::Column::SessionName,
                ),
                by_session::<session_leases::Entity>(backend, session_leases::Column::SessionName),
                by_session::<temp_auth_keys::Entity>(backend, temp_auth_keys::Column::SessionName),
                by_session::<server_salts::Entity>(backend, server_salts::Column::SessionName),
                by_session::<peer_references::Entity>(
                    backend,
                    peer_references::Column::SessionName,
                ),
                by_session::<sessions::Entity>(backend, sessions::Column::SessionName),
            ],
        }
    }
}

impl OrmAdapter {
    async fn purge_once(&self) -> std::result::Result<(), DbErr> {
        let inner = &*self.inner;
        let txn = inner.db.begin().await?;
        for sql in &inner.purge.deletes {
            txn.execute_raw(Statement::from_sql_and_values(
                inner.backend,
                sql,
                vec![self.session_value()],
            ))
            .await?;
        }
        txn.commit().await
    }

    /// Deletes every row of the session name, in one transaction (retried
    /// on a deadlock or a busy database).
    pub(super) async fn purge(&self) -> Result<()> {
        self.ready()?;
        retry(|| self.purge_once()).await.map_err(|e| self.err(e))
    }
}
