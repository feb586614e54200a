//! `mtgo_temp_auth_keys`: the temporary (PFS) auth key of each data center.

use sea_orm::entity::prelude::*;

/// One DC's temporary key. `Debug` shows the key's length only.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_temp_auth_keys")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Data-center id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dc_id: i32,
    /// The temporary authorization key.
    pub auth_key: Vec<u8>,
    /// When it expires, in Unix seconds.
    pub expires_at: i64,
    /// The id of the permanent auth key it is bound to.
    pub perm_auth_key_id: i64,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("session_name", &self.session_name)
            .field("dc_id", &self.dc_id)
            .field("auth_key", &format_args!("{} bytes", self.auth_key.len()))
            .field("expires_at", &self.expires_at)
            .field("perm_auth_key_id", &self.perm_auth_key_id)
            .finish()
    }
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
