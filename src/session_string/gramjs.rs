//! GramJS's `StringSession` (npm `telegram` 2.26.22,
//! `telegram/sessions/StringSession.js`):
//! `"1" + base64(dc_id:u8 · addr_len:i16 BE · addr (UTF-8 text) · port:i16 BE · auth_key)`,
//! standard alphabet with `=` padding.
//!
//! GramJS reads Telethon strings too. Its decoder decides the layout this
//! way, and [`decode`] does the same: a payload of 263 bytes (352 base64
//! characters) is Telethon's IPv4 layout; otherwise, if the big-endian i16
//! after the DC id is greater than 100, it is the first bytes of a raw 16-byte
//! IPv6 address (Telethon's IPv6 layout); otherwise it is the length of the
//! address text (GramJS's own layout). Where GramJS's text layout fails on a
//! 275-byte payload (an IPv6 address whose first group is negative as an
//! i16, or 101 or less), the Telethon IPv6 layout is used instead. That is how
//! [`super::decode_any`] tells a GramJS string from a Telethon IPv6 string of
//! the same length.

use super::codec::{Reader, b64_decode, invalid, port};
use super::{dc_table, telethon};
use crate::AuthKey;
use crate::error::{Error, Result};
use crate::types::Session;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const FORMAT: &str = "gramjs";
/// The longest address text GramJS can read back: a length above 100 is
/// taken for a raw IPv6 address.
const MAX_ADDR_LEN: usize = 100;

/// How a string starting with `1` lays out its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Telethon, 4 raw bytes of IPv4.
    TelethonIpv4,
    /// Telethon, 16 raw bytes of IPv6.
    TelethonIpv6,
    /// GramJS, the address as text after its length.
    Text,
}

/// Encodes a session as a GramJS string session. When the session has no
/// address, the DC's IPv4 address and port come from [`dc_table`].
///
/// # Errors
/// [`Error::MissingField`] without an auth key, or without an address when
/// the DC is not in the table; [`Error::InvalidInput`] for a key that is not
/// 256 bytes, a DC id that does not fit in a byte, an address longer than 100
/// bytes, or a port above 32767 (GramJS writes it as a signed 16-bit number).
pub fn encode(session: &Session) -> Result<String> {
    let key = super::require_key(session, FORMAT)?;
    let dc = u8::try_from(session.dc)
        .map_err(|_| Error::invalid("dc", format!("{} does not fit in one byte", session.dc)))?;
    let (addr, port) = dc_table::address_for(session, FORMAT)?;
    if addr.len() > MAX_ADDR_LEN {
        return Err(Error::invalid(
            "addr",
            format!("{FORMAT} reads at most {MAX_ADDR_LEN} bytes of address"),
        ));
    }
    let port = i16::try_from(port).map_err(|_| {
        Error::invalid(
            "port",
            format!("{FORMAT} writes the port as a signed 16-bit number; {port} does not fit"),
        )
    })?;
    let mut payload = Vec::with_capacity(1 + 2 + addr.len() + 2 + key.len());
    payload.push(dc);
    payload.extend_from_slice(&(addr.len() as i16).to_be_bytes());
    payload.extend_from_slice(addr.as_bytes());
    payload.extend_from_slice(&port.to_be_bytes());
    payload.extend_from_slice(key);
    let mut out = String::from("1");
    STANDARD.encode_string(&payload, &mut out);
    Ok(out)
}

/// Decodes a string the way GramJS does: GramJS strings and Telethon strings
/// (IPv4 and IPv6) alike. Surrounding white space is ignored, either base64
/// alphabet and missing padding are accepted.
///
/// # Errors
/// [`Error::InvalidSessionString`] naming `gramjs` (or `telethon` for a
/// Telethon layout) and the reason: no leading `1`, invalid base64, an empty
/// or non-UTF-8 address, port 0, a short payload, or an auth key that is
/// not 256 bytes.
pub fn decode(string: &str) -> Result<Session> {
    decode_with_layout(string).map(|(_, s)| s)
}

/// [`decode`], also telling which address layout the string had.
///
/// # Errors
/// As [`decode`].
pub fn decode_with_layout(string: &str) -> Result<(Layout, Session)> {
    let rest = string
        .trim()
        .strip_prefix('1')
        .ok_or_else(|| invalid(FORMAT, "it must start with \"1\""))?;
    let bytes = b64_decode(FORMAT, rest)?;
    if bytes.len() == telethon::IPV4_PAYLOAD {
        return Ok((Layout::TelethonIpv4, telethon::from_payload(&bytes)?));
    }
    let mut r = Reader::new(FORMAT, &bytes);
    r.u8("dc_id")?;
    let len = i16::from_be_bytes(r.array("the address length")?);
    if len > MAX_ADDR_LEN as i16 {
        return Ok((Layout::TelethonIpv6, telethon::from_payload(&bytes)?));
    }
    match text_layout(&bytes) {
        Ok(session) => Ok((Layout::Text, session)),
        // GramJS fails on these (an IPv6 address whose first group is above
        // 0x7fff or below 101); Telethon's layout still reads them.
        Err(e) if bytes.len() == telethon::IPV6_PAYLOAD => telethon::from_payload(&bytes)
            .map(|s| (Layout::TelethonIpv6, s))
            .map_err(|_| e),
        Err(e) => Err(e),
    }
}

fn text_layout(bytes: &[u8]) -> Result<Session> {
    let mut r = Reader::new(FORMAT, bytes);
    let dc = r.u8("dc_id")?;
    let len = i16::from_be_bytes(r.array("the address length")?);
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l > 0)
        .ok_or_else(|| invalid(FORMAT, format!("the address length is {len}")))?;
    let addr = std::str::from_utf8(r.take(len, "the address")?)
        .map_err(|_| invalid(FORMAT, "the address is not UTF-8 text"))?
        .to_owned();
    let port = port(FORMAT, u16::from_be_bytes(r.array("the port")?), "the port")?;
    let key = r.take(r.remaining(), "the auth key")?;
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
    Ok(Session {
        dc: i32::from(dc),
        addr,
        port,
        auth_key: Some(AuthKey::from(key)),
        ..Session::default()
    })
}
