//! Output helpers: the one-line error, redaction of URLs and secrets, and the
//! auth key fingerprint.
//!
//! Everything the command prints on standard error goes through [`fail`],
//! which replaces every registered secret (URL passwords, session strings
//! given on the command line) with `***` and masks the password of any URL
//! in the message, so a driver error that echoes a URL leaks nothing.

use std::error::Error as StdError;
use std::fmt;
use std::process::ExitCode;
use std::sync::Mutex;

/// Strings that must never be printed: passwords and secret inputs.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers a secret so that no error message ever shows it.
pub fn register_secret(secret: &str) {
    if secret.is_empty() {
        return;
    }
    let mut guard = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !guard.iter().any(|s| s == secret) {
        guard.push(secret.to_owned());
        // Longest first, so a secret containing another is replaced whole.
        guard.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Replaces every registered secret in `text` with `***` and masks URL
/// passwords.
pub fn scrub(text: &str) -> String {
    let mut out = redact_urls_in(text);
    let guard = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    for secret in guard.iter() {
        out = replace_token(&out, secret);
    }
    out
}

/// Replaces each occurrence of `secret` that is not part of a longer word
/// (so a password `b` does not turn `db` into `d***`).
fn replace_token(text: &str, secret: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(secret) {
        let end = pos + secret.len();
        let before = rest[..pos].chars().next_back();
        let after = rest[end..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if word(before) || word(after) {
            // Part of a longer word: keep one character and look further.
            let step = rest[pos..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&rest[..pos + step]);
            rest = &rest[pos + step..];
        } else {
            out.push_str(&rest[..pos]);
            out.push_str("***");
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Writes to standard output; a closed pipe (`mtgo-storage peers … | head`)
/// ends the process quietly with exit code 0 instead of panicking.
pub fn write_stdout(args: fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("mtgo-storage: error: writing to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` through [`write_stdout`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

/// A failed command: one line of text, printed by [`fail`].
#[derive(Debug)]
pub struct CliError {
    message: String,
}

impl CliError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// `context: error: its source: ...`, the whole source chain on one line.
    pub fn with_context(context: impl fmt::Display, error: &(dyn StdError + 'static)) -> Self {
        Self::new(format!("{context}: {}", chain(error)))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<mtgo_storage::Error> for CliError {
    fn from(error: mtgo_storage::Error) -> Self {
        Self::new(chain(&error))
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        Self::new(chain(&error))
    }
}

/// An error and its sources joined with `: `, skipping a source whose text
/// the previous message already contains.
pub fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Prints `mtgo-storage: error: <message>` as one line on standard error
/// and returns exit code 1.
pub fn fail(error: &CliError) -> ExitCode {
    eprintln!("mtgo-storage: error: {}", one_line(&scrub(&error.message)));
    ExitCode::from(1)
}

/// Handles a clap error: help and version go to standard output with exit
/// code 0; a usage error (a missing subcommand included) is one line on
/// standard error with exit code 2.
pub fn usage_error(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!("mtgo-storage: error: a subcommand is required (see `mtgo-storage --help`)");
            ExitCode::from(2)
        }
        _ => {
            let rendered = error.render().to_string();
            let first = rendered
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!(
                "mtgo-storage: error: {} (see `mtgo-storage --help`)",
                one_line(&scrub(first))
            );
            ExitCode::from(2)
        }
    }
}

/// Replaces a panic's multi-line report and backtrace with one line.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        eprintln!(
            "mtgo-storage: error: internal error: {}",
            one_line(&scrub(&message))
        );
    }));
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The URL with its password replaced by `***` (`postgres://user:***@host/db`)
/// and the values of `password=`/`pass=`/`pwd=` query parameters masked.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return redact_query(url);
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let masked = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}:***{}", &userinfo[..colon], &authority[at..]),
                None => authority.to_owned(),
            }
        }
        None => authority.to_owned(),
    };
    format!(
        "{}{}{}",
        &url[..rest_start],
        masked,
        redact_query(&rest[authority_len..])
    )
}

fn redact_query(text: &str) -> String {
    let Some(q) = text.find('?') else {
        return text.to_owned();
    };
    let (head, query) = text.split_at(q + 1);
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _))
                if ["password", "pass", "pwd"]
                    .iter()
                    .any(|p| k.eq_ignore_ascii_case(p)) =>
            {
                format!("{k}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}{}", parts.join("&"))
}

/// The password of a URL (as written, and percent-decoded), if it has one.
pub fn url_passwords(url: &str) -> Vec<String> {
    let Some(scheme_end) = url.find("://") else {
        return Vec::new();
    };
    let rest = &url[scheme_end + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let mut out = Vec::new();
    if let Some(at) = authority.rfind('@')
        && let Some((_, password)) = authority[..at].split_once(':')
        && !password.is_empty()
    {
        out.push(password.to_owned());
        let decoded = percent_decode(password);
        if decoded != password {
            out.push(decoded);
        }
    }
    if let Some(q) = rest.find('?') {
        for pair in rest[q + 1..].split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && ["password", "pass", "pwd"]
                    .iter()
                    .any(|p| k.eq_ignore_ascii_case(p))
                && !v.is_empty()
            {
                out.push(v.to_owned());
            }
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Masks the password of every URL that appears in free text.
fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        // The scheme starts after the last character that cannot be in one.
        let start = rest[..pos]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'))
            .map(|i| i + 1)
            .unwrap_or(0);
        let end = rest[pos..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '`' || c == ')')
            .map(|i| pos + i)
            .unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        out.push_str(&redact_url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A short, non-secret fingerprint of an auth key: `key_id:` and the
/// MTProto auth key id (the low 64 bits of its SHA-1) in hex.
pub fn key_fingerprint(key: &[u8]) -> String {
    let digest = sha1_smol::Sha1::from(key).digest().bytes();
    let id: String = digest[12..20].iter().map(|b| format!("{b:02x}")).collect();
    format!("key_id:{id}")
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://user:secret@host:5432/db"),
            "postgres://user:***@host:5432/db"
        );
        assert_eq!(
            redact_url("redis://:pw@localhost/0"),
            "redis://:***@localhost/0"
        );
        assert_eq!(
            redact_url("mysql://root@localhost/test"),
            "mysql://root@localhost/test"
        );
        assert_eq!(
            redact_url("mongodb://h/db?authSource=admin&password=x1"),
            "mongodb://h/db?authSource=admin&password=***"
        );
        assert_eq!(
            redact_urls_in("failed (postgres://u:p%40ss@h/db) twice"),
            "failed (postgres://u:***@h/db) twice"
        );
        assert_eq!(replace_token("db b b2 (b)", "b"), "db *** b2 (***)");
        assert_eq!(replace_token("x=s3cret", "s3cret"), "x=***");
        assert_eq!(
            url_passwords("postgres://u:p%40ss@h/db"),
            vec!["p%40ss".to_owned(), "p@ss".to_owned()]
        );
    }
}
