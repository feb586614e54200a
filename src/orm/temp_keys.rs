//! [`TempKeyStore`] on `mtgo_temp_auth_keys` and `mtgo_server_salts`.

use super::OrmAdapter;
use super::peers::retry;
use super::statement::{
    StatementKind, delete_by, find_by, find_by_primary_key, insert, primary_key, row_values, slot,
    text, upsert_all,
};
use crate::AuthKey;
use crate::error::Result;
use crate::temp_keys::{ServerSalt, TempAuthKey, TempKeyStore};
use async_trait::async_trait;
use mtgo_storage_entity::{server_salts, temp_auth_keys};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QueryTrait, Statement, TransactionTrait,
};

/// Salts per insert statement: 5 columns x 1,000 = 5,000 parameters.
const SALT_CHUNK: usize = 1_000;

/// The statements of both tables, in one backend's dialect.
pub(super) struct Sql {
    save_key: String,
    load_key: String,
    delete_key: String,
    prune_keys: String,
    delete_salts: String,
    load_salts: String,
    prune_salts: String,
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        use server_salts::Column as S;
        use temp_auth_keys::Column as K;
        Self {
            save_key: text(backend, &upsert_all::<temp_auth_keys::Entity>()),
            load_key: text(
                backend,
                &find_by_primary_key::<temp_auth_keys::Entity>().into_query(),
            ),
            delete_key: text(
                backend,
                &delete_by::<temp_auth_keys::Entity>(&primary_key::<temp_auth_keys::Entity>()),
            ),
            prune_keys: text(
                backend,
                &temp_auth_keys::Entity::delete_many()
                    .filter(K::SessionName.eq(slot()))
                    .filter(K::ExpiresAt.lte(slot()))
                    .into_query(),
            ),
            delete_salts: text(
                backend,
                &delete_by::<server_salts::Entity>(&[S::SessionName, S::DcId]),
            ),
            load_salts: text(
                backend,
                &find_by::<server_salts::Entity>(&[S::SessionName, S::DcId])
                    .order_by_asc(S::ValidSince)
                    .into_query(),
            ),
            prune_salts: text(
                backend,
                &server_salts::Entity::delete_many()
                    .filter(S::SessionName.eq(slot()))
                    .filter(S::ValidUntil.lte(slot()))
                    .into_query(),
            ),
        }
    }
}

fn decode(m: temp_auth_keys::Model) -> TempAuthKey {
    TempAuthKey {
        dc_id: m.dc_id,
        auth_key: AuthKey::new(m.auth_key),
        expires_at: m.expires_at,
        perm_auth_key_id: m.perm_auth_key_id,
    }
}

impl OrmAdapter {
    /// The upsert of the temporary key of `key.dc_id`.
    pub(super) fn save_temp_auth_key_statement(&self, key: &TempAuthKey) -> Statement {
        let row = temp_auth_keys::Model {
            session_name: self.name.to_string(),
            dc_id: key.dc_id,
            auth_key: key.auth_key.as_bytes().to_vec(),
            expires_at: key.expires_at,
            perm_auth_key_id: key.perm_auth_key_id,
        };
        let values = row_values::<temp_auth_keys::Entity, _>(row);
        self.stmt(&self.inner.temp_keys.save_key, values)
    }

    async fn save_salts_once(
        &self,
        dc_id: i32,
        salts: &[ServerSalt],
    ) -> std::result::Result<(), DbErr> {
        let inner = &*self.inner;
        let stmt = |sql: &str, values| Statement::from_sql_and_values(inner.backend, sql, values);
        let txn = inner.db.begin().await?;
        txn.execute_raw(stmt(
            &inner.temp_keys.delete_salts,
            vec![self.session_value(), dc_id.into()],
        ))
        .await?;
        // One multi-row insert per chunk: the delete above emptied the list.
        let rows = ServerSalt::unique_by_start(salts);
        for chunk in rows.chunks(SALT_CHUNK) {
            let sql = inner
                .texts
                .get(StatementKind::InsertSalts, chunk.len(), || {
                    text(inner.backend, &insert::<server_salts::Entity>(chunk.len()))
                });
            let values = chunk
                .iter()
                .flat_map(|s| {
                    row_values::<server_salts::Entity, _>(server_salts::Model {
                        session_name: self.name.to_string(),
                        dc_id,
                        valid_since: s.valid_since,
                        valid_until: s.valid_until,
                        salt: s.salt,
                    })
                })
                .collect();
            txn.execute_raw(stmt(&sql, values)).await?;
        }
        txn.commit().await
    }
}

#[async_trait]
impl TempKeyStore for OrmAdapter {
    async fn save_temp_auth_key(&self, key: &TempAuthKey) -> Result<()> {
        self.run(self.save_temp_auth_key_statement(key)).await?;
        Ok(())
    }

    async fn load_temp_auth_key(&self, dc_id: i32) -> Result<Option<TempAuthKey>> {
        Ok(self
            .one::<temp_auth_keys::Model>(
                &self.inner.temp_keys.load_key,
                vec![self.session_value(), dc_id.into()],
            )
            .await?
            .map(decode))
    }

    async fn delete_temp_auth_key(&self, dc_id: i32) -> Result<()> {
        self.exec(
            &self.inner.temp_keys.delete_key,
            vec![self.session_value(), dc_id.into()],
        )
        .await?;
        Ok(())
    }

    async fn save_server_salts(&self, dc_id: i32, salts: &[ServerSalt]) -> Result<()> {
        retry(|| self.save_salts_once(dc_id, salts))
            .await
            .map_err(|e| self.err(e))
    }

    async fn load_server_salts(&self, dc_id: i32) -> Result<Vec<ServerSalt>> {
        Ok(self
            .all::<server_salts::Model>(
                &self.inner.temp_keys.load_salts,
                vec![self.session_value(), dc_id.into()],
            )
            .await?
            .into_iter()
            .map(|m| ServerSalt {
                valid_since: m.valid_since,
                valid_until: m.valid_until,
                salt: m.salt,
            })
            .collect())
    }

    async fn prune_temp_keys(&self, now: i64) -> Result<u64> {
        let sql = &self.inner.temp_keys;
        let keys = self
            .exec(&sql.prune_keys, vec![self.session_value(), now.into()])
            .await?;
        let salts = self
            .exec(&sql.prune_salts, vec![self.session_value(), now.into()])
            .await?;
        Ok(keys.rows_affected() + salts.rows_affected())
    }
}
