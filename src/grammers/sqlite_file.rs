//! grammers' SQLite session file (the file grammers-session's
//! `SqliteSession` writes): read into a [`SessionData`], written from one,
//! and imported into or exported from any [`Adapter`] through
//! [`GrammersSession`].
//!
//! # The file
//!
//! grammers-session 0.11 keeps schema version 1 (`PRAGMA user_version = 1`)
//! in five tables:
//!
//! | table | rows |
//! | --- | --- |
//! | `dc_home (dc_id)` | the home DC (at most one row; none reads as DC 2) |
//! | `dc_option (dc_id, ipv4, ipv6, auth_key)` | one per DC: `ipv4` as `a.b.c.d:port`, `ipv6` as `[addr]:port`, the 256-byte permanent auth key or NULL |
//! | `peer_info (peer_id, hash, subtype)` | one per cached peer, keyed by its Bot API dialog id (a user `id`, a chat `-id`, a channel `-(1000000000000 + id)`), with its access hash and a subtype of bit flags |
//! | `update_state (pts, qts, date, seq)` | the common update state (at most one row) |
//! | `channel_state (peer_id, pts)` | the pts of each channel, by bare channel id |
//!
//! The subtype flags: 1 the logged-in user, 2 a bot (3 both); 4 a
//! megagroup, 8 a broadcast channel, 12 a gigagroup, 16 a community.
//!
//! # What the file cannot hold
//!
//! The file keeps less than a [`SessionData`] can say, the same way whoever
//! writes it (grammers itself or [`write_sqlite_file`]); reading gives what
//! grammers' own `SqliteSession` would read back:
//!
//! * A user's `bot` and `is_self` are one subtype: when neither is
//!   `Some(true)` nothing is stored, and both read back as `None` (so
//!   `bot: Some(false), is_self: Some(false)` reads as `None, None`); when
//!   either is `Some(true)`, both read back as `Some`, a `None` as
//!   `Some(false)`.
//! * A channel of kind `Community` is stored (subtype 16) but reads back
//!   with no kind (`None`); grammers decodes only megagroup, broadcast and
//!   gigagroup.
//! * The IPv6 address keeps its scope id but not its flow info.
//! * Chats keep only their id.
//!
//! A file that is not a grammers session (other tables, another schema
//! version, values that do not parse) is an [`Error::SessionFile`] naming
//! the file and what is wrong; input files are opened read-only and
//! immutable, so reading never changes them.
//!
//! ```no_run
//! # async fn demo() -> mtgo_storage::Result<()> {
//! use mtgo_storage::MemoryAdapter;
//! use mtgo_storage::grammers::{export_sqlite_file, import_sqlite_file, read_sqlite_file};
//! use std::sync::Arc;
//!
//! let data = read_sqlite_file("grammers.session").await?;
//! println!("home DC {}, {} peers", data.home_dc, data.peer_infos.len());
//!
//! // Into any store, and back out into a new file.
//! let store = Arc::new(MemoryAdapter::new());
//! import_sqlite_file("grammers.session", Arc::clone(&store)).await?;
//! export_sqlite_file(store, "copy.session").await?;
//! # Ok(()) }
//! ```

use super::GrammersSession;
use crate::error::{Error, Result};
use crate::session_file::sqlite::{self, Cell, Input, NamedRow};
use crate::{Adapter, BoxError};
use grammers_session::SessionData;
use grammers_session::types::{
    ChannelKind, ChannelState, DcOption, PeerAuth, PeerId, PeerInfo, PeerKind, UpdatesState,
};
use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;
use std::net::{SocketAddrV4, SocketAddrV6};
use std::path::{Path, PathBuf};

/// The schema version (`PRAGMA user_version`) of the files grammers-session
/// 0.11 writes, the one this module reads and writes.
pub const SQLITE_SCHEMA_VERSION: i64 = 1;

