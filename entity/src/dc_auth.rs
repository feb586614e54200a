//! `mtgo_dc_auth`: the auth key and address of each data center.

use sea_orm::entity::prelude::*;

/// One DC's auth entry. `Debug` shows the key's length only.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_dc_auth")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Data-center id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dc_id: i32,
    /// Authorization key.
    pub auth_key: Vec<u8>,
    /// Server salt.
    pub server_salt: i64,
    /// Server port (0 to 65535).
    pub port: i32,
    /// Server address.
    pub server_addr: String,
    /// IPv6 address (empty if none).
    pub ipv6_addr: String,
    /// Port of the IPv6 address.
    pub ipv6_port: i32,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("session_name", &self.session_name)
            .field("dc_id", &self.dc_id)
            .field("auth_key", &format_args!("{} bytes", self.auth_key.len()))
            .field("server_salt", &self.server_salt)
            .field("port", &self.port)
            .field("server_addr", &self.server_addr)
            .field("ipv6_addr", &self.ipv6_addr)
            .field("ipv6_port", &self.ipv6_port)
            .finish()
    }
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
