//! `mtgo-storage convert STRING_OR_FILE --to FORMAT [--api-id N] [--user-id N] [--bot]`:
//! prints the session in another string format on standard output, and
//! nothing else there.

use crate::info;
use crate::output::{CliError, register_secret};
use mtgo_storage::Session;
use mtgo_storage::session_string::{self, SessionFormat};

/// Arguments of `convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A session string, a file holding one, a Telethon or Pyrogram
    /// `.session` file, or `-` for standard input.
    #[arg(value_name = "STRING_OR_FILE")]
    input: String,
    /// The target format: telethon, pyrogram, gramjs, mtcute, mtkruto,
    /// gogram or gotgproto.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    to: SessionFormat,
    #[command(flatten)]
    overrides: Overrides,
}

/// Fields a target format may need that the source does not carry.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Overrides {
    /// Set the API id (Pyrogram and MTKruto strings need one).
    #[arg(long, value_name = "N")]
    pub api_id: Option<i32>,
    /// Set the logged-in user id (Pyrogram and MTKruto strings need one).
    #[arg(long, value_name = "N")]
    pub user_id: Option<i64>,
    /// Mark the account as a bot.
    #[arg(long)]
    pub bot: bool,
}

impl Overrides {
    /// Applies the given values to a session.
    pub fn apply(&self, session: &mut Session) {
        if let Some(api_id) = self.api_id {
            session.api_id = api_id;
        }
        if let Some(user_id) = self.user_id {
            session.user_id = user_id;
        }
        if self.bot {
            session.is_bot = true;
        }
    }
}

/// Parses a session-string format name (for clap).
pub fn parse_format(s: &str) -> Result<SessionFormat, String> {
    s.parse::<SessionFormat>().map_err(|_| {
        format!(
            "unknown format {s:?}: use one of {}",
            format_names().join(", ")
        )
    })
}

/// Every string format's name.
pub fn format_names() -> Vec<&'static str> {
    SessionFormat::ALL.iter().map(|f| f.name()).collect()
}

/// Encodes a session, turning a missing field into a hint at the option
/// that supplies it.
///
/// # Errors
/// The encoder's error, with a hint for `api_id` and `user_id`.
pub fn encode(session: &Session, to: SessionFormat) -> Result<String, CliError> {
    let out = session_string::encode(session, to).map_err(|e| match &e {
        mtgo_storage::Error::MissingField { field, .. } if *field == "api_id" => CliError::new(
            format!("{} (give it with --api-id N)", crate::output::chain(&e)),
        ),
        mtgo_storage::Error::MissingField { field, .. } if *field == "user_id" => CliError::new(
            format!("{} (give it with --user-id N)", crate::output::chain(&e)),
        ),
        _ => CliError::from(e),
    })?;
    register_secret(&out);
    Ok(out)
}

/// Runs `convert`.
///
/// # Errors
/// An input that does not decode, or a target format that needs a field the
/// session lacks.
pub async fn run(args: Args) -> Result<(), CliError> {
    let mut decoded = info::decode(&args.input).await?;
    args.overrides.apply(&mut decoded.session);
    let out = encode(&decoded.session, args.to)?;
    outln!("{out}");
    Ok(())
}
