//! [`TempKeyStore`]: temporary (perfect forward secrecy) auth keys and
//! future server salts, per data center.

use crate::AuthKey;
use crate::error::Result;
use async_trait::async_trait;

/// A temporary auth key of one DC (`auth.bindTempAuthKey`). `Debug` shows
/// the key's length only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TempAuthKey {
    /// Data-center id.
    pub dc_id: i32,
    /// The temporary authorization key.
    pub auth_key: AuthKey,
    /// When the key expires (the `expires_in` it was created with, as a
    /// Unix time in seconds).
    pub expires_at: i64,
    /// The id of the permanent auth key it is bound to (the low 64 bits of
    /// the key's SHA-1, as MTProto computes `auth_key_id`).
    pub perm_auth_key_id: i64,
}

/// A future server salt (`future_salt`) and the window it is valid in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerSalt {
    /// Start of the window, Unix seconds.
    pub valid_since: i64,
    /// End of the window, Unix seconds.
    pub valid_until: i64,
    /// The salt.
    pub salt: i64,
}

impl ServerSalt {
    /// The list a store keeps for `salts`: one salt per `valid_since` (the
    /// last given wins), in ascending `valid_since` order.
    pub fn unique_by_start(salts: &[ServerSalt]) -> Vec<ServerSalt> {
        let unique: std::collections::BTreeMap<i64, ServerSalt> =
            salts.iter().map(|s| (s.valid_since, *s)).collect();
        unique.into_values().collect()
    }
}

/// Temporary auth keys and server salts of the handle's session name, per
/// DC.
#[async_trait]
pub trait TempKeyStore: Send + Sync {
    /// Saves the temporary key of `key.dc_id`, replacing a previous one.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_temp_auth_key(&self, key: &TempAuthKey) -> Result<()>;

    /// The temporary key of one DC, or `Ok(None)`. An expired key that was
    /// not pruned yet is returned: compare [`TempAuthKey::expires_at`].
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_temp_auth_key(&self, dc_id: i32) -> Result<Option<TempAuthKey>>;

    /// Deletes the temporary key of one DC; deleting an absent one is
    /// `Ok(())`.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn delete_temp_auth_key(&self, dc_id: i32) -> Result<()>;

    /// Replaces the server salts of one DC with `salts` (atomically: a
    /// reader sees the old list or the new one). An empty slice removes
    /// them. When two salts share a `valid_since`, the last one wins.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn save_server_salts(&self, dc_id: i32, salts: &[ServerSalt]) -> Result<()>;

    /// The server salts of one DC, by ascending `valid_since`; empty if
    /// none.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn load_server_salts(&self, dc_id: i32) -> Result<Vec<ServerSalt>>;

    /// Drops what has expired at `now` (Unix seconds): temporary keys with
    /// `expires_at <= now` and salts with `valid_until <= now`, of every DC.
    /// Returns how many keys and salts were dropped.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    async fn prune_temp_keys(&self, now: i64) -> Result<u64>;
}
