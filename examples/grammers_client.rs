//! A [grammers](https://github.com/Lonami/grammers) client whose session
//! lives in a database: PostgreSQL, MySQL/MariaDB or SQLite through
//! `OrmAdapter` (any other adapter works the same way).
//!
//! ```sh
//! # SQLite in the temporary folder (the default), or any URL:
//! cargo run --example grammers_client --features grammers
//! MTGO_GRAMMERS_URL=postgres://postgres@127.0.0.1:5432/test TG_ID=12345 \
//!     cargo run --example grammers_client --features grammers,postgres
//! ```
//!
//! Environment: `MTGO_GRAMMERS_URL` (default: `sqlite://` a file in the
//! temporary folder), `MTGO_GRAMMERS_SESSION` (the session name, default
//! `grammers`), `TG_ID` (your API id from my.telegram.org, default 0).
//!
//! The example opens the store, wraps it in `GrammersSession`, builds a
//! `grammers_client::Client` on it and asks `is_authorized`, the first call
//! that needs the network: grammers then connects to the home DC stored in
//! the session (Telegram's DC 2 for a new one), creates an auth key and saves
//! it through the store. Offline, or with no server at the stored address,
//! that call fails with a connection error: the example prints it and exits
//! 0, since the point is the wiring, not a login. It exits 1 only when the
//! store cannot be opened.
//!
//! Sign-in (`request_login_code`/`sign_in`, `bot_sign_in`) and updates work on
//! this client as on any grammers client; their auth keys, peers and update
//! state go into the database.

use grammers_client::sender::{ConnectionParams, NoRetries};
use grammers_client::{Client, InvocationError, SenderPool};
use mtgo_storage::OrmAdapter;
use mtgo_storage::grammers::GrammersSession;
use std::sync::Arc;

/// How the first network call ended.
#[derive(Debug)]
pub enum Outcome {
    /// Telegram answered: whether the stored session is logged in.
    Answered {
        /// `true` when a user or bot is signed in.
        authorized: bool,
    },
    /// No connection (offline, or nothing listens at the stored address).
    Offline(InvocationError),
}

/// Opens the store at `url` (session `name`), builds a grammers client on it
/// and makes the first call that needs the network.
///
/// # Errors
/// The store cannot be opened or migrated.
pub async fn run(url: &str, name: &str, api_id: i32) -> mtgo_storage::Result<Outcome> {
    // 1. Any store: here a SQL database by URL, migrated on open.
    let store = OrmAdapter::open(url).await?.with_session(name);
    // 2. The store as a grammers session (loads the home DC and DC options).
    let session = Arc::new(GrammersSession::open(store).await?);
    // 3. A grammers client on it. NoRetries: fail at once when offline
    //    (grammers' default policy retries I/O errors once after a second).
    let params = ConnectionParams {
        retry_policy: Box::new(NoRetries),
        ..ConnectionParams::default()
    };
    let SenderPool { runner, handle, .. } =
        SenderPool::with_configuration(Arc::clone(&session), api_id, params);
    let client = Client::new(handle);
    let pool = tokio::spawn(runner.run());

    // 4. The first call that needs the network.
    let outcome = match client.is_authorized().await {
        Ok(authorized) => Outcome::Answered { authorized },
        Err(e) => Outcome::Offline(e),
    };

    // The pool stops once every handle is gone.
    drop(client);
    let _ = pool.await;
    Ok(outcome)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let url = std::env::var("MTGO_GRAMMERS_URL").unwrap_or_else(|_| {
        let path = std::env::temp_dir().join("mtgo-grammers-example.db");
        format!("sqlite://{}", path.display())
    });
    let name = std::env::var("MTGO_GRAMMERS_SESSION").unwrap_or_else(|_| "grammers".to_owned());
    let api_id = std::env::var("TG_ID")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    match run(&url, &name, api_id).await {
        Ok(Outcome::Answered { authorized }) => {
            println!("connected; session {name:?} is authorized: {authorized}");
            std::process::ExitCode::SUCCESS
        }
        Ok(Outcome::Offline(e)) => {
            println!("session {name:?} opened; no connection to Telegram: {e}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot open the store: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