/// The tables of a grammers session file; a file with all of them is taken
/// for one (see [`is_grammers_sqlite_file`]).
pub const SQLITE_TABLES: [&str; 5] = [
    "dc_home",
    "dc_option",
    "peer_info",
    "update_state",
    "channel_state",
];

/// The schema grammers-session 0.11 creates, statement by statement.
const SCHEMA: [&str; 5] = [
    "CREATE TABLE dc_home (dc_id INTEGER NOT NULL, PRIMARY KEY (dc_id))",
    "CREATE TABLE dc_option (dc_id INTEGER NOT NULL, ipv4 TEXT NOT NULL, \
     ipv6 TEXT NOT NULL, auth_key BLOB, PRIMARY KEY (dc_id))",
    "CREATE TABLE peer_info (peer_id INTEGER NOT NULL, hash INTEGER, \
     subtype INTEGER, PRIMARY KEY (peer_id))",
    "CREATE TABLE update_state (pts INTEGER NOT NULL, qts INTEGER NOT NULL, \
     date INTEGER NOT NULL, seq INTEGER NOT NULL)",
    "CREATE TABLE channel_state (peer_id INTEGER NOT NULL, pts INTEGER NOT NULL, \
     PRIMARY KEY (peer_id))",
];

/// The subtype bits of `peer_info`.
mod subtype {
    pub const USER_SELF: i64 = 1;
    pub const USER_BOT: i64 = 2;
    pub const MEGAGROUP: i64 = 4;
    pub const BROADCAST: i64 = 8;
    pub const GIGAGROUP: i64 = 12;
    pub const COMMUNITY: i64 = 16;
}

/// The length of a permanent auth key.
const AUTH_KEY_LEN: usize = 256;

/// Whether the file at `path` is an SQLite database with the tables of a
/// grammers session file. The file is opened read-only and immutable.
///
/// # Errors
/// [`Error::SessionFile`] when the file is missing, not a regular file or
/// not an SQLite database.
pub async fn is_grammers_sqlite_file(path: impl AsRef<Path>) -> Result<bool> {
    Input::with(path.as_ref(), async |input| {
        let tables = input.tables().await?;
        Ok(SQLITE_TABLES.iter().all(|t| tables.iter().any(|n| n == t)))
    })
    .await
}

/// Reads a grammers session file into a [`SessionData`], as grammers'
/// `SqliteSession` would read it: DC options start from grammers' built-in
/// table of DCs 1 to 5 and the file's rows replace or add to them; no
/// `dc_home` row reads as grammers' default home DC; no `update_state` row
/// reads as zeros. See the module docs for what the file cannot hold.
///
/// The file is opened read-only and immutable: reading never changes it.
///
/// # Errors
/// [`Error::SessionFile`] when the file is missing or not an SQLite
/// database, lacks one of the [`SQLITE_TABLES`], has a schema version other
/// than [`SQLITE_SCHEMA_VERSION`], or holds a value grammers could not read
/// (an address that does not parse, an auth key that is not 256 bytes, a
/// peer id that is no user, chat or channel id, a number out of range).
pub async fn read_sqlite_file(path: impl AsRef<Path>) -> Result<SessionData> {
    Input::with(path.as_ref(), read_from).await
}

