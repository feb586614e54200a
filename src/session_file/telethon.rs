//! Telethon's `.session` file (`telethon/sessions/sqlite.py`), schema
//! versions 7 (Telethon 1.42 and older) and 8 (1.43 and newer, with
//! `sessions.tmp_auth_key`).
//!
//! | Telethon | this crate |
//! |---|---|
//! | `sessions.dc_id, server_address, port, auth_key` | [`crate::Session`] `dc`, `addr`, `port`, `auth_key` (an empty key is none) |
//! | `entities.id` (marked), `hash` | [`Peer::id`] (marked, see [`super`]), `peer_type`, `access_hash` |
//! | `entities.username`, `phone`, `name`, `date` | `username`, `phone_number`, `first_name` (the display name), `last_updated` |
//! | `update_state` id 0 / other ids | [`crate::UpdateState`] / channel pts |
//!
//! Telethon keeps one username per peer and one display name; an export
//! writes the main username (or the first additional one) and
//! `first_name last_name`.

use super::sqlite::{self, Cell, Input, file_error};
use super::{ExportReport, ImportReport, SessionFileKind, base_session, marked_id, to_i32};
use crate::error::Result;
use crate::types::{Peer, unix_now};
use crate::{Adapter, AuthKey};
use std::path::Path;

/// The schema version [`export`] writes.
pub const SCHEMA_VERSION: i64 = 8;

/// Telethon 1.45.0's schema (`sqlite.py`), as `sqlite_master` shows it.
const SCHEMA: &[&str] = &[
    "CREATE TABLE version (version integer primary key)",
    "CREATE TABLE sessions (
                    dc_id integer primary key,
                    server_address text,
                    port integer,
                    auth_key blob,
                    takeout_id integer,
                    tmp_auth_key blob
                )",
    "CREATE TABLE entities (
                    id integer primary key,
                    hash integer not null,
                    username text,
                    phone integer,
                    name text,
                    date integer
                )",
    "CREATE TABLE sent_files (
                    md5_digest blob,
                    file_size integer,
                    type integer,
                    id integer,
                    hash integer,
                    primary key(md5_digest, file_size, type)
                )",
    "CREATE TABLE update_state (
                    id integer primary key,
                    pts integer,
                    qts integer,
                    date integer,
                    seq integer
                )",
];

/// Reads a Telethon session file into `adapter`: the session (DC, address,
/// port, auth key; other fields of an existing session are kept), every
/// entity as a peer, and the update state when the adapter has an
/// update-state store. The file is opened read-only and never modified.
///
/// # Errors
/// [`crate::Error::SessionFile`] when the file is missing, not an SQLite
/// database, not a Telethon session file, or of a schema version other than
/// 7 and 8; [`crate::Error::Backend`] when the adapter fails.
pub async fn import(path: impl AsRef<Path>, adapter: &dyn Adapter) -> Result<ImportReport> {
    Input::with(path.as_ref(), async |input| {
        input
            .require_tables("Telethon", &["version", "sessions", "entities"])
            .await?;
        import_from(input, adapter).await
    })
    .await
}

pub(super) async fn import_from(input: &mut Input, adapter: &dyn Adapter) -> Result<ImportReport> {
    let version = input.schema_version("version").await?;
    if !(7..=8).contains(&version) {
        return Err(file_error(
            &input.path,
            format!("unknown Telethon schema version {version} (7 and 8 are supported)"),
            None,
        ));
    }
    let mut report = ImportReport {
        kind: SessionFileKind::Telethon,
        schema_version: version,
        session: false,
        peers: 0,
        update_state: false,
        channels: 0,
        skipped_update_rows: 0,
    };

    let sessions = input.rows("sessions").await?;
    let peers: Vec<Peer> = input
        .rows("entities")
        .await?
        .iter()
        .filter_map(|row| {
            let id = row.get("id").as_i64()?;
            let phone = match row.get("phone") {
                Cell::Null => String::new(),
                other => other.as_text().unwrap_or_default(),
            };
            Some(Peer {
                id,
                peer_type: super::peer_type_of_marked(id),
                access_hash: row.get("hash").as_i64().unwrap_or(0),
                username: row.get("username").as_text().unwrap_or_default(),
                first_name: row.get("name").as_text().unwrap_or_default(),
                phone_number: phone,
                last_updated: row.get("date").as_i64().unwrap_or(0),
                ..Peer::default()
            })
        })
        .collect();
    let tables = input.tables().await?;
    let update_rows = super::read_update_rows(input, &tables).await?;

    if let Some(row) = sessions.first() {
        let mut session = base_session(adapter).await?;
        session.dc = row.get("dc_id").as_i64().map(to_i32).unwrap_or(0);
        session.addr = row.get("server_address").as_text().unwrap_or_default();
        session.port = row
            .get("port")
            .as_i64()
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0);
        session.auth_key = match row.get("auth_key") {
            Cell::Blob(b) if !b.is_empty() => Some(AuthKey::new(b.clone())),
            _ => None,
        };
        adapter.save_session(&session).await?;
        report.session = true;
    }
    adapter.save_peers(&peers).await?;
    report.peers = peers.len();
    super::save_update_rows(adapter, &update_rows, &mut report).await?;
    Ok(report)
}

