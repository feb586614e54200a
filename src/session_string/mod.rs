//! Session strings of other MTProto libraries: encode, decode and detect.
//!
//! | format | [`SessionFormat`] | module |
//! |---|---|---|
//! | Telethon `StringSession` (IPv4 and IPv6) | `Telethon` | [`telethon`] |
//! | Pyrogram / Kurigram (current; both old formats on decode) | `Pyrogram` | [`pyrogram`] |
//! | GramJS `StringSession` | `GramJs` | [`gramjs`] |
//! | mtcute (version 3) | `Mtcute` | [`mtcute`] |
//! | MTKruto auth string | `MtKruto` | [`mtkruto`] |
//! | gogram (`1BvE…`, legacy `1BvX…`) | `Gogram` | [`gogram`] |
//! | gotgproto (gotd session) | `Gotgproto` | [`gotgproto`] |
//!
//! Decoders fill a [`Session`] with what the format carries (see each
//! module); formats that carry only a DC id get the server address from
//! [`dc_table`]. Every decoder returns a typed
//! [`Error::InvalidSessionString`] that names the format and the reason, and
//! none panics on any input. Encoders fail with [`Error::MissingField`] when
//! the target format needs a field the session lacks.
//!
//! ```
//! use mtgo_storage::session_string::{self, SessionFormat};
//! use mtgo_storage::{AuthKey, Session};
//!
//! let session = Session {
//!     dc: 2,
//!     api_id: 12345,
//!     user_id: 123456789,
//!     auth_key: Some(AuthKey::new((0..=255u8).collect::<Vec<u8>>())),
//!     ..Session::default()
//! };
//! let pyrogram = session_string::encode(&session, SessionFormat::Pyrogram)?;
//! let (format, back) = session_string::decode_any(&pyrogram)?;
//! assert_eq!(format, SessionFormat::Pyrogram);
//! assert_eq!(back.addr, "149.154.167.51"); // from the DC table
//! let telethon = session_string::encode(&back, SessionFormat::Telethon)?;
//! assert!(telethon.starts_with('1'));
//! # Ok::<(), mtgo_storage::Error>(())
//! ```

mod codec;
pub mod dc_table;
pub mod gogram;
pub mod gotgproto;
pub mod gramjs;
pub mod mtcute;
pub mod mtkruto;
pub mod pyrogram;
pub mod telethon;

use crate::AuthKey;
use crate::error::{Error, Result};
use crate::types::Session;
use std::fmt;
use std::str::FromStr;

/// A session-string format.
///
/// `Display` and `FromStr` use the lowercase names `telethon`, `pyrogram`,
/// `gramjs`, `mtcute`, `mtkruto`, `gogram` and `gotgproto` (parsing ignores
/// case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SessionFormat {
    /// Telethon's `StringSession`.
    Telethon,
    /// Pyrogram's (and Kurigram's) session string.
    Pyrogram,
    /// GramJS's `StringSession`.
    GramJs,
    /// mtcute's string session.
    Mtcute,
    /// MTKruto's auth string.
    MtKruto,
    /// gogram's string session.
    Gogram,
    /// gotgproto's string session (a gotd session).
    Gotgproto,
}

impl SessionFormat {
    /// Every format, in declaration order.
    pub const ALL: [SessionFormat; 7] = [
        SessionFormat::Telethon,
        SessionFormat::Pyrogram,
        SessionFormat::GramJs,
        SessionFormat::Mtcute,
        SessionFormat::MtKruto,
        SessionFormat::Gogram,
        SessionFormat::Gotgproto,
    ];

    /// The lowercase name (`telethon`, `pyrogram`, ...), as errors and
    /// `Display` print it.
    pub fn name(self) -> &'static str {
        match self {
            SessionFormat::Telethon => "telethon",
            SessionFormat::Pyrogram => "pyrogram",
            SessionFormat::GramJs => "gramjs",
            SessionFormat::Mtcute => "mtcute",
            SessionFormat::MtKruto => "mtkruto",
            SessionFormat::Gogram => "gogram",
            SessionFormat::Gotgproto => "gotgproto",
        }
    }
}

impl fmt::Display for SessionFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SessionFormat {
    type Err = Error;

    /// Parses a format name, ignoring case.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for any other name.
    fn from_str(s: &str) -> Result<Self> {
        SessionFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid(
                    "session format",
                    format!(
                        "{s:?} is none of telethon, pyrogram, gramjs, mtcute, mtkruto, gogram, gotgproto"
                    ),
                )
            })
    }
}

