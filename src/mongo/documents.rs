//! Typed BSON documents: how each record is written and read back.
//!
//! Every document carries the session name in the field `session`. Ids,
//! access hashes and times are `Int64`; small numbers (`dc`, `port`, `pts`,
//! `step`, the peer type) are `Int32`; auth keys, state, conversation data
//! and payloads are BSON binary (subtype 0). Peers also carry their
//! normalized usernames (`username_keys`) and phone (`phone_key`), the fields
//! the lookups match exactly. Reading accepts only these types: anything else
//! is [`Error::Corrupt`], whose message names the field and the types, never
//! the value.

use crate::types::{
    ChannelKind, Conversation, DcAuth, DurableUpdate, Peer, PeerType, Session, UpdateState,
};
use crate::{AuthKey, Error, Result};
use bson::spec::{BinarySubtype, ElementType};
use bson::{Binary, Bson, Document, doc};

/// The field holding the session name in every document.
pub(crate) const SESSION: &str = "session";

/// BSON binary of subtype 0.
pub(crate) fn binary(bytes: &[u8]) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Generic,
        bytes: bytes.to_vec(),
    })
}

/// Reads typed fields out of a document, turning surprises into
/// [`Error::Corrupt`] for `what`.
pub(crate) struct Reader<'a> {
    doc: &'a Document,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(doc: &'a Document, what: &'static str) -> Self {
        Self { doc, what }
    }

    fn wrong(&self, key: &str, expected: &str) -> Error {
        let reason = match self.doc.get(key) {
            None => format!("field `{key}` is missing (expected {expected})"),
            Some(v) => format!(
                "field `{key}` is {} (expected {expected})",
                type_name(v.element_type())
            ),
        };
        Error::Corrupt {
            what: self.what,
            reason,
        }
    }

    pub(crate) fn i64(&self, key: &str) -> Result<i64> {
        match self.doc.get(key) {
            Some(Bson::Int64(v)) => Ok(*v),
            _ => Err(self.wrong(key, "int64")),
        }
    }

    pub(crate) fn i32(&self, key: &str) -> Result<i32> {
        match self.doc.get(key) {
            Some(Bson::Int32(v)) => Ok(*v),
            _ => Err(self.wrong(key, "int32")),
        }
    }

    pub(crate) fn u16(&self, key: &str) -> Result<u16> {
        let v = self.i32(key)?;
        u16::try_from(v).map_err(|_| Error::Corrupt {
            what: self.what,
            reason: format!("field `{key}` is {v}, not a port number"),
        })
    }

    pub(crate) fn bool(&self, key: &str) -> Result<bool> {
        match self.doc.get(key) {
            Some(Bson::Boolean(v)) => Ok(*v),
            _ => Err(self.wrong(key, "bool")),
        }
    }

    /// A boolean, or `None` when the field is missing or null.
    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.doc.get(key) {
            None | Some(Bson::Null) => Ok(None),
            _ => self.bool(key).map(Some),
        }
    }

    /// An int32, or `None` when the field is missing or null.
    pub(crate) fn opt_i32(&self, key: &str) -> Result<Option<i32>> {
        match self.doc.get(key) {
            None | Some(Bson::Null) => Ok(None),
            _ => self.i32(key).map(Some),
        }
    }

    /// A port, or `None` when the field is missing or null.
    pub(crate) fn opt_u16(&self, key: &str) -> Result<Option<u16>> {
        match self.doc.get(key) {
            None | Some(Bson::Null) => Ok(None),
            _ => self.u16(key).map(Some),
        }
    }

    pub(crate) fn string(&self, key: &str) -> Result<String> {
        match self.doc.get(key) {
            Some(Bson::String(v)) => Ok(v.clone()),
            _ => Err(self.wrong(key, "string")),
        }
    }

    pub(crate) fn opt_string(&self, key: &str) -> Result<Option<String>> {
        match self.doc.get(key) {
            None | Some(Bson::Null) => Ok(None),
            Some(Bson::String(v)) => Ok(Some(v.clone())),
            _ => Err(self.wrong(key, "string or null")),
        }
    }

    pub(crate) fn strings(&self, key: &str) -> Result<Vec<String>> {
        match self.doc.get(key) {
            Some(Bson::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Bson::String(s) => Ok(s.clone()),
                    _ => Err(self.wrong(key, "array of strings")),
                })
                .collect(),
            _ => Err(self.wrong(key, "array of strings")),
        }
    }

    pub(crate) fn bytes(&self, key: &str) -> Result<Vec<u8>> {
        match self.doc.get(key) {
            Some(Bson::Binary(b)) if b.subtype == BinarySubtype::Generic => Ok(b.bytes.clone()),
            _ => Err(self.wrong(key, "binary")),
        }
    }

    pub(crate) fn opt_bytes(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self.doc.get(key) {
            None | Some(Bson::Null) => Ok(None),
            _ => self.bytes(key).map(Some),
        }
    }
}

