//! Telegram Desktop `tdata` folders in `info`, `import` and `export`:
//!
//! * `info PATH/tdata [--passcode-env VAR] [--json] [--show-key]` lists the
//!   accounts (user id, main DC, key ids; keys only with `--show-key`);
//! * `import PATH/tdata --into URL [--account N] [--passcode-env VAR]`
//!   saves one account (the active one unless `--account` names another);
//! * `export --from URL --to tdata --out DIR [--also-session NAME]...
//!   [--passcode-env VAR]` writes a new folder, one account per session.
//!
//! A folder argument (any existing directory) is taken as a `tdata` folder;
//! reading never changes it. The passcode is read from the environment
//! variable `--passcode-env` names, never from the command line.

use crate::output::{CliError, hex, key_fingerprint, redact_url, register_secret};
use crate::url;
use mtgo_storage::session_string::dc_table;
use mtgo_storage::tdata::{self, Tdata};
use mtgo_storage::{Adapter, Session, SessionStore};
use serde_json::{Value, json};
use std::path::Path;

/// The passcode option shared by `info`, `import` and `export`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PasscodeArgs {
    /// For a tdata folder: read its local passcode from this environment
    /// variable (for `export`, lock the new folder with it).
    #[arg(long, value_name = "VAR")]
    pub passcode_env: Option<String>,
}

impl PasscodeArgs {
    /// The passcode, if a variable was named.
    ///
    /// # Errors
    /// The variable is not set or not UTF-8.
    pub fn passcode(&self) -> Result<Option<String>, CliError> {
        let Some(var) = &self.passcode_env else {
            return Ok(None);
        };
        let value = std::env::var(var).map_err(|_| {
            CliError::new(format!(
                "--passcode-env {var}: the environment variable {var} is not set"
            ))
        })?;
        register_secret(&value);
        Ok(Some(value))
    }
}

/// The options `import` adds for a tdata folder.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ImportArgs {
    /// For a tdata folder: the account to import (its index as `info`
    /// lists it; the active account by default).
    #[arg(long, value_name = "N")]
    pub account: Option<i32>,
    #[command(flatten)]
    pub passcode: PasscodeArgs,
}

/// The options `export` adds for `--to tdata`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExportArgs {
    /// With `--to tdata`: also write this session of the same backend as a
    /// further account (repeatable; `--session` is the first, active one).
    #[arg(long, value_name = "NAME")]
    pub also_session: Vec<String>,
    #[command(flatten)]
    pub passcode: PasscodeArgs,
}

/// Whether an input argument names a folder (then it is read as tdata).
pub fn is_folder(arg: &str) -> bool {
    arg != "-" && Path::new(arg).is_dir()
}

fn read(path: &str, passcode: &PasscodeArgs) -> Result<Tdata, CliError> {
    tdata::read(path, passcode.passcode()?.as_deref()).map_err(|e| match e {
        mtgo_storage::Error::TdataPasscode { given: false, .. } => {
            CliError::new(format!("{e} (give it with --passcode-env VAR)"))
        }
        e => e.into(),
    })
}

fn version_string(v: u32) -> String {
    format!("{}.{}.{}", v / 1_000_000, v / 1000 % 1000, v % 1000)
}

fn key_text(key: &mtgo_storage::AuthKey, show_key: bool) -> String {
    if show_key {
        hex(key.as_bytes())
    } else {
        key_fingerprint(key.as_bytes())
    }
}

