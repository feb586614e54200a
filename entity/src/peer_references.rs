//! `mtgo_peer_references`: the messages a peer was seen in, keyed by
//! (session name, peer id, chat id, message id).

use sea_orm::entity::prelude::*;

/// One message that mentions a peer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_peer_references")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// The peer seen.
    #[sea_orm(primary_key, auto_increment = false)]
    pub peer_id: i64,
    /// The chat the message is in.
    #[sea_orm(primary_key, auto_increment = false)]
    pub chat_id: i64,
    /// The message id in that chat.
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_id: i32,
    /// When the client saw it (Unix seconds).
    pub seen_at: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
