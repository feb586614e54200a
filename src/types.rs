//! Domain types: what a client stores, with the JSON field names of the Go
//! specification.

use crate::AuthKey;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The session name a handle uses unless told otherwise.
pub const DEFAULT_SESSION_NAME: &str = "default";

/// The logged-in account's session: home DC, auth key, API credentials, the
/// user and the server address.
///
/// `Debug` never shows the auth key bytes, only their length.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The session name this record belongs to. Stores fill it in on load;
    /// on save the handle's own session name is used.
    #[serde(default = "default_session_name")]
    pub name: String,
    /// Home data-center id.
    pub dc: i32,
    /// Telegram API id.
    pub api_id: i32,
    /// Telegram API hash.
    pub api_hash: String,
    /// Whether the session talks to Telegram's test servers.
    pub test_mode: bool,
    /// Authorization key of the home DC, if one was created.
    pub auth_key: Option<AuthKey>,
    /// Opaque client state.
    #[serde(with = "base64_bytes")]
    pub state: Vec<u8>,
    /// The logged-in user id (0 before login).
    pub user_id: i64,
    /// Whether the logged-in account is a bot.
    pub is_bot: bool,
    /// The user's first name.
    pub first_name: String,
    /// The user's last name.
    pub last_name: String,
    /// The user's username, without `@`.
    pub username: String,
    /// Unix time (seconds) the session was created or last refreshed.
    pub date: i64,
    /// Server address (IPv4, IPv6 or a host name).
    pub addr: String,
    /// Server port.
    pub port: u16,
}

fn default_session_name() -> String {
    DEFAULT_SESSION_NAME.to_owned()
}

impl Default for Session {
    fn default() -> Self {
        Self {
            name: default_session_name(),
            dc: 0,
            api_id: 0,
            api_hash: String::new(),
            test_mode: false,
            auth_key: None,
            state: Vec::new(),
            user_id: 0,
            is_bot: false,
            first_name: String::new(),
            last_name: String::new(),
            username: String::new(),
            date: 0,
            addr: String::new(),
            port: 0,
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("name", &self.name)
            .field("dc", &self.dc)
            .field("api_id", &self.api_id)
            .field("api_hash", &"<redacted>")
            .field("test_mode", &self.test_mode)
            .field("auth_key", &self.auth_key)
            .field("state", &format_args!("{} bytes", self.state.len()))
            .field("user_id", &self.user_id)
            .field("is_bot", &self.is_bot)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("username", &self.username)
            .field("date", &self.date)
            .field("addr", &self.addr)
            .field("port", &self.port)
            .finish()
    }
}

/// The kind of a peer, stored as its number (user 0, chat 1, channel 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum PeerType {
    /// A user or a bot.
    #[default]
    User,
    /// A basic group chat.
    Chat,
    /// A channel or supergroup.
    Channel,
}

impl PeerType {
    /// The stored number: user 0, chat 1, channel 2.
    pub fn as_i32(self) -> i32 {
        match self {
            PeerType::User => 0,
            PeerType::Chat => 1,
            PeerType::Channel => 2,
        }
    }

    /// The lowercase name (`user`, `chat`, `channel`), as `Display` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            PeerType::User => "user",
            PeerType::Chat => "chat",
            PeerType::Channel => "channel",
        }
    }
}

impl TryFrom<i32> for PeerType {
    type Error = Error;

    /// Converts a stored number back.
    ///
    /// # Errors
    /// [`Error::Corrupt`] for any number other than 0, 1 and 2.
    fn try_from(value: i32) -> Result<Self> {
        match value {
            0 => Ok(PeerType::User),
            1 => Ok(PeerType::Chat),
            2 => Ok(PeerType::Channel),
            other => Err(Error::Corrupt {
                what: "peer type",
                reason: format!("{other} is not 0 (user), 1 (chat) or 2 (channel)"),
            }),
        }
    }
}

impl fmt::Display for PeerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PeerType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.as_i32())
    }
}

impl<'de> Deserialize<'de> for PeerType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let n = i32::deserialize(d)?;
        PeerType::try_from(n).map_err(serde::de::Error::custom)
    }
}

/// What kind of channel a [`PeerType::Channel`] peer is, stored as its number
/// (broadcast 1, megagroup 2, gigagroup 3, community 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// A broadcast channel (`channel.broadcast`).
    Broadcast,
    /// A supergroup (`channel.megagroup`).
    Megagroup,
    /// A broadcast group (`channel.gigagroup`).
    Gigagroup,
    /// A community (`community` or `communityForbidden`).
    Community,
}

