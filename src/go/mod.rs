//! Readers of the stores the Go package (`github.com/mtgo-labs/storage`)
//! wrote, one file per Go backend: [`sql`] (its GORM adapter on MySQL,
//! MariaDB, PostgreSQL and SQLite, and its sqlc adapters on SQLite and
//! PostgreSQL), [`redis`] and [`mongo`].
//!
//! Each reader only reads: it never writes to, creates in or migrates the
//! Go store. It returns every session it finds as a [`GoSession`], already
//! converted to this crate's types, so that a caller can check everything
//! before writing anything; the `mtgo-storage go-import` command then writes
//! them through the store traits into any backend. A row this crate cannot
//! carry (a number out of range, a value of the wrong type) is
//! [`crate::Error::Corrupt`] naming the table or key and the row.

#[cfg(feature = "mongodb")]
pub mod mongo;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "orm")]
pub mod sql;

use crate::error::{Error, Result};
use crate::types::{ChannelState, Conversation, DurableUpdate, Peer, PeerType, Session};
use crate::{AuthKey, UpdateState};

/// Everything the Go store holds for one session name, in this crate's
/// types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoSession {
    /// The session name (Go's `session_id`; an empty one is replaced by the
    /// name the reader was given).
    pub name: String,
    /// The session record, if the Go store has one.
    pub session: Option<Session>,
    /// Cached peers, in ascending id order.
    pub peers: Vec<Peer>,
    /// Conversations with their original `created_at` and `updated_at`.
    pub conversations: Vec<Conversation>,
    /// The common update state.
    pub update_state: Option<UpdateState>,
    /// The pts of each channel.
    pub channels: Vec<ChannelState>,
    /// Dedup keys and the Unix time each was seen.
    pub dedup_keys: Vec<(String, i64)>,
    /// The durable update queue (attempts and last error kept).
    pub queue: Vec<DurableUpdate>,
}

impl GoSession {
    /// An empty session of this name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Whether nothing at all is stored for it.
    pub fn is_empty(&self) -> bool {
        self.session.is_none()
            && self.peers.is_empty()
            && self.conversations.is_empty()
            && self.update_state.is_none()
            && self.channels.is_empty()
            && self.dedup_keys.is_empty()
            && self.queue.is_empty()
    }
}

/// Collects sessions by name, in name order.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    map: std::collections::BTreeMap<String, GoSession>,
    fallback: String,
}

impl Sessions {
    /// Sessions whose Go name is empty are filed under `fallback`.
    pub(crate) fn new(fallback: &str) -> Self {
        Self {
            map: Default::default(),
            fallback: fallback.to_owned(),
        }
    }

    /// The session of a Go `session_id`.
    pub(crate) fn get(&mut self, go_name: &str) -> &mut GoSession {
        let name = if go_name.is_empty() {
            self.fallback.as_str()
        } else {
            go_name
        };
        self.map
            .entry(name.to_owned())
            .or_insert_with(|| GoSession::named(name))
    }

    /// Every non-empty session, peers and lists sorted by their keys.
    pub(crate) fn finish(self) -> Vec<GoSession> {
        self.map
            .into_values()
            .filter(|s| !s.is_empty())
            .map(|mut s| {
                s.peers.sort_by_key(|p| p.id);
                s.conversations.sort_by_key(|c| (c.chat_id, c.user_id));
                s.channels.sort_by_key(|c| c.channel_id);
                s.dedup_keys.sort();
                s.queue
                    .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
                s
            })
            .collect()
    }
}

/// Splits the Go `Peer.Usernames` string into usernames.
///
/// The Go package stores it as one opaque string and never says how it is
/// joined; a JSON array (`["a","b"]`) is read as one, anything else is split
/// on commas, semicolons, `|` and whitespace. A leading `@` is dropped, and
/// so are empties and repeats (compared ignoring case).
pub fn split_usernames(joined: &str) -> Vec<String> {
    let trimmed = joined.trim();
    let parts: Vec<String> = if trimmed.starts_with('[') {
        serde_json::from_str::<Vec<String>>(trimmed).unwrap_or_else(|_| split_plain(trimmed))
    } else {
        split_plain(trimmed)
    };
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    for part in parts {
        let name = part.trim().trim_start_matches('@').to_owned();
        if !name.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    out
}

fn split_plain(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == ';' || c == '|' || c.is_whitespace())
        .map(str::to_owned)
        .collect()
}

