//! `mtgo-storage export --from URL --session NAME --to FORMAT [--out FILE]`:
//! a stored session as a session string (on standard output, or in a file)
//! or as a Telethon or Pyrogram `.session` file.

use crate::convert::{self, Overrides};
use crate::output::{CliError, redact_url};
use crate::url;
use mtgo_storage::session_file::{self, ExportReport};
use mtgo_storage::session_string::SessionFormat;
use mtgo_storage::{Adapter, MemoryAdapter, PeerStore, Session, SessionStore, UpdateStateStore};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The backend URL to read from.
    #[arg(long, value_name = "URL")]
    from: String,
    /// The session to export.
    #[arg(long, value_name = "NAME", default_value = mtgo_storage::DEFAULT_SESSION_NAME)]
    session: String,
    /// The target: a string format (telethon, pyrogram, gramjs, mtcute,
    /// mtkruto, gogram, gotgproto) or a file format (telethon-file,
    /// pyrogram-file, grammers-file, tdata: a Telegram Desktop folder;
    /// these need --out).
    #[arg(long, value_name = "FORMAT", value_parser = parse_target)]
    to: Target,
    /// Write to this new file (created readable by its owner only; an
    /// existing file is never replaced) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    overrides: Overrides,
    #[command(flatten)]
    tdata: crate::tdata::ExportArgs,
}

const NEEDS_OUT: &str =
    "a .session file or tdata folder needs --out (standard output is for strings)";

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A session string.
    String(SessionFormat),
    /// A Telethon `.session` file.
    TelethonFile,
    /// A Pyrogram `.session` file.
    PyrogramFile,
    /// A grammers session file (grammers-session's `SqliteSession`).
    GrammersFile,
    /// A Telegram Desktop tdata folder.
    Tdata,
}

fn parse_target(s: &str) -> Result<Target, String> {
    match s.to_ascii_lowercase().as_str() {
        "telethon-file" => Ok(Target::TelethonFile),
        "pyrogram-file" => Ok(Target::PyrogramFile),
        "grammers-file" | "grammers" => Ok(Target::GrammersFile),
        "tdata" => Ok(Target::Tdata),
        _ => convert::parse_format(s).map(Target::String).map_err(|_| {
            format!(
                "unknown format {s:?}: use one of {}, telethon-file, pyrogram-file, grammers-file, tdata",
                convert::format_names().join(", ")
            )
        }),
    }
}

/// Writes a `.session` file of `target` from `store` (its session, peers
/// and update state), with `session` as the session record.
///
/// # Errors
/// The file exists or cannot be written, or the store fails.
async fn write_session_file(
    target: Target,
    store: &dyn Adapter,
    session: &Session,
    path: &Path,
) -> Result<ExportReport, CliError> {
    // The session record may carry --api-id/--user-id/--bot: export from a
    // memory copy holding it, the peers and the update state.
    let copy = MemoryAdapter::new().with_session(store.session_name());
    copy.save_session(session).await?;
    copy.save_peers(&store.load_peers().await?).await?;
    if let Some(from) = store.update_state() {
        if let Some(state) = from.load_update_state().await? {
            copy.save_update_state(&state).await?;
        }
        for c in from.load_all_channel_pts().await? {
            copy.save_channel_pts(c.channel_id, c.pts).await?;
        }
    }
    let report = match target {
        Target::TelethonFile => session_file::telethon::export(&copy, path).await?,
        _ => session_file::pyrogram::export(&copy, path).await?,
    };
    Ok(report)
}

/// Writes text to a new file readable by its owner only; an existing file
/// is never replaced.
fn write_private(path: &Path, text: &str) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| CliError::with_context(format_args!("writing {}", path.display()), &e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .map_err(|e| CliError::with_context(format_args!("writing {}", path.display()), &e))
}

/// Runs `export`.
///
/// # Errors
/// A backend that cannot be opened, no session under the name, or a target
/// that needs a field the session lacks.
pub async fn run(args: Args) -> Result<(), CliError> {
    if matches!(
        args.to,
        Target::TelethonFile | Target::PyrogramFile | Target::GrammersFile | Target::Tdata
    ) && args.out.is_none()
    {
        return Err(CliError::new(NEEDS_OUT));
    }
    let store = url::open_existing(&args.from, &args.session).await?;
    let shown = redact_url(&args.from);
    let result = export(&args, store.as_ref(), &shown).await;
    let _ = store.close().await;
    result
}

async fn export(args: &Args, store: &dyn Adapter, shown: &str) -> Result<(), CliError> {
    let session = store
        .load_session()
        .await
        .map_err(|e| CliError::with_context(format_args!("reading {shown}"), &e))?;
    let Some(mut session) = session else {
        return Err(CliError::new(format!(
            "no session {:?} in {shown}",
            args.session
        )));
    };
    if let Some(id) = session
        .auth_key
        .as_ref()
        .and_then(|k| mtgo_storage::encryption::envelope_key_id(k.as_bytes()))
    {
        return Err(CliError::new(format!(
            "the auth key of session {:?} in {shown} is encrypted at rest (key id {id:?}); \
             export writes plaintext keys only: run `mtgo-storage decrypt` first",
            args.session
        )));
    }
    if let (Target::GrammersFile, Some(path)) = (args.to, &args.out) {
        let handle = store.session(store.session_name());
        return crate::grammers::export(handle, &args.overrides, path, shown).await;
    }
    args.overrides.apply(&mut session);
    match (args.to, &args.out) {
        (Target::String(format), None) => outln!("{}", convert::encode(&session, format)?),
        (Target::String(format), Some(path)) => {
            write_private(path, &convert::encode(&session, format)?)?;
            eprintln!("wrote a {format} session string to {}", path.display());
        }
        (Target::Tdata, Some(path)) => {
            crate::tdata::export(store, &session, path, &args.tdata).await?
        }
        (file, Some(path)) => {
            let report = write_session_file(file, store, &session, path).await?;
            eprintln!("wrote {} with {} peers", path.display(), report.peers);
        }
        (_, None) => return Err(CliError::new(NEEDS_OUT)),
    }
    Ok(())
}