/// Writes a new Telethon (schema 8) session file from `adapter`: its session
/// (DC, address, port, auth key), every peer as an entity (marked id, access
/// hash, lower-cased username, phone digits, display name, `last_updated` or
/// now), and its update state and channel pts when it has an update-state
/// store. Telethon 1.43 and newer open it; Telethon 1.42 and older cannot
/// read schema 8.
///
/// # Errors
/// [`crate::Error::SessionFile`] when the file exists or cannot be written
/// (a partly written file is removed); [`crate::Error::Backend`] when the
/// adapter fails.
pub async fn export(adapter: &dyn Adapter, path: impl AsRef<Path>) -> Result<ExportReport> {
    let path = path.as_ref();
    let session = adapter.load_session().await?;
    let peers = adapter.load_peers().await?;
    let mut updates: Vec<(i64, i32, i32, i32, i32)> = Vec::new();
    if let Some(store) = adapter.update_state() {
        if let Some(s) = store.load_update_state().await? {
            updates.push((0, s.pts, s.qts, s.date, s.seq));
        }
        for c in store.load_all_channel_pts().await? {
            updates.push((c.channel_id, c.pts, 0, 0, 0));
        }
    }
    sqlite::write_new(path, SCHEMA, SCHEMA_VERSION, async |conn| {
        if let Some(s) = &session {
            sqlx::query("INSERT INTO sessions VALUES (?, ?, ?, ?, NULL, ?)")
                .bind(i64::from(s.dc))
                .bind(&s.addr)
                .bind(i64::from(s.port))
                .bind(
                    s.auth_key
                        .as_ref()
                        .map_or(Vec::new(), |k| k.as_bytes().to_vec()),
                )
                .bind(Vec::<u8>::new())
                .execute(&mut *conn)
                .await?;
        }
        let now = unix_now();
        for p in &peers {
            let username = p
                .normalized_usernames()
                .into_iter()
                .next()
                .filter(|u| !u.is_empty());
            let phone = p.normalized_phone();
            let name = format!("{} {}", p.first_name, p.last_name)
                .trim()
                .to_owned();
            let mut q = sqlx::query("INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?, ?, ?)")
                .bind(marked_id(p))
                .bind(p.access_hash)
                .bind(username);
            q = match phone.parse::<i64>() {
                Ok(n) => q.bind(Some(n)),
                Err(_) if phone.is_empty() => q.bind(None::<i64>),
                Err(_) => q.bind(Some(phone)),
            };
            q.bind((!name.is_empty()).then_some(name))
                .bind(if p.last_updated > 0 {
                    p.last_updated
                } else {
                    now
                })
                .execute(&mut *conn)
                .await?;
        }
        for &(id, pts, qts, date, seq) in &updates {
            sqlx::query("INSERT OR REPLACE INTO update_state VALUES (?, ?, ?, ?, ?)")
                .bind(id)
                .bind(pts)
                .bind(qts)
                .bind(date)
                .bind(seq)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
    .await?;
    Ok(ExportReport {
        peers: peers.len(),
        update_rows: updates.len(),
    })
}