/// A row of a Go store that cannot be carried.
pub(crate) fn bad_row(place: &str, row: &str, reason: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        what: "Go store row",
        reason: format!("{place}, {row}: {reason}"),
    }
}

/// Converts a Go integer into a narrower one, or a [`bad_row`] error.
pub(crate) fn fit<T: TryFrom<i64>>(value: i64, field: &str, place: &str, row: &str) -> Result<T> {
    T::try_from(value).map_err(|_| {
        bad_row(
            place,
            row,
            format_args!("{field} {value} is out of range for this crate"),
        )
    })
}

/// The Go fields of a peer, before conversion.
#[derive(Debug, Default)]
pub(crate) struct GoPeer {
    pub id: i64,
    pub peer_type: i64,
    pub access_hash: i64,
    pub username: String,
    pub usernames: String,
    pub first_name: String,
    pub last_name: String,
    pub phone_number: String,
    pub is_bot: bool,
    pub photo_id: i64,
    pub language: String,
    pub last_updated: i64,
}

impl GoPeer {
    pub(crate) fn convert(self, place: &str, row: &str) -> Result<Peer> {
        let peer_type = PeerType::try_from(fit::<i32>(self.peer_type, "type", place, row)?)
            .map_err(|_| {
                bad_row(
                    place,
                    row,
                    format_args!(
                        "type {} is not 0 (user), 1 (chat) or 2 (channel)",
                        self.peer_type
                    ),
                )
            })?;
        let main = self.username.trim().trim_start_matches('@').to_owned();
        let usernames = split_usernames(&self.usernames)
            .into_iter()
            .filter(|u| !u.eq_ignore_ascii_case(&main))
            .collect();
        Ok(Peer {
            id: self.id,
            peer_type,
            access_hash: self.access_hash,
            username: main,
            usernames,
            first_name: self.first_name,
            last_name: self.last_name,
            phone_number: self.phone_number,
            is_bot: self.is_bot,
            photo_id: self.photo_id,
            language: self.language,
            last_updated: self.last_updated,
            ..Peer::default()
        })
    }
}

/// The Go fields of a session, before conversion.
#[derive(Debug, Default)]
pub(crate) struct GoSessionRow {
    pub dc: i64,
    pub api_id: i64,
    pub api_hash: String,
    pub test_mode: bool,
    pub auth_key: Vec<u8>,
    pub state: Vec<u8>,
    pub user_id: i64,
    pub is_bot: bool,
    pub first_name: String,
    pub last_name: String,
    pub username: String,
    pub date: i64,
    pub addr: String,
    pub port: i64,
}

impl GoSessionRow {
    pub(crate) fn convert(self, name: &str, place: &str, row: &str) -> Result<Session> {
        Ok(Session {
            name: name.to_owned(),
            dc: fit(self.dc, "dc", place, row)?,
            api_id: fit(self.api_id, "api_id", place, row)?,
            api_hash: self.api_hash,
            test_mode: self.test_mode,
            auth_key: (!self.auth_key.is_empty()).then(|| AuthKey::new(self.auth_key)),
            state: self.state,
            user_id: self.user_id,
            is_bot: self.is_bot,
            first_name: self.first_name,
            last_name: self.last_name,
            username: self.username,
            date: self.date,
            addr: self.addr,
            port: fit(self.port, "port", place, row)?,
        })
    }
}

/// A Go durable update's fields into ours (an empty `last_error` is none).
pub(crate) fn durable(
    id: String,
    payload: Vec<u8>,
    attempts: i64,
    last_error: String,
    created_at: i64,
    place: &str,
    row: &str,
) -> Result<DurableUpdate> {
    Ok(DurableUpdate {
        id,
        payload,
        created_at,
        attempts: fit(attempts, "attempts", place, row)?,
        last_error: (!last_error.is_empty()).then_some(last_error),
    })
}

#[cfg(test)]
mod tests {
    use super::split_usernames;

    #[test]
    fn splits_every_joined_form() {
        assert_eq!(split_usernames(""), Vec::<String>::new());
        assert_eq!(split_usernames("a,b"), ["a", "b"]);
        assert_eq!(split_usernames(" @a ; b | c d "), ["a", "b", "c", "d"]);
        assert_eq!(split_usernames(r#"["x","@y","X"]"#), ["x", "y"]);
    }
}
