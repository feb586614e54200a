//! mtcute's string session, version 3 (`@mtcute/core` 0.29,
//! `highlevel/utils/string-session.js` and `utils/dcs.js`):
//! base64url without padding of
//!
//! ```text
//! 0x03 · flags:i32 LE · bytes(primary DC) · [bytes(media DC) if flags & 4]
//!      · [user_id:i64 LE · Bool is_bot if flags & 1] · bytes(auth_key)
//! ```
//!
//! where `bytes` is TL serialization and a DC is `version:u8 (1 or 2) ·
//! dc_id:u8 · flags:u8 (1 IPv6, 2 media only, 4 test mode) · string(ip) ·
//! port:i32 LE`. Flag 2 of the session (`testModeOld`) also means test mode.
//!
//! Carries the DC id, address, port, test mode, the user id and bot flag (when
//! logged in) and the auth key. A separate media DC is read and dropped (the
//! [`Session`] has no field for it); [`encode`] writes none, as mtcute does
//! when both are the same.

use super::codec::{Reader, b64_decode, invalid, write_tl_bytes};
use super::{codec, dc_table};
use crate::AuthKey;
use crate::error::{Error, Result};
use crate::types::Session;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const FORMAT: &str = "mtcute";
const VERSION: u8 = 3;
const FLAG_SELF: i32 = 1;
const FLAG_TEST_OLD: i32 = 2;
const FLAG_MEDIA: i32 = 4;
const DC_IPV6: u8 = 1;
const DC_TEST: u8 = 4;

struct DcOption {
    id: u8,
    addr: String,
    port: u16,
    test_mode: bool,
}

/// Encodes a session as an mtcute (version 3) string. The user id and bot
/// flag are written when the user id is not 0 (or the bot flag is set). When the session has no
/// address, the DC's IPv4 address and port come from [`dc_table`].
///
/// # Errors
/// [`Error::MissingField`] without an auth key, or without an address when
/// the DC is not in the table; [`Error::InvalidInput`] for a key that is not
/// 256 bytes or a DC id that does not fit in a byte.
pub fn encode(session: &Session) -> Result<String> {
    let key = super::require_key(session, FORMAT)?;
    let dc = u8::try_from(session.dc)
        .map_err(|_| Error::invalid("dc", format!("{} does not fit in one byte", session.dc)))?;
    let (addr, port) = dc_table::address_for(session, FORMAT)?;
    let mut dc_option = Vec::with_capacity(8 + addr.len());
    let ipv6 = addr.parse::<std::net::Ipv6Addr>().is_ok();
    let dc_flags = if ipv6 { DC_IPV6 } else { 0 } | if session.test_mode { DC_TEST } else { 0 };
    dc_option.extend_from_slice(&[2, dc, dc_flags]);
    write_tl_bytes(&mut dc_option, addr.as_bytes());
    dc_option.extend_from_slice(&i32::from(port).to_le_bytes());

    let has_self = session.user_id != 0 || session.is_bot;
    let mut out = Vec::with_capacity(16 + dc_option.len() + key.len());
    out.push(VERSION);
    out.extend_from_slice(&(if has_self { FLAG_SELF } else { 0 }).to_le_bytes());
    write_tl_bytes(&mut out, &dc_option);
    if has_self {
        out.extend_from_slice(&session.user_id.to_le_bytes());
        let b = if session.is_bot {
            super::codec::TL_TRUE
        } else {
            super::codec::TL_FALSE
        };
        out.extend_from_slice(&b.to_le_bytes());
    }
    write_tl_bytes(&mut out, key);
    Ok(URL_SAFE_NO_PAD.encode(out))
}

/// Decodes an mtcute string session (version 3). Surrounding white space is
/// ignored, padding and either base64 alphabet accepted.
///
/// # Errors
/// [`Error::InvalidSessionString`] naming `mtcute` and the reason: invalid
/// base64, a version other than 3, a malformed DC option (version other than
/// 1 and 2, non-UTF-8 address, port 0 or out of range), primary and media DC
/// disagreeing on test mode, a bad `Bool`, an auth key that is not 256 bytes,
/// or bytes left over.
pub fn decode(string: &str) -> Result<Session> {
    let bytes = b64_decode(FORMAT, string.trim())?;
    let mut r = Reader::new(FORMAT, &bytes);
    let version = r.u8("the version")?;
    if version != VERSION {
        return Err(invalid(
            FORMAT,
            format!("version {version}, expected {VERSION}"),
        ));
    }
    let flags = r.i32_le("the flags")?;
    let primary = dc_option(r.tl_bytes("the primary DC")?)?;
    if flags & FLAG_MEDIA != 0 {
        let media = dc_option(r.tl_bytes("the media DC")?)?;
        if flags & FLAG_TEST_OLD == 0 && media.test_mode != primary.test_mode {
            return Err(invalid(
                FORMAT,
                "the primary and media DC disagree on test mode",
            ));
        }
    }
    let (user_id, is_bot) = if flags & FLAG_SELF != 0 {
        (r.i64_le("the user id")?, r.tl_bool("is_bot")?)
    } else {
        (0, false)
    };
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
    r.finish()?;
    Ok(Session {
        dc: i32::from(primary.id),
        addr: primary.addr,
        port: primary.port,
        test_mode: primary.test_mode || flags & FLAG_TEST_OLD != 0,
        auth_key: Some(AuthKey::from(key)),
        user_id,
        is_bot,
        ..Session::default()
    })
}

fn dc_option(data: &[u8]) -> Result<DcOption> {
    let mut r = Reader::new(FORMAT, data);
    let [version, id, flags] = r.array::<3>("a DC option")?;
    if version != 1 && version != 2 {
        return Err(invalid(
            FORMAT,
            format!("DC option version {version}, expected 1 or 2"),
        ));
    }
    let addr = std::str::from_utf8(r.tl_bytes("a DC address")?)
        .map_err(|_| invalid(FORMAT, "a DC address is not UTF-8 text"))?
        .to_owned();
    let port = r.i32_le("a DC port")?;
    let port = u16::try_from(port)
        .map_err(|_| invalid(FORMAT, format!("DC port {port} is out of range")))?;
    let port = codec::port(FORMAT, port, "a DC port")?;
    Ok(DcOption {
        id,
        addr,
        port,
        test_mode: version == 2 && flags & DC_TEST != 0,
    })
}
