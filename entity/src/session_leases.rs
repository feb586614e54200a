//! `mtgo_session_leases`: the one holder of each session name, until when.

use sea_orm::entity::prelude::*;

/// The lease of one session name.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_session_leases")]
pub struct Model {
    /// The session name (the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Who holds it (a token the holder chose).
    pub holder: String,
    /// When it ends, in Unix milliseconds.
    pub expires_at_ms: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
