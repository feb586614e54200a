//! [`Record`]: one cached peer in a compact layout (the numbers and flags
//! in place, every text field in one allocation), decoded into a [`Peer`]
//! only when a lookup returns it.
//!
//! A `Peer` holds six `String`/`Vec` headers (144 bytes) and one allocation
//! per non-empty text; a `Record` holds one boxed byte string with each
//! text prefixed by its length, so a typical user costs about 60 bytes plus
//! its text instead of about 230.

use crate::{ChannelKind, Peer, PeerType};

/// A peer, compactly. Texts, in order: username, first name, last name,
/// phone number, language, then each additional username; each is a
/// LEB128 length and the UTF-8 bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) id: i64,
    pub(crate) last_updated: i64,
    access_hash: i64,
    photo_id: i64,
    text: Box<[u8]>,
    peer_type: PeerType,
    channel_kind: Option<ChannelKind>,
    is_self: Option<bool>,
    is_bot: bool,
    access_hash_known: bool,
    is_bot_known: bool,
    min: bool,
}

/// The fixed texts before the additional usernames.
const FIXED_TEXTS: usize = 5;

fn push_text(out: &mut Vec<u8>, s: &str) {
    let mut n = s.len();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(s.as_bytes());
}

/// The texts of a record, in order.
pub(crate) struct Texts<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Texts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let mut n = 0usize;
        let mut shift = 0;
        let mut at = 0;
        while let Some(&byte) = self.rest.get(at) {
            at += 1;
            n |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let end = (at + n).min(self.rest.len());
        let text = &self.rest[at..end];
        self.rest = &self.rest[end..];
        // Written from `&str`s by `Record::new`: always UTF-8.
        Some(std::str::from_utf8(text).unwrap_or_default())
    }
}

impl Record {
    /// The record of `peer`.
    pub(crate) fn new(peer: &Peer) -> Self {
        let fixed = [
            peer.username.as_str(),
            &peer.first_name,
            &peer.last_name,
            &peer.phone_number,
            &peer.language,
        ];
        let len: usize = fixed
            .iter()
            .copied()
            .chain(peer.usernames.iter().map(String::as_str))
            .map(|s| s.len() + 2)
            .sum();
        let mut text = Vec::with_capacity(len);
        for s in fixed {
            push_text(&mut text, s);
        }
        for s in &peer.usernames {
            push_text(&mut text, s);
        }
        Self {
            id: peer.id,
            last_updated: peer.last_updated,
            access_hash: peer.access_hash,
            photo_id: peer.photo_id,
            text: text.into_boxed_slice(),
            peer_type: peer.peer_type,
            channel_kind: peer.channel_kind,
            is_self: peer.is_self,
            is_bot: peer.is_bot,
            access_hash_known: peer.access_hash_known,
            is_bot_known: peer.is_bot_known,
            min: peer.min,
        }
    }

    fn texts(&self) -> Texts<'_> {
        Texts { rest: &self.text }
    }

    /// The main username, then the additional ones, as stored.
    pub(crate) fn usernames(&self) -> impl Iterator<Item = &str> {
        let mut texts = self.texts();
        let main = texts.next();
        main.into_iter().chain(texts.skip(FIXED_TEXTS - 1))
    }

    /// The phone number as stored.
    pub(crate) fn phone(&self) -> &str {
        self.texts().nth(3).unwrap_or_default()
    }

    /// The peer, decoded.
    pub(crate) fn peer(&self) -> Peer {
        let mut texts = self.texts();
        let mut next = || texts.next().unwrap_or_default().to_owned();
        let username = next();
        let first_name = next();
        let last_name = next();
        let phone_number = next();
        let language = next();
        Peer {
            id: self.id,
            peer_type: self.peer_type,
            access_hash: self.access_hash,
            username,
            usernames: texts.map(str::to_owned).collect(),
            first_name,
            last_name,
            phone_number,
            is_bot: self.is_bot,
            photo_id: self.photo_id,
            language,
            last_updated: self.last_updated,
            access_hash_known: self.access_hash_known,
            is_bot_known: self.is_bot_known,
            is_self: self.is_self,
            channel_kind: self.channel_kind,
            min: self.min,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_decodes_to_the_same_peer() {
        let mut p = Peer::new(-100_123, PeerType::Channel, -5);
        p.username = "Some_Channel".into();
        p.usernames = vec!["alt".into(), String::new(), "ünï".into(), "x".repeat(300)];
        p.first_name = "Title ✓".into();
        p.phone_number = "+1 555".into();
        p.language = "en".into();
        p.photo_id = 9;
        p.last_updated = 1_700_000_000;
        p.access_hash_known = false;
        p.is_bot_known = false;
        p.is_self = Some(false);
        p.channel_kind = Some(ChannelKind::Megagroup);
        let r = Record::new(&p);
        assert_eq!(r.peer(), p);
        assert_eq!(r.phone(), "+1 555");
        let names: Vec<&str> = r.usernames().collect();
        assert_eq!(names.len(), 5);
        assert_eq!(names[0], "Some_Channel");
        assert_eq!(names[4].len(), 300);
        let empty = Peer::new(1, PeerType::User, 0);
        assert_eq!(Record::new(&empty).peer(), empty);
        assert_eq!(Record::new(&empty).usernames().count(), 1);
    }
}