async fn read_from(input: &mut Input) -> Result<SessionData> {
    input.require_tables("grammers", &SQLITE_TABLES).await?;
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut input.conn)
        .await
        .map_err(|e| bad(input, "cannot read PRAGMA user_version", Some(Box::new(e))))?;
    if version != SQLITE_SCHEMA_VERSION {
        return Err(bad(
            input,
            format!(
                "unknown grammers schema version {version} (PRAGMA user_version); \
                 this crate reads version {SQLITE_SCHEMA_VERSION}"
            ),
            None,
        ));
    }
    let mut data = SessionData::default();
    if let Some(row) = input.rows("dc_home").await?.first() {
        data.home_dc = int(input, row, "dc_home", "dc_id")?;
    }
    for row in input.rows("dc_option").await? {
        let option = read_dc_option(input, &row)?;
        data.dc_options.insert(option.id, option);
    }
    for row in input.rows("peer_info").await? {
        let peer = read_peer(input, &row)?;
        data.peer_infos.insert(peer.id(), peer);
    }
    if let Some(row) = input.rows("update_state").await?.first() {
        data.updates_state = UpdatesState {
            pts: int(input, row, "update_state", "pts")?,
            qts: int(input, row, "update_state", "qts")?,
            date: int(input, row, "update_state", "date")?,
            seq: int(input, row, "update_state", "seq")?,
            channels: Vec::new(),
        };
    }
    for row in input.rows("channel_state").await? {
        data.updates_state.channels.push(ChannelState {
            id: int(input, &row, "channel_state", "peer_id")?,
            pts: int(input, &row, "channel_state", "pts")?,
        });
    }
    Ok(data)
}

fn read_dc_option(input: &Input, row: &NamedRow) -> Result<DcOption> {
    let id: i32 = int(input, row, "dc_option", "dc_id")?;
    let text = |column: &str| {
        row.get(column)
            .as_text()
            .ok_or_else(|| bad(input, format!("dc_option {id}: {column} is not text"), None))
    };
    let parse_err = |column: &str, e: std::net::AddrParseError| {
        bad(
            input,
            format!("dc_option {id}: {column} is not a socket address"),
            Some(Box::new(e)),
        )
    };
    let ipv4: SocketAddrV4 = text("ipv4")?.parse().map_err(|e| parse_err("ipv4", e))?;
    let ipv6: SocketAddrV6 = text("ipv6")?.parse().map_err(|e| parse_err("ipv6", e))?;
    let auth_key = match row.get("auth_key") {
        Cell::Null => None,
        Cell::Blob(bytes) => Some(<[u8; AUTH_KEY_LEN]>::try_from(bytes.as_slice()).map_err(
            |_| {
                bad(
                    input,
                    format!(
                        "dc_option {id}: the auth key has {} bytes, not {AUTH_KEY_LEN}",
                        bytes.len()
                    ),
                    None,
                )
            },
        )?),
        _ => {
            return Err(bad(
                input,
                format!("dc_option {id}: the auth key is not a blob"),
                None,
            ));
        }
    };
    Ok(DcOption {
        id,
        ipv4,
        ipv6,
        auth_key,
    })
}

fn read_peer(input: &Input, row: &NamedRow) -> Result<PeerInfo> {
    let dialog_id: i64 = int(input, row, "peer_info", "peer_id")?;
    let optional = |column: &str| -> Result<Option<i64>> {
        match row.get(column) {
            Cell::Null => Ok(None),
            cell => cell.as_i64().map(Some).ok_or_else(|| {
                bad(
                    input,
                    format!("peer_info {dialog_id}: {column} is not an integer"),
                    None,
                )
            }),
        }
    };
    let auth = optional("hash")?.map(PeerAuth::from_hash);
    let subtype = optional("subtype")?;
    let peer = PeerId::from_bot_api_dialog_id(dialog_id).ok_or_else(|| {
        bad(
            input,
            format!("peer_info {dialog_id} is not the id of a user, chat or channel"),
            None,
        )
    })?;
    // `from_bot_api_dialog_id` accepted the id, so it has a kind and a bare id.
    let id = peer.bare_id().unwrap_or(dialog_id);
    Ok(match peer.kind() {
        PeerKind::User => PeerInfo::User {
            id,
            auth,
            bot: subtype.map(|s| s & subtype::USER_BOT != 0),
            is_self: subtype.map(|s| s & subtype::USER_SELF != 0),
        },
        PeerKind::Chat => PeerInfo::Chat { id },
        PeerKind::Channel => PeerInfo::Channel {
            id,
            auth,
            kind: subtype.and_then(channel_kind),
        },
    })
}

