//! `mtgo_conversations`: conversation state keyed by (session, chat, user).

use sea_orm::entity::prelude::*;

/// One conversation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_conversations")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Chat id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub chat_id: i64,
    /// User id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// Conversation (handler) name.
    pub name: String,
    /// Current step.
    pub step: i32,
    /// Opaque handler data.
    pub data: Vec<u8>,
    /// Unix seconds of the first save.
    pub created_at: i64,
    /// Unix seconds of the last save.
    pub updated_at: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
