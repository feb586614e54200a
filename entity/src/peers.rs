//! `mtgo_peers`: the peer cache, keyed by (session name, peer id).

use sea_orm::entity::prelude::*;

/// A cached user, chat or channel.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_peers")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Telegram id of the peer.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Kind of peer: 0 user, 1 chat, 2 channel.
    pub peer_type: i32,
    /// Access hash.
    pub access_hash: i64,
    /// Main username as Telegram gave it (empty if none).
    pub username: String,
    /// Additional usernames as a JSON array of strings.
    pub usernames: String,
    /// First name or title.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone number as Telegram gave it.
    pub phone_number: String,
    /// Only the digits of the phone number (indexed for lookups).
    pub phone_normalized: String,
    /// Whether the peer is a bot.
    pub is_bot: bool,
    /// Current profile photo id.
    pub photo_id: i64,
    /// Language code.
    pub language: String,
    /// When the client last saw the peer (Unix seconds).
    pub last_updated: i64,
    /// Whether the access hash is known (false: seen without one).
    pub access_hash_known: bool,
    /// Whether `is_bot` is known.
    pub is_bot_known: bool,
    /// Whether the user is the logged-in account; NULL when unknown.
    pub is_self: Option<bool>,
    /// Channel kind: 1 broadcast, 2 megagroup, 3 gigagroup, 4 community; NULL when unknown.
    pub channel_kind: Option<i32>,
    /// Whether the peer was seen only as a `min` constructor (false for
    /// every row written before the column existed).
    pub is_min: bool,
}

/// A peer has many usernames.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The peer's normalized usernames.
    #[sea_orm(has_many = "super::peer_usernames::Entity")]
    PeerUsernames,
}

impl Related<super::peer_usernames::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PeerUsernames.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