/// The channel kind of a subtype, as grammers decodes it (a community reads
/// as no kind).
fn channel_kind(s: i64) -> Option<ChannelKind> {
    if s & subtype::GIGAGROUP == subtype::GIGAGROUP {
        Some(ChannelKind::Gigagroup)
    } else if s & subtype::BROADCAST != 0 {
        Some(ChannelKind::Broadcast)
    } else if s & subtype::MEGAGROUP != 0 {
        Some(ChannelKind::Megagroup)
    } else {
        None
    }
}

/// An integer cell that must be present and fit `T`.
fn int<T: TryFrom<i64>>(input: &Input, row: &NamedRow, table: &str, column: &str) -> Result<T> {
    let value = row.get(column);
    let n = value.as_i64().ok_or_else(|| {
        bad(
            input,
            format!("{table}.{column} is not an integer ({})", describe(value)),
            None,
        )
    })?;
    T::try_from(n).map_err(|_| bad(input, format!("{table}.{column} {n} is out of range"), None))
}

fn describe(cell: &Cell) -> &'static str {
    match cell {
        Cell::Null => "NULL",
        Cell::Int(_) => "an integer",
        Cell::Real(_) => "a real",
        Cell::Text(_) => "text",
        Cell::Blob(_) => "a blob",
    }
}

fn bad(input: &Input, reason: impl Into<String>, source: Option<BoxError>) -> Error {
    sqlite::file_error(&input.path, reason, source)
}

/// Writes `data` as a new grammers session file at `path`, with the schema
/// and `PRAGMA user_version` grammers-session 0.11 creates, readable by its
/// owner only (it holds auth keys). Every DC option is written (the
/// built-in ones too, as grammers' own `SessionData::import_to` does), the
/// home DC, every peer, the update state and the channels' pts. The file
/// holds less than a [`SessionData`]: see the module docs.
///
/// An existing file is never replaced: use [`replace_sqlite_file`] for
/// that. A file that could not be written whole is removed.
///
/// # Errors
/// [`Error::InvalidInput`] when `data` holds what the file cannot (a peer
/// id out of its kind's range; a DC, peer or channel pts listed twice under
/// different keys);
/// [`Error::SessionFile`] when the file exists or cannot be written.
pub async fn write_sqlite_file(path: impl AsRef<Path>, data: &SessionData) -> Result<()> {
    let path = path.as_ref();
    let rows = Rows::of(data)?;
    let mut conn = sqlite::create(path).await?;
    let result = rows.write(&mut conn).await;
    let _ = conn.close().await;
    result.map_err(|e| {
        let _ = std::fs::remove_file(path);
        sqlite::file_error(path, "cannot be written", Some(Box::new(e)))
    })
}

/// Writes `data` as a grammers session file at `path` like
/// [`write_sqlite_file`], replacing a file already there: the new file is
/// written beside it and renamed over it, so `path` is always either the old
/// file or the whole new one. Nothing may have the old file open (a
/// running grammers client would keep writing to the replaced file).
///
/// # Errors
/// As [`write_sqlite_file`], and [`Error::SessionFile`] when the new file
/// cannot be renamed over the old one.
pub async fn replace_sqlite_file(path: impl AsRef<Path>, data: &SessionData) -> Result<()> {
    let path = path.as_ref();
    let temp = temp_beside(path);
    write_sqlite_file(&temp, data).await?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        sqlite::file_error(path, "cannot be replaced", Some(Box::new(e)))
    })
}

/// A new file name in the directory of `path`.
fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    path.with_file_name(format!(".{name}.{}-{nanos}.tmp", std::process::id()))
}

/// The rows of a file, checked before anything is created.
struct Rows {
    home_dc: i32,
    dc_options: Vec<(i32, String, String, Option<Vec<u8>>)>,
    peers: Vec<(i64, Option<i64>, Option<i64>)>,
    state: (i32, i32, i32, i32),
    channels: Vec<(i64, i32)>,
}