fn type_name(t: ElementType) -> &'static str {
    match t {
        ElementType::Double => "double",
        ElementType::String => "string",
        ElementType::EmbeddedDocument => "document",
        ElementType::Array => "array",
        ElementType::Binary => "binary",
        ElementType::Boolean => "bool",
        ElementType::Null => "null",
        ElementType::Int32 => "int32",
        ElementType::Int64 => "int64",
        ElementType::Decimal128 => "decimal128",
        ElementType::DateTime => "date",
        ElementType::ObjectId => "objectId",
        _ => "another type",
    }
}

/// The session document.
pub(crate) fn session_doc(name: &str, s: &Session) -> Document {
    doc! {
        SESSION: name,
        "dc": s.dc,
        "api_id": s.api_id,
        "api_hash": &s.api_hash,
        "test_mode": s.test_mode,
        "auth_key": s.auth_key.as_ref().map_or(Bson::Null, |k| binary(k.as_bytes())),
        "state": binary(&s.state),
        "user_id": s.user_id,
        "is_bot": s.is_bot,
        "first_name": &s.first_name,
        "last_name": &s.last_name,
        "username": &s.username,
        "date": s.date,
        "addr": &s.addr,
        "port": i32::from(s.port),
    }
}

pub(crate) fn session_from(doc: &Document) -> Result<Session> {
    let r = Reader::new(doc, "mongodb session document");
    Ok(Session {
        name: r.string(SESSION)?,
        dc: r.i32("dc")?,
        api_id: r.i32("api_id")?,
        api_hash: r.string("api_hash")?,
        test_mode: r.bool("test_mode")?,
        auth_key: r.opt_bytes("auth_key")?.map(AuthKey::new),
        state: r.bytes("state")?,
        user_id: r.i64("user_id")?,
        is_bot: r.bool("is_bot")?,
        first_name: r.string("first_name")?,
        last_name: r.string("last_name")?,
        username: r.string("username")?,
        date: r.i64("date")?,
        addr: r.string("addr")?,
        port: r.u16("port")?,
    })
}

/// The peer document, with the normalized lookup fields.
pub(crate) fn peer_doc(name: &str, p: &Peer) -> Document {
    doc! {
        SESSION: name,
        "id": p.id,
        "type": p.peer_type.as_i32(),
        "access_hash": p.access_hash,
        "username": &p.username,
        "usernames": &p.usernames,
        "first_name": &p.first_name,
        "last_name": &p.last_name,
        "phone_number": &p.phone_number,
        "is_bot": p.is_bot,
        "photo_id": p.photo_id,
        "language": &p.language,
        "last_updated": p.last_updated,
        "access_hash_known": p.access_hash_known,
        "is_bot_known": p.is_bot_known,
        "is_self": p.is_self,
        "channel_kind": p.channel_kind.map(ChannelKind::as_i32),
        "min": p.min,
        "username_keys": p.normalized_usernames(),
        "phone_key": p.normalized_phone(),
    }
}

