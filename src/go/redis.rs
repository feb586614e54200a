//! The Go package's Redis store (`github.com/mtgo-labs/storage/redis`).
//!
//! Its keys are `<prefix>:<session>:<kind>[:<rest>]` (prefix `mtgo` unless
//! configured), each value one JSON document of a Go struct:
//! `session`, `peer:<id>`, `conv:<chat>:<user>`, `update_state`,
//! `ch_pts:<channel>`, `durable:<id>`, and `dedup:<key>` holding `1`.
//! `peer_uname:<name>` keys are an index of the peers and are not read.
//! This crate's own keys (`<prefix>:{<session>}:…`, with the hash tag) are
//! skipped. The reader only runs `SCAN` and `GET`.

use super::{GoPeer, GoSession, GoSessionRow, Sessions, bad_row, durable, fit};
use crate::error::{Error, Result};
use crate::types::{ChannelState, Conversation, UpdateState, unix_now};
use ::redis::AsyncCommands;
use ::redis::aio::MultiplexedConnection;
use base64::Engine;
use serde::Deserialize;

/// Connects to the Redis server at `url` (nothing is written).
///
/// # Errors
/// [`Error::Backend`] when the URL is invalid or the server does not answer.
pub async fn connect(url: &str) -> Result<MultiplexedConnection> {
    let client = ::redis::Client::open(url).map_err(|e| Error::backend("redis", e))?;
    client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| Error::backend("redis", e))
}

fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What a Go key names, with its session.
enum Kind {
    Session,
    Peer,
    Conversation,
    UpdateState,
    Channel,
    Dedup(String),
    Durable,
}

/// Splits `<session>:<kind>[:<rest>]` (the part after the prefix).
fn parse(rest: &str) -> Option<(String, Kind)> {
    if let Some(session) = rest.strip_suffix(":session") {
        return Some((session.to_owned(), Kind::Session));
    }
    if let Some(session) = rest.strip_suffix(":update_state") {
        return Some((session.to_owned(), Kind::UpdateState));
    }
    for token in [":peer:", ":conv:", ":ch_pts:", ":dedup:", ":durable:"] {
        if let Some(at) = rest.find(token) {
            let session = rest[..at].to_owned();
            let tail = &rest[at + token.len()..];
            let kind = match token {
                ":peer:" => Kind::Peer,
                ":conv:" => Kind::Conversation,
                ":ch_pts:" => Kind::Channel,
                ":dedup:" => Kind::Dedup(tail.to_owned()),
                _ => Kind::Durable,
            };
            return Some((session, kind));
        }
    }
    None
}

