//! Telethon and Pyrogram `.session` files (SQLite): import into any
//! [`Adapter`], export from any [`Adapter`].
//!
//! * [`telethon`]: schema versions 7 and 8 (`sessions`, `entities`,
//!   `update_state`).
//! * [`pyrogram`]: Pyrogram versions 2 and 3, and Kurigram's later versions
//!   (up to 7) with their `usernames` and `update_state` tables.
//!
//! Input files are opened read-only and immutable, so an import never
//! changes them (no journal, no migration, no `VACUUM`). Columns are read by
//! name and values as stored (a phone may be an INTEGER or TEXT, Pyrogram's
//! `type` is TEXT in an INTEGER column). Exports create a new file, readable
//! by its owner only, and refuse to overwrite one.
//!
//! # Peer ids
//!
//! Both libraries key peers by the *marked* id: a user by its id, a basic
//! chat by `-id`, a channel or supergroup by `-(1000000000000 + id)`. An
//! import keeps that marked id as [`Peer::id`] (the peer store is keyed by id
//! alone, and marked ids never collide across kinds) and derives
//! [`Peer::peer_type`] from it. An export writes [`marked_id`]: a peer whose
//! id is already marked for its type is written unchanged, and a chat or
//! channel saved with its bare positive id is marked on the way out, so an
//! import followed by an export gives the same ids.
//!
//! ```no_run
//! # async fn demo() -> mtgo_storage::Result<()> {
//! use mtgo_storage::{MemoryAdapter, session_file};
//! let store = MemoryAdapter::new();
//! let report = session_file::import("telethon.session", &store).await?;
//! println!("{:?}: {} peers", report.kind, report.peers);
//! session_file::pyrogram::export(&store, "converted.session").await?;
//! # Ok(()) }
//! ```

pub mod pyrogram;
pub(crate) mod sqlite;
pub mod telethon;

use crate::error::Result;
use crate::types::{Peer, PeerType};
use crate::{Adapter, Session};
use std::path::Path;

/// The offset Telegram clients add to channel ids before negating them.
pub const CHANNEL_MARK: i64 = 1_000_000_000_000;

/// Which library wrote a session file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionFileKind {
    /// Telethon's `SQLiteSession`.
    Telethon,
    /// Pyrogram's `FileStorage` (or Kurigram's `SQLiteStorage`).
    Pyrogram,
}

/// What an import read and wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The file's library.
    pub kind: SessionFileKind,
    /// The file's schema version (Telethon `version.version`, Pyrogram
    /// `version.number`).
    pub schema_version: i64,
    /// Whether the file had a session row (it was saved into the adapter).
    pub session: bool,
    /// How many peers were saved.
    pub peers: usize,
    /// Whether a common update state (pts, qts, date, seq) was saved.
    pub update_state: bool,
    /// How many channel pts were saved.
    pub channels: usize,
    /// Update-state rows that were not saved because the adapter has no
    /// update-state store.
    pub skipped_update_rows: usize,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// How many peers were written.
    pub peers: usize,
    /// How many update-state rows were written (Telethon only).
    pub update_rows: usize,
}

/// The kind of peer a marked id stands for: positive ids are users, ids down
/// to -999999999999 basic chats, lower ones channels (Telethon
/// `utils.resolve_id`).
pub fn peer_type_of_marked(id: i64) -> PeerType {
    if id >= 0 {
        PeerType::User
    } else if id > -CHANNEL_MARK {
        PeerType::Chat
    } else {
        PeerType::Channel
    }
}

/// The marked id of a peer, as Telethon and Pyrogram store it: a user's id;
/// a chat's `-id`; a channel's `-(1000000000000 + id)`. An id that is
/// already negative is taken as marked and returned unchanged.
pub fn marked_id(peer: &Peer) -> i64 {
    match peer.peer_type {
        PeerType::User => peer.id,
        _ if peer.id < 0 => peer.id,
        PeerType::Chat => -peer.id,
        PeerType::Channel => -(CHANNEL_MARK.saturating_add(peer.id)),
    }
}

