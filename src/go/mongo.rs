//! The Go package's MongoDB store (`github.com/mtgo-labs/storage/mongodb`).
//!
//! Its collections carry the names of ours (`sessions`, `peers`,
//! `conversations`, `update_state`, `update_dedup`, `durable_updates`, plus
//! `channel_update_state`) with other documents: one session document with
//! no name, peers with their id as `_id` and no session field,
//! conversations keyed by chat and user only. Those belong to one account,
//! filed under the name the caller gives; the update collections carry Go's
//! `session_id`. Documents of this crate (they have a `session` field) are
//! skipped.
//!
//! The Go adapter writes conversations, update state, channel pts, dedup
//! keys and durable updates with `ReplaceOne(filter, doc, upsert)`, and a
//! replacement upsert stores the replacement document only: the filter's
//! fields (`chat_id`, `user_id`, `session_id`, `channel_id`, `dedup_key`,
//! `id`) are not in the documents it inserts, so the Go code cannot find them
//! again either. Such a document cannot be attributed to a chat, session or
//! id: it is left out and listed in [`GoMongo::skipped`]. Its session
//! document lacks the DC id for the same kind of reason (`SaveSession` never
//! writes the `dc_id` that `LoadSession` reads): it arrives as DC 0. Numbers are read whatever BSON type Go's driver chose (`int` is
//! Int32 when it fits, Int64 otherwise).

use super::{GoPeer, GoSession, GoSessionRow, Sessions, bad_row, durable, fit};
use crate::error::{Error, Result};
use crate::types::{ChannelState, Conversation, UpdateState};
use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;
use mongodb::Database;

/// Connects to `uri` and returns the database `database` (nothing is
/// created).
///
/// # Errors
/// [`Error::Backend`] when the URI is invalid or the server does not answer.
pub async fn connect(uri: &str, database: &str) -> Result<Database> {
    let client = mongodb::Client::with_uri_str(uri)
        .await
        .map_err(|e| Error::backend("mongodb", e))?;
    let db = client.database(database);
    db.run_command(doc! { "ping": 1 })
        .await
        .map_err(|e| Error::backend("mongodb", e))?;
    Ok(db)
}

/// One document being read: its collection and key, for error messages.
struct Doc<'a> {
    d: &'a Document,
    place: String,
    key: String,
}

impl Doc<'_> {
    fn err(&self, field: &str, what: &str) -> Error {
        bad_row(
            &self.place,
            &self.key,
            format_args!("field {field} does not hold {what}"),
        )
    }

    fn int(&self, f: &str) -> Result<i64> {
        match self.d.get(f) {
            None | Some(Bson::Null) => Ok(0),
            Some(Bson::Int32(v)) => Ok(i64::from(*v)),
            Some(Bson::Int64(v)) => Ok(*v),
            Some(Bson::Boolean(v)) => Ok(i64::from(*v)),
            Some(Bson::Double(v)) if v.fract() == 0.0 && v.abs() < 9.0e15 => Ok(*v as i64),
            Some(_) => Err(self.err(f, "an integer")),
        }
    }

    fn bool(&self, f: &str) -> Result<bool> {
        Ok(self.int(f)? != 0)
    }

    fn text(&self, f: &str) -> Result<String> {
        match self.d.get(f) {
            None | Some(Bson::Null) => Ok(String::new()),
            Some(Bson::String(s)) => Ok(s.clone()),
            Some(_) => Err(self.err(f, "a string")),
        }
    }

    fn bytes(&self, f: &str) -> Result<Vec<u8>> {
        match self.d.get(f) {
            None | Some(Bson::Null) => Ok(Vec::new()),
            Some(Bson::Binary(b)) => Ok(b.bytes.clone()),
            Some(_) => Err(self.err(f, "binary data")),
        }
    }
}

async fn all(db: &Database, collection: &str) -> Result<Vec<Document>> {
    // Documents of this crate carry a `session` field; Go's never do.
    let filter = doc! { crate::mongo::SESSION_FIELD: { "$exists": false } };
    db.collection::<Document>(collection)
        .find(filter)
        .await
        .map_err(|e| Error::backend("mongodb", e))?
        .try_collect()
        .await
        .map_err(|e| Error::backend("mongodb", e))
}

/// What [`read`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMongo {
    /// Every session with something to carry.
    pub sessions: Vec<GoSession>,
    /// Documents left out, one line each (collection, `_id`, why).
    pub skipped: Vec<String>,
}

/// Whether every key field is in the document; otherwise notes it skipped.
fn keyed(d: &Document, collection: &str, keys: &[&str], skipped: &mut Vec<String>) -> bool {
    let missing: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !d.contains_key(*k))
        .collect();
    if missing.is_empty() {
        return true;
    }
    skipped.push(format!(
        "collection {collection}, _id {}: no {} (the Go adapter's replace-upsert left it out; \
         Go cannot read this document either)",
        d.get("_id").map(ToString::to_string).unwrap_or_default(),
        missing.join(", ")
    ));
    false
}