impl Rows {
    fn of(data: &SessionData) -> Result<Self> {
        let mut dc_options: Vec<_> = data
            .dc_options
            .values()
            .map(|o| {
                (
                    o.id,
                    o.ipv4.to_string(),
                    o.ipv6.to_string(),
                    o.auth_key.map(|k| k.to_vec()),
                )
            })
            .collect();
        dc_options.sort_by_key(|o| o.0);
        if let Some(w) = dc_options.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::invalid(
                "dc_options",
                format!("DC {} appears twice", w[0].0),
            ));
        }
        let mut peers = data
            .peer_infos
            .values()
            .map(peer_row)
            .collect::<Result<Vec<_>>>()?;
        peers.sort_by_key(|p| p.0);
        if let Some(w) = peers.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::invalid(
                "peer_infos",
                format!("peer {} appears twice", w[0].0),
            ));
        }
        let s = &data.updates_state;
        let mut channels: Vec<_> = s.channels.iter().map(|c| (c.id, c.pts)).collect();
        channels.sort_by_key(|c| c.0);
        if let Some(w) = channels.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::invalid(
                "updates_state.channels",
                format!("channel {} appears twice", w[0].0),
            ));
        }
        Ok(Self {
            home_dc: data.home_dc,
            dc_options,
            peers,
            state: (s.pts, s.qts, s.date, s.seq),
            channels,
        })
    }

    async fn write(&self, conn: &mut SqliteConnection) -> std::result::Result<(), sqlx::Error> {
        let mut tx = conn.begin().await?;
        for ddl in SCHEMA {
            sqlx::query(ddl).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO dc_home (dc_id) VALUES (?)")
            .bind(self.home_dc)
            .execute(&mut *tx)
            .await?;
        for (id, ipv4, ipv6, key) in &self.dc_options {
            sqlx::query("INSERT INTO dc_option (dc_id, ipv4, ipv6, auth_key) VALUES (?, ?, ?, ?)")
                .bind(id)
                .bind(ipv4)
                .bind(ipv6)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        for (id, hash, subtype) in &self.peers {
            sqlx::query("INSERT INTO peer_info (peer_id, hash, subtype) VALUES (?, ?, ?)")
                .bind(id)
                .bind(hash)
                .bind(subtype)
                .execute(&mut *tx)
                .await?;
        }
        let (pts, qts, date, seq) = self.state;
        sqlx::query("INSERT INTO update_state (pts, qts, date, seq) VALUES (?, ?, ?, ?)")
            .bind(pts)
            .bind(qts)
            .bind(date)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        for (id, pts) in &self.channels {
            sqlx::query("INSERT INTO channel_state (peer_id, pts) VALUES (?, ?)")
                .bind(id)
                .bind(pts)
                .execute(&mut *tx)
                .await?;
        }
        // A constant, not input: PRAGMA takes no bound parameters.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA user_version = {SQLITE_SCHEMA_VERSION}"
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }
}

/// The `peer_info` row of a peer: (dialog id, hash, subtype), encoded as
/// grammers encodes it (a chat's hash is 0).
fn peer_row(peer: &PeerInfo) -> Result<(i64, Option<i64>, Option<i64>)> {
    let out_of_range = |kind: &str, id: i64| {
        Error::invalid(
            "peer_infos",
            format!("{id} is not a valid {kind} id for a grammers session file"),
        )
    };
    Ok(match *peer {
        PeerInfo::User {
            id,
            auth,
            bot,
            is_self,
        } => {
            let peer_id = PeerId::user(id).ok_or_else(|| out_of_range("user", id))?;
            let bits = if bot.unwrap_or(false) {
                subtype::USER_BOT
            } else {
                0
            } | if is_self.unwrap_or(false) {
                subtype::USER_SELF
            } else {
                0
            };
            (
                dialog_id(peer_id, id),
                auth.map(PeerAuth::hash),
                (bits != 0).then_some(bits),
            )
        }
        PeerInfo::Chat { id } => {
            let peer_id = PeerId::chat(id).ok_or_else(|| out_of_range("chat", id))?;
            (dialog_id(peer_id, id), Some(0), None)
        }
        PeerInfo::Channel { id, auth, kind } => {
            let peer_id = PeerId::channel(id).ok_or_else(|| out_of_range("channel", id))?;
            let bits = kind.map(|k| match k {
                ChannelKind::Megagroup => subtype::MEGAGROUP,
                ChannelKind::Broadcast => subtype::BROADCAST,
                ChannelKind::Gigagroup => subtype::GIGAGROUP,
                ChannelKind::Community => subtype::COMMUNITY,
            });
            (dialog_id(peer_id, id), auth.map(PeerAuth::hash), bits)
        }
    })
}

/// The Bot API dialog id of a checked peer id (`fallback` is never used: only
/// the self-user marker has none).
fn dialog_id(peer: PeerId, fallback: i64) -> i64 {
    peer.bot_api_dialog_id().unwrap_or(fallback)
}

/// What [`import_sqlite_file`] and [`export_sqlite_file`] carried.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteFileReport {
    /// The home DC.
    pub home_dc: i32,
    /// How many DC options (with or without a key).
    pub dc_options: usize,
    /// The DCs that have a permanent auth key, in order.
    pub auth_key_dcs: Vec<i32>,
    /// How many cached peers.
    pub peers: usize,
    /// How many channels have a pts in the update state.
    pub channels: usize,
}

