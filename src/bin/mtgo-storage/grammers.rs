//! grammers SQLite session files in `info`, `import` and `export`: the
//! file grammers-session's `SqliteSession` writes (see
//! `mtgo_storage::grammers::read_sqlite_file`). A `.session` file with
//! grammers' tables is taken for one before the Telethon/Pyrogram
//! detection runs.

use crate::convert::Overrides;
use crate::output::{CliError, hex, key_fingerprint, redact_url};
use crate::url;
use mtgo_storage::grammers::grammers_session::SessionData;
use mtgo_storage::grammers::grammers_session::types::PeerInfo;
use mtgo_storage::grammers::{self, SqliteFileReport};
use mtgo_storage::{Adapter, SessionStore};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

/// The format name `info` and `import` print, and `export --to` takes
/// (`grammers` is accepted too).
pub const FORMAT: &str = "grammers-file";

/// Whether `path` is a grammers session file (an SQLite file with its
/// tables). Any error reads as "no": the Telethon/Pyrogram detection then
/// reports it.
pub async fn is_file(path: &Path) -> bool {
    grammers::is_grammers_sqlite_file(path)
        .await
        .unwrap_or(false)
}

fn read_error(path: &Path, e: &mtgo_storage::Error) -> CliError {
    CliError::with_context(format_args!("reading {}", path.display()), e)
}

/// The JSON object of `info --json` for a grammers file: every DC with its
/// addresses and key id (the key itself only with `show_key`), the peers by
/// kind, the self user and the update state.
fn to_json(data: &SessionData, show_key: bool) -> Value {
    let mut dcs: Vec<_> = data.dc_options.values().collect();
    dcs.sort_by_key(|o| o.id);
    let dcs: Vec<Value> = dcs
        .into_iter()
        .map(|o| {
            let key = o.auth_key.as_ref().map(|k| {
                if show_key {
                    hex(k)
                } else {
                    key_fingerprint(k)
                }
            });
            json!({"dc_id": o.id, "ipv4": o.ipv4.to_string(), "ipv6": o.ipv6.to_string(), "auth_key": key})
        })
        .collect();
    let (mut users, mut bots, mut chats, mut channels) = (0, 0, 0, 0);
    let mut self_user: Option<(i64, bool)> = None;
    for peer in data.peer_infos.values() {
        match peer {
            PeerInfo::User {
                id, bot, is_self, ..
            } => {
                let bot = bot.unwrap_or(false);
                if bot {
                    bots += 1;
                } else {
                    users += 1;
                }
                if is_self.unwrap_or(false) && self_user.is_none_or(|(s, _)| *id < s) {
                    self_user = Some((*id, bot));
                }
            }
            PeerInfo::Chat { .. } => chats += 1,
            PeerInfo::Channel { .. } => channels += 1,
        }
    }
    let s = &data.updates_state;
    json!({
        "format": FORMAT,
        "schema_version": grammers::SQLITE_SCHEMA_VERSION,
        "home_dc": data.home_dc,
        "dc_options": dcs,
        "user_id": self_user.map(|(id, _)| id),
        "is_bot": self_user.map(|(_, bot)| bot),
        "peers": {
            "users": users, "bots": bots, "chats": chats,
            "channels": channels,
        },
        "update_state": {
            "pts": s.pts, "qts": s.qts, "date": s.date, "seq": s.seq,
            "channels": s.channels.len(),
        },
    })
}

/// `info` of a grammers file.
///
/// # Errors
/// A file that cannot be read as one.
pub async fn info(path: &Path, as_json: bool, show_key: bool) -> Result<(), CliError> {
    let data = grammers::read_sqlite_file(path)
        .await
        .map_err(|e| read_error(path, &e))?;
    let v = to_json(&data, show_key);
    if as_json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| CliError::with_context("JSON", &e))?
        );
        return Ok(());
    }
    outln!("format:         {FORMAT}");
    outln!("schema_version: {}", v["schema_version"]);
    outln!("home_dc:        {}", v["home_dc"]);
    let unknown = |v: &Value| {
        if v.is_null() {
            "(unknown)".to_owned()
        } else {
            v.to_string()
        }
    };
    outln!("user_id:        {}", unknown(&v["user_id"]));
    outln!("is_bot:         {}", unknown(&v["is_bot"]));
    for dc in v["dc_options"].as_array().into_iter().flatten() {
        let key = match dc["auth_key"].as_str() {
            Some(k) if show_key => format!("auth_key {k}"),
            Some(k) => k.to_owned(),
            None => "no auth key".to_owned(),
        };
        outln!(
            "dc {:<12} {} {} {key}",
            format!("{}:", dc["dc_id"]),
            dc["ipv4"].as_str().unwrap_or_default(),
            dc["ipv6"].as_str().unwrap_or_default(),
        );
    }
    if !show_key && data.dc_options.values().any(|o| o.auth_key.is_some()) {
        outln!("                (key ids only; use --show-key to print the keys)");
    }
    let p = &v["peers"];
    outln!(
        "peers:          {} ({} users, {} bots, {} chats, {} channels)",
        data.peer_infos.len(),
        p["users"],
        p["bots"],
        p["chats"],
        p["channels"]
    );
    let u = &v["update_state"];
    outln!(
        "update_state:   pts {} qts {} date {} seq {}, {} channel pts",
        u["pts"],
        u["qts"],
        u["date"],
        u["seq"],
        u["channels"]
    );
    Ok(())
}