pub(crate) fn peer_from(doc: &Document) -> Result<Peer> {
    let r = Reader::new(doc, "mongodb peer document");
    Ok(Peer {
        id: r.i64("id")?,
        peer_type: PeerType::try_from(r.i32("type")?)?,
        access_hash: r.i64("access_hash")?,
        username: r.string("username")?,
        usernames: r.strings("usernames")?,
        first_name: r.string("first_name")?,
        last_name: r.string("last_name")?,
        phone_number: r.string("phone_number")?,
        is_bot: r.bool("is_bot")?,
        photo_id: r.i64("photo_id")?,
        language: r.string("language")?,
        last_updated: r.i64("last_updated")?,
        // Documents written before these fields existed lack them.
        access_hash_known: r.opt_bool("access_hash_known")?.unwrap_or(true),
        is_bot_known: r.opt_bool("is_bot_known")?.unwrap_or(true),
        is_self: r.opt_bool("is_self")?,
        channel_kind: r
            .opt_i32("channel_kind")?
            .map(ChannelKind::try_from)
            .transpose()?,
        min: r.opt_bool("min")?.unwrap_or(false),
    })
}

pub(crate) fn conversation_from(doc: &Document) -> Result<Conversation> {
    let r = Reader::new(doc, "mongodb conversation document");
    Ok(Conversation {
        chat_id: r.i64("chat_id")?,
        user_id: r.i64("user_id")?,
        name: r.string("name")?,
        step: r.i32("step")?,
        data: r.bytes("data")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub(crate) fn dc_auth_doc(name: &str, e: &DcAuth) -> Document {
    doc! {
        SESSION: name,
        "dc_id": e.dc_id,
        "auth_key": binary(e.auth_key.as_bytes()),
        "server_salt": e.server_salt,
        "port": i32::from(e.port),
        "server_addr": &e.server_addr,
        "ipv6_addr": &e.ipv6_addr,
        "ipv6_port": i32::from(e.ipv6_port),
    }
}

pub(crate) fn dc_auth_from(doc: &Document) -> Result<DcAuth> {
    let r = Reader::new(doc, "mongodb dc_auth document");
    Ok(DcAuth {
        dc_id: r.i32("dc_id")?,
        auth_key: AuthKey::new(r.bytes("auth_key")?),
        server_salt: r.i64("server_salt")?,
        port: r.u16("port")?,
        server_addr: r.string("server_addr")?,
        // Documents written before these fields existed lack them.
        ipv6_addr: r.opt_string("ipv6_addr")?.unwrap_or_default(),
        ipv6_port: r.opt_u16("ipv6_port")?.unwrap_or(0),
    })
}

pub(crate) fn update_state_doc(name: &str, s: &UpdateState) -> Document {
    doc! { SESSION: name, "pts": s.pts, "qts": s.qts, "date": s.date, "seq": s.seq }
}

pub(crate) fn update_state_from(doc: &Document) -> Result<UpdateState> {
    let r = Reader::new(doc, "mongodb update_state document");
    Ok(UpdateState {
        pts: r.i32("pts")?,
        qts: r.i32("qts")?,
        date: r.i32("date")?,
        seq: r.i32("seq")?,
    })
}

pub(crate) fn durable_doc(name: &str, u: &DurableUpdate) -> Document {
    doc! {
        SESSION: name,
        "id": &u.id,
        "payload": binary(&u.payload),
        "created_at": u.created_at,
        "attempts": i64::from(u.attempts),
        "last_error": u.last_error.as_deref().map_or(Bson::Null, Bson::from),
    }
}

pub(crate) fn durable_from(doc: &Document) -> Result<DurableUpdate> {
    let r = Reader::new(doc, "mongodb durable update document");
    let attempts = r.i64("attempts")?;
    Ok(DurableUpdate {
        id: r.string("id")?,
        payload: r.bytes("payload")?,
        created_at: r.i64("created_at")?,
        attempts: u32::try_from(attempts).map_err(|_| Error::Corrupt {
            what: "mongodb durable update document",
            reason: format!("field `attempts` is {attempts}, out of range"),
        })?,
        last_error: r.opt_string("last_error")?,
    })
}