impl SqliteFileReport {
    /// What a [`SessionData`] holds.
    pub fn of(data: &SessionData) -> Self {
        let mut auth_key_dcs: Vec<i32> = data
            .dc_options
            .values()
            .filter(|o| o.auth_key.is_some())
            .map(|o| o.id)
            .collect();
        auth_key_dcs.sort_unstable();
        Self {
            home_dc: data.home_dc,
            dc_options: data.dc_options.len(),
            auth_key_dcs,
            peers: data.peer_infos.len(),
            channels: data.updates_state.channels.len(),
        }
    }
}

/// Reads the grammers session file at `path` ([`read_sqlite_file`]) and
/// saves everything it holds into `adapter` through [`GrammersSession`]
/// ([`GrammersSession::import_session_data`]): the home DC and DC options
/// with their auth keys, the peers and the update state. To keep using
/// the store afterwards, pass an [`Arc`](std::sync::Arc) of it or another
/// handle on it ([`Adapter::session`]).
///
/// # Errors
/// As [`read_sqlite_file`] (nothing is written then), and what the adapter
/// returns while saving.
pub async fn import_sqlite_file<A: Adapter + 'static>(
    path: impl AsRef<Path>,
    adapter: A,
) -> Result<SqliteFileReport> {
    let data = read_sqlite_file(path).await?;
    let session = GrammersSession::open(adapter).await?;
    session.import_session_data(&data).await?;
    Ok(SqliteFileReport::of(&data))
}

