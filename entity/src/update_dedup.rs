//! `mtgo_update_dedup`: update dedup keys and when they were first seen.

use sea_orm::entity::prelude::*;

/// One dedup key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_update_dedup")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// The dedup key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dedup_key: String,
    /// When the key was first seen (indexed for pruning).
    pub seen_at: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