/// Encodes a session in `format`.
///
/// # Errors
/// [`Error::MissingField`] when the format needs a field the session lacks
/// (every format needs `auth_key`; Pyrogram and MTKruto also `api_id` and
/// `user_id`; the formats with an address need `addr` unless the DC is in
/// [`dc_table`]); [`Error::InvalidInput`] for a value the format cannot hold
/// (see each module).
pub fn encode(session: &Session, format: SessionFormat) -> Result<String> {
    match format {
        SessionFormat::Telethon => telethon::encode(session),
        SessionFormat::Pyrogram => pyrogram::encode(session),
        SessionFormat::GramJs => gramjs::encode(session),
        SessionFormat::Mtcute => mtcute::encode(session),
        SessionFormat::MtKruto => mtkruto::encode(session),
        SessionFormat::Gogram => gogram::encode(session),
        SessionFormat::Gotgproto => gotgproto::encode(session),
    }
}

/// Decodes a string of a known format.
///
/// # Errors
/// [`Error::InvalidSessionString`] naming the format and the reason.
pub fn decode(string: &str, format: SessionFormat) -> Result<Session> {
    match format {
        SessionFormat::Telethon => telethon::decode(string),
        SessionFormat::Pyrogram => pyrogram::decode(string),
        SessionFormat::GramJs => gramjs::decode(string),
        SessionFormat::Mtcute => mtcute::decode(string),
        SessionFormat::MtKruto => mtkruto::decode(string),
        SessionFormat::Gogram => gogram::decode(string),
        SessionFormat::Gotgproto => gotgproto::decode(string),
    }
}

/// Recognises the format of a string and decodes it.
///
/// Surrounding white space is trimmed and missing base64 padding accepted.
/// The rules, in order:
///
/// 1. `1BvE` / `1BvX` → gogram.
/// 2. Any other leading `1` → Telethon or GramJS, told apart as GramJS does
///    (see [`gramjs`]): a 263-byte payload is Telethon IPv4; otherwise an
///    i16 after the DC id above 100 is a raw IPv6 address (Telethon), else
///    the length of GramJS's address text.
/// 3. Otherwise the first of gotgproto (base64 JSON), mtcute (version byte
///    3 and a well-formed TL layout), MTKruto (a `N`/`N-test` DC and a 256-byte
///    key) and Pyrogram (an exact payload size, a known DC id and 0/1 flag
///    bytes) that decodes the whole string.
///
/// # Errors
/// [`Error::InvalidSessionString`]: the one format's error when only one
/// format was possible, otherwise with format `any` and each candidate's
/// reason.
pub fn decode_any(string: &str) -> Result<(SessionFormat, Session)> {
    let s = string.trim();
    if s.is_empty() {
        return Err(codec::invalid("any", "the string is empty"));
    }
    if s.starts_with(gogram::PREFIX) || s.starts_with(gogram::LEGACY_PREFIX) {
        return gogram::decode(s).map(|session| (SessionFormat::Gogram, session));
    }
    if s.starts_with('1') {
        let (layout, session) = gramjs::decode_with_layout(s)?;
        let format = match layout {
            gramjs::Layout::Text => SessionFormat::GramJs,
            gramjs::Layout::TelethonIpv4 | gramjs::Layout::TelethonIpv6 => SessionFormat::Telethon,
        };
        return Ok((format, session));
    }
    let mut reasons = Vec::new();
    for format in [
        SessionFormat::Gotgproto,
        SessionFormat::Mtcute,
        SessionFormat::MtKruto,
        SessionFormat::Pyrogram,
    ] {
        match decode(s, format) {
            Ok(session) => return Ok((format, session)),
            Err(Error::InvalidSessionString { reason, .. }) => {
                reasons.push(format!("{format}: {reason}"));
            }
            Err(other) => return Err(other),
        }
    }
    Err(codec::invalid(
        "any",
        format!("no known format matches ({})", reasons.join("; ")),
    ))
}

/// Decodes a string of any format and encodes it in `to`.
///
/// # Errors
/// As [`decode_any`] and [`encode`].
pub fn convert(string: &str, to: SessionFormat) -> Result<String> {
    let (_, session) = decode_any(string)?;
    encode(&session, to)
}

/// The session's auth key, which every format needs, checked to be 256 bytes.
fn require_key<'a>(session: &'a Session, format: &'static str) -> Result<&'a [u8]> {
    let key = session
        .auth_key
        .as_ref()
        .filter(|k| !k.is_empty())
        .ok_or(Error::MissingField {
            format,
            field: "auth_key",
        })?;
    if key.len() != AuthKey::LEN {
        return Err(Error::invalid(
            "auth_key",
            format!(
                "{format} needs {} bytes, the key has {}",
                AuthKey::LEN,
                key.len()
            ),
        ));
    }
    Ok(key.as_bytes())
}