/// Writes what `adapter` holds for grammers
/// ([`GrammersSession::session_data`]) as a new grammers session file at
/// `path` ([`write_sqlite_file`]); an existing file is never replaced.
///
/// # Errors
/// What the adapter returns while reading, and as [`write_sqlite_file`].
pub async fn export_sqlite_file<A: Adapter + 'static>(
    adapter: A,
    path: impl AsRef<Path>,
) -> Result<SqliteFileReport> {
    let session = GrammersSession::open(adapter).await?;
    let data = session.session_data().await?;
    write_sqlite_file(path, &data).await?;
    Ok(SqliteFileReport::of(&data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn option(id: i32, key: Option<u8>) -> DcOption {
        DcOption {
            id,
            ipv4: SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, id as u8), 443),
            ipv6: SocketAddrV6::new(
                Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, id as u16),
                80,
                0,
                3,
            ),
            auth_key: key.map(|b| [b; AUTH_KEY_LEN]),
        }
    }

    fn user(id: i64, bot: Option<bool>, is_self: Option<bool>) -> PeerInfo {
        PeerInfo::User {
            id,
            auth: Some(PeerAuth::from_hash(id * 3)),
            bot,
            is_self,
        }
    }

    fn channel(id: i64, kind: Option<ChannelKind>) -> PeerInfo {
        PeerInfo::Channel {
            id,
            auth: Some(PeerAuth::from_hash(-id)),
            kind,
        }
    }

    fn sample() -> SessionData {
        let mut data = SessionData {
            home_dc: 4,
            ..SessionData::default()
        };
        for o in [option(2, Some(7)), option(4, Some(9)), option(203, None)] {
            data.dc_options.insert(o.id, o);
        }
        let peers = [
            user(10, Some(true), Some(true)),
            user(11, Some(true), Some(false)),
            user(12, Some(false), Some(true)),
            PeerInfo::User {
                id: 13,
                auth: None,
                bot: None,
                is_self: None,
            },
            PeerInfo::Chat { id: 20 },
            channel(30, Some(ChannelKind::Megagroup)),
            channel(31, Some(ChannelKind::Broadcast)),
            channel(32, Some(ChannelKind::Gigagroup)),
            channel(33, None),
        ];
        data.peer_infos = peers.into_iter().map(|p| (p.id(), p)).collect();
        data.updates_state = UpdatesState {
            pts: 100,
            qts: 7,
            date: 1_700_000_000,
            seq: 12,
            channels: vec![
                ChannelState { id: 30, pts: 5 },
                ChannelState { id: 31, pts: 6 },
            ],
        };
        data
    }

    fn sorted_channels(data: &SessionData) -> Vec<(i64, i32)> {
        let mut c: Vec<_> = data
            .updates_state
            .channels
            .iter()
            .map(|c| (c.id, c.pts))
            .collect();
        c.sort_unstable();
        c
    }

    fn assert_same(a: &SessionData, b: &SessionData) {
        assert_eq!(a.home_dc, b.home_dc);
        assert_eq!(a.dc_options, b.dc_options);
        assert_eq!(a.peer_infos, b.peer_infos);
        assert_eq!(
            (a.updates_state.pts, a.updates_state.qts),
            (b.updates_state.pts, b.updates_state.qts)
        );
        assert_eq!(
            (a.updates_state.date, a.updates_state.seq),
            (b.updates_state.date, b.updates_state.seq)
        );
        assert_eq!(sorted_channels(a), sorted_channels(b));
    }

    #[tokio::test]
    async fn what_is_written_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.session");
        let data = sample();
        write_sqlite_file(&path, &data).await.unwrap();
        assert!(is_grammers_sqlite_file(&path).await.unwrap());
        let back = read_sqlite_file(&path).await.unwrap();
        assert_same(&back, &data);
        // Built-in DCs 1, 3 and 5 were written too, unchanged.
        assert_eq!(back.dc_options.len(), 6);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn an_empty_session_reads_as_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.session");
        write_sqlite_file(&path, &SessionData::default())
            .await
            .unwrap();
        assert_same(
            &read_sqlite_file(&path).await.unwrap(),
            &SessionData::default(),
        );
    }

    #[tokio::test]
    async fn the_file_keeps_what_grammers_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lossy.session");
        let mut data = SessionData::default();
        let peers = [
            user(1, Some(false), Some(false)),
            user(2, None, Some(true)),
            user(3, Some(true), None),
            channel(4, Some(ChannelKind::Community)),
        ];
        data.peer_infos = peers.into_iter().map(|p| (p.id(), p)).collect();
        write_sqlite_file(&path, &data).await.unwrap();
        let back = read_sqlite_file(&path).await.unwrap();
        let got = |id: PeerId| back.peer_infos.get(&id).cloned();
        assert_eq!(got(PeerId::user(1).unwrap()), Some(user(1, None, None)));
        assert_eq!(
            got(PeerId::user(2).unwrap()),
            Some(user(2, Some(false), Some(true)))
        );
        assert_eq!(
            got(PeerId::user(3).unwrap()),
            Some(user(3, Some(true), Some(false)))
        );
        assert_eq!(got(PeerId::channel(4).unwrap()), Some(channel(4, None)));
    }

    #[tokio::test]
    async fn an_existing_file_is_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.session");
        std::fs::write(&path, b"keep me").unwrap();
        let err = write_sqlite_file(&path, &sample()).await.unwrap_err();
        assert!(
            matches!(&err, Error::SessionFile { reason, .. } if reason.contains("already exists")),
            "{err:?}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
        replace_sqlite_file(&path, &sample()).await.unwrap();
        assert_same(&read_sqlite_file(&path).await.unwrap(), &sample());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn reading_never_changes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.session");
        write_sqlite_file(&path, &sample()).await.unwrap();
        let before = std::fs::read(&path).unwrap();
        read_sqlite_file(&path).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn data_the_file_cannot_hold_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.session");
        let mut data = SessionData::default();
        data.updates_state.channels = vec![ChannelState { id: 5, pts: 1 }; 2];
        let err = write_sqlite_file(&path, &data).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        let mut data = SessionData::default();
        let peer = PeerInfo::Chat { id: 0 };
        data.peer_infos = HashMap::from([(PeerId::chat(1).unwrap(), peer)]);
        let err = write_sqlite_file(&path, &data).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        let mut data = SessionData::default();
        data.dc_options.insert(9, option(2, None));
        let err = write_sqlite_file(&path, &data).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        assert!(!path.exists());
    }

    /// A grammers-shaped file at `dir/name` with one statement run on it
    /// after writing.
    async fn tampered(dir: &Path, name: &str, sql: &str) -> PathBuf {
        use sqlx::ConnectOptions;
        let path = dir.join(name);
        write_sqlite_file(&path, &SessionData::default())
            .await
            .unwrap();
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        path
    }

    async fn reason(path: &Path) -> String {
        match read_sqlite_file(path).await {
            Err(Error::SessionFile { reason, .. }) => reason,
            Err(e) => panic!("not a SessionFile error: {e:?}"),
            Ok(_) => panic!("{} was read", path.display()),
        }
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_grammers_session_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.session");
        assert!(reason(&missing).await.contains("no such file"));
        let text = dir.path().join("text.session");
        std::fs::write(&text, b"not sqlite at all, just some text").unwrap();
        assert!(reason(&text).await.contains("not an SQLite database"));
        assert!(is_grammers_sqlite_file(&text).await.is_err());

        let other = tampered(dir.path(), "t1.session", "DROP TABLE peer_info").await;
        assert!(reason(&other).await.contains("not a grammers session file"));
        assert!(!is_grammers_sqlite_file(&other).await.unwrap());

        let newer = tampered(dir.path(), "t2.session", "PRAGMA user_version = 2").await;
        assert!(reason(&newer).await.contains("schema version 2"));

        let key = tampered(
            dir.path(),
            "t3.session",
            "UPDATE dc_option SET auth_key = x'0102' WHERE dc_id = 1",
        )
        .await;
        assert!(reason(&key).await.contains("2 bytes"));

        let addr = tampered(
            dir.path(),
            "t4.session",
            "UPDATE dc_option SET ipv4 = 'nowhere'",
        )
        .await;
        assert!(reason(&addr).await.contains("not a socket address"));

        let peer = tampered(
            dir.path(),
            "t5.session",
            "INSERT INTO peer_info VALUES (0, 1, NULL)",
        )
        .await;
        assert!(reason(&peer).await.contains("not the id of a user"));

        let pts = tampered(
            dir.path(),
            "t6.session",
            "UPDATE update_state SET pts = 99999999999",
        )
        .await;
        assert!(reason(&pts).await.contains("out of range"));
    }
}
