//! [`SessionStore`] on `mtgo_sessions`.

use super::sql::Dialect;
use super::{OrmAdapter, port};
use crate::error::Result;
use crate::store::SessionStore;
use crate::{AuthKey, Session};
use async_trait::async_trait;
use mtgo_storage_entity::sessions;

const TABLE: &str = "mtgo_sessions";
const COLS: &[&str] = &[
    "session_name",
    "dc",
    "api_id",
    "api_hash",
    "test_mode",
    "auth_key",
    "state",
    "user_id",
    "is_bot",
    "first_name",
    "last_name",
    "username",
    "date",
    "addr",
    "port",
];
const KEY: &[&str] = &["session_name"];

pub(super) struct Sql {
    load: String,
    save: String,
    delete: String,
    pub(super) session_names: String,
}

impl Sql {
    pub(super) fn new(d: Dialect) -> Self {
        Self {
            load: d.select(TABLE, COLS, KEY),
            save: d.upsert_all(TABLE, COLS, KEY),
            delete: d.delete(TABLE, KEY),
            session_names: format!("SELECT session_name FROM {TABLE} ORDER BY session_name"),
        }
    }
}

#[async_trait]
impl SessionStore for OrmAdapter {
    async fn load_session(&self) -> Result<Option<Session>> {
        let Some(m) = self
            .one::<sessions::Model>(&self.inner.sql.load, vec![self.session_value()])
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Session {
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
        }))
    }

    async fn save_session(&self, s: &Session) -> Result<()> {
        let values = vec![
            self.session_value(),
            s.dc.into(),
            s.api_id.into(),
            s.api_hash.clone().into(),
            s.test_mode.into(),
            s.auth_key.as_ref().map(|k| k.as_bytes().to_vec()).into(),
            s.state.clone().into(),
            s.user_id.into(),
            s.is_bot.into(),
            s.first_name.clone().into(),
            s.last_name.clone().into(),
            s.username.clone().into(),
            s.date.into(),
            s.addr.clone().into(),
            i32::from(s.port).into(),
        ];
        self.exec(&self.inner.sql.save, values).await?;
        Ok(())
    }

    async fn delete_session(&self) -> Result<()> {
        self.exec(&self.inner.sql.delete, vec![self.session_value()])
            .await?;
        Ok(())
    }
}
