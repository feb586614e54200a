//! Key names. Every key of one session starts with
//! `{prefix}:{<session>}:`, so the session name is the key's hash tag and all
//! of a session's keys live in one Redis Cluster slot.

/// Encodes a session name for use inside a hash tag: `%`, `{` and `}` are
/// percent-encoded, and the empty name becomes `%` (an empty tag `{}` would
/// not be a hash tag at all). The encoding is injective, so two names never
/// share keys.
pub(crate) fn encode_tag(name: &str) -> String {
    if name.is_empty() {
        return "%".to_owned();
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '%' => out.push_str("%25"),
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            c => out.push(c),
        }
    }
    out
}

/// The key builder of one session: `base` is `{prefix}:{<tag>}:`.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    base: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str, session: &str) -> Self {
        Self {
            base: format!("{prefix}:{{{}}}:", encode_tag(session)),
        }
    }

    /// The common start of every key of the session (scripts build their
    /// keys from it).
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    fn key(&self, suffix: &str) -> String {
        let mut k = String::with_capacity(self.base.len() + suffix.len());
        k.push_str(&self.base);
        k.push_str(suffix);
        k
    }

    pub(crate) fn session(&self) -> String {
        self.key("session")
    }

    /// The set of the ids of every cached peer.
    pub(crate) fn peer_ids(&self) -> String {
        self.key("peers")
    }

    /// The flag a `save_peers` batch holding min peers sets when a stored
    /// peer changed since it was read (see `SAVE_GUARDED_PEERS_SRC`).
    pub(crate) fn peer_save_abort(&self) -> String {
        self.key("peers:abort")
    }

    pub(crate) fn peer(&self, id: i64) -> String {
        self.key(&peer_suffix(id))
    }

    pub(crate) fn conversation_ids(&self) -> String {
        self.key("convs")
    }

    pub(crate) fn conversation(&self, chat_id: i64, user_id: i64) -> String {
        self.key(&format!("conv:{}", conversation_member(chat_id, user_id)))
    }

    pub(crate) fn dc_auth(&self) -> String {
        self.key("dcauth")
    }

    pub(crate) fn update_state(&self) -> String {
        self.key("state")
    }

    pub(crate) fn channel_pts(&self) -> String {
        self.key("chpts")
    }

    pub(crate) fn dedup_index(&self) -> String {
        self.key("dedup")
    }

    pub(crate) fn dedup(&self, key: &str) -> String {
        self.key(&format!("dedup:{key}"))
    }

    pub(crate) fn update_order(&self) -> String {
        self.key("updates")
    }

    pub(crate) fn update(&self, id: &str) -> String {
        self.key(&format!("upd:{id}"))
    }

    /// The session's keys that no index lists (the purge script walks the
    /// index sets for the others).
    pub(crate) fn single_keys(&self) -> Vec<String> {
        vec![
            self.session(),
            self.dc_auth(),
            self.update_state(),
            self.channel_pts(),
            self.lease(),
            self.temp_keys(),
            self.salts(),
        ]
    }

    /// The session's lease: a string holding the holder's token, expiring
    /// with the lease.
    pub(crate) fn lease(&self) -> String {
        self.key("lease")
    }

    /// DC id → temporary auth key as JSON.
    pub(crate) fn temp_keys(&self) -> String {
        self.key("tmpkeys")
    }

    /// DC id → the DC's server salts as a JSON array.
    pub(crate) fn salts(&self) -> String {
        self.key("salts")
    }
}

/// The key of the global set of session names: `{prefix}:sessions`. It has
/// no session hash tag, so on a cluster it lives in its own slot.
pub(crate) fn session_names(prefix: &str) -> String {
    format!("{prefix}:sessions")
}

pub(crate) fn peer_suffix(id: i64) -> String {
    format!("peer:{id}")
}

pub(crate) fn username_suffix(normalized: &str) -> String {
    format!("uname:{normalized}")
}

pub(crate) fn phone_suffix(normalized: &str) -> String {
    format!("phone:{normalized}")
}

/// The member of the conversation index (and the end of its key).
pub(crate) fn conversation_member(chat_id: i64, user_id: i64) -> String {
    format!("{chat_id}:{user_id}")
}

/// An order-preserving text form of an `i64`: 16 hex digits of the value
/// with its sign bit flipped, so byte order equals numeric order.
pub(crate) fn sortable_i64(v: i64) -> String {
    format!("{:016x}", (v as u64) ^ (1 << 63))
}

/// The member of the durable-queue order index: sortable `created_at`, a
/// colon, then the id. Byte order of members is (`created_at`, id) order.
pub(crate) fn update_member(created_at: i64, id: &str) -> String {
    format!("{}:{id}", sortable_i64(created_at))
}

/// Length of the `created_at` part and colon of [`update_member`].
pub(crate) const UPDATE_MEMBER_ID_OFFSET: usize = 17;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_injective_and_brace_free() {
        let names = ["", "%", "{", "}", "%7B", "a{b}c", "plain", "%25"];
        let tags: Vec<String> = names.iter().map(|n| encode_tag(n)).collect();
        for (i, a) in tags.iter().enumerate() {
            assert!(!a.is_empty() && !a.contains('{') && !a.contains('}'), "{a}");
            for b in &tags[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(
            Keys::new("mtgo", "a{b}").session(),
            "mtgo:{a%7Bb%7D}:session"
        );
    }

    #[test]
    fn sortable_i64_keeps_order() {
        let values = [i64::MIN, -5_000_000_000, -1, 0, 1, 20, 1 << 53, i64::MAX];
        for w in values.windows(2) {
            assert!(sortable_i64(w[0]) < sortable_i64(w[1]), "{w:?}");
        }
        assert_eq!(update_member(1, "x").len(), UPDATE_MEMBER_ID_OFFSET + 1);
    }
}
