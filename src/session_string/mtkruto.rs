//! MTKruto's auth string (`StorageOperations.exportAuthString`, MTKruto
//! `storage/0_storage.ts`): base64url without padding of the zero-run-length
//! encoding of
//!
//! ```text
//! string(dc) · bytes(auth_key) · api_id:i32 LE · is_bot:u8 · user_id:i64 LE
//! ```
//!
//! (`string`/`bytes` are TL serialization), where `dc` is `"2"`, or
//! `"2-test"` on the test servers. Older MTKruto versions wrote only the DC
//! and the key, then the DC, key and api_id; [`decode`] reads all three.
//! MTKruto is published on JSR, not npm; the two-field form was checked
//! against `@mtcute/convert` 0.29.7 (`mtkruto/serialize.js`), the current one
//! against MTKruto's source. No server address is carried: it comes from
//! [`super::dc_table`].

use super::codec::{Reader, b64_decode, invalid, rle_decode, rle_encode, write_tl_bytes};
use super::dc_table;
use crate::AuthKey;
use crate::error::{Error, Result};
use crate::types::Session;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const FORMAT: &str = "mtkruto";
const TEST_SUFFIX: &str = "-test";

/// Encodes a session as a current MTKruto auth string (with api_id, bot flag
/// and user id, as MTKruto exports it).
///
/// # Errors
/// [`Error::MissingField`] naming `auth_key`, `api_id` or `user_id` when the
/// session lacks it (MTKruto refuses to export without them);
/// [`Error::InvalidInput`] for a key that is not 256 bytes or a DC id other
/// than 1 to 5 and 203.
pub fn encode(session: &Session) -> Result<String> {
    let key = super::require_key(session, FORMAT)?;
    if !dc_table::is_known_dc(session.dc) {
        return Err(Error::invalid(
            "dc",
            format!("{FORMAT} strings hold DC 1 to 5 or 203, not {}", session.dc),
        ));
    }
    if session.api_id == 0 {
        return Err(Error::MissingField {
            format: FORMAT,
            field: "api_id",
        });
    }
    if session.user_id == 0 {
        return Err(Error::MissingField {
            format: FORMAT,
            field: "user_id",
        });
    }
    let dc = format!(
        "{}{}",
        session.dc,
        if session.test_mode { TEST_SUFFIX } else { "" }
    );
    let mut out = Vec::with_capacity(16 + key.len() + 16);
    write_tl_bytes(&mut out, dc.as_bytes());
    write_tl_bytes(&mut out, key);
    out.extend_from_slice(&session.api_id.to_le_bytes());
    out.push(u8::from(session.is_bot));
    out.extend_from_slice(&session.user_id.to_le_bytes());
    Ok(URL_SAFE_NO_PAD.encode(rle_encode(&out)))
}

/// Decodes an MTKruto auth string (current, or the older forms without the
/// user or without the api_id). Surrounding white space is ignored, padding
/// and either base64 alphabet accepted.
///
/// # Errors
/// [`Error::InvalidSessionString`] naming `mtkruto` and the reason: invalid
/// base64 or run-length encoding, a DC other than `N` or `N-test` with N a
/// known DC, an auth key that is not 256 bytes, a bot flag other than 0 and
/// 1, or a tail of the wrong size.
pub fn decode(string: &str) -> Result<Session> {
    let raw = b64_decode(FORMAT, string.trim())?;
    let data = rle_decode(FORMAT, &raw, 4096)?;
    let mut r = Reader::new(FORMAT, &data);
    let dc_text = std::str::from_utf8(r.tl_bytes("the DC")?)
        .map_err(|_| invalid(FORMAT, "the DC is not UTF-8 text"))?;
    let (number, test_mode) = match dc_text.strip_suffix(TEST_SUFFIX) {
        Some(n) => (n, true),
        None => (dc_text, false),
    };
    let dc = number
        .parse::<i32>()
        .ok()
        .filter(|&d| dc_table::is_known_dc(d) && !number.starts_with(['+', '0']))
        .ok_or_else(|| {
            invalid(
                FORMAT,
                format!("{dc_text:?} is not a DC (\"2\" or \"2-test\")"),
            )
        })?;
    let key = r.tl_bytes("the auth key")?;
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
    let mut session = Session {
        dc,
        test_mode,
        auth_key: Some(AuthKey::from(key)),
        ..Session::default()
    };
    match r.remaining() {
        0 => {}
        4 => session.api_id = r.i32_le("the api_id")?,
        13 => {
            session.api_id = r.i32_le("the api_id")?;
            session.is_bot = match r.u8("is_bot")? {
                0 => false,
                1 => true,
                b => {
                    return Err(invalid(
                        FORMAT,
                        format!("the is_bot byte is {b}, not 0 or 1"),
                    ));
                }
            };
            session.user_id = r.i64_le("the user id")?;
        }
        n => {
            return Err(invalid(
                FORMAT,
                format!(
                    "{n} bytes after the auth key; expected 0, 4 (api_id) or 13 (api_id, is_bot, user id)"
                ),
            ));
        }
    }
    dc_table::fill_address(&mut session);
    Ok(session)
}
