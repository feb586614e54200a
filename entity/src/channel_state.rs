//! `mtgo_channel_state`: the pts of each channel.

use sea_orm::entity::prelude::*;

/// One channel's pts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_channel_state")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Channel id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel_id: i64,
    /// The channel's pts.
    pub pts: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
