//! gogram's string session (`github.com/amarnathcjd/gogram`,
//! `internal/session/string.go`):
//!
//! * current: `"1BvE"` + base64url without padding of the JSON object
//!   `{"key", "hash", "dc_id", "ip_addr", "app_id"}` (Go's `encoding/json`:
//!   `key` and `hash` are standard base64 strings, empty fields omitted);
//! * legacy: `"1BvX"` + base64url of `key(256 bytes) · sep · hash(8 bytes) ·
//!   sep · ip_addr · sep · dc_id · sep · app_id` with `sep` = `:_:` (older:
//!   `::`). [`decode`] reads both; [`encode`] writes the current form.
//!
//! `hash` is the auth key id, the last 8 bytes of SHA-1(key); `ip_addr` is
//! `host:port`. Carries the DC id, address, port, auth key and api_id; no
//! test-mode flag and no user. Pinned from gogram's source (no Go toolchain
//! here to produce reference strings).

use super::codec::{b64_decode, invalid, join_host_port, split_host_port};
use super::{codec, dc_table};
use crate::AuthKey;
use crate::error::Result;
use crate::types::Session;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

const FORMAT: &str = "gogram";
/// The prefix of current gogram strings.
pub const PREFIX: &str = "1BvE";
/// The prefix of legacy gogram strings.
pub const LEGACY_PREFIX: &str = "1BvX";

#[derive(Serialize, Deserialize, Default)]
struct Json {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    hash: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    dc_id: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    ip_addr: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    app_id: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// The MTProto auth key id: the last 8 bytes of SHA-1 of the key.
pub(crate) fn auth_key_id(key: &[u8]) -> [u8; 8] {
    let digest = sha1_smol::Sha1::from(key).digest().bytes();
    let mut id = [0u8; 8];
    id.copy_from_slice(&digest[12..20]);
    id
}

/// Encodes a session as a current gogram string. When the session has no
/// address, the DC's IPv4 address and port come from [`dc_table`].
///
/// # Errors
/// [`crate::Error::MissingField`] without an auth key, or without an address when
/// the DC is not in the table; [`crate::Error::InvalidInput`] for a key that is not
/// 256 bytes.
pub fn encode(session: &Session) -> Result<String> {
    let key = super::require_key(session, FORMAT)?;
    let (addr, port) = dc_table::address_for(session, FORMAT)?;
    let json = Json {
        key: STANDARD.encode(key),
        hash: STANDARD.encode(auth_key_id(key)),
        dc_id: i64::from(session.dc),
        ip_addr: join_host_port(&addr, port),
        app_id: i64::from(session.api_id),
    };
    let text = serde_json::to_vec(&json)?;
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(text)))
}

/// Decodes a gogram string (current or legacy). The address and port come
/// from `ip_addr` (`host:port`), or from [`dc_table`] when it is empty.
///
/// # Errors
/// [`crate::Error::InvalidSessionString`] naming `gogram` and the reason: a missing
/// prefix, invalid base64 or JSON, an auth key that is not 256 bytes, a hash
/// that does not match the key, a DC id or app id out of range, an
/// `ip_addr` that is not `host:port` or has port 0, or a legacy string without its five
/// fields.
pub fn decode(string: &str) -> Result<Session> {
    let s = string.trim();
    let (key, hash, ip_addr, dc, app_id) = if let Some(rest) = s.strip_prefix(PREFIX) {
        let bytes = b64_decode(FORMAT, rest)?;
        let json: Json = serde_json::from_slice(&bytes)
            .map_err(|e| invalid(FORMAT, format!("invalid JSON: {e}")))?;
        let key = b64_decode(FORMAT, &json.key)?;
        let hash = b64_decode(FORMAT, &json.hash)?;
        (key, hash, json.ip_addr, json.dc_id, json.app_id)
    } else if let Some(rest) = s.strip_prefix(LEGACY_PREFIX) {
        legacy(&b64_decode(FORMAT, rest)?)?
    } else {
        return Err(invalid(
            FORMAT,
            format!("it must start with {PREFIX:?} (or {LEGACY_PREFIX:?})"),
        ));
    };
    if key.len() != AuthKey::LEN {
        return Err(invalid(
            FORMAT,
            format!(
                "the auth key is {} bytes, expected {}",
                key.len(),
                AuthKey::LEN
            ),
        ));
    }
    if !hash.is_empty() && hash != auth_key_id(&key) {
        return Err(invalid(FORMAT, "the key hash does not match the auth key"));
    }
    let dc = i32::try_from(dc)
        .ok()
        .filter(|&d| d >= 0)
        .ok_or_else(|| invalid(FORMAT, format!("DC id {dc} is out of range")))?;
    let api_id = i32::try_from(app_id)
        .map_err(|_| invalid(FORMAT, format!("app id {app_id} is out of range")))?;
    let mut session = Session {
        dc,
        api_id,
        auth_key: Some(AuthKey::new(key)),
        ..Session::default()
    };
    if ip_addr.is_empty() {
        dc_table::fill_address(&mut session);
    } else {
        let (host, port) = split_host_port(&ip_addr)
            .ok_or_else(|| invalid(FORMAT, format!("ip_addr {ip_addr:?} is not host:port")))?;
        session.addr = host.to_owned();
        session.port = codec::port(FORMAT, port, "the ip_addr port")?;
    }
    Ok(session)
}

type Fields = (Vec<u8>, Vec<u8>, String, i64, i64);

/// The legacy layout, read as gogram reads it: fixed-size key and hash, then
/// the last two separators delimit the DC id and app id.
fn legacy(data: &[u8]) -> Result<Fields> {
    for sep in [":_:".as_bytes(), b"::"] {
        let hash_start = AuthKey::LEN + sep.len();
        let hash_end = hash_start + 8;
        if data.len() < hash_end + sep.len()
            || &data[AuthKey::LEN..hash_start] != sep
            || &data[hash_end..hash_end + sep.len()] != sep
        {
            continue;
        }
        let suffix = std::str::from_utf8(&data[hash_end + sep.len()..])
            .map_err(|_| invalid(FORMAT, "the legacy address part is not UTF-8 text"))?;
        let sep = std::str::from_utf8(sep).unwrap_or("::");
        let bad = || invalid(FORMAT, "a legacy string needs five fields");
        let (rest, app) = suffix.rsplit_once(sep).ok_or_else(bad)?;
        let (ip, dc) = rest.rsplit_once(sep).ok_or_else(bad)?;
        let dc = dc
            .parse::<i64>()
            .map_err(|_| invalid(FORMAT, format!("DC id {dc:?} is not a number")))?;
        let app = app
            .parse::<i64>()
            .map_err(|_| invalid(FORMAT, format!("app id {app:?} is not a number")))?;
        return Ok((
            data[..AuthKey::LEN].to_vec(),
            data[hash_start..hash_end].to_vec(),
            ip.to_owned(),
            dc,
            app,
        ));
    }
    Err(invalid(
        FORMAT,
        "a legacy string is a 256-byte key and an 8-byte hash separated by \":_:\" or \"::\"",
    ))
}
