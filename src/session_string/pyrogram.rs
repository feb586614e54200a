//! Pyrogram (and Kurigram) session strings: base64url without padding and
//! without a version character (Pyrogram 2.0.106 `pyrogram/storage/storage.py`).
//!
//! * current format `>BI?256sQ?`: dc_id u8 · api_id u32 · test_mode ·
//!   auth_key 256 bytes · user_id u64 · is_bot (271 bytes, 362 characters);
//! * old format `>B?256sI?` (Pyrogram 1.x, user id below 2147483647):
//!   dc_id · test_mode · auth_key · user_id u32 · is_bot (263 bytes, 351
//!   characters);
//! * old format `>B?256sQ?` (Pyrogram 1.x, larger user ids): the same with a
//!   u64 user id (267 bytes, 356 characters).
//!
//! All integers are big-endian. Pyrogram picks the layout by the string's
//! length alone; this decoder picks it by the payload size and then checks
//! the DC id (1 to 5 or 203), that both flag bytes are 0 or 1 and, for the
//! 32-bit layout, that the user id is below 2147483647 as Pyrogram 1.x
//! required, so a current-format string cut short is rejected instead of
//! being read as an old one. Strings carry no server address: it comes from
//! [`super::dc_table`]. Old strings carry no api_id (decoded as 0).

use super::codec::{Reader, b64_decode, invalid};
use super::dc_table;
use crate::AuthKey;
use crate::error::{Error, Result};
use crate::types::Session;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const FORMAT: &str = "pyrogram";
const CURRENT_PAYLOAD: usize = 1 + 4 + 1 + AuthKey::LEN + 8 + 1;
const OLD32_PAYLOAD: usize = 1 + 1 + AuthKey::LEN + 4 + 1;
const OLD64_PAYLOAD: usize = 1 + 1 + AuthKey::LEN + 8 + 1;

/// Which of Pyrogram's three layouts a string uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `>BI?256sQ?`: Pyrogram 2.x, with api_id (362 characters).
    Current,
    /// `>B?256sI?`: Pyrogram 1.x, 32-bit user id (351 characters).
    Old32,
    /// `>B?256sQ?`: Pyrogram 1.x, 64-bit user id (356 characters).
    Old64,
}

/// Encodes a session in Pyrogram's current format (what
/// `Client.export_session_string()` of Pyrogram 2.x and Kurigram returns).
///
/// # Errors
/// [`Error::MissingField`] naming `auth_key`, `api_id` or `user_id` when the
/// session lacks it (0 counts as missing); [`Error::InvalidInput`] for a key
/// that is not 256 bytes, a negative api_id or user_id, or a DC id other than
/// 1 to 5 and 203.
pub fn encode(session: &Session) -> Result<String> {
    super::require_key(session, FORMAT)?;
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
    encode_layout(session, Layout::Current)
}

/// Encodes a session in one of the three layouts exactly as Pyrogram's
/// `struct.pack` would, zeros included (Pyrogram itself exports `api_id` 0).
/// The old layouts carry no api_id (the session's is dropped);
/// [`Layout::Old32`] needs a user id below 2147483647, as Pyrogram 1.x wrote
/// it only for those.
///
/// # Errors
/// [`Error::MissingField`] without an auth key; [`Error::InvalidInput`] for
/// a key that is not 256 bytes, a negative api_id or user_id, a user id too
/// large for [`Layout::Old32`], or a DC id other than 1 to 5 and 203.
pub fn encode_layout(session: &Session, layout: Layout) -> Result<String> {
    let key = super::require_key(session, FORMAT)?;
    if !dc_table::is_known_dc(session.dc) {
        return Err(Error::invalid(
            "dc",
            format!("{FORMAT} strings hold DC 1 to 5 or 203, not {}", session.dc),
        ));
    }
    let api_id = u32::try_from(session.api_id)
        .map_err(|_| Error::invalid("api_id", format!("{} is negative", session.api_id)))?;
    let user_id = u64::try_from(session.user_id)
        .map_err(|_| Error::invalid("user_id", format!("{} is negative", session.user_id)))?;
    let mut payload = Vec::with_capacity(CURRENT_PAYLOAD);
    payload.push(session.dc as u8);
    if layout == Layout::Current {
        payload.extend_from_slice(&api_id.to_be_bytes());
    }
    payload.push(u8::from(session.test_mode));
    payload.extend_from_slice(key);
    if layout == Layout::Old32 {
        let v = u32::try_from(user_id)
            .ok()
            .filter(|&v| v < 2_147_483_647)
            .ok_or_else(|| {
                Error::invalid(
                    "user_id",
                    format!("{user_id} does not fit the 32-bit layout (below 2147483647)"),
                )
            })?;
        payload.extend_from_slice(&v.to_be_bytes());
    } else {
        payload.extend_from_slice(&user_id.to_be_bytes());
    }
    payload.push(u8::from(session.is_bot));
    Ok(URL_SAFE_NO_PAD.encode(payload))
}

