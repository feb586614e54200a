//! The lookup keys of the cache's two indexes, and whether a peer claims one.
//!
//! A cached index entry is only trusted after checking that the peer it
//! names still claims the key, so this check must agree exactly with
//! [`crate::normalize_username`] and [`crate::normalize_phone`].

use crate::{Peer, normalize_phone, normalize_username};

/// Which index a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum KeyKind {
    /// A normalized username (main or additional).
    Username,
    /// A normalized phone number (digits only).
    Phone,
}

impl KeyKind {
    /// Whether `peer` claims the normalized `key` of this kind.
    pub(crate) fn claimed_by(self, peer: &Peer, key: &str) -> bool {
        match self {
            KeyKind::Username => claims_username(peer, key),
            KeyKind::Phone => claims_phone(peer, key),
        }
    }

    /// Normalizes a query of this kind.
    pub(crate) fn normalize(self, query: &str) -> String {
        match self {
            KeyKind::Username => normalize_username(query),
            KeyKind::Phone => normalize_phone(query),
        }
    }
}

/// Every key a peer claims: its normalized usernames, then its normalized
/// phone (if it has digits).
pub(crate) fn keys_of(peer: &Peer) -> impl Iterator<Item = (KeyKind, String)> {
    let phone = peer.normalized_phone();
    peer.normalized_usernames()
        .into_iter()
        .map(|u| (KeyKind::Username, u))
        .chain((!phone.is_empty()).then_some((KeyKind::Phone, phone)))
}

/// Whether `normalize_username(name) == key` for the main or an additional
/// username, without allocating for ASCII names.
fn claims_username(peer: &Peer, key: &str) -> bool {
    std::iter::once(&peer.username)
        .chain(peer.usernames.iter())
        .any(|name| {
            let trimmed = name.trim();
            let trimmed = trimmed.strip_prefix('@').unwrap_or(trimmed);
            if trimmed.is_ascii() {
                // `key` is already lowercase; an ASCII name equals it exactly
                // when they match ignoring ASCII case.
                !trimmed.is_empty() && trimmed.eq_ignore_ascii_case(key)
            } else {
                normalize_username(name) == key
            }
        })
}

/// Whether the digits of the peer's phone are exactly `key`.
fn claims_phone(peer: &Peer, key: &str) -> bool {
    !key.is_empty()
        && peer
            .phone_number
            .bytes()
            .filter(u8::is_ascii_digit)
            .eq(key.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PeerType;

    #[test]
    fn claims_agree_with_normalization() {
        let mut peer = Peer::new(1, PeerType::User, 1);
        peer.username = " @Alice_X ".into();
        peer.usernames = vec!["ΣΊΣΥΦΟΣ".into(), "@Ünïcode".into(), String::new()];
        peer.phone_number = "+44 (7700) 900-123".into();
        for name in std::iter::once(&peer.username).chain(&peer.usernames) {
            let key = normalize_username(name);
            if !key.is_empty() {
                assert!(claims_username(&peer, &key), "{name:?} -> {key:?}");
            }
        }
        assert!(!claims_username(&peer, ""));
        assert!(!claims_username(&peer, "alice"));
        assert!(claims_phone(&peer, &normalize_phone(&peer.phone_number)));
        assert!(!claims_phone(&peer, "4477009001"));
        assert!(!claims_phone(&peer, ""));
        let keys: Vec<_> = keys_of(&peer).collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
    }
}
