//! `mtgo-storage go-import --from URL --to URL [--dry-run]`: moves what the
//! Go package (`github.com/mtgo-labs/storage`) wrote into any backend.
//!
//! The source is the Go store named by URL as elsewhere: a SQL database
//! holding its GORM adapter's tables (`mtgo_*` with `session_id`, or another
//! `--table-prefix`) or its sqlc adapters' tables (`sessions`, `peers`, …),
//! a Redis server with its `prefix:session:…` keys, or a MongoDB database
//! with its collections. It is only read (SQLite is opened read-only).
//! Everything is read and converted first, so a row that cannot be carried
//! stops the import before anything is written; then each session is
//! written with `copy`'s progress, counts and read-back check, conversations
//! with their original times and dedup keys included.

use crate::copy::{Counts, Snapshot, check_stores, progress, verify, write};
use crate::output::{CliError, redact_url};
use crate::url::{self, Backend};
use mtgo_storage::DedupKey;
use mtgo_storage::go::{self, GoSession};
use std::io::IsTerminal;

/// Arguments of `go-import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Go store: sqlite://PATH, postgres://…, mysql://…, redis://… or
    /// mongodb://…/DB.
    #[arg(long, value_name = "URL")]
    from: String,
    /// The target backend URL (migrated on open, as elsewhere).
    #[arg(long, value_name = "URL")]
    to: String,
    /// The session name for what the Go store keeps without one (sqlc's
    /// and MongoDB's one account, an empty Go session id).
    #[arg(long, value_name = "NAME", default_value = mtgo_storage::DEFAULT_SESSION_NAME)]
    session: String,
    /// The Go GORM adapter's `TablePrefix` (default: find `mtgo_` GORM
    /// tables or sqlc tables), or the Go Redis adapter's `KeyPrefix`
    /// (default `mtgo`).
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<String>,
    /// Read the sqlc adapters' tables even if GORM tables are there too.
    #[arg(long)]
    sqlc: bool,
    /// Print what would be imported and change nothing (the target is not
    /// even opened).
    #[arg(long)]
    dry_run: bool,
}

/// Runs `go-import`.
///
/// # Errors
/// A source that cannot be opened or holds no Go store, a row that cannot
/// be carried (named, nothing written), a target that cannot be opened or
/// lacks a store, a write that fails, or a read-back check that finds less
/// than was written.
pub async fn run(args: Args) -> Result<(), CliError> {
    let from_shown = redact_url(&args.from);
    let sessions = read_source(&args).await.map_err(|e| match e {
        ReadError::Cli(e) => e,
        ReadError::Store(e) => CliError::with_context(
            format_args!("reading the Go store {from_shown} (nothing was written)"),
            &e,
        ),
    })?;
    if sessions.is_empty() {
        return Err(CliError::new(format!(
            "{from_shown} holds no data of the Go package to import"
        )));
    }
    let snapshots: Vec<(String, Snapshot)> = sessions.into_iter().map(snapshot).collect();

    if args.dry_run {
        let mut total = Counts::default();
        for (name, s) in &snapshots {
            let counts = Counts::of(s);
            outln!("would import session {name}: {counts}");
            total.add(counts);
        }
        outln!("would import {total} from {from_shown}; nothing was changed (--dry-run)");
        return Ok(());
    }

    let to = url::open(&args.to, mtgo_storage::DEFAULT_SESSION_NAME).await?;
    let to_shown = redact_url(&args.to);
    for (name, s) in &snapshots {
        let dst = to.session(name);
        check_stores(dst.as_ref(), s).map_err(|e| {
            CliError::with_context(format_args!("importing session {name:?} to {to_shown}"), &e)
        })?;
    }
    let terminal = std::io::stderr().is_terminal();
    let mut total = Counts::default();
    for (name, s) in &snapshots {
        let dst = to.session(name);
        let counts = Counts::of(s);
        let bar = progress(terminal, s.items(), name, "importing");
        write(dst.as_ref(), s, &bar).await.map_err(|e| {
            CliError::with_context(format_args!("writing session {name:?} to {to_shown}"), &e)
        })?;
        bar.finish_and_clear();
        verify(dst.as_ref(), s)
            .await
            .map_err(|e| CliError::new(format!("checking session {name:?} on {to_shown}: {e}")))?;
        if !terminal {
            eprintln!("imported session {name:?}: {counts}");
        }
        outln!("session {name}: {counts}");
        total.add(counts);
    }
    outln!("imported {total} from {from_shown}");
    outln!("verified on target: {to_shown}");
    let _ = to.close().await;
    Ok(())
}

