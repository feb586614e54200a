//! `mtgo_sessions`: one session record per session name.

use sea_orm::entity::prelude::*;

/// A stored session. `auth_key` is `None` before a key was created.
///
/// `Debug` leaves out the auth key and the API hash.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_sessions")]
pub struct Model {
    /// The session name (the whole primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Home data-center id.
    pub dc: i32,
    /// Telegram API id.
    pub api_id: i32,
    /// Telegram API hash.
    pub api_hash: String,
    /// Whether the session uses the test servers.
    pub test_mode: bool,
    /// Authorization key of the home DC.
    pub auth_key: Option<Vec<u8>>,
    /// Opaque client state.
    pub state: Vec<u8>,
    /// Logged-in user id (0 before login).
    pub user_id: i64,
    /// Whether the account is a bot.
    pub is_bot: bool,
    /// The user's first name.
    pub first_name: String,
    /// The user's last name.
    pub last_name: String,
    /// The user's username.
    pub username: String,
    /// Unix seconds the session was created or refreshed.
    pub date: i64,
    /// Server address.
    pub addr: String,
    /// Server port (0 to 65535).
    pub port: i32,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("session_name", &self.session_name)
            .field("dc", &self.dc)
            .field("api_id", &self.api_id)
            .field("test_mode", &self.test_mode)
            .field(
                "auth_key",
                &format_args!("{} bytes", self.auth_key.as_ref().map_or(0, Vec::len)),
            )
            .field("user_id", &self.user_id)
            .field("is_bot", &self.is_bot)
            .field("date", &self.date)
            .field("addr", &self.addr)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
