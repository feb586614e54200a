//! Rows written the way an older schema holds them, with the column names
//! of that schema (the entity crate has the current ones): for upgrade
//! tests that fill a database before a migration adds columns to a table
//! the current adapter writes.
#![allow(dead_code)]

use mtgo_storage::{ChannelKind, Peer};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};

/// Writes `peers` of `session` into `mtgo_peers` and `mtgo_peer_usernames`
/// with the columns of the schema before `m20261203_100001_peer_min` (the
/// peers' unknown fields included, no `is_min`).
pub async fn insert_peers_before_min(conn: &DatabaseConnection, session: &str, peers: &[Peer]) {
    for p in peers {
        let columns: [(&str, Value); 18] = [
            ("session_name", session.into()),
            ("id", p.id.into()),
            ("peer_type", p.peer_type.as_i32().into()),
            ("access_hash", p.access_hash.into()),
            ("username", p.username.clone().into()),
            (
                "usernames",
                serde_json::to_string(&p.usernames).unwrap().into(),
            ),
            ("first_name", p.first_name.clone().into()),
            ("last_name", p.last_name.clone().into()),
            ("phone_number", p.phone_number.clone().into()),
            ("phone_normalized", p.normalized_phone().into()),
            ("is_bot", p.is_bot.into()),
            ("photo_id", p.photo_id.into()),
            ("language", p.language.clone().into()),
            ("last_updated", p.last_updated.into()),
            ("access_hash_known", p.access_hash_known.into()),
            ("is_bot_known", p.is_bot_known.into()),
            ("is_self", p.is_self.into()),
            (
                "channel_kind",
                p.channel_kind.map(ChannelKind::as_i32).into(),
            ),
        ];
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("mtgo_peers"))
            .columns(columns.iter().map(|(c, _)| Alias::new(*c)))
            .values_panic(columns.into_iter().map(|(_, v)| v.into()));
        conn.execute(&insert).await.unwrap();
        for name in p.normalized_usernames() {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new("mtgo_peer_usernames"))
                .columns(["session_name", "username_normalized", "peer_id"].map(Alias::new))
                .values_panic([session.into(), name.into(), p.id.into()]);
            conn.execute(&insert).await.unwrap();
        }
    }
}