/// Go's `[]byte` in JSON: base64, or `null`.
fn b64(text: Option<String>, field: &str, place: &str, row: &str) -> Result<Vec<u8>> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => base64::engine::general_purpose::STANDARD
            .decode(t.as_bytes())
            .map_err(|_| bad_row(place, row, format_args!("{field} is not base64"))),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonSession {
    dc: i64,
    api_id: i64,
    api_hash: String,
    test_mode: bool,
    auth_key: Option<String>,
    state: Option<String>,
    user_id: i64,
    is_bot: bool,
    first_name: String,
    last_name: String,
    username: String,
    date: i64,
    addr: String,
    port: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonPeer {
    id: i64,
    #[serde(rename = "type")]
    peer_type: i64,
    access_hash: i64,
    username: String,
    usernames: String,
    first_name: String,
    last_name: String,
    phone_number: String,
    is_bot: bool,
    photo_id: i64,
    language: String,
    last_updated: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonConversation {
    chat_id: i64,
    user_id: i64,
    name: String,
    step: i64,
    data: Option<String>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonUpdateState {
    pts: i64,
    qts: i64,
    date: i64,
    seq: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonChannel {
    channel_id: i64,
    pts: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonDurable {
    id: String,
    payload: Option<String>,
    attempts: i64,
    last_error: String,
    created_at: i64,
}

fn json<T: for<'de> Deserialize<'de>>(value: &[u8], key: &str) -> Result<T> {
    serde_json::from_slice(value).map_err(|e| {
        bad_row(
            "Redis",
            &format!("key {key:?}"),
            format_args!("not the Go JSON document: {e}"),
        )
    })
}

/// Reads everything the Go Redis adapter wrote under `prefix`. A key of an
/// empty Go session name is filed under `fallback`. Dedup keys are carried
/// with the time of the import as their time seen (the Go adapter stores
/// none).
///
/// # Errors
/// [`Error::Corrupt`] naming the key that cannot be carried;
/// [`Error::Backend`] when Redis fails.
pub async fn read(
    mut conn: MultiplexedConnection,
    prefix: &str,
    fallback: &str,
) -> Result<Vec<GoSession>> {
    let head = format!("{prefix}:");
    let pattern = format!("{}*", glob_escape(&head));
    let mut keys: Vec<String> = Vec::new();
    {
        let mut iter: ::redis::AsyncIter<String> = conn
            .scan_match(&pattern)
            .await
            .map_err(|e| Error::backend("redis", e))?;
        while let Some(item) = iter.next_item().await {
            keys.push(item.map_err(|e| Error::backend("redis", e))?);
        }
    }
    keys.sort();
    let now = unix_now();
    let mut out = Sessions::new(fallback);
    for key in keys {
        let Some(rest) = key.strip_prefix(&head) else {
            continue;
        };
        let Some((go_name, kind)) = parse(rest) else {
            continue;
        };
        if go_name.starts_with('{') && go_name.ends_with('}') {
            // This crate's own keys (the session name as a hash tag).
            continue;
        }
        let value: Option<Vec<u8>> = conn
            .get(&key)
            .await
            .map_err(|e| Error::backend("redis", e))?;
        // A key that expired or is not a string since the scan is skipped.
        let Some(value) = value else { continue };
        let place = "Redis";
        let row = format!("key {key:?}");
        match kind {
            Kind::Session => {
                let j: JsonSession = json(&value, &key)?;
                let rec = GoSessionRow {
                    dc: j.dc,
                    api_id: j.api_id,
                    api_hash: j.api_hash,
                    test_mode: j.test_mode,
                    auth_key: b64(j.auth_key, "auth_key", place, &row)?,
                    state: b64(j.state, "state", place, &row)?,
                    user_id: j.user_id,
                    is_bot: j.is_bot,
                    first_name: j.first_name,
                    last_name: j.last_name,
                    username: j.username,
                    date: j.date,
                    addr: j.addr,
                    port: j.port,
                };
                let s = out.get(&go_name);
                let name = s.name.clone();
                s.session = Some(rec.convert(&name, place, &row)?);
            }
            Kind::Peer => {
                let j: JsonPeer = json(&value, &key)?;
                let peer = GoPeer {
                    id: j.id,
                    peer_type: j.peer_type,
                    access_hash: j.access_hash,
                    username: j.username,
                    usernames: j.usernames,
                    first_name: j.first_name,
                    last_name: j.last_name,
                    phone_number: j.phone_number,
                    is_bot: j.is_bot,
                    photo_id: j.photo_id,
                    language: j.language,
                    last_updated: j.last_updated,
                }
                .convert(place, &row)?;
                out.get(&go_name).peers.push(peer);
            }
            Kind::Conversation => {
                let j: JsonConversation = json(&value, &key)?;
                let conversation = Conversation {
                    chat_id: j.chat_id,
                    user_id: j.user_id,
                    name: j.name,
                    step: fit(j.step, "step", place, &row)?,
                    data: b64(j.data, "data", place, &row)?,
                    created_at: j.created_at,
                    updated_at: j.updated_at,
                };
                out.get(&go_name).conversations.push(conversation);
            }
            Kind::UpdateState => {
                let j: JsonUpdateState = json(&value, &key)?;
                let state = UpdateState {
                    pts: fit(j.pts, "pts", place, &row)?,
                    qts: fit(j.qts, "qts", place, &row)?,
                    date: fit(j.date, "date", place, &row)?,
                    seq: fit(j.seq, "seq", place, &row)?,
                };
                out.get(&go_name).update_state = Some(state);
            }
            Kind::Channel => {
                let j: JsonChannel = json(&value, &key)?;
                let pts = fit(j.pts, "pts", place, &row)?;
                out.get(&go_name).channels.push(ChannelState {
                    channel_id: j.channel_id,
                    pts,
                });
            }
            Kind::Dedup(dedup_key) => {
                out.get(&go_name).dedup_keys.push((dedup_key, now));
            }
            Kind::Durable => {
                let j: JsonDurable = json(&value, &key)?;
                let payload = b64(j.payload, "payload", place, &row)?;
                let update = durable(
                    j.id,
                    payload,
                    j.attempts,
                    j.last_error,
                    j.created_at,
                    place,
                    &row,
                )?;
                out.get(&go_name).queue.push(update);
            }
        }
    }
    Ok(out.finish())
}
