//! `mtgo-storage import STRING_OR_FILE --into URL [--session NAME] [--force]`:
//! saves a session string or `.session` file as a session of a backend.

use crate::info::{self, Decoded};
use crate::output::{CliError, redact_url};
use crate::url;
use std::path::Path;

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A session string, a file holding one, a Telethon or Pyrogram
    /// `.session` file, or `-` for standard input.
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
}

/// Decodes a Telethon or Pyrogram `.session` file.
///
/// # Errors
/// A file that is not a session file of either library.
pub fn decode_file(path: &Path) -> Result<Decoded, CliError> {
    Err(CliError::new(format!(
        "{}: reading .session files is not available in this build",
        path.display()
    )))
}

/// Runs `import`.
///
/// # Errors
/// An input that does not decode, a backend that cannot be opened, or a
/// session already saved under the name (without `--force`).
pub async fn run(args: Args) -> Result<(), CliError> {
    let mut decoded = info::decode(&args.input)?;
    args.overrides.apply(&mut decoded.session);
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
    store
        .save_session(&decoded.session)
        .await
        .map_err(context("writing to"))?;
    let _ = store.close().await;
    println!(
        "imported a {} session as {:?} into {shown}",
        decoded.format, args.session
    );
    Ok(())
}
