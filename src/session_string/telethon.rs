//! Telethon's `StringSession`:
//! `"1" + base64url(dc_id:u8 · ip:4|16 bytes · port:u16 BE · auth_key:256 bytes)`,
//! with `=` padding (Telethon `sessions/string.py`).

use crate::AuthKey;
use crate::error::{Error, Result};
use crate::types::Session;
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use std::net::IpAddr;

const FORMAT: &str = "telethon";
/// The version character every Telethon string starts with.
pub const VERSION: char = '1';
/// Base64 length of an IPv4 payload: Telethon takes the IPv4 layout exactly
/// when the text after the version character has this length.
const IPV4_B64_LEN: usize = 352;

/// Encodes a session as a Telethon string session.
///
/// ```
/// use mtgo_storage::{AuthKey, Session, session_string::telethon};
/// let session = Session {
///     dc: 2,
///     addr: "149.154.167.51".into(),
///     port: 443,
///     auth_key: Some(AuthKey::new(vec![0u8; 256])),
///     ..Session::default()
/// };
/// let s = telethon::encode(&session)?;
/// assert_eq!(s.len(), 353);
/// assert_eq!(telethon::decode(&s)?.dc, 2);
/// # Ok::<(), mtgo_storage::Error>(())
/// ```
///
/// # Errors
/// [`Error::MissingField`] without an auth key; [`Error::InvalidInput`] when
/// the key is not 256 bytes, the address is not an IP address (Telethon
/// cannot store host names) or the DC id does not fit in a byte.
pub fn encode(session: &Session) -> Result<String> {
    let key = session
        .auth_key
        .as_ref()
        .filter(|k| !k.is_empty())
        .ok_or(Error::MissingField {
            format: FORMAT,
            field: "auth_key",
        })?;
    if key.len() != AuthKey::LEN {
        return Err(Error::invalid(
            "auth_key",
            format!(
                "{FORMAT} needs {} bytes, the key has {}",
                AuthKey::LEN,
                key.len()
            ),
        ));
    }
    let dc = u8::try_from(session.dc)
        .map_err(|_| Error::invalid("dc", format!("{} does not fit in one byte", session.dc)))?;
    let ip: IpAddr = session.addr.parse().map_err(|_| {
        Error::invalid(
            "addr",
            format!("{FORMAT} needs an IP address, got {:?}", session.addr),
        )
    })?;
    let mut payload = Vec::with_capacity(1 + 16 + 2 + AuthKey::LEN);
    payload.push(dc);
    match ip {
        IpAddr::V4(v4) => payload.extend_from_slice(&v4.octets()),
        IpAddr::V6(v6) => payload.extend_from_slice(&v6.octets()),
    }
    payload.extend_from_slice(&session.port.to_be_bytes());
    payload.extend_from_slice(key.as_bytes());
    let mut out = String::with_capacity(1 + payload.len().div_ceil(3) * 4);
    out.push(VERSION);
    URL_SAFE.encode_string(&payload, &mut out);
    Ok(out)
}

/// Decodes a Telethon string session into a [`Session`] with the DC id,
/// address, port and auth key set (an all-zero key, which Telethon treats as
/// "no key", gives `auth_key: None`). Surrounding white space is ignored and
/// missing padding accepted.
///
/// # Errors
/// [`Error::InvalidSessionString`] naming `telethon` and the reason: a wrong
/// version character, invalid base64, or a payload of the wrong size.
pub fn decode(string: &str) -> Result<Session> {
    let bad = |reason: String| Error::InvalidSessionString {
        format: FORMAT,
        reason,
    };
    let s = string.trim();
    let rest = s
        .strip_prefix(VERSION)
        .ok_or_else(|| bad(format!("it must start with {VERSION:?}")))?;
    let ipv4 = rest.len() == IPV4_B64_LEN;
    let bytes = URL_SAFE_NO_PAD
        .decode(rest.trim_end_matches('=').as_bytes())
        .map_err(|e| bad(format!("invalid base64: {e}")))?;
    let ip_len = if ipv4 { 4 } else { 16 };
    let expected = 1 + ip_len + 2 + AuthKey::LEN;
    if bytes.len() != expected {
        return Err(bad(format!(
            "the payload is {} bytes, expected {expected}",
            bytes.len()
        )));
    }
    let addr: IpAddr = if ipv4 {
        let octets: [u8; 4] = bytes[1..5].try_into().expect("length checked");
        IpAddr::from(octets)
    } else {
        let octets: [u8; 16] = bytes[1..17].try_into().expect("length checked");
        IpAddr::from(octets)
    };
    let port = u16::from_be_bytes([bytes[1 + ip_len], bytes[2 + ip_len]]);
    let key = &bytes[3 + ip_len..];
    Ok(Session {
        dc: i32::from(bytes[0]),
        addr: addr.to_string(),
        port,
        auth_key: key.iter().any(|&b| b != 0).then(|| AuthKey::from(key)),
        ..Session::default()
    })
}
