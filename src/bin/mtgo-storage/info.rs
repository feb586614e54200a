//! `mtgo-storage info STRING_OR_FILE [--json] [--show-key]`: the detected
//! format of a session string or `.session` file and every field it carries.
//!
//! Also home of the input reading that `convert` and `import` share: an
//! argument is a file if a file of that name exists (`-` reads standard
//! input), otherwise the session string itself.

use crate::output::{CliError, hex, key_fingerprint, register_secret};
use mtgo_storage::Session;
use mtgo_storage::session_string::{self, SessionFormat, dc_table};
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Arguments of `info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A session string, a file holding one, a Telethon, Pyrogram or
    /// grammers `.session` file, a Telegram Desktop tdata folder, or `-`
    /// for standard input.
    #[arg(value_name = "STRING_OR_FILE")]
    input: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Print the auth key as lowercase hex (otherwise only its key id).
    #[arg(long)]
    show_key: bool,
    #[command(flatten)]
    tdata: crate::tdata::PasscodeArgs,
}

/// What an input decoded to.
pub struct Decoded {
    /// The format name: a [`SessionFormat`] name, `telethon-file` or
    /// `pyrogram-file`.
    pub format: &'static str,
    /// The session, with what the format carries (and the DC table's
    /// address where it carries none).
    pub session: Session,
    /// Which optional fields the input actually carries.
    pub carries: Carries,
    /// For a `.session` file: its schema version and what else it holds.
    pub file: Option<mtgo_storage::session_file::ImportReport>,
}

/// The fields a format carries (the DC id and the auth key always are).
#[derive(Debug, Clone, Copy, Default)]
pub struct Carries {
    /// Server address and port.
    pub address: bool,
    /// Telegram API id.
    pub api_id: bool,
    /// Test-server flag.
    pub test_mode: bool,
    /// Logged-in user id and bot flag.
    pub user: bool,
}

impl Carries {
    /// What a session-string format carries, per its module docs; `string`
    /// tells the layouts of one format apart.
    pub fn of(format: SessionFormat, s: &Session, string: &str) -> Self {
        let (address, api_id, test_mode, user) = match format {
            SessionFormat::Telethon | SessionFormat::GramJs => (true, false, false, false),
            // The old Pyrogram layouts (351 and 356 characters) have no api_id.
            SessionFormat::Pyrogram => {
                let old = matches!(string.trim().trim_end_matches('=').len(), 351 | 356);
                (false, !old, true, true)
            }
            // Not-logged-in mtcute sessions have no user.
            SessionFormat::Mtcute => (true, false, true, s.user_id != 0),
            // The oldest MTKruto strings stop after the key.
            SessionFormat::MtKruto => (false, s.api_id != 0, true, s.user_id != 0 || s.is_bot),
            SessionFormat::Gogram => (true, s.api_id != 0, false, false),
            SessionFormat::Gotgproto => (true, false, true, false),
            _ => (true, true, true, true),
        };
        Self {
            address,
            api_id,
            test_mode,
            user,
        }
    }
}

/// The input an argument names.
pub enum Input {
    /// A session string (trimmed).
    String(String),
    /// An SQLite `.session` file.
    SessionFile(PathBuf),
}

/// The header every SQLite database file starts with.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Reads an argument: `-` is standard input, an existing path is a file
/// (an SQLite `.session` file or a text file holding a string), anything
/// else is the string itself. The string is registered as a secret.
///
/// # Errors
/// A file that cannot be read, or an empty input.
pub fn read_input(arg: &str) -> Result<Input, CliError> {
    let text = if arg == "-" {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| CliError::with_context("reading standard input", &e))?;
        buf
    } else if Path::new(arg).is_file() {
        let bytes = std::fs::read(arg)
            .map_err(|e| CliError::with_context(format_args!("reading {arg}"), &e))?;
        if bytes.starts_with(SQLITE_MAGIC) {
            return Ok(Input::SessionFile(PathBuf::from(arg)));
        }
        String::from_utf8(bytes).map_err(|_| {
            CliError::new(format!(
                "{arg} is neither a session string (text) nor a .session file (SQLite)"
            ))
        })?
    } else {
        arg.to_owned()
    };
    let text = text.trim().to_owned();
    register_secret(&text);
    if text.is_empty() {
        return Err(CliError::new("the session string is empty"));
    }
    Ok(Input::String(text))
}

/// Reads and decodes an argument of any supported format.
///
/// # Errors
/// As [`read_input`], or the decoder's error naming the format and reason.
pub async fn decode(arg: &str) -> Result<Decoded, CliError> {
    decode_input(&read_input(arg)?).await
}

/// Decodes what [`read_input`] read.
///
/// # Errors
/// The decoder's error naming the format and reason.
pub async fn decode_input(input: &Input) -> Result<Decoded, CliError> {
    match input {
        Input::String(s) => {
            let (format, session) = session_string::decode_any(s)?;
            Ok(Decoded {
                format: format.name(),
                carries: Carries::of(format, &session, s),
                session,
                file: None,
            })
        }
        Input::SessionFile(path) => crate::import::decode_file(path).await,
    }
}

/// The JSON object of `info --json`.
pub fn to_json(d: &Decoded, show_key: bool) -> Value {
    let s = &d.session;
    let c = d.carries;
    let key = s.auth_key.as_ref().filter(|k| !k.is_empty()).map(|k| {
        if show_key {
            hex(k.as_bytes())
        } else {
            key_fingerprint(k.as_bytes())
        }
    });
    json!({
        "format": d.format,
        "dc_id": s.dc,
        "server_address": c.address.then(|| s.addr.clone()),
        "port": c.address.then_some(s.port),
        "api_id": c.api_id.then_some(s.api_id),
        "test_mode": c.test_mode.then_some(s.test_mode),
        "user_id": c.user.then_some(s.user_id),
        "is_bot": c.user.then_some(s.is_bot),
        "auth_key": key,
    })
}

/// Runs `info`.
///
/// # Errors
/// As [`decode`].
pub async fn run(args: Args) -> Result<(), CliError> {
    if crate::tdata::is_folder(&args.input) {
        return crate::tdata::info(&args.input, args.json, args.show_key, &args.tdata);
    }
    let input = read_input(&args.input)?;
    if let Input::SessionFile(path) = &input
        && crate::grammers::is_file(path).await
    {
        return crate::grammers::info(path, args.json, args.show_key).await;
    }
    let decoded = decode_input(&input).await?;
    let value = to_json(&decoded, args.show_key);
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| CliError::with_context("JSON", &e))?
        );
        return Ok(());
    }
    let s = &decoded.session;
    let c = decoded.carries;
    let not_carried = "(not carried by this format)";
    outln!("format:         {}", decoded.format);
    outln!("dc_id:          {}", s.dc);
    if c.address {
        outln!("server_address: {}", s.addr);
        outln!("port:           {}", s.port);
    } else {
        let known = dc_table::lookup(s.dc, s.test_mode)
            .map(|a| format!("{not_carried}; DC table: {}:{}", a.ipv4, a.port))
            .unwrap_or_else(|| not_carried.to_owned());
        outln!("server_address: {known}");
        outln!("port:           {not_carried}");
    }
    let opt = |carried: bool, v: String| if carried { v } else { not_carried.to_owned() };
    outln!("api_id:         {}", opt(c.api_id, s.api_id.to_string()));
    outln!(
        "test_mode:      {}",
        opt(c.test_mode, s.test_mode.to_string())
    );
    outln!("user_id:        {}", opt(c.user, s.user_id.to_string()));
    outln!("is_bot:         {}", opt(c.user, s.is_bot.to_string()));
    match value["auth_key"].as_str() {
        Some(k) if args.show_key => outln!("auth_key:       {k}"),
        Some(k) => outln!(
            "auth_key:       {} bytes, {k} (use --show-key to print it)",
            s.auth_key.as_ref().map_or(0, |k| k.len())
        ),
        None => outln!("auth_key:       (none)"),
    }
    if let Some(file) = &decoded.file {
        outln!("schema_version: {}", file.schema_version);
        outln!("peers:          {}", file.peers);
        outln!(
            "update_state:   {}{}",
            if file.update_state { "yes" } else { "no" },
            if file.channels > 0 {
                format!(", {} channel pts", file.channels)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
