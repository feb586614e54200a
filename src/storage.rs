//! The specification's low-level `Storage` and `PeerCache` traits: what a
//! Telegram client calls internally. Implemented once, over any adapter, by
//! [`crate::AdapterStorage`].

use crate::AuthKey;
use crate::error::Result;
use crate::types::Peer;
use async_trait::async_trait;

/// A getter and a setter for every session field, the session string export
/// and close. Getters of a store that has no session yet return empty values
/// (0, `""`, `false`, `None`).
///
/// Every method can fail with [`crate::Error::Backend`] when the store fails;
/// setters write through, so a setter that returned `Ok` is stored.
#[async_trait]
pub trait Storage: Send + Sync {
    /// Home DC id.
    async fn dc_id(&self) -> Result<i32>;
    /// Sets the home DC id.
    async fn set_dc_id(&self, dc_id: i32) -> Result<()>;
    /// Telegram API id.
    async fn api_id(&self) -> Result<i32>;
    /// Sets the Telegram API id.
    async fn set_api_id(&self, api_id: i32) -> Result<()>;
    /// Telegram API hash.
    async fn api_hash(&self) -> Result<String>;
    /// Sets the Telegram API hash.
    async fn set_api_hash(&self, api_hash: &str) -> Result<()>;
    /// Whether the session uses the test servers.
    async fn test_mode(&self) -> Result<bool>;
    /// Sets test mode.
    async fn set_test_mode(&self, test_mode: bool) -> Result<()>;
    /// The home DC's auth key, if any.
    async fn auth_key(&self) -> Result<Option<AuthKey>>;
    /// Sets (or with `None` clears) the home DC's auth key.
    async fn set_auth_key(&self, auth_key: Option<AuthKey>) -> Result<()>;
    /// Logged-in user id.
    async fn user_id(&self) -> Result<i64>;
    /// Sets the logged-in user id.
    async fn set_user_id(&self, user_id: i64) -> Result<()>;
    /// Whether the account is a bot.
    async fn is_bot(&self) -> Result<bool>;
    /// Sets whether the account is a bot.
    async fn set_is_bot(&self, is_bot: bool) -> Result<()>;
    /// The user's first name.
    async fn first_name(&self) -> Result<String>;
    /// Sets the user's first name.
    async fn set_first_name(&self, first_name: &str) -> Result<()>;
    /// The user's last name.
    async fn last_name(&self) -> Result<String>;
    /// Sets the user's last name.
    async fn set_last_name(&self, last_name: &str) -> Result<()>;
    /// The user's username.
    async fn username(&self) -> Result<String>;
    /// Sets the user's username.
    async fn set_username(&self, username: &str) -> Result<()>;
    /// Session date (Unix seconds).
    async fn date(&self) -> Result<i64>;
    /// Sets the session date.
    async fn set_date(&self, date: i64) -> Result<()>;
    /// Server address.
    async fn server_address(&self) -> Result<String>;
    /// Sets the server address.
    async fn set_server_address(&self, addr: &str) -> Result<()>;
    /// Server port.
    async fn port(&self) -> Result<u16>;
    /// Sets the server port.
    async fn set_port(&self, port: u16) -> Result<()>;
    /// Opaque client state.
    async fn state(&self) -> Result<Vec<u8>>;
    /// Sets the opaque client state.
    async fn set_state(&self, state: &[u8]) -> Result<()>;
    /// The session as a Telethon string session
    /// (`"1" + base64url(dc · ip · port · auth_key)`).
    ///
    /// The string holds the full auth key: anyone who has it can use the
    /// account.
    ///
    /// # Errors
    /// [`crate::Error::MissingField`] when there is no auth key;
    /// [`crate::Error::InvalidInput`] when the address is not an IP address,
    /// the key is not 256 bytes or the DC id does not fit a byte.
    async fn export_session_string(&self) -> Result<String>;
    /// Closes the underlying store.
    async fn close(&self) -> Result<()>;
}

/// Peer persistence as the spec's optional `PeerCache` interface.
///
/// Every method can fail with [`crate::Error::Backend`] when the store fails.
#[async_trait]
pub trait PeerCache: Send + Sync {
    /// Saves many peers atomically.
    async fn save_peers(&self, peers: &[Peer]) -> Result<()>;
    /// Every cached peer, in ascending id order.
    async fn load_peers(&self) -> Result<Vec<Peer>>;
    /// Saves one peer.
    async fn save_peer(&self, peer: &Peer) -> Result<()>;
    /// Removes a peer; removing an absent one is `Ok(())`.
    async fn delete_peer(&self, id: i64) -> Result<()>;
}