impl ChannelKind {
    /// The stored number: broadcast 1, megagroup 2, gigagroup 3, community 4.
    pub fn as_i32(self) -> i32 {
        match self {
            ChannelKind::Broadcast => 1,
            ChannelKind::Megagroup => 2,
            ChannelKind::Gigagroup => 3,
            ChannelKind::Community => 4,
        }
    }
}

impl TryFrom<i32> for ChannelKind {
    type Error = Error;

    /// Converts a stored number back.
    ///
    /// # Errors
    /// [`Error::Corrupt`] for any number other than 1 to 4.
    fn try_from(value: i32) -> Result<Self> {
        match value {
            1 => Ok(ChannelKind::Broadcast),
            2 => Ok(ChannelKind::Megagroup),
            3 => Ok(ChannelKind::Gigagroup),
            4 => Ok(ChannelKind::Community),
            other => Err(Error::Corrupt {
                what: "channel kind",
                reason: format!(
                    "{other} is not 1 (broadcast), 2 (megagroup), 3 (gigagroup) or 4 (community)"
                ),
            }),
        }
    }
}

impl Serialize for ChannelKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.as_i32())
    }
}

impl<'de> Deserialize<'de> for ChannelKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let n = i32::deserialize(d)?;
        ChannelKind::try_from(n).map_err(serde::de::Error::custom)
    }
}

/// A cached peer: a user, chat or channel with what is needed to address it.
///
/// Text fields use the empty string for "none", as the specification does.
/// Lookups by username look at [`Peer::username`] and every entry of
/// [`Peer::usernames`], ignoring case and a leading `@`; lookups by phone
/// ignore `+`, spaces and dashes.
///
/// Four fields say what a client knows it does not know (grammers' `PeerInfo`
/// keeps "unknown" apart from `false` and 0): [`Peer::access_hash_known`],
/// [`Peer::is_bot_known`], [`Peer::is_self`] and [`Peer::channel_kind`]. Their
/// defaults (`true`, `true`, `None`, `None`) are what a peer stored before they
/// existed reads back as, and JSON leaves them out when they hold their default.
///
/// [`Peer::min`] marks a peer seen only as a Telegram `min` constructor; a
/// store saves it over a stored full peer as [`Peer::merged_over`] says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// Telegram id of the peer (as the client marks it).
    pub id: i64,
    /// Kind of peer.
    #[serde(rename = "type")]
    pub peer_type: PeerType,
    /// Access hash needed to address the peer.
    pub access_hash: i64,
    /// Main username, without `@`; empty if none.
    pub username: String,
    /// Additional (collectible) usernames.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usernames: Vec<String>,
    /// First name, or the title of a chat or channel.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone number as Telegram gave it; empty if unknown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone_number: String,
    /// Whether the peer is a bot.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_bot: bool,
    /// Id of the current profile photo, 0 if none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub photo_id: i64,
    /// Language code, empty if unknown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub language: String,
    /// When the client last saw this peer (Unix seconds). When several cached
    /// peers claim one username or phone, lookups return the one with the
    /// greatest `last_updated` (then the greatest id).
    pub last_updated: i64,
    /// Whether [`Peer::access_hash`] is known (`false`: the peer was seen
    /// without one and `access_hash` holds 0). Defaults to `true`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub access_hash_known: bool,
    /// Whether [`Peer::is_bot`] is known (`false`: unknown, and `is_bot` holds
    /// `false`). Defaults to `true`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub is_bot_known: bool,
    /// Whether this user is the logged-in account: `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_self: Option<bool>,
    /// The kind of a channel: `None` when unknown (and for users and chats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_kind: Option<ChannelKind>,
    /// Whether the peer was seen only as a `min` constructor (Telegram's
    /// `user.min` / `channel.min`: met in a group or a forwarded message,
    /// its access hash usable only through the message it was seen in, and
    /// its phone not reliable). Saved over a stored full peer (`min` false),
    /// it keeps that peer's access hash and phone ([`Peer::merged_over`]);
    /// a full peer saved over a min one replaces it. Defaults to `false`,
    /// what every peer stored before the flag existed reads back as; JSON
    /// leaves it out when `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub min: bool,
}