/// `import` of a grammers file into the session `name` of the backend at
/// `into`: everything the file holds goes in through
/// `mtgo_storage::grammers::import_sqlite_file`; the overrides then apply to
/// the stored session.
///
/// # Errors
/// A file that cannot be read as one (checked before the backend is
/// opened), a backend that cannot be opened or written, or a session
/// already saved under the name without `force`.
pub async fn import(
    path: &Path,
    into: &str,
    name: &str,
    force: bool,
    overrides: &Overrides,
) -> Result<(), CliError> {
    // Read first, so a bad file fails before the backend is touched.
    grammers::read_sqlite_file(path)
        .await
        .map_err(|e| read_error(path, &e))?;
    let store: Arc<Box<dyn Adapter>> = Arc::new(url::open(into, name).await?);
    let shown = redact_url(into);
    let result = import_into(path, &store, name, force, overrides, &shown).await;
    let _ = store.close().await;
    let report = result?;
    outln!(
        "imported a {FORMAT} session as {name:?} into {shown} with {}",
        describe(&report)
    );
    Ok(())
}

async fn import_into(
    path: &Path,
    store: &Arc<Box<dyn Adapter>>,
    name: &str,
    force: bool,
    overrides: &Overrides,
    shown: &str,
) -> Result<SqliteFileReport, CliError> {
    let context = |what: &str| {
        let what = format!("{what} {shown}");
        move |e: mtgo_storage::Error| CliError::with_context(what, &e)
    };
    if !force
        && store
            .load_session()
            .await
            .map_err(context("reading"))?
            .is_some()
    {
        return Err(CliError::new(format!(
            "session {name:?} already exists in {shown}; use --force to replace it"
        )));
    }
    let report = grammers::import_sqlite_file(path, Arc::clone(store))
        .await
        .map_err(context("importing into"))?;
    if overrides.api_id.is_some() || overrides.user_id.is_some() || overrides.bot {
        let mut session = store
            .load_session()
            .await
            .map_err(context("reading"))?
            .ok_or_else(|| CliError::new(format!("no session {name:?} in {shown}")))?;
        overrides.apply(&mut session);
        store
            .save_session(&session)
            .await
            .map_err(context("writing to"))?;
    }
    Ok(report)
}

/// "N DC options (auth keys for DCs 2, 4), N peers and the update state
/// with N channel pts".
fn describe(r: &SqliteFileReport) -> String {
    let keys = if r.auth_key_dcs.is_empty() {
        "no auth key".to_owned()
    } else {
        let dcs: Vec<String> = r.auth_key_dcs.iter().map(i32::to_string).collect();
        format!(
            "auth key{} for DC {}",
            if dcs.len() == 1 { "" } else { "s" },
            dcs.join(", ")
        )
    };
    format!(
        "home DC {}, {} DC options ({keys}), {} peers and the update state with {} channel pts",
        r.home_dc, r.dc_options, r.peers, r.channels
    )
}

/// `export --to grammers-file --out FILE`: what `store` holds for grammers
/// as a new grammers session file.
///
/// # Errors
/// Overrides given (the file has no field for them), the file exists or
/// cannot be written, or the store fails.
pub async fn export(
    store: Box<dyn Adapter>,
    overrides: &Overrides,
    path: &Path,
    shown: &str,
) -> Result<(), CliError> {
    if overrides.api_id.is_some() || overrides.user_id.is_some() || overrides.bot {
        return Err(CliError::new(
            "a grammers session file has no API id, user id or bot flag: drop --api-id, --user-id and --bot",
        ));
    }
    let report = grammers::export_sqlite_file(store, path)
        .await
        .map_err(|e| CliError::with_context(format_args!("exporting {shown}"), &e))?;
    eprintln!("wrote {} with {}", path.display(), describe(&report));
    Ok(())
}
