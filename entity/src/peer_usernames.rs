//! `mtgo_peer_usernames`: every normalized username (main and additional)
//! of every peer, so a peer is found by any of them.

use sea_orm::entity::prelude::*;

/// One username of one peer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_peer_usernames")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// The username, normalized (lowercase, no `@`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub username_normalized: String,
    /// The peer that has it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub peer_id: i64,
}

/// Each username belongs to one peer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The peer owning this username.
    #[sea_orm(
        belongs_to = "super::peers::Entity",
        from = "(Column::SessionName, Column::PeerId)",
        to = "(super::peers::Column::SessionName, super::peers::Column::Id)"
    )]
    Peer,
}

impl Related<super::peers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Peer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
