//! Where the commands get keys: environment variables and files named by
//! option, never the key itself on the command line.
//!
//! A key (`--key-env ID=VAR`, `--key-file ID=PATH`) is 32 bytes written as
//! 64 hex digits or as base64 (surrounding whitespace ignored); a file may
//! also hold the 32 raw bytes. A passphrase (`--passphrase-env ID=VAR`,
//! `--passphrase-file ID=PATH`) is the variable's value, or the file's
//! contents without one trailing newline, stretched with Argon2id.

use crate::output::CliError;
use base64::Engine;
use mtgo_storage::EncryptionKey;
use mtgo_storage::encryption::KdfParams;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Options naming where the opening keys (old keys, for `decrypt` and
/// `rekey`) or the one sealing key (`encrypt`) come from.
#[derive(Debug, Clone, clap::Args)]
pub struct KeySources {
    /// A 32-byte key (hex or base64) in environment variable VAR, used
    /// under key id ID. Repeatable.
    #[arg(long = "key-env", value_name = "ID=VAR")]
    pub env: Vec<String>,
    /// A 32-byte key (hex, base64 or 32 raw bytes) in file PATH, used under
    /// key id ID. Repeatable.
    #[arg(long = "key-file", value_name = "ID=PATH")]
    pub file: Vec<String>,
    /// A passphrase in environment variable VAR (Argon2id), key id ID.
    /// Repeatable.
    #[arg(long = "passphrase-env", value_name = "ID=VAR")]
    pub passphrase_env: Vec<String>,
    /// A passphrase in file PATH (Argon2id), key id ID. Repeatable.
    #[arg(long = "passphrase-file", value_name = "ID=PATH")]
    pub passphrase_file: Vec<String>,
}

/// The options of `rekey` naming the new key.
#[derive(Debug, Clone, clap::Args)]
pub struct NewKeySource {
    /// The new 32-byte key (hex or base64) in environment variable VAR,
    /// with key id ID.
    #[arg(long = "new-key-env", value_name = "ID=VAR")]
    pub new_env: Option<String>,
    /// The new 32-byte key in file PATH, with key id ID.
    #[arg(long = "new-key-file", value_name = "ID=PATH")]
    pub new_file: Option<String>,
    /// The new passphrase in environment variable VAR, with key id ID.
    #[arg(long = "new-passphrase-env", value_name = "ID=VAR")]
    pub new_passphrase_env: Option<String>,
    /// The new passphrase in file PATH, with key id ID.
    #[arg(long = "new-passphrase-file", value_name = "ID=PATH")]
    pub new_passphrase_file: Option<String>,
}

/// Argon2id parameters of a passphrase key made by this run (records are
/// opened with the parameters stored in them, whatever these say).
#[derive(Debug, Clone, clap::Args)]
pub struct KdfArgs {
    /// Argon2id memory in KiB for a passphrase key that seals.
    #[arg(long, value_name = "KIB", default_value_t = KdfParams::default().memory_kib())]
    pub kdf_memory_kib: u32,
    /// Argon2id passes for a passphrase key that seals.
    #[arg(long, value_name = "N", default_value_t = KdfParams::default().iterations())]
    pub kdf_iterations: u32,
    /// Argon2id lanes for a passphrase key that seals.
    #[arg(long, value_name = "N", default_value_t = KdfParams::default().parallelism())]
    pub kdf_parallelism: u32,
}

impl KdfArgs {
    fn params(&self) -> Result<KdfParams, CliError> {
        Ok(KdfParams::new(
            self.kdf_memory_kib,
            self.kdf_iterations,
            self.kdf_parallelism,
        )?)
    }
}

enum Source {
    KeyEnv,
    KeyFile,
    PassphraseEnv,
    PassphraseFile,
}

impl Source {
    fn option(&self, new: bool) -> &'static str {
        match (self, new) {
            (Source::KeyEnv, false) => "--key-env",
            (Source::KeyFile, false) => "--key-file",
            (Source::PassphraseEnv, false) => "--passphrase-env",
            (Source::PassphraseFile, false) => "--passphrase-file",
            (Source::KeyEnv, true) => "--new-key-env",
            (Source::KeyFile, true) => "--new-key-file",
            (Source::PassphraseEnv, true) => "--new-passphrase-env",
            (Source::PassphraseFile, true) => "--new-passphrase-file",
        }
    }
}

