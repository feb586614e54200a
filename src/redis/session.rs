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
        let key = &self.keys.session();
        let raw: Option<Vec<u8>> = self.read(|mut c| async move { c.get(key).await }).await?;
        let Some(raw) = raw else { return Ok(None) };
        let mut session: Session =
            serde_json::from_slice(&raw).map_err(|e| corrupt_json("session", &e))?;
        session.name = self.name.clone();
        Ok(Some(session))
    }

    async fn save_session(&self, session: &Session) -> Result<()> {
        let mut conn = self.conn()?;
        let json = self.session_json(session)?;
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
    /// The stored JSON of `session`, under the handle's name.
    pub(super) fn session_json(&self, session: &Session) -> Result<Vec<u8>> {
        let mut session = session.clone();
        session.name = self.name.clone();
        Ok(serde_json::to_vec(&session)?)
    }

    /// Names in the global set whose session key exists, sorted.
    pub(super) async fn list_session_names(&self) -> Result<Vec<String>> {
        let names_key = &keys::session_names(&self.options.prefix);
        let mut names: Vec<String> = self
            .read(|mut c| async move { c.smembers(names_key).await })
            .await?;
        names.sort();
        let session_keys: Vec<String> = names
            .iter()
            .map(|n| keys::Keys::new(&self.options.prefix, n).session())
            .collect();
        let session_keys = &session_keys;
        let cluster = self.is_cluster();
        let exists: Vec<bool> = self
            .read(|mut c| async move {
                if cluster {
                    // Keys of different sessions live in different slots:
                    // one command each (not a hot path).
                    let mut out = Vec::with_capacity(session_keys.len());
                    for key in session_keys {
                        out.push(c.exists(key).await?);
                    }
                    Ok(out)
                } else {
                    let mut pipe = ::redis::pipe();
                    for key in session_keys {
                        pipe.exists(key);
                    }
                    pipe.query_async(&mut c).await
                }
            })
            .await?;
        Ok(names
            .into_iter()
            .zip(exists)
            .filter_map(|(n, e)| e.then_some(n))
            .collect())
    }
}
