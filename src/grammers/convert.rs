//! Conversions between grammers' session types and ours: `PeerInfo` and
//! [`Peer`], `DcOption` and [`DcAuth`].
//!
//! A peer is stored under its Bot API dialog id (users positive, chats
//! negated, channels `-100…`), the id Telethon and Pyrogram store too, so
//! users, chats and channels with one bare id never collide.

use crate::error::{Error, Result};
use crate::{AuthKey, ChannelKind, DcAuth, Peer, PeerType};
use grammers_session::types::{
    ChannelKind as GrammersChannelKind, DcOption, PeerAuth, PeerId, PeerInfo, PeerKind,
};
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4, SocketAddrV6};

/// The stored id of a grammers peer (its Bot API dialog id).
pub(crate) fn stored_id(peer: PeerId) -> Option<i64> {
    peer.bot_api_dialog_id()
}

/// Our peer type of a grammers peer kind.
fn peer_type(kind: PeerKind) -> PeerType {
    match kind {
        PeerKind::User => PeerType::User,
        PeerKind::Chat => PeerType::Chat,
        PeerKind::Channel => PeerType::Channel,
    }
}

fn channel_kind(kind: GrammersChannelKind) -> ChannelKind {
    match kind {
        GrammersChannelKind::Broadcast => ChannelKind::Broadcast,
        GrammersChannelKind::Megagroup => ChannelKind::Megagroup,
        GrammersChannelKind::Gigagroup => ChannelKind::Gigagroup,
        GrammersChannelKind::Community => ChannelKind::Community,
    }
}

fn grammers_channel_kind(kind: ChannelKind) -> GrammersChannelKind {
    match kind {
        ChannelKind::Broadcast => GrammersChannelKind::Broadcast,
        ChannelKind::Megagroup => GrammersChannelKind::Megagroup,
        ChannelKind::Gigagroup => GrammersChannelKind::Gigagroup,
        ChannelKind::Community => GrammersChannelKind::Community,
    }
}

/// The stored id of `info`, or an error for an id outside Telegram's ranges.
pub(crate) fn info_id(info: &PeerInfo) -> Result<i64> {
    let (bare, id) = match *info {
        PeerInfo::User { id, .. } => (id, PeerId::user(id)),
        PeerInfo::Chat { id } => (id, PeerId::chat(id)),
        PeerInfo::Channel { id, .. } => (id, PeerId::channel(id)),
    };
    id.and_then(stored_id).ok_or_else(|| {
        Error::invalid(
            "grammers peer",
            format!("{bare} is outside Telegram's id range for its kind"),
        )
    })
}

/// Writes what `info` knows into `peer` (a new one, or the stored one):
/// like grammers' `PeerInfo::extend_info`, a field `info` does not know
/// leaves the stored value alone. Every other field of `peer` (names,
/// usernames, phone) is kept.
pub(crate) fn merge_info(peer: &mut Peer, info: &PeerInfo) {
    let auth = info.auth();
    if let Some(auth) = auth {
        // grammers hands over only hashes it can use: the peer is full now.
        peer.access_hash = auth.hash();
        peer.access_hash_known = true;
        peer.min = false;
    }
    match *info {
        PeerInfo::User { bot, is_self, .. } => {
            if let Some(bot) = bot {
                peer.is_bot = bot;
                peer.is_bot_known = true;
            }
            if is_self.is_some() {
                peer.is_self = is_self;
            }
        }
        PeerInfo::Chat { .. } => {}
        PeerInfo::Channel { kind, .. } => {
            if let Some(kind) = kind {
                peer.channel_kind = Some(channel_kind(kind));
            }
        }
    }
}

/// A new peer holding exactly what `info` knows.
pub(crate) fn new_peer(id: i64, info: &PeerInfo, now: i64) -> Peer {
    let kind = match info {
        PeerInfo::User { .. } => PeerKind::User,
        PeerInfo::Chat { .. } => PeerKind::Chat,
        PeerInfo::Channel { .. } => PeerKind::Channel,
    };
    let mut peer = Peer {
        access_hash_known: false,
        is_bot_known: matches!(info, PeerInfo::User { bot: Some(_), .. })
            || !matches!(info, PeerInfo::User { .. }),
        last_updated: now,
        ..Peer::new(id, peer_type(kind), 0)
    };
    merge_info(&mut peer, info);
    peer
}

/// The grammers view of a stored peer, or `None` when its id or type is not
/// one grammers can address (a peer another client stored under an id
/// outside Telegram's ranges).
///
/// `self_user_id` is the logged-in user of the session record (0 if none): a
/// user stored without `is_self` whose id is that one is reported as the
/// logged-in user.
pub(crate) fn peer_info(peer: &Peer, self_user_id: i64) -> Option<PeerInfo> {
    let id = PeerId::from_bot_api_dialog_id(peer.id)?;
    let bare = id.bare_id()?;
    // A min peer's hash works only through the message it was seen in,
    // which grammers cannot express: to grammers its auth is unknown.
    let auth = (peer.access_hash_known && !peer.min).then(|| PeerAuth::from_hash(peer.access_hash));
    match (id.kind(), peer.peer_type) {
        (PeerKind::User, PeerType::User) => Some(PeerInfo::User {
            id: bare,
            auth,
            bot: peer.is_bot_known.then_some(peer.is_bot),
            is_self: peer
                .is_self
                .or((self_user_id != 0 && peer.id == self_user_id).then_some(true)),
        }),
        (PeerKind::Chat, PeerType::Chat) => Some(PeerInfo::Chat { id: bare }),
        (PeerKind::Channel, PeerType::Channel) => Some(PeerInfo::Channel {
            id: bare,
            auth,
            kind: peer.channel_kind.map(grammers_channel_kind),
        }),
        _ => None,
    }
}