impl KeySources {
    /// Every key named, in the order of the options.
    pub fn load(&self, kdf: &KdfArgs) -> Result<Vec<EncryptionKey>, CliError> {
        let mut keys = Vec::new();
        for spec in &self.env {
            keys.push(load(Source::KeyEnv, spec, false, kdf)?);
        }
        for spec in &self.file {
            keys.push(load(Source::KeyFile, spec, false, kdf)?);
        }
        for spec in &self.passphrase_env {
            keys.push(load(Source::PassphraseEnv, spec, false, kdf)?);
        }
        for spec in &self.passphrase_file {
            keys.push(load(Source::PassphraseFile, spec, false, kdf)?);
        }
        Ok(keys)
    }
}

impl NewKeySource {
    /// The one new key.
    pub fn load(&self, kdf: &KdfArgs) -> Result<EncryptionKey, CliError> {
        let given = [
            (Source::KeyEnv, &self.new_env),
            (Source::KeyFile, &self.new_file),
            (Source::PassphraseEnv, &self.new_passphrase_env),
            (Source::PassphraseFile, &self.new_passphrase_file),
        ];
        let mut named = given
            .into_iter()
            .filter_map(|(source, spec)| spec.as_ref().map(|s| (source, s)));
        match (named.next(), named.next()) {
            (Some((source, spec)), None) => load(source, spec, true, kdf),
            (None, _) => Err(CliError::new(
                "rekey needs the new key: --new-key-env, --new-key-file, \
                 --new-passphrase-env or --new-passphrase-file",
            )),
            (Some(_), Some(_)) => Err(CliError::new("rekey takes exactly one new key")),
        }
    }
}

fn load(source: Source, spec: &str, new: bool, kdf: &KdfArgs) -> Result<EncryptionKey, CliError> {
    let option = source.option(new);
    let Some((id, place)) = spec.split_once('=') else {
        return Err(CliError::new(format!(
            "{option} takes ID=VAR or ID=PATH (the key id, then where the key is), got {spec:?}"
        )));
    };
    if id.is_empty() || place.is_empty() {
        return Err(CliError::new(format!(
            "{option} {spec:?}: the key id and the variable or path must not be empty"
        )));
    }
    let bytes: Zeroizing<Vec<u8>> = match source {
        Source::KeyEnv | Source::PassphraseEnv => match std::env::var_os(place) {
            Some(value) => Zeroizing::new(value.into_encoded_bytes()),
            None => {
                return Err(CliError::new(format!(
                    "{option} {id}={place}: the environment variable {place} is not set"
                )));
            }
        },
        Source::KeyFile | Source::PassphraseFile => {
            let path = PathBuf::from(place);
            Zeroizing::new(std::fs::read(&path).map_err(|e| {
                CliError::with_context(
                    format_args!("{option} {id}={place}: cannot read {}", path.display()),
                    &e,
                )
            })?)
        }
    };
    match source {
        Source::KeyEnv | Source::KeyFile => {
            let key = decode_key(&bytes)
                .map_err(|why| CliError::new(format!("{option} {id}={place}: {why}")))?;
            Ok(EncryptionKey::from_slice(id, &key[..])?)
        }
        Source::PassphraseEnv | Source::PassphraseFile => {
            let mut end = bytes.len();
            if matches!(source, Source::PassphraseFile) {
                if bytes[..end].ends_with(b"\n") {
                    end -= 1;
                }
                if bytes[..end].ends_with(b"\r") {
                    end -= 1;
                }
            }
            if end == 0 {
                return Err(CliError::new(format!(
                    "{option} {id}={place}: the passphrase is empty"
                )));
            }
            Ok(EncryptionKey::from_passphrase(
                id,
                &bytes[..end],
                kdf.params()?,
            )?)
        }
    }
}

/// 32 key bytes from 64 hex digits, base64, or 32 raw bytes.
fn decode_key(bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, &'static str> {
    const WRONG: &str = "a key must be 32 bytes: 64 hex digits, base64 of 32 bytes, \
                         or a file of 32 raw bytes";
    let text = bytes.trim_ascii();
    if text.len() == 64 && text.iter().all(u8::is_ascii_hexdigit) {
        let mut out = Zeroizing::new(vec![0u8; 32]);
        for (i, pair) in text.chunks(2).enumerate() {
            out[i] = (hex_digit(pair[0]) << 4) | hex_digit(pair[1]);
        }
        return Ok(out);
    }
    for engine in [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        if let Ok(decoded) = engine.decode(text) {
            let decoded = Zeroizing::new(decoded);
            if decoded.len() == 32 {
                return Ok(decoded);
            }
        }
    }
    if bytes.len() == 32 {
        return Ok(Zeroizing::new(bytes.to_vec()));
    }
    Err(WRONG)
}

fn hex_digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}