/// The JSON of `info --json` for a folder.
fn to_json(t: &Tdata, show_key: bool) -> Value {
    json!({
        "format": "tdata",
        "path": t.path.display().to_string(),
        "version": t.version,
        "passcode": t.passcode,
        "active_index": t.active_index,
        "accounts": t.accounts.iter().map(|a| json!({
            "index": a.index,
            "user_id": a.user_id,
            "main_dc": a.main_dc,
            "keys": a.keys.iter().map(|k| json!({
                "dc_id": k.dc_id,
                "auth_key": key_text(&k.auth_key, show_key),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// `info` of a folder.
///
/// # Errors
/// The folder cannot be read (see [`tdata::read`]), or the passcode
/// variable is not set.
pub fn info(
    path: &str,
    json: bool,
    show_key: bool,
    passcode: &PasscodeArgs,
) -> Result<(), CliError> {
    let t = read(path, passcode)?;
    if json {
        let text = serde_json::to_string_pretty(&to_json(&t, show_key))
            .map_err(|e| CliError::with_context("JSON", &e))?;
        outln!("{text}");
        return Ok(());
    }
    outln!("format:         tdata (Telegram Desktop)");
    outln!("folder:         {}", t.path.display());
    outln!(
        "version:        {} ({})",
        version_string(t.version),
        t.version
    );
    outln!("passcode:       {}", if t.passcode { "yes" } else { "no" });
    outln!(
        "accounts:       {} (active: {})",
        t.accounts.len(),
        t.active_index
    );
    for a in &t.accounts {
        let addr = dc_table::lookup(a.main_dc, false)
            .map(|d| format!(" ({}:{})", d.ipv4, d.port))
            .unwrap_or_default();
        outln!(
            "account {}:      user_id {}, main DC {}{addr}",
            a.index,
            a.user_id,
            a.main_dc
        );
        for k in &a.keys {
            outln!(
                "  dc {}:         {} bytes, {}{}",
                k.dc_id,
                k.auth_key.len(),
                key_text(&k.auth_key, show_key),
                if k.dc_id == a.main_dc { " (main)" } else { "" }
            );
        }
    }
    if !show_key {
        outln!("(key ids only; use --show-key to print the keys)");
    }
    Ok(())
}

/// `import` of a folder: one account into the backend at `into`.
///
/// # Errors
/// The folder cannot be read (before the backend is opened), the account is
/// not there or not logged in, the backend fails, or a session already
/// exists under the name (without `force`).
pub async fn import(
    path: &str,
    into: &str,
    session_name: &str,
    force: bool,
    overrides: &crate::convert::Overrides,
    args: &ImportArgs,
) -> Result<(), CliError> {
    // Read first, so a bad folder fails before the backend is touched.
    let t = read(path, &args.passcode)?;
    let account = match args.account {
        Some(i) => t.account(i),
        None => t.active(),
    }
    .ok_or_else(|| {
        CliError::new(format!(
            "{path}: no account {} (the folder holds {})",
            args.account.unwrap_or_default(),
            t.accounts
                .iter()
                .map(|a| a.index.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let store = url::open(into, session_name).await?;
    let shown = redact_url(into);
    let result = async {
        if !force && store.load_session().await?.is_some() {
            return Err(CliError::new(format!(
                "session {session_name:?} already exists in {shown}; use --force to replace it"
            )));
        }
        let report = tdata::import_account(account, store.as_ref()).await?;
        if (overrides.api_id.is_some() || overrides.user_id.is_some() || overrides.bot)
            && let Some(mut s) = store.load_session().await?
        {
            overrides.apply(&mut s);
            store.save_session(&s).await?;
        }
        Ok(report)
    }
    .await
    .map_err(|e: CliError| CliError::new(format!("importing into {shown}: {e}")));
    let _ = store.close().await;
    let report = result?;
    outln!(
        "imported tdata account {} (user {}, DC {}) as {session_name:?} into {shown} with {} other DC keys{}",
        report.index,
        report.user_id,
        report.dc,
        report.dc_keys,
        if report.skipped_dc_keys > 0 {
            format!(
                " ({} not saved: the backend has no DC auth store)",
                report.skipped_dc_keys
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

/// `export --to tdata`: the session (with the command's overrides) and the
/// `--also-session` sessions of `store`, as a new folder at `out`.
///
/// # Errors
/// A session is missing or lacks a key, user id or DC; `out` exists and is
/// not empty; a file cannot be written.
pub async fn export(
    store: &dyn Adapter,
    session: &Session,
    out: &Path,
    args: &ExportArgs,
) -> Result<(), CliError> {
    let passcode = args.passcode.passcode()?;
    let mut accounts = vec![
        tdata::account_from_session(session, &dc_keys(store).await?)
            .map_err(|e| CliError::new(format!("session {:?}: {e}", store.session_name())))?,
    ];
    for name in &args.also_session {
        let other = store.session(name);
        let Some(s) = other.load_session().await? else {
            return Err(CliError::new(format!("no session {name:?} to export")));
        };
        accounts.push(
            tdata::account_from_session(&s, &dc_keys(other.as_ref()).await?)
                .map_err(|e| CliError::new(format!("session {name:?}: {e}")))?,
        );
    }
    tdata::write(out, &accounts, passcode.as_deref())?;
    eprintln!(
        "wrote a tdata folder with {} account{} to {}{}",
        accounts.len(),
        if accounts.len() == 1 { "" } else { "s" },
        out.display(),
        if passcode.is_some() {
            ", locked with the passcode"
        } else {
            ""
        }
    );
    Ok(())
}

/// The DC auth entries of a session (none when the store has no DC auth).
async fn dc_keys(store: &dyn Adapter) -> Result<Vec<mtgo_storage::DcAuth>, CliError> {
    Ok(match store.dc_auth() {
        Some(d) => d.load_all_dc_auth().await?,
        None => Vec::new(),
    })
}
