//! Writes and reads grammers session files with grammers-session's own
//! `SqliteSession`, so tests can check our reader and writer against it.
//!
//! ```text
//! grammers-sqlite write FILE < data.json
//! grammers-sqlite read FILE [--dc ID]... [--peer ID]...
//! ```
//!
//! `write` creates (or opens) the session file at FILE and imports the
//! session data given on standard input through `SessionData::import_to`.
//! `read` opens FILE and prints what `SqliteSession` returns: the home DC, the
//! DC options of ids 1..=5 and of every `--dc`, every peer asked for by its
//! Bot API dialog id (`--peer`), the self user, and the update state.
//!
//! The JSON is grammers' own serde form of its types:
//!
//! ```json
//! {"home_dc": 2, "dc_options": [DcOption...], "peer_infos": [PeerInfo...],
//!  "updates_state": UpdatesState}
//! ```
//!
//! `read` prints the same shape plus `"self_user": PeerInfo | null`.

use grammers_session::types::{DcOption, PeerId, PeerInfo, UpdatesState};
use grammers_session::{Session, SessionData, storages::SqliteSession};
use serde::{Deserialize, Serialize};
use std::process::ExitCode;

#[derive(Deserialize)]
struct Input {
    home_dc: i32,
    dc_options: Vec<DcOption>,
    peer_infos: Vec<PeerInfo>,
    updates_state: UpdatesState,
}

#[derive(Serialize)]
struct Output {
    home_dc: i32,
    dc_options: Vec<DcOption>,
    peer_infos: Vec<PeerInfo>,
    self_user: Option<PeerInfo>,
    updates_state: UpdatesState,
}

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

async fn write(path: &str) -> Fallible<()> {
    let input: Input = serde_json::from_reader(std::io::stdin().lock())?;
    let data = SessionData {
        home_dc: input.home_dc,
        dc_options: input.dc_options.into_iter().map(|o| (o.id, o)).collect(),
        peer_infos: input.peer_infos.into_iter().map(|p| (p.id(), p)).collect(),
        updates_state: input.updates_state,
    };
    let session = SqliteSession::open(path).await?;
    data.import_to(&session).await?;
    Ok(())
}

async fn read(path: &str, args: &[String]) -> Fallible<()> {
    let mut dcs: Vec<i32> = (1..=5).collect();
    let mut peers = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--dc" => dcs.push(value.parse()?),
            "--peer" => peers.push(
                PeerId::from_bot_api_dialog_id(value.parse()?)
                    .ok_or_else(|| format!("{value} is not a dialog id"))?,
            ),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    dcs.sort_unstable();
    dcs.dedup();
    let session = SqliteSession::open(path).await?;
    let mut dc_options = Vec::new();
    for id in dcs {
        if let Some(option) = session.dc_option(id)? {
            dc_options.push(option);
        }
    }
    let mut peer_infos = Vec::new();
    for id in peers {
        if let Some(peer) = session.peer(id).await? {
            peer_infos.push(peer);
        }
    }
    let output = Output {
        home_dc: session.home_dc_id()?,
        dc_options,
        peer_infos,
        self_user: session.peer(PeerId::self_user()).await?,
        updates_state: session.updates_state().await?,
    };
    serde_json::to_writer(std::io::stdout().lock(), &output)?;
    println!();
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [cmd, path] if cmd == "write" => write(path).await,
        [cmd, path, rest @ ..] if cmd == "read" => read(path, rest).await,
        _ => Err("usage: grammers-sqlite write FILE < json | read FILE [--dc ID]... [--peer ID]...".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grammers-sqlite: {e}");
            ExitCode::FAILURE
        }
    }
}
