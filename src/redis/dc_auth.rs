//! [`DcAuthStore`]: one hash per session, DC id to JSON.

use super::{RedisAdapter, corrupt_json, parse_num};
use crate::error::Result;
use crate::store::DcAuthStore;
use crate::types::DcAuth;
use ::redis::AsyncCommands;
use async_trait::async_trait;

#[crate::observe::observed]
#[async_trait]
impl DcAuthStore for RedisAdapter {
    async fn save_dc_auth(&self, entry: &DcAuth) -> Result<()> {
        let mut conn = self.conn()?;
        let json = serde_json::to_vec(entry)?;
        let _: () = conn.hset(self.keys.dc_auth(), entry.dc_id, json).await?;
        Ok(())
    }

    async fn load_dc_auth(&self, dc_id: i32) -> Result<Option<DcAuth>> {
        let key = &self.keys.dc_auth();
        let raw: Option<Vec<u8>> = self
            .read(|mut c| async move { c.hget(key, dc_id).await })
            .await?;
        raw.map(|raw| serde_json::from_slice(&raw).map_err(|e| corrupt_json("DC auth", &e)))
            .transpose()
    }

    async fn load_all_dc_auth(&self) -> Result<Vec<DcAuth>> {
        let key = &self.keys.dc_auth();
        let all: Vec<(Vec<u8>, Vec<u8>)> = self
            .read(|mut c| async move { c.hgetall(key).await })
            .await?;
        let mut out = Vec::with_capacity(all.len());
        for (field, raw) in all {
            let dc_id: i32 = parse_num("DC auth id", &field)?;
            let entry: DcAuth =
                serde_json::from_slice(&raw).map_err(|e| corrupt_json("DC auth", &e))?;
            if entry.dc_id != dc_id {
                return Err(crate::Error::Corrupt {
                    what: "DC auth",
                    reason: "the entry's DC id differs from its field".into(),
                });
            }
            out.push(entry);
        }
        out.sort_by_key(|e| e.dc_id);
        Ok(out)
    }
}
