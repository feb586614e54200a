//! `mtgo_server_salts`: future server salts of each data center.

use sea_orm::entity::prelude::*;

/// One salt of one DC and the window it is valid in.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_server_salts")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Data-center id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dc_id: i32,
    /// Start of the window, in Unix seconds.
    #[sea_orm(primary_key, auto_increment = false)]
    pub valid_since: i64,
    /// End of the window, in Unix seconds.
    pub valid_until: i64,
    /// The salt.
    pub salt: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