/// Reads a Telethon or Pyrogram session file (told apart by its tables) into
/// `adapter`; see [`telethon::import`] and [`pyrogram::import`].
///
/// # Errors
/// [`crate::Error::SessionFile`] when the file is missing, not an SQLite
/// database, not a session file, or of an unknown schema version;
/// [`crate::Error::Backend`] when the adapter fails.
pub async fn import(path: impl AsRef<Path>, adapter: &dyn Adapter) -> Result<ImportReport> {
    sqlite::Input::with(path.as_ref(), async |input| {
        match detect_kind(input).await? {
            SessionFileKind::Telethon => telethon::import_from(input, adapter).await,
            SessionFileKind::Pyrogram => pyrogram::import_from(input, adapter).await,
        }
    })
    .await
}

/// Which library wrote a session file.
///
/// # Errors
/// As [`import`], except for adapter errors.
pub async fn detect(path: impl AsRef<Path>) -> Result<SessionFileKind> {
    sqlite::Input::with(path.as_ref(), async |input| detect_kind(input).await).await
}

async fn detect_kind(input: &mut sqlite::Input) -> Result<SessionFileKind> {
    let tables = input.tables().await?;
    let has = |t: &str| tables.iter().any(|n| n == t);
    if has("sessions") && has("entities") && has("version") {
        Ok(SessionFileKind::Telethon)
    } else if has("sessions") && has("peers") && has("version") {
        Ok(SessionFileKind::Pyrogram)
    } else if has("dc_home") && has("dc_option") && has("peer_info") {
        Err(sqlite::file_error(
            &input.path,
            "a grammers session file, not a Telethon or Pyrogram one: read it with \
             mtgo_storage::grammers::read_sqlite_file or import it with `mtgo-storage import`",
            None,
        ))
    } else {
        let mut names = tables.clone();
        names.sort();
        Err(sqlite::file_error(
            &input.path,
            format!(
                "not a Telethon or Pyrogram session file (tables: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ),
            None,
        ))
    }
}

/// The adapter's session, or a new one bound to its name: imports change only
/// the fields the file carries.
async fn base_session(adapter: &dyn Adapter) -> Result<Session> {
    Ok(adapter.load_session().await?.unwrap_or_else(|| Session {
        name: adapter.session_name().to_owned(),
        ..Session::default()
    }))
}

/// One `update_state` row: (id, pts, qts, date, seq).
type UpdateRow = (i64, i32, i32, i32, i32);

/// Reads the `update_state` table (Telethon, Kurigram) if `tables` has it.
async fn read_update_rows(input: &mut sqlite::Input, tables: &[String]) -> Result<Vec<UpdateRow>> {
    if !tables.iter().any(|t| t == "update_state") {
        return Ok(Vec::new());
    }
    Ok(input
        .rows("update_state")
        .await?
        .iter()
        .filter_map(|r| {
            let int = |c: &str| r.get(c).as_i64().map(to_i32).unwrap_or(0);
            Some((
                r.get("id").as_i64()?,
                int("pts"),
                int("qts"),
                int("date"),
                int("seq"),
            ))
        })
        .collect())
}

/// Saves update-state rows keyed as Telethon keys them: id 0 is the common
/// state, any other id a channel's pts.
async fn save_update_rows(
    adapter: &dyn Adapter,
    rows: &[UpdateRow],
    report: &mut ImportReport,
) -> Result<()> {
    let Some(store) = adapter.update_state() else {
        report.skipped_update_rows = rows.len();
        return Ok(());
    };
    for &(id, pts, qts, date, seq) in rows {
        if id == 0 {
            store
                .save_update_state(&crate::UpdateState {
                    pts,
                    qts,
                    date,
                    seq,
                })
                .await?;
            report.update_state = true;
        } else {
            store.save_channel_pts(id, pts).await?;
            report.channels += 1;
        }
    }
    Ok(())
}

/// Clamps a stored integer into an i32 field.
fn to_i32(v: i64) -> i32 {
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}
