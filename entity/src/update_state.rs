//! `mtgo_update_state`: the common update state of each session.

use sea_orm::entity::prelude::*;

/// pts, qts, date and seq of one session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_update_state")]
pub struct Model {
    /// The session name (the whole primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Common event sequence number.
    pub pts: i32,
    /// Secret-chat/bot event sequence number.
    pub qts: i32,
    /// Date of the last update.
    pub date: i32,
    /// Update sequence number.
    pub seq: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
