//! [`Adapter::save_session_records`](crate::Adapter::save_session_records):
//! every record's write in one `MULTI`/`EXEC`.

use super::scripts::{ENQUEUE_UPDATE_SRC, RESTORE_CONVERSATION_SRC};
use super::temp_keys::temp_key_json;
use super::{RedisAdapter, keys};
use crate::error::Result;
use crate::session_records::SessionRecords;
use ::redis::AsyncCommands;

impl RedisAdapter {
    /// Writes every record as its own store method would, in one
    /// transaction. Every value is encoded before anything is sent. The
    /// session name set lives in another cluster slot, so the name is added
    /// first, as `save_session` does: a saved session is always listed.
    pub(super) async fn save_records(&self, records: &SessionRecords) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        if let Some(session) = &records.session {
            pipe.set(self.keys.session(), self.session_json(session)?)
                .ignore();
        }
        for entry in &records.dc_auth {
            pipe.hset(self.keys.dc_auth(), entry.dc_id, serde_json::to_vec(entry)?)
                .ignore();
        }
        for key in &records.temp_auth_keys {
            pipe.hset(self.keys.temp_keys(), key.dc_id, temp_key_json(key)?)
                .ignore();
        }
        for conversation in &records.conversations {
            self.restore_call(conversation)
                .queue(&mut pipe, RESTORE_CONVERSATION_SRC);
        }
        for update in &records.durable_updates {
            self.enqueue_call(update)
                .queue(&mut pipe, ENQUEUE_UPDATE_SRC);
        }
        let mut conn = self.conn()?;
        if records.session.is_some() {
            let _: () = conn
                .sadd(keys::session_names(&self.options.prefix), &self.name)
                .await?;
        }
        let _: () = pipe.query_async(&mut conn).await?;
        Ok(())
    }
}