/// Reads everything the Go MongoDB adapter wrote in `db`. Its session,
/// peers and conversations (which carry no session name) are filed under
/// `account`, as is an empty Go `session_id`.
///
/// # Errors
/// [`Error::Corrupt`] naming the collection and document that cannot be
/// carried; [`Error::Backend`] when a read fails.
pub async fn read(db: &Database, account: &str) -> Result<GoMongo> {
    let mut out = Sessions::new(account);
    let mut skipped = Vec::new();

    if let Some(d) = all(db, "sessions").await?.first() {
        let doc = Doc {
            d,
            place: "collection sessions".into(),
            key: format!(
                "_id {}",
                d.get("_id").map(ToString::to_string).unwrap_or_default()
            ),
        };
        let rec = GoSessionRow {
            dc: doc.int("dc_id")?,
            api_id: doc.int("api_id")?,
            api_hash: doc.text("api_hash")?,
            test_mode: doc.bool("test_mode")?,
            auth_key: doc.bytes("auth_key")?,
            state: doc.bytes("state")?,
            user_id: doc.int("user_id")?,
            is_bot: doc.bool("is_bot")?,
            first_name: doc.text("first_name")?,
            last_name: doc.text("last_name")?,
            username: doc.text("username")?,
            date: doc.int("date")?,
            addr: doc.text("server_address")?,
            port: doc.int("port")?,
        };
        let s = out.get("");
        let name = s.name.clone();
        s.session = Some(rec.convert(&name, &doc.place, &doc.key)?);
    }

    for d in &all(db, "peers").await? {
        let mut doc = Doc {
            d,
            place: "collection peers".into(),
            key: String::new(),
        };
        let id = doc.int("_id")?;
        doc.key = format!("_id {id}");
        let peer = GoPeer {
            id,
            peer_type: doc.int("type")?,
            access_hash: doc.int("access_hash")?,
            username: doc.text("username")?,
            usernames: doc.text("usernames")?,
            first_name: doc.text("first_name")?,
            last_name: doc.text("last_name")?,
            phone_number: doc.text("phone_number")?,
            is_bot: doc.bool("is_bot")?,
            photo_id: doc.int("photo_id")?,
            language: doc.text("language")?,
            last_updated: doc.int("last_updated")?,
        }
        .convert(&doc.place, &doc.key)?;
        out.get("").peers.push(peer);
    }

    for d in &all(db, "conversations").await? {
        if !keyed(d, "conversations", &["chat_id", "user_id"], &mut skipped) {
            continue;
        }
        let mut doc = Doc {
            d,
            place: "collection conversations".into(),
            key: String::new(),
        };
        let (chat_id, user_id) = (doc.int("chat_id")?, doc.int("user_id")?);
        doc.key = format!("chat_id {chat_id} user_id {user_id}");
        let conversation = Conversation {
            chat_id,
            user_id,
            name: doc.text("name")?,
            step: fit(doc.int("step")?, "step", &doc.place, &doc.key)?,
            data: doc.bytes("data")?,
            created_at: doc.int("created_at")?,
            updated_at: doc.int("updated_at")?,
        };
        out.get("").conversations.push(conversation);
    }

    for d in &all(db, "update_state").await? {
        if !keyed(d, "update_state", &["session_id"], &mut skipped) {
            continue;
        }
        let mut doc = Doc {
            d,
            place: "collection update_state".into(),
            key: String::new(),
        };
        let go_name = doc.text("session_id")?;
        doc.key = format!("session_id {go_name:?}");
        let state = UpdateState {
            pts: fit(doc.int("pts")?, "pts", &doc.place, &doc.key)?,
            qts: fit(doc.int("qts")?, "qts", &doc.place, &doc.key)?,
            date: fit(doc.int("date")?, "date", &doc.place, &doc.key)?,
            seq: fit(doc.int("seq")?, "seq", &doc.place, &doc.key)?,
        };
        out.get(&go_name).update_state = Some(state);
    }

    for d in &all(db, "channel_update_state").await? {
        if !keyed(
            d,
            "channel_update_state",
            &["session_id", "channel_id"],
            &mut skipped,
        ) {
            continue;
        }
        let mut doc = Doc {
            d,
            place: "collection channel_update_state".into(),
            key: String::new(),
        };
        let go_name = doc.text("session_id")?;
        let channel_id = doc.int("channel_id")?;
        doc.key = format!("session_id {go_name:?} channel_id {channel_id}");
        let pts = fit(doc.int("pts")?, "pts", &doc.place, &doc.key)?;
        out.get(&go_name)
            .channels
            .push(ChannelState { channel_id, pts });
    }

    for d in &all(db, "update_dedup").await? {
        if !keyed(
            d,
            "update_dedup",
            &["session_id", "dedup_key"],
            &mut skipped,
        ) {
            continue;
        }
        let mut doc = Doc {
            d,
            place: "collection update_dedup".into(),
            key: String::new(),
        };
        let go_name = doc.text("session_id")?;
        let key = doc.text("dedup_key")?;
        doc.key = format!("session_id {go_name:?} dedup_key {key:?}");
        let seen = doc.int("created_at")?;
        out.get(&go_name).dedup_keys.push((key, seen));
    }

    for d in &all(db, "durable_updates").await? {
        if !keyed(d, "durable_updates", &["session_id", "id"], &mut skipped) {
            continue;
        }
        let mut doc = Doc {
            d,
            place: "collection durable_updates".into(),
            key: String::new(),
        };
        let go_name = doc.text("session_id")?;
        let id = doc.text("id")?;
        doc.key = format!("session_id {go_name:?} id {id:?}");
        let update = durable(
            id,
            doc.bytes("payload")?,
            doc.int("attempts")?,
            doc.text("last_error")?,
            doc.int("created_at")?,
            &doc.place,
            &doc.key,
        )?;
        out.get(&go_name).queue.push(update);
    }
    Ok(GoMongo {
        sessions: out.finish(),
        skipped,
    })
}
