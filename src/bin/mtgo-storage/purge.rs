//! `mtgo-storage purge --from URL --session NAME [--yes]`: removes
//! everything stored under one session name (logout).
//!
//! On a terminal it asks for confirmation first; otherwise it refuses to run
//! without `--yes`.

use crate::output::{CliError, redact_url};
use crate::url;
use std::io::{BufRead, IsTerminal, Write};

/// Arguments of `purge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The backend URL.
    #[arg(long, value_name = "URL")]
    from: String,
    /// The session name whose data is removed (there is no default: name it).
    #[arg(long, value_name = "NAME")]
    session: String,
    /// Do not ask for confirmation (needed when standard input is not a
    /// terminal).
    #[arg(long)]
    yes: bool,
}

/// Runs `purge`.
///
/// # Errors
/// No confirmation, a backend that cannot be opened (a SQLite file that does
/// not exist, a database not at the current schema) or that fails.
pub async fn run(args: Args) -> Result<(), CliError> {
    let shown = redact_url(&args.from);
    let stdin = std::io::stdin();
    if !args.yes && !stdin.is_terminal() {
        return Err(CliError::new(format!(
            "purge removes everything of session {:?} in {shown}, auth keys included: \
             pass --yes to confirm (standard input is not a terminal)",
            args.session
        )));
    }
    // Open first, so that a wrong URL fails before the question.
    let store = url::open_existing(&args.from, &args.session).await?;
    if !args.yes {
        confirm(&stdin, &args.session, &shown)?;
    }
    store
        .purge_session()
        .await
        .map_err(|e| CliError::with_context(format!("purging {shown}"), &e))?;
    let _ = store.close().await;
    outln!("purged session {:?} from {shown}", args.session);
    Ok(())
}

/// Asks on the terminal (standard error) and reads the answer.
fn confirm(stdin: &std::io::Stdin, session: &str, shown: &str) -> Result<(), CliError> {
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "Remove everything stored under session {session:?} in {shown}, auth keys included? [y/N] "
    );
    let _ = stderr.flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(CliError::new("purge cancelled: nothing was removed"))
    }
}
