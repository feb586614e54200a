//! [`SessionStore`] and session names.

use super::{RedisAdapter, corrupt_json, keys};
use crate::error::Result;
use crate::store::SessionStore;
use crate::types::Session;
use ::redis::AsyncCommands;
use async_trait::async_trait;

#[async_trait]
impl SessionStore for RedisAdapter {
    async fn load_session(&self) -> Result<Option<Session>> {
        let mut conn = self.conn()?;
        let raw: Option<Vec<u8>> = conn.get(self.keys.session()).await?;
        let Some(raw) = raw else { return Ok(None) };
        let mut session: Session =
            serde_json::from_slice(&raw).map_err(|e| corrupt_json("session", &e))?;
        session.name = self.name.clone();
        Ok(Some(session))
    }

    async fn save_session(&self, session: &Session) -> Result<()> {
        let mut conn = self.conn()?;
        let mut session = session.clone();
        session.name = self.name.clone();
        let json = serde_json::to_vec(&session)?;
        // The name set is in another cluster slot: two single-key commands,
        // the name first, so a saved session is always listed.
        let _: () = conn
            .sadd(keys::session_names(&self.options.prefix), &self.name)
            .await?;
        let _: () = conn.set(self.keys.session(), json).await?;
        Ok(())
    }

    async fn delete_session(&self) -> Result<()> {
        let mut conn = self.conn()?;
        let _: () = conn.del(self.keys.session()).await?;
        let _: () = conn
            .srem(keys::session_names(&self.options.prefix), &self.name)
            .await?;
        Ok(())
    }
}

impl RedisAdapter {
    /// Names in the global set whose session key exists, sorted.
    pub(super) async fn list_session_names(&self) -> Result<Vec<String>> {
        let mut conn = self.conn()?;
        let mut names: Vec<String> = conn
            .smembers(keys::session_names(&self.options.prefix))
            .await?;
        names.sort();
        let session_keys: Vec<String> = names
            .iter()
            .map(|n| keys::Keys::new(&self.options.prefix, n).session())
            .collect();
        let exists: Vec<bool> = if self.is_cluster() {
            // Keys of different sessions live in different slots: one
            // command each (not a hot path).
            let mut out = Vec::with_capacity(session_keys.len());
            for key in &session_keys {
                out.push(conn.exists(key).await?);
            }
            out
        } else {
            let mut pipe = ::redis::pipe();
            for key in &session_keys {
                pipe.exists(key);
            }
            pipe.query_async(&mut conn).await?
        };
        Ok(names
            .into_iter()
            .zip(exists)
            .filter_map(|(n, e)| e.then_some(n))
            .collect())
    }
}
