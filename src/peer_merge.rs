//! How a store saves a `min` peer over the peer it already holds.
//!
//! Telegram sends `user` and `channel` constructors with the `min` flag when
//! the account met the peer only in a group or a forwarded message: its
//! `access_hash` is usable only through that message
//! (`inputPeerUserFromMessage`, `inputPeerChannelFromMessage`) and its phone
//! is not reliable. Telegram's `user` and `channel` pages list the fields a
//! client applies from a min constructor over a stored full one (names,
//! usernames, photo, the bot flag, the language, the megagroup and gigagroup
//! flags, ...); every other field keeps its stored value.

use crate::Peer;

impl Peer {
    /// Whether saving `self` over `stored` keeps some of `stored`'s fields:
    /// `self` is a min peer and `stored` is a full one.
    pub fn keeps_stored_fields_of(&self, stored: &Peer) -> bool {
        self.min && !stored.min
    }

    /// The peer a store keeps when `self` is saved while `stored` is held
    /// under the same id: every store (and [`crate::PeerStore::save_peers`]
    /// on every backend) follows this rule.
    ///
    /// * `self` full (`min` false), or nothing stored, or `stored` min too:
    ///   `self` as it is.
    /// * `self` min over a full `stored`: `self`'s fields, except those a
    ///   min constructor does not carry reliably, which keep `stored`'s
    ///   values: [`Peer::access_hash`] and [`Peer::access_hash_known`], the
    ///   phone ([`Peer::phone_number`]), [`Peer::is_self`] (a min peer is
    ///   never the logged-in account), and [`Peer::min`] itself (the result
    ///   stays full). Names, usernames (so lookups by username follow the
    ///   min peer), photo, bot flag, language, channel kind and
    ///   [`Peer::last_updated`] come from `self`.
    ///
    /// ```
    /// use mtgo_storage::{Peer, PeerType};
    /// let full = Peer { phone_number: "15550001".into(), ..Peer::new(7, PeerType::User, 111) };
    /// let min = Peer { first_name: "New".into(), min: true, ..Peer::new(7, PeerType::User, 999) };
    /// let kept = min.merged_over(Some(&full));
    /// assert_eq!((kept.access_hash, kept.phone_number.as_str(), kept.min), (111, "15550001", false));
    /// assert_eq!(kept.first_name, "New");
    /// ```
    pub fn merged_over(&self, stored: Option<&Peer>) -> Peer {
        match stored {
            Some(stored) if self.keeps_stored_fields_of(stored) => Peer {
                access_hash: stored.access_hash,
                access_hash_known: stored.access_hash_known,
                phone_number: stored.phone_number.clone(),
                is_self: stored.is_self,
                min: false,
                ..self.clone()
            },
            _ => self.clone(),
        }
    }
}
