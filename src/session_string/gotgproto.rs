//! gotgproto's string session (`github.com/celestix/gotgproto`,
//! `functions.EncodeSessionToString`), which wraps a gotd session
//! (`github.com/gotd/td/session`):
//!
//! ```text
//! base64( {"Version":1,"Data":"<base64 of gotd JSON>"} + "\n" )
//! gotd JSON = {"Version":1,"Data":{"Config":{…,"TestMode":…},"DC":2,
//!              "Addr":"149.154.167.51:443","AuthKey":"<base64>",
//!              "AuthKeyID":"<base64>","Salt":0}}
//! ```
//!
//! Standard base64 with padding everywhere (Go's `[]byte` in JSON);
//! `AuthKeyID` is the last 8 bytes of SHA-1(key). Carries the DC id, address,
//! port, test mode and auth key; no api_id and no user. [`decode`] also
//! accepts the gotd JSON alone (without gotgproto's wrapper). Pinned from the
//! source of gotgproto and gotd (no Go toolchain here to produce reference
//! strings).

use super::codec::{b64_decode, invalid, join_host_port, split_host_port};
use super::gogram::auth_key_id;
use super::{codec, dc_table};
use crate::AuthKey;
use crate::error::Result;
use crate::types::Session;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const FORMAT: &str = "gotgproto";

#[derive(Serialize)]
#[allow(non_snake_case)]
struct Config {
    BlockedMode: bool,
    ForceTryIpv6: bool,
    Date: i64,
    Expires: i64,
    TestMode: bool,
    ThisDC: i64,
    DCOptions: Option<Vec<Value>>,
    DCTxtDomainName: String,
    TmpSessions: i64,
    WebfileDCID: i64,
}

#[derive(Serialize)]
#[allow(non_snake_case)]
struct Data {
    Config: Config,
    DC: i64,
    Addr: String,
    AuthKey: String,
    AuthKeyID: String,
    Salt: i64,
}

#[derive(Serialize)]
#[allow(non_snake_case)]
struct Versioned<T> {
    Version: i64,
    Data: T,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct DataIn {
    #[serde(default)]
    Config: Option<Value>,
    #[serde(default)]
    DC: i64,
    #[serde(default)]
    Addr: String,
    #[serde(default)]
    AuthKey: Option<String>,
    #[serde(default)]
    AuthKeyID: Option<String>,
}

/// Encodes a session as a gotgproto string session. When the session has no
/// address, the DC's IPv4 address and port come from [`dc_table`].
///
/// # Errors
/// [`crate::Error::MissingField`] without an auth key, or without an address when
/// the DC is not in the table; [`crate::Error::InvalidInput`] for a key that is not
/// 256 bytes.
pub fn encode(session: &Session) -> Result<String> {
    let key = super::require_key(session, FORMAT)?;
    let (addr, port) = dc_table::address_for(session, FORMAT)?;
    let gotd = Versioned {
        Version: 1,
        Data: Data {
            Config: Config {
                BlockedMode: false,
                ForceTryIpv6: false,
                Date: 0,
                Expires: 0,
                TestMode: session.test_mode,
                ThisDC: 0,
                DCOptions: None,
                DCTxtDomainName: String::new(),
                TmpSessions: 0,
                WebfileDCID: 0,
            },
            DC: i64::from(session.dc),
            Addr: join_host_port(&addr, port),
            AuthKey: STANDARD.encode(key),
            AuthKeyID: STANDARD.encode(auth_key_id(key)),
            Salt: 0,
        },
    };
    let outer = Versioned {
        Version: 1,
        Data: STANDARD.encode(serde_json::to_vec(&gotd)?),
    };
    let mut text = serde_json::to_vec(&outer)?;
    text.push(b'\n');
    Ok(STANDARD.encode(text))
}

/// Decodes a gotgproto string session (or a base64 gotd session JSON).
///
/// # Errors
/// [`crate::Error::InvalidSessionString`] naming `gotgproto` and the reason: invalid
/// base64 or JSON, a gotd session version other than 1, an auth key that is
/// not 256 bytes, an auth key id that does not match the key, or an `Addr`
/// that is not `host:port` or has port 0.
pub fn decode(string: &str) -> Result<Session> {
    let bytes = b64_decode(FORMAT, string.trim())?;
    let outer: Value = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(FORMAT, format!("invalid JSON: {e}")))?;
    let gotd: Value = match outer.get("Data") {
        Some(Value::String(inner)) => {
            let inner = b64_decode(FORMAT, inner)?;
            serde_json::from_slice(&inner)
                .map_err(|e| invalid(FORMAT, format!("invalid gotd JSON: {e}")))?
        }
        Some(Value::Object(_)) => outer,
        _ => return Err(invalid(FORMAT, "no \"Data\" field")),
    };
    match gotd.get("Version").and_then(Value::as_i64) {
        Some(1) => {}
        v => {
            return Err(invalid(
                FORMAT,
                format!("gotd session version {v:?}, expected 1"),
            ));
        }
    }
    let data: DataIn = gotd
        .get("Data")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| invalid(FORMAT, format!("invalid gotd session data: {e}")))?
        .ok_or_else(|| invalid(FORMAT, "the gotd session has no \"Data\""))?;
    let key = b64_decode(FORMAT, data.AuthKey.as_deref().unwrap_or(""))?;
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
    if let Some(id) = data.AuthKeyID.as_deref().filter(|s| !s.is_empty())
        && b64_decode(FORMAT, id)? != auth_key_id(&key)
    {
        return Err(invalid(FORMAT, "AuthKeyID does not match the auth key"));
    }
    let dc = i32::try_from(data.DC)
        .ok()
        .filter(|&d| d >= 0)
        .ok_or_else(|| invalid(FORMAT, format!("DC id {} is out of range", data.DC)))?;
    let test_mode = data
        .Config
        .as_ref()
        .and_then(|c| c.get("TestMode"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut session = Session {
        dc,
        test_mode,
        auth_key: Some(AuthKey::new(key)),
        ..Session::default()
    };
    if data.Addr.is_empty() {
        dc_table::fill_address(&mut session);
    } else {
        let (host, port) = split_host_port(&data.Addr)
            .ok_or_else(|| invalid(FORMAT, format!("Addr {:?} is not host:port", data.Addr)))?;
        session.addr = host.to_owned();
        session.port = codec::port(FORMAT, port, "the Addr port")?;
    }
    Ok(session)
}
