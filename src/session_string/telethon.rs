//! Telethon's `StringSession`:
//! `"1" + base64url(dc_id:u8 · ip:4|16 bytes · port:u16 BE · auth_key:256 bytes)`,
//! with `=` padding (Telethon 1.45.0 `telethon/sessions/string.py`).
//!
//! Carries the DC id, the server's IP address (no host names), the port and
//! the auth key; nothing else.

use super::codec::{b64_decode, invalid, port};
use super::dc_table;
use crate::AuthKey;
use crate::error::{Error, Result};
use crate::types::Session;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const FORMAT: &str = "telethon";
/// The version character every Telethon string starts with.
pub const VERSION: char = '1';
/// Payload size with an IPv4 address: 1 + 4 + 2 + 256 bytes (352 base64
/// characters with one `=`).
pub(crate) const IPV4_PAYLOAD: usize = 1 + 4 + 2 + AuthKey::LEN;
/// Payload size with an IPv6 address: 1 + 16 + 2 + 256 bytes.
pub(crate) const IPV6_PAYLOAD: usize = 1 + 16 + 2 + AuthKey::LEN;

/// Encodes a session as a Telethon string session.
///
/// When the session has no address, the IPv4 address and port of its DC come
/// from [`dc_table`].
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
/// [`Error::MissingField`] without an auth key, or without an address when
/// the DC is not in the table; [`Error::InvalidInput`] when the key is not
/// 256 bytes, the address is not an IP address (Telethon cannot store host
/// names) or the DC id does not fit in a byte.
pub fn encode(session: &Session) -> Result<String> {
    let key = super::require_key(session, FORMAT)?;
    let dc = u8::try_from(session.dc)
        .map_err(|_| Error::invalid("dc", format!("{} does not fit in one byte", session.dc)))?;
    let (addr, port) = dc_table::address_for(session, FORMAT)?;
    let ip: IpAddr = addr.parse().map_err(|_| {
        Error::invalid(
            "addr",
            format!("{FORMAT} needs an IP address, got {addr:?}"),
        )
    })?;
    let mut payload = Vec::with_capacity(IPV6_PAYLOAD);
    payload.push(dc);
    match ip {
        IpAddr::V4(v4) => payload.extend_from_slice(&v4.octets()),
        IpAddr::V6(v6) => payload.extend_from_slice(&v6.octets()),
    }
    payload.extend_from_slice(&port.to_be_bytes());
    payload.extend_from_slice(key);
    let mut out = String::with_capacity(1 + payload.len().div_ceil(3) * 4);
    out.push(VERSION);
    URL_SAFE.encode_string(&payload, &mut out);
    Ok(out)
}

/// Decodes a Telethon string session into a [`Session`] with the DC id,
/// address, port and auth key set (an all-zero key, which Telethon treats as
/// "no key", gives `auth_key: None`). Surrounding white space is ignored,
/// missing padding and either base64 alphabet are accepted; the address
/// layout (IPv4 or IPv6) follows from the payload size.
///
/// # Errors
/// [`Error::InvalidSessionString`] naming `telethon` and the reason: a wrong
/// version character, invalid base64, a payload of the wrong size, or port 0.
pub fn decode(string: &str) -> Result<Session> {
    let s = string.trim();
    let rest = s
        .strip_prefix(VERSION)
        .ok_or_else(|| invalid(FORMAT, format!("it must start with {VERSION:?}")))?;
    let bytes = b64_decode(FORMAT, rest)?;
    from_payload(&bytes)
}

/// Reads the binary payload (after the version character and base64).
pub(crate) fn from_payload(bytes: &[u8]) -> Result<Session> {
    let ip_len = match bytes.len() {
        IPV4_PAYLOAD => 4,
        IPV6_PAYLOAD => 16,
        n => {
            return Err(invalid(
                FORMAT,
                format!(
                    "the payload is {n} bytes, expected {IPV4_PAYLOAD} (IPv4) or {IPV6_PAYLOAD} (IPv6)"
                ),
            ));
        }
    };
    let ip = &bytes[1..1 + ip_len];
    let addr: IpAddr = match <[u8; 4]>::try_from(ip) {
        Ok(v4) => Ipv4Addr::from(v4).into(),
        Err(_) => {
            let mut v6 = [0u8; 16];
            v6.copy_from_slice(ip);
            Ipv6Addr::from(v6).into()
        }
    };
    let port = port(
        FORMAT,
        u16::from_be_bytes([bytes[1 + ip_len], bytes[2 + ip_len]]),
        "the port",
    )?;
    let key = &bytes[3 + ip_len..];
    Ok(Session {
        dc: i32::from(bytes[0]),
        addr: addr.to_string(),
        port,
        auth_key: key.iter().any(|&b| b != 0).then(|| AuthKey::from(key)),
        ..Session::default()
    })
}
