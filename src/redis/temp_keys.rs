//! [`TempKeyStore`]: a hash of temporary keys and a hash of salt lists, DC
//! id to JSON. Numbers are written as decimal strings, so the prune script
//! rewrites salt lists without passing them through Lua's doubles.

use super::scripts::PRUNE_TEMP_KEYS;
use super::{RedisAdapter, corrupt_json};
use crate::AuthKey;
use crate::error::{Error, Result};
use crate::temp_keys::{ServerSalt, TempAuthKey, TempKeyStore};
use ::redis::AsyncCommands;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The stored form of a temporary key.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    /// The key, base64.
    #[serde(with = "crate::types::base64_bytes")]
    k: Vec<u8>,
    /// Expiry, decimal.
    e: String,
    /// Permanent key id, decimal.
    p: String,
}

fn num(what: &'static str, text: &str) -> Result<i64> {
    text.parse().map_err(|_| Error::Corrupt {
        what,
        reason: format!("{text:?} is not a 64-bit integer"),
    })
}

/// The stored JSON of a temporary key (the DC id is the hash field).
pub(super) fn temp_key_json(key: &TempAuthKey) -> Result<Vec<u8>> {
    let stored = StoredKey {
        k: key.auth_key.as_bytes().to_vec(),
        e: key.expires_at.to_string(),
        p: key.perm_auth_key_id.to_string(),
    };
    Ok(serde_json::to_vec(&stored)?)
}

#[async_trait]
impl TempKeyStore for RedisAdapter {
    async fn save_temp_auth_key(&self, key: &TempAuthKey) -> Result<()> {
        let json = temp_key_json(key)?;
        let mut conn = self.conn()?;
        let _: () = conn.hset(self.keys.temp_keys(), key.dc_id, json).await?;
        Ok(())
    }

    async fn load_temp_auth_key(&self, dc_id: i32) -> Result<Option<TempAuthKey>> {
        let key = &self.keys.temp_keys();
        let raw: Option<Vec<u8>> = self
            .read(|mut c| async move { c.hget(key, dc_id).await })
            .await?;
        let Some(raw) = raw else { return Ok(None) };
        let stored: StoredKey =
            serde_json::from_slice(&raw).map_err(|e| corrupt_json("temporary auth key", &e))?;
        Ok(Some(TempAuthKey {
            dc_id,
            auth_key: AuthKey::new(stored.k),
            expires_at: num("temporary auth key expiry", &stored.e)?,
            perm_auth_key_id: num("permanent auth key id", &stored.p)?,
        }))
    }

    async fn delete_temp_auth_key(&self, dc_id: i32) -> Result<()> {
        let mut conn = self.conn()?;
        let _: () = conn.hdel(self.keys.temp_keys(), dc_id).await?;
        Ok(())
    }

    async fn save_server_salts(&self, dc_id: i32, salts: &[ServerSalt]) -> Result<()> {
        let mut conn = self.conn()?;
        let sorted = ServerSalt::unique_by_start(salts);
        if sorted.is_empty() {
            let _: () = conn.hdel(self.keys.salts(), dc_id).await?;
            return Ok(());
        }
        let list: Vec<[String; 3]> = sorted
            .iter()
            .map(|s| {
                [
                    s.valid_since.to_string(),
                    s.valid_until.to_string(),
                    s.salt.to_string(),
                ]
            })
            .collect();
        let json = serde_json::to_vec(&list)?;
        let _: () = conn.hset(self.keys.salts(), dc_id, json).await?;
        Ok(())
    }

    async fn load_server_salts(&self, dc_id: i32) -> Result<Vec<ServerSalt>> {
        let key = &self.keys.salts();
        let raw: Option<Vec<u8>> = self
            .read(|mut c| async move { c.hget(key, dc_id).await })
            .await?;
        let Some(raw) = raw else {
            return Ok(Vec::new());
        };
        let list: Vec<[String; 3]> =
            serde_json::from_slice(&raw).map_err(|e| corrupt_json("server salts", &e))?;
        list.iter()
            .map(|[since, until, salt]| {
                Ok(ServerSalt {
                    valid_since: num("server salt valid_since", since)?,
                    valid_until: num("server salt valid_until", until)?,
                    salt: num("server salt", salt)?,
                })
            })
            .collect()
    }

    async fn prune_temp_keys(&self, now: i64) -> Result<u64> {
        let mut conn = self.conn()?;
        let n: u64 = PRUNE_TEMP_KEYS
            .key(self.keys.temp_keys())
            .key(self.keys.salts())
            .arg(now)
            .invoke_async(&mut conn)
            .await?;
        Ok(n)
    }
}
