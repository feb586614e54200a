//! The lookup keys of the cache's two indexes, and whether a peer claims one.
//!
//! A cached index entry is only trusted after checking that the peer it
//! names still claims the key, so this check must agree exactly with
//! [`crate::normalize_username`] and [`crate::normalize_phone`].

use super::record::Record;
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
    /// Whether the cached peer `record` claims the normalized `key` of this
    /// kind.
    pub(crate) fn claimed_by(self, record: &Record, key: &str) -> bool {
        match self {
            KeyKind::Username => claims_username(record.usernames(), key),
            KeyKind::Phone => claims_phone(record.phone(), key),
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

/// Every key a cached peer claims, as [`keys_of`] gives them for its peer.
pub(crate) fn keys_of_record(record: &Record) -> Vec<(KeyKind, String)> {
    let mut out: Vec<(KeyKind, String)> = Vec::with_capacity(2);
    for name in record.usernames() {
        let key = normalize_username(name);
        if !key.is_empty() && !out.iter().any(|(_, k)| *k == key) {
            out.push((KeyKind::Username, key));
        }
    }
    let phone = normalize_phone(record.phone());
    if !phone.is_empty() {
        out.push((KeyKind::Phone, phone));
    }
    out
}

/// Whether `normalize_username(name) == key` for one of `names` (the main
/// and additional usernames), without allocating for ASCII names.
fn claims_username<'a>(mut names: impl Iterator<Item = &'a str>, key: &str) -> bool {
    names.any(|name| {
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

/// Whether the digits of `phone` are exactly `key`.
fn claims_phone(phone: &str, key: &str) -> bool {
    !key.is_empty() && phone.bytes().filter(u8::is_ascii_digit).eq(key.bytes())
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
        let record = Record::new(&peer);
        for name in std::iter::once(&peer.username).chain(&peer.usernames) {
            let key = normalize_username(name);
            if !key.is_empty() {
                assert!(
                    KeyKind::Username.claimed_by(&record, &key),
                    "{name:?} -> {key:?}"
                );
            }
        }
        assert!(!KeyKind::Username.claimed_by(&record, ""));
        assert!(!KeyKind::Username.claimed_by(&record, "alice"));
        let phone = normalize_phone(&peer.phone_number);
        assert!(KeyKind::Phone.claimed_by(&record, &phone));
        assert!(!KeyKind::Phone.claimed_by(&record, "4477009001"));
        assert!(!KeyKind::Phone.claimed_by(&record, ""));
        let keys: Vec<_> = keys_of(&peer).collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        assert_eq!(keys_of_record(&record), keys);
    }
}