/// The DC row of a grammers DC option. `server_salt` is the stored row's
/// (grammers does not keep salts), 0 for a new DC.
///
/// The IPv6 address keeps its zone (`%scope`); its flow label is not stored
/// (Telegram never sends one, and grammers' own SQLite file drops it too).
pub(crate) fn dc_auth(option: &DcOption, server_salt: i64) -> DcAuth {
    let scope = option.ipv6.scope_id();
    DcAuth {
        dc_id: option.id,
        auth_key: option
            .auth_key
            .map(|k| AuthKey::new(k.to_vec()))
            .unwrap_or_default(),
        server_salt,
        server_addr: option.ipv4.ip().to_string(),
        port: option.ipv4.port(),
        ipv6_addr: if scope == 0 {
            option.ipv6.ip().to_string()
        } else {
            format!("{}%{scope}", option.ipv6.ip())
        },
        ipv6_port: option.ipv6.port(),
    }
}

/// A 256-byte auth key, `None` for an empty one.
///
/// # Errors
/// [`Error::Corrupt`] for a key of any other length (the error names the DC
/// and the length, never the bytes).
pub(crate) fn auth_key(key: &AuthKey, dc_id: i32) -> Result<Option<[u8; 256]>> {
    if key.is_empty() {
        return Ok(None);
    }
    <[u8; 256]>::try_from(key.as_bytes())
        .map(Some)
        .map_err(|_| Error::Corrupt {
            what: "DC auth key",
            reason: format!(
                "the key of DC {dc_id} is {} bytes; grammers needs 256",
                key.len()
            ),
        })
}

/// The grammers DC option of a stored DC row. Addresses the row lacks (a
/// host name, no IPv6 address) are taken from `fallback` (grammers' built-in
/// option of that DC, if any), else the IPv4 address mapped into IPv6.
///
/// # Errors
/// [`Error::Corrupt`] for an auth key that is not 256 bytes or an IPv6
/// address that does not parse.
pub(crate) fn dc_option(entry: &DcAuth, fallback: Option<&DcOption>) -> Result<DcOption> {
    let ipv4 = match entry.server_addr.parse::<Ipv4Addr>() {
        Ok(ip) => SocketAddrV4::new(ip, entry.port),
        Err(_) => fallback
            .map(|f| f.ipv4)
            .unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, entry.port)),
    };
    let ipv6 = if !entry.ipv6_addr.is_empty() {
        format!("[{}]:{}", entry.ipv6_addr, entry.ipv6_port)
            .parse::<SocketAddrV6>()
            .map_err(|e| Error::Corrupt {
                what: "DC IPv6 address",
                reason: format!("DC {}: {:?}: {e}", entry.dc_id, entry.ipv6_addr),
            })?
    } else if let Ok(IpAddr::V6(ip)) = entry.server_addr.parse::<IpAddr>() {
        SocketAddrV6::new(ip, entry.port, 0, 0)
    } else if let Some(f) = fallback {
        f.ipv6
    } else {
        SocketAddrV6::new(ipv4.ip().to_ipv6_mapped(), ipv4.port(), 0, 0)
    };
    Ok(DcOption {
        id: entry.dc_id,
        ipv4,
        ipv6,
        auth_key: auth_key(&entry.auth_key, entry.dc_id)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_bot_api_dialog_ids() {
        let user = PeerInfo::User {
            id: 7,
            auth: None,
            bot: None,
            is_self: None,
        };
        assert_eq!(info_id(&user).unwrap(), 7);
        assert_eq!(info_id(&PeerInfo::Chat { id: 7 }).unwrap(), -7);
        let channel = PeerInfo::Channel {
            id: 7,
            auth: None,
            kind: None,
        };
        assert_eq!(info_id(&channel).unwrap(), -1_000_000_000_007);
        assert!(info_id(&PeerInfo::Chat { id: 0 }).is_err());
    }

    #[test]
    fn unknown_stays_unknown() {
        let info = PeerInfo::User {
            id: 7,
            auth: None,
            bot: None,
            is_self: None,
        };
        let peer = new_peer(7, &info, 1);
        assert!(!peer.access_hash_known && !peer.is_bot_known && peer.is_self.is_none());
        assert_eq!(peer_info(&peer, 0), Some(info));
        let chat = new_peer(-7, &PeerInfo::Chat { id: 7 }, 1);
        assert!(chat.access_hash_known && chat.is_bot_known);
        assert_eq!(peer_info(&chat, 0), Some(PeerInfo::Chat { id: 7 }));
    }

    #[test]
    fn a_wrong_key_length_names_the_dc_not_the_key() {
        let entry = DcAuth {
            dc_id: 3,
            auth_key: AuthKey::new(vec![0xAB; 10]),
            ..DcAuth::default()
        };
        let e = dc_option(&entry, None).unwrap_err().to_string();
        assert!(e.contains("DC 3") && e.contains("10 bytes"), "{e}");
        assert!(!e.to_lowercase().contains("abab"), "{e}");
    }
}
