//! `mtgo-storage`: inspect, convert, import, export, copy and migrate stored
//! MTProto sessions from the command line.
//!
//! Every subcommand lives in its own module. Errors end the process with one
//! line on standard error and a non-zero exit code (1 for a failed command,
//! 2 for a usage error); passwords in URLs and auth keys are never printed
//! unless `--show-key` asks for the key.

// First, so that its `outln!`/`out!` macros are in scope in every module.
#[macro_use]
mod output;

mod convert;
mod copy;
mod encryption;
mod export;
mod go_import;
mod grammers;
mod import;
mod info;
mod migrate;
mod peers;
mod prune;
mod purge;
mod schema;
mod tdata;
mod url;

use clap::{Parser, Subcommand};
use output::CliError;
use std::process::ExitCode;

/// Inspect, convert, import, export and copy stored MTProto sessions.
///
/// Backends are named by URL: sqlite://PATH, postgres://…, mysql://…,
/// mongodb://…/DB, redis://…, memory:.
#[derive(Debug, Parser)]
#[command(name = "mtgo-storage", version, about, long_about)]
struct Cli {
    /// Give up opening a backend after this many seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 10)]
    connect_timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the format of a session string or `.session` file and every
    /// field it carries, or the accounts of a Telegram Desktop tdata folder.
    Info(info::Args),
    /// Print a session string in another format.
    Convert(convert::Args),
    /// Save a session string, `.session` file or tdata account into a
    /// backend.
    Import(import::Args),
    /// Write a stored session as a session string or `.session` file.
    Export(export::Args),
    /// Copy sessions, peers, conversations, DC auth keys and update state
    /// (dedup keys included) between two backends.
    Copy(copy::Args),
    /// Import what the Go package (github.com/mtgo-labs/storage) wrote:
    /// its GORM or sqlc SQL tables, its Redis keys or its MongoDB
    /// collections, into any backend.
    GoImport(go_import::Args),
    /// Encrypt the auth keys of stored sessions at rest (EncryptedAdapter
    /// envelopes); keys come from environment variables or files.
    Encrypt(encryption::EncryptArgs),
    /// Turn encrypted auth keys of stored sessions back into plaintext.
    Decrypt(encryption::DecryptArgs),
    /// Re-encrypt stored sessions under a new key.
    Rekey(encryption::RekeyArgs),
    /// Run the schema migrations of a SQL database (up, down, status).
    Migrate(migrate::Args),
    /// Find cached peers of a session by id, username or phone, or list them.
    Peers(peers::Args),
    /// Print the DDL the migrations create, for one SQL dialect.
    Schema(schema::Args),
    /// Remove everything stored under one session name (logout).
    Purge(purge::Args),
    /// Remove peers, conversations and dedup keys older than an age.
    Prune(prune::Args),
}

fn main() -> ExitCode {
    output::install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return output::usage_error(e),
    };
    url::set_connect_timeout(std::time::Duration::from_secs(cli.connect_timeout.max(1)));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return output::fail(&CliError::new(format!("cannot start the runtime: {e}"))),
    };
    let result = runtime.block_on(run(cli.command));
    // Close background tasks (pools, connection managers) without waiting long.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::fail(&e),
    }
}

async fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Info(args) => info::run(args).await,
        Command::Convert(args) => convert::run(args).await,
        Command::Import(args) => import::run(args).await,
        Command::Export(args) => export::run(args).await,
        Command::Copy(args) => copy::run(args).await,
        Command::GoImport(args) => go_import::run(args).await,
        Command::Encrypt(args) => encryption::encrypt(args).await,
        Command::Decrypt(args) => encryption::decrypt(args).await,
        Command::Rekey(args) => encryption::rekey(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Peers(args) => peers::run(args).await,
        Command::Schema(args) => schema::run(args).await,
        Command::Purge(args) => purge::run(args).await,
        Command::Prune(args) => prune::run(args).await,
    }
}