/// Decodes a Pyrogram string of any of the three layouts; see
/// [`decode_with_layout`].
///
/// # Errors
/// As [`decode_with_layout`].
pub fn decode(string: &str) -> Result<Session> {
    decode_with_layout(string).map(|(_, s)| s)
}

/// Decodes a Pyrogram string and tells which layout it had. The session gets
/// the DC id, test mode, auth key, user id, bot flag, api_id (current layout
/// only) and the DC's address and port from [`dc_table`]. Surrounding white
/// space is ignored and `=` padding accepted.
///
/// # Errors
/// [`Error::InvalidSessionString`] naming `pyrogram` and the reason: invalid
/// base64, a payload size that is none of the three layouts, an unknown DC
/// id, a flag byte other than 0 and 1, or a user id too large for its layout.
pub fn decode_with_layout(string: &str) -> Result<(Layout, Session)> {
    let bytes = b64_decode(FORMAT, string.trim())?;
    let layout = match bytes.len() {
        CURRENT_PAYLOAD => Layout::Current,
        OLD32_PAYLOAD => Layout::Old32,
        OLD64_PAYLOAD => Layout::Old64,
        n => {
            return Err(invalid(
                FORMAT,
                format!(
                    "the payload is {n} bytes; Pyrogram strings have {CURRENT_PAYLOAD} (current), \
                     {OLD32_PAYLOAD} or {OLD64_PAYLOAD} (old formats)"
                ),
            ));
        }
    };
    let mut r = Reader::new(FORMAT, &bytes);
    let dc = i32::from(r.u8("dc_id")?);
    if !dc_table::is_known_dc(dc) {
        return Err(invalid(
            FORMAT,
            format!("DC id {dc} is not a Telegram data center (1 to 5 or 203)"),
        ));
    }
    let api_id = match layout {
        Layout::Current => {
            let v = u32::from_be_bytes(r.array("api_id")?);
            i32::try_from(v)
                .map_err(|_| invalid(FORMAT, format!("api_id {v} does not fit in 31 bits")))?
        }
        Layout::Old32 | Layout::Old64 => 0,
    };
    let test_mode = flag(r.u8("test_mode")?, "test_mode")?;
    let key = r.take(AuthKey::LEN, "auth_key")?;
    let user_id = match layout {
        Layout::Old32 => {
            let v = u32::from_be_bytes(r.array("user_id")?);
            if v >= 2_147_483_647 {
                return Err(invalid(
                    FORMAT,
                    format!(
                        "user id {v} in the 32-bit layout (Pyrogram 1.x used it only below 2147483647)"
                    ),
                ));
            }
            i64::from(v)
        }
        Layout::Current | Layout::Old64 => {
            let v = u64::from_be_bytes(r.array("user_id")?);
            i64::try_from(v)
                .map_err(|_| invalid(FORMAT, format!("user id {v} does not fit in 63 bits")))?
        }
    };
    let is_bot = flag(r.u8("is_bot")?, "is_bot")?;
    r.finish()?;
    let mut session = Session {
        dc,
        api_id,
        test_mode,
        auth_key: Some(AuthKey::from(key)),
        user_id,
        is_bot,
        ..Session::default()
    };
    dc_table::fill_address(&mut session);
    Ok((layout, session))
}

fn flag(b: u8, what: &str) -> Result<bool> {
    match b {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(invalid(
            FORMAT,
            format!("the {what} byte is {other}, not 0 or 1"),
        )),
    }
}