fn snapshot(g: GoSession) -> (String, Snapshot) {
    let s = Snapshot {
        session: g.session,
        peers: g.peers,
        conversations: g.conversations,
        dc_auth: Vec::new(),
        update_state: g.update_state,
        channels: g.channels,
        queue: g.queue,
        dedup_keys: g
            .dedup_keys
            .into_iter()
            .map(|(key, seen_at)| DedupKey { key, seen_at })
            .collect(),
    };
    (g.name, s)
}

enum ReadError {
    Cli(CliError),
    Store(mtgo_storage::Error),
}

impl From<CliError> for ReadError {
    fn from(e: CliError) -> Self {
        ReadError::Cli(e)
    }
}

impl From<mtgo_storage::Error> for ReadError {
    fn from(e: mtgo_storage::Error) -> Self {
        ReadError::Store(e)
    }
}

async fn read_source(args: &Args) -> Result<Vec<GoSession>, ReadError> {
    let shown = redact_url(&args.from);
    match Backend::parse(&args.from)? {
        Backend::Sqlite(_) | Backend::Postgres(_) | Backend::Mysql(_) => {
            let db = connect_read_only(&args.from).await?;
            let result = read_sql(&db, args, &shown).await;
            let _ = db.close().await;
            result
        }
        Backend::Redis(u) => {
            let prefix = args.prefix.as_deref().unwrap_or("mtgo");
            let conn = tokio::time::timeout(url::connect_timeout(), go::redis::connect(&u))
                .await
                .map_err(|_| CliError::new(format!("cannot open {shown}: no connection")))??;
            Ok(go::redis::read(conn, prefix, &args.session).await?)
        }
        Backend::Mongo { uri, database } => {
            let db = tokio::time::timeout(url::connect_timeout(), go::mongo::connect(&uri, &database))
                .await
                .map_err(|_| CliError::new(format!("cannot open {shown}: no connection")))??;
            let found = go::mongo::read(&db, &args.session).await?;
            for line in &found.skipped {
                eprintln!("not carried: {line}");
            }
            Ok(found.sessions)
        }
        Backend::Memory => Err(CliError::new(
            "memory: cannot hold a Go store; name the database, Redis or MongoDB the Go package wrote",
        )
        .into()),
    }
}

async fn read_sql(
    db: &sea_orm::DatabaseConnection,
    args: &Args,
    shown: &str,
) -> Result<Vec<GoSession>, ReadError> {
    let layout = if args.sqlc {
        Some(go::sql::SqlLayout::Sqlc)
    } else {
        go::sql::detect(db, args.prefix.as_deref()).await?
    };
    let Some(layout) = layout else {
        return Err(CliError::new(format!(
            "{shown} holds no tables of the Go package (neither GORM's mtgo_* tables with \
             session_id{} nor sqlc's sessions/peers)",
            args.prefix
                .as_deref()
                .map(|p| format!(", nor {p}* tables"))
                .unwrap_or_default()
        ))
        .into());
    };
    let sessions = go::sql::read(db, &layout, &args.session).await?;
    eprintln!("read the Go package's {layout} from {shown}");
    Ok(sessions)
}

/// Connects to a SQL source without creating or writing anything: a SQLite
/// file is opened read-only and must exist.
async fn connect_read_only(url_text: &str) -> Result<sea_orm::DatabaseConnection, CliError> {
    let shown = redact_url(url_text);
    let conn_url = match Backend::parse(url_text)? {
        Backend::Sqlite(path) => {
            if !std::path::Path::new(&path).exists() {
                return Err(CliError::new(format!("cannot open {shown}: no such file")));
            }
            format!("sqlite://{path}?mode=ro")
        }
        Backend::Postgres(u) | Backend::Mysql(u) => u,
        _ => return Err(CliError::new(format!("{shown} is not a SQL database"))),
    };
    let mut options = sea_orm::ConnectOptions::new(conn_url);
    options
        .sqlx_logging(false)
        .max_connections(2)
        .connect_timeout(url::connect_timeout())
        .acquire_timeout(url::connect_timeout());
    sea_orm::Database::connect(options)
        .await
        .map_err(|e| CliError::with_context(format_args!("cannot open {shown}"), &e))
}
