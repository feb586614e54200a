//! [`SessionStore`] on `mtgo_sessions`.

use super::statement::{delete_by, find_by_primary_key, primary_key, row_values, text, upsert_all};
use super::{OrmAdapter, port};
use crate::error::Result;
use crate::store::SessionStore;
use crate::{AuthKey, Session};
use async_trait::async_trait;
use mtgo_storage_entity::sessions::{Column, Entity, Model};
use sea_orm::{DbBackend, EntityTrait, QueryOrder, QuerySelect, QueryTrait, Statement};

/// The statements of this table, in one backend's dialect.
pub(super) struct Sql {
    load: String,
    save: String,
    delete: String,
    pub(super) session_names: String,
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        Self {
            load: text(backend, &find_by_primary_key::<Entity>().into_query()),
            save: text(backend, &upsert_all::<Entity>()),
            delete: text(backend, &delete_by::<Entity>(&primary_key::<Entity>())),
            session_names: text(
                backend,
                &Entity::find()
                    .select_only()
                    .column(Column::SessionName)
                    .order_by_asc(Column::SessionName)
                    .into_query(),
            ),
        }
    }
}

fn decode(m: Model) -> Result<Session> {
    Ok(Session {
        name: m.session_name,
        dc: m.dc,
        api_id: m.api_id,
        api_hash: m.api_hash,
        test_mode: m.test_mode,
        auth_key: m.auth_key.map(AuthKey::new),
        state: m.state,
        user_id: m.user_id,
        is_bot: m.is_bot,
        first_name: m.first_name,
        last_name: m.last_name,
        username: m.username,
        date: m.date,
        addr: m.addr,
        port: port(m.port, "session port")?,
    })
}

fn encode(session_name: &str, s: &Session) -> Model {
    Model {
        session_name: session_name.to_owned(),
        dc: s.dc,
        api_id: s.api_id,
        api_hash: s.api_hash.clone(),
        test_mode: s.test_mode,
        auth_key: s.auth_key.as_ref().map(|k| k.as_bytes().to_vec()),
        state: s.state.clone(),
        user_id: s.user_id,
        is_bot: s.is_bot,
        first_name: s.first_name.clone(),
        last_name: s.last_name.clone(),
        username: s.username.clone(),
        date: s.date,
        addr: s.addr.clone(),
        port: i32::from(s.port),
    }
}

impl OrmAdapter {
    /// The upsert of the session record `s` under the handle's name.
    pub(super) fn save_session_statement(&self, s: &Session) -> Statement {
        let values = row_values::<Entity, _>(encode(&self.name, s));
        self.stmt(&self.inner.sessions.save, values)
    }
}

#[async_trait]
impl SessionStore for OrmAdapter {
    async fn load_session(&self) -> Result<Option<Session>> {
        self.one::<Model>(&self.inner.sessions.load, vec![self.session_value()])
            .await?
            .map(decode)
            .transpose()
    }

    async fn save_session(&self, s: &Session) -> Result<()> {
        self.run(self.save_session_statement(s)).await?;
        Ok(())
    }

    async fn delete_session(&self) -> Result<()> {
        self.exec(&self.inner.sessions.delete, vec![self.session_value()])
            .await?;
        Ok(())
    }
}
