//! Pyrogram's `.session` file (`pyrogram/storage/sqlite_storage.py`,
//! `file_storage.py`): versions 2 (Pyrogram 1.x) and 3 (2.x), and Kurigram's
//! versions 4 to 7, which move usernames to a `usernames` table (several per
//! peer), add `sessions.server_address`/`port` and an `update_state` table.
//!
//! | Pyrogram | this crate |
//! |---|---|
//! | `sessions.dc_id, api_id, test_mode, auth_key, date, user_id, is_bot` | [`crate::Session`] fields of the same meaning |
//! | `sessions.server_address, port` (Kurigram) | `addr`, `port`; otherwise from [`crate::session_string::dc_table`] |
//! | `peers.id` (marked), `access_hash`, `type` | [`Peer::id`] (marked, see [`super`]), `access_hash`, `peer_type` (`bot` also sets `is_bot`) |
//! | `peers.username` / Kurigram `usernames` rows | `username` (the first) and `usernames` (the rest) |
//! | `peers.phone_number`, `last_update_on` | `phone_number`, `last_updated` |
//! | Kurigram `update_state` id 0 / other ids | [`crate::UpdateState`] / channel pts |
//!
//! Pyrogram's peer `type` is one of `user`, `bot`, `group`, `channel`,
//! `supergroup` (Kurigram adds `direct`, `forum`, `community`); a peer store
//! keeps only user, chat and channel, so an export writes `channel` for
//! every channel and supergroup (Pyrogram builds the same input peer for
//! both). An export writes schema version 3, which Pyrogram 2.x opens;
//! Pyrogram keeps one username per peer, so only the main one (or the first
//! additional one) is written.

use super::sqlite::{self, Cell, Input, NamedRow, file_error};
use super::{ExportReport, ImportReport, SessionFileKind, base_session, marked_id, to_i32};
use crate::error::Result;
use crate::session_string::dc_table;
use crate::types::{Peer, PeerType, unix_now};
use crate::{Adapter, AuthKey};
use std::collections::BTreeMap;
use std::path::Path;

/// The schema version [`export`] writes (Pyrogram 2.0.106's).
pub const SCHEMA_VERSION: i64 = 3;

/// Pyrogram 2.0.106's schema (`sqlite_storage.py` `SCHEMA`).
const SCHEMA: &[&str] = &[
    "CREATE TABLE sessions
(
    dc_id     INTEGER PRIMARY KEY,
    api_id    INTEGER,
    test_mode INTEGER,
    auth_key  BLOB,
    date      INTEGER NOT NULL,
    user_id   INTEGER,
    is_bot    INTEGER
)",
    "CREATE TABLE peers
(
    id             INTEGER PRIMARY KEY,
    access_hash    INTEGER,
    type           INTEGER NOT NULL,
    username       TEXT,
    phone_number   TEXT,
    last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER))
)",
    "CREATE TABLE version
(
    number INTEGER PRIMARY KEY
)",
    "CREATE INDEX idx_peers_id ON peers (id)",
    "CREATE INDEX idx_peers_username ON peers (username)",
    "CREATE INDEX idx_peers_phone_number ON peers (phone_number)",
    "CREATE TRIGGER trg_peers_last_update_on
    AFTER UPDATE
    ON peers
BEGIN
    UPDATE peers
    SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER)
    WHERE id = NEW.id;
END",
];

/// Reads a Pyrogram (or Kurigram) session file into `adapter`: the session
/// (DC, api_id, test mode, auth key, date, user id, bot flag, and the address
/// from the file or the DC table; other fields of an existing session are
/// kept), every peer, and Kurigram's update state when the adapter has an
/// update-state store. The file is opened read-only and never modified.
///
/// # Errors
/// [`crate::Error::SessionFile`] when the file is missing, not an SQLite
/// database, not a Pyrogram session file, or of a schema version other than
/// 2 to 7; [`crate::Error::Backend`] when the adapter fails.
pub async fn import(path: impl AsRef<Path>, adapter: &dyn Adapter) -> Result<ImportReport> {
    Input::with(path.as_ref(), async |input| {
        input
            .require_tables("Pyrogram", &["version", "sessions", "peers"])
            .await?;
        import_from(input, adapter).await
    })
    .await
}

fn peer_from_row(row: &NamedRow) -> Option<Peer> {
    let id = row.get("id").as_i64()?;
    let mut peer = Peer {
        id,
        peer_type: super::peer_type_of_marked(id),
        access_hash: row.get("access_hash").as_i64().unwrap_or(0),
        username: row.get("username").as_text().unwrap_or_default(),
        phone_number: row.get("phone_number").as_text().unwrap_or_default(),
        last_updated: row.get("last_update_on").as_i64().unwrap_or(0),
        ..Peer::default()
    };
    if let Cell::Text(kind) = row.get("type") {
        match kind.to_ascii_lowercase().as_str() {
            "user" => peer.peer_type = PeerType::User,
            "bot" => {
                peer.peer_type = PeerType::User;
                peer.is_bot = true;
            }
            "group" => peer.peer_type = PeerType::Chat,
            "channel" | "supergroup" | "forum" | "direct" | "community" => {
                peer.peer_type = PeerType::Channel
            }
            _ => {}
        }
    }
    Some(peer)
}

