//! `mtgo-storage import STRING_OR_FILE --into URL [--session NAME] [--force]`:
//! saves a session string or `.session` file as a session of a backend.

use crate::info::{self, Carries, Decoded, Input};
use crate::output::{CliError, redact_url};
use crate::url;
use mtgo_storage::session_file::{self, SessionFileKind};
use mtgo_storage::{MemoryAdapter, SessionStore};
use std::path::Path;

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A session string, a file holding one, a Telethon, Pyrogram or
    /// grammers `.session` file, a Telegram Desktop tdata folder, or `-`
    /// for standard input.
    #[arg(value_name = "STRING_OR_FILE")]
    input: String,
    /// The backend URL to save into.
    #[arg(long, value_name = "URL")]
    into: String,
    /// The session name to save it as.
    #[arg(long, value_name = "NAME", default_value = mtgo_storage::DEFAULT_SESSION_NAME)]
    session: String,
    /// Replace a session already saved under this name.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    overrides: crate::convert::Overrides,
    #[command(flatten)]
    tdata: crate::tdata::ImportArgs,
}

/// Reads a Telethon or Pyrogram `.session` file (read-only) into memory.
///
/// # Errors
/// A file that is not a session file of either library, or has no session.
pub async fn decode_file(path: &Path) -> Result<Decoded, CliError> {
    let store = MemoryAdapter::new();
    let report = session_file::import(path, &store).await?;
    let Some(session) = store.load_session().await? else {
        return Err(CliError::new(format!(
            "{}: the session file holds no session",
            path.display()
        )));
    };
    let (format, carries) = match report.kind {
        SessionFileKind::Telethon => (
            "telethon-file",
            Carries {
                address: true,
                ..Carries::default()
            },
        ),
        SessionFileKind::Pyrogram => (
            "pyrogram-file",
            Carries {
                // Kurigram's later layouts keep the address; Pyrogram's do not.
                address: has_column(path, "sessions", "server_address").await,
                api_id: session.api_id != 0,
                test_mode: true,
                user: true,
            },
        ),
    };
    Ok(Decoded {
        format,
        session,
        carries,
        file: Some(report),
    })
}

/// Whether a table of an SQLite file has a column (the file is opened
/// read-only and immutable; any error reads as "no").
async fn has_column(path: &Path, table: &str, column: &str) -> bool {
    use sqlx::{ConnectOptions, Row};
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true);
    let Ok(mut conn) = options.connect().await else {
        return false;
    };
    let found = sqlx::query("SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?")
        .bind(table)
        .bind(column)
        .fetch_one(&mut conn)
        .await
        .map(|row| row.get::<i64, _>(0) > 0)
        .unwrap_or(false);
    let _ = sqlx::Connection::close(conn).await;
    found
}

/// Runs `import`.
///
/// # Errors
/// An input that does not decode, a backend that cannot be opened, or a
/// session already saved under the name (without `--force`).
pub async fn run(args: Args) -> Result<(), CliError> {
    if crate::tdata::is_folder(&args.input) {
        return crate::tdata::import(
            &args.input,
            &args.into,
            &args.session,
            args.force,
            &args.overrides,
            &args.tdata,
        )
        .await;
    }
    let input = info::read_input(&args.input)?;
    if let Input::SessionFile(path) = &input
        && crate::grammers::is_file(path).await
    {
        return crate::grammers::import(
            path,
            &args.into,
            &args.session,
            args.force,
            &args.overrides,
        )
        .await;
    }
    // Decode first, so a bad input fails before the backend is touched.
    let decoded = info::decode_input(&input).await?;
    let store = url::open(&args.into, &args.session).await?;
    let shown = redact_url(&args.into);
    let context = |what: &str| {
        let what = format!("{what} {shown}");
        move |e: mtgo_storage::Error| CliError::with_context(what, &e)
    };
    if !args.force
        && store
            .load_session()
            .await
            .map_err(context("reading"))?
            .is_some()
    {
        return Err(CliError::new(format!(
            "session {:?} already exists in {shown}; use --force to replace it",
            args.session
        )));
    }
    let mut extra = String::new();
    match &input {
        Input::String(_) => {
            let mut session = decoded.session.clone();
            args.overrides.apply(&mut session);
            store
                .save_session(&session)
                .await
                .map_err(context("writing to"))?;
        }
        Input::SessionFile(path) => {
            // The file's session, peers and update state go straight in.
            let report = session_file::import(path, store.as_ref())
                .await
                .map_err(context("importing into"))?;
            if args.overrides.api_id.is_some()
                || args.overrides.user_id.is_some()
                || args.overrides.bot
            {
                let mut session = store
                    .load_session()
                    .await
                    .map_err(context("reading"))?
                    .unwrap_or_else(|| decoded.session.clone());
                args.overrides.apply(&mut session);
                store
                    .save_session(&session)
                    .await
                    .map_err(context("writing to"))?;
            }
            extra = format!(
                " with {} peers{}{}",
                report.peers,
                if report.update_state {
                    ", the update state"
                } else {
                    ""
                },
                if report.channels > 0 {
                    format!(" and {} channel pts", report.channels)
                } else {
                    String::new()
                }
            );
        }
    }
    let _ = store.close().await;
    outln!(
        "imported a {} session as {:?} into {shown}{extra}",
        decoded.format,
        args.session
    );
    Ok(())
}