impl Default for Peer {
    /// An empty user peer whose access hash (0) and bot flag (`false`) count
    /// as known, as every peer stored before those flags existed.
    fn default() -> Self {
        Self {
            id: 0,
            peer_type: PeerType::User,
            access_hash: 0,
            username: String::new(),
            usernames: Vec::new(),
            first_name: String::new(),
            last_name: String::new(),
            phone_number: String::new(),
            is_bot: false,
            photo_id: 0,
            language: String::new(),
            last_updated: 0,
            access_hash_known: true,
            is_bot_known: true,
            is_self: None,
            channel_kind: None,
            min: false,
        }
    }
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

fn yes() -> bool {
    true
}

fn is_true(v: &bool) -> bool {
    *v
}

fn is_zero_u16(v: &u16) -> bool {
    *v == 0
}

impl Peer {
    /// A peer with an id, a type and an access hash; every other field empty.
    pub fn new(id: i64, peer_type: PeerType, access_hash: i64) -> Self {
        Self {
            id,
            peer_type,
            access_hash,
            ..Self::default()
        }
    }

    /// Every username of the peer, main first, normalized with
    /// [`crate::normalize_username`], without empties or repeats.
    pub fn normalized_usernames(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(1 + self.usernames.len());
        for name in std::iter::once(&self.username).chain(self.usernames.iter()) {
            let n = crate::normalize_username(name);
            if !n.is_empty() && !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    /// The phone number normalized with [`crate::normalize_phone`] (empty if none).
    pub fn normalized_phone(&self) -> String {
        crate::normalize_phone(&self.phone_number)
    }

    /// Whether `self` wins over `other` when both claim one username or phone:
    /// the greater `last_updated`, then the greater id.
    pub fn is_newer_than(&self, other: &Peer) -> bool {
        (self.last_updated, self.id) > (other.last_updated, other.id)
    }
}

/// The specification's `PeerEntry`.
///
/// In Go it is a second struct with the same fields as `Peer`; in Rust one
/// type serves both, so there is nothing to convert.
pub type PeerEntry = Peer;

/// Conversation state of the conversations plugin, keyed by chat and user.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// Chat the conversation happens in.
    pub chat_id: i64,
    /// User taking part.
    pub user_id: i64,
    /// Name of the conversation (the handler).
    pub name: String,
    /// Current step.
    pub step: i32,
    /// Opaque handler data.
    #[serde(default, with = "base64_bytes", skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
    /// Unix seconds of the first save; set by the store and kept afterwards.
    pub created_at: i64,
    /// Unix seconds of the last save; set by the store on every save.
    pub updated_at: i64,
}

/// The authorization key and address of one data center (the spec's
/// `DCAuthEntry`).
///
/// `Debug` shows the key's length, never its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DcAuth {
    /// Data-center id.
    pub dc_id: i32,
    /// Authorization key for that DC.
    pub auth_key: AuthKey,
    /// Current server salt.
    pub server_salt: i64,
    /// Server port.
    pub port: u16,
    /// Server address.
    pub server_addr: String,
    /// The DC's IPv6 address (without brackets or port), empty if none; the
    /// IPv4 address or host name is [`DcAuth::server_addr`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ipv6_addr: String,
    /// The port of [`DcAuth::ipv6_addr`].
    #[serde(default, skip_serializing_if = "is_zero_u16")]
    pub ipv6_port: u16,
}

/// The specification's name for [`DcAuth`].
pub type DcAuthEntry = DcAuth;

/// The common update state (`updates.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UpdateState {
    /// Common event sequence number.
    pub pts: i32,
    /// Secret-chat/bot event sequence number.
    pub qts: i32,
    /// Date of the last update.
    pub date: i32,
    /// Update sequence number.
    pub seq: i32,
}

/// The pts of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelState {
    /// Channel id.
    pub channel_id: i64,
    /// The channel's pts.
    pub pts: i32,
}

/// A dedup key of the update state and when it was seen, as listed by
/// [`UpdateStateStore::load_dedup_keys`](crate::UpdateStateStore::load_dedup_keys).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct DedupKey {
    /// The caller's key (for instance an update's unique id).
    pub key: String,
    /// When it was first seen (the `seen_at` given to
    /// [`UpdateStateStore::insert_dedup_key`](crate::UpdateStateStore::insert_dedup_key)).
    pub seen_at: i64,
}

/// An update kept in the durable retry queue until it is handled.
///
/// The queue is ordered by `created_at`, then by `id`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DurableUpdate {
    /// Caller-chosen unique id (for instance the update's dedup key).
    pub id: String,
    /// The serialized update.
    #[serde(with = "base64_bytes")]
    pub payload: Vec<u8>,
    /// When it was enqueued (caller's clock, any unit, used for ordering).
    pub created_at: i64,
    /// How many times handling it failed.
    pub attempts: u32,
    /// The error of the last failed attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// Serde helper: bytes as a standard base64 string, as Go's `encoding/json`
/// writes `[]byte`.
pub(crate) mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// Unix time now, in seconds (what stores write into timestamps they set).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