pub(super) async fn import_from(input: &mut Input, adapter: &dyn Adapter) -> Result<ImportReport> {
    let version = input.schema_version("number").await?;
    if !(2..=7).contains(&version) {
        return Err(file_error(
            &input.path,
            format!(
                "unknown Pyrogram schema version {version} (2 and 3 of Pyrogram, up to 7 of Kurigram are supported)"
            ),
            None,
        ));
    }
    let mut report = ImportReport {
        kind: SessionFileKind::Pyrogram,
        schema_version: version,
        session: false,
        peers: 0,
        update_state: false,
        channels: 0,
        skipped_update_rows: 0,
    };
    let tables = input.tables().await?;
    let has = |t: &str| tables.iter().any(|n| n == t);

    let sessions = input.rows("sessions").await?;
    let mut peers: Vec<Peer> = input
        .rows("peers")
        .await?
        .iter()
        .filter_map(peer_from_row)
        .collect();
    if has("usernames") {
        let mut names: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for row in input.rows("usernames").await? {
            if let (Some(id), Some(name)) = (row.get("id").as_i64(), row.get("username").as_text())
            {
                names.entry(id).or_default().push(name);
            }
        }
        for peer in &mut peers {
            if let Some(list) = names.remove(&peer.id) {
                let mut list = list.into_iter();
                if peer.username.is_empty() {
                    peer.username = list.next().unwrap_or_default();
                }
                peer.usernames.extend(list.filter(|n| *n != peer.username));
            }
        }
    }
    let update_rows = super::read_update_rows(input, &tables).await?;

    if let Some(row) = sessions.first() {
        let mut session = base_session(adapter).await?;
        session.dc = row.get("dc_id").as_i64().map(to_i32).unwrap_or(0);
        if row.has("api_id") && !row.get("api_id").is_null() {
            session.api_id = row.get("api_id").as_i64().map(to_i32).unwrap_or(0);
        }
        session.test_mode = row.get("test_mode").as_i64().unwrap_or(0) != 0;
        session.auth_key = match row.get("auth_key") {
            Cell::Blob(b) if !b.is_empty() => Some(AuthKey::new(b.clone())),
            _ => None,
        };
        if let Some(date) = row.get("date").as_i64() {
            session.date = date;
        }
        session.user_id = row.get("user_id").as_i64().unwrap_or(0);
        session.is_bot = row.get("is_bot").as_i64().unwrap_or(0) != 0;
        let addr = row.get("server_address").as_text().unwrap_or_default();
        let port = row
            .get("port")
            .as_i64()
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0);
        session.addr = addr;
        session.port = port;
        if session.addr.is_empty() {
            dc_table::fill_address(&mut session);
        }
        adapter.save_session(&session).await?;
        report.session = true;
    }
    adapter.save_peers(&peers).await?;
    report.peers = peers.len();
    super::save_update_rows(adapter, &update_rows, &mut report).await?;
    Ok(report)
}

fn type_name(peer: &Peer) -> &'static str {
    match peer.peer_type {
        PeerType::User if peer.is_bot => "bot",
        PeerType::User => "user",
        PeerType::Chat => "group",
        PeerType::Channel => "channel",
    }
}

/// Writes a new Pyrogram (schema 3, Pyrogram 2.0.106's) session file from
/// `adapter`: its session (DC, api_id, test mode, auth key, date or now, user
/// id, bot flag) and every peer (marked id, access hash, type, lower-cased
/// username, phone digits, `last_updated` or now). Pyrogram files have no
/// update state and no server address.
///
/// # Errors
/// [`crate::Error::SessionFile`] when the file exists or cannot be written
/// (a partly written file is removed); [`crate::Error::Backend`] when the
/// adapter fails.
pub async fn export(adapter: &dyn Adapter, path: impl AsRef<Path>) -> Result<ExportReport> {
    let path = path.as_ref();
    let session = adapter.load_session().await?;
    let peers = adapter.load_peers().await?;
    let now = unix_now();
    sqlite::write_new(path, SCHEMA, SCHEMA_VERSION, async |conn| {
        if let Some(s) = &session {
            sqlx::query("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(i64::from(s.dc))
                .bind((s.api_id != 0).then_some(i64::from(s.api_id)))
                .bind(i64::from(s.test_mode))
                .bind(s.auth_key.as_ref().map(|k| k.as_bytes().to_vec()))
                .bind(if s.date > 0 { s.date } else { now })
                .bind((s.user_id != 0).then_some(s.user_id))
                .bind(i64::from(s.is_bot))
                .execute(&mut *conn)
                .await?;
        }
        for p in &peers {
            let username = p
                .normalized_usernames()
                .into_iter()
                .next()
                .filter(|u| !u.is_empty());
            let phone = p.normalized_phone();
            sqlx::query("INSERT OR REPLACE INTO peers VALUES (?, ?, ?, ?, ?, ?)")
                .bind(marked_id(p))
                .bind(p.access_hash)
                .bind(type_name(p))
                .bind(username)
                .bind((!phone.is_empty()).then_some(phone))
                .bind(if p.last_updated > 0 {
                    p.last_updated
                } else {
                    now
                })
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
    .await?;
    Ok(ExportReport {
        peers: peers.len(),
        update_rows: 0,
    })
}
