//! Values the cases write: chosen to catch truncation, sign and encoding bugs.

use crate::{Adapter, AuthKey, Peer, PeerType, Session};

/// A 256-byte key holding every byte value once, rotated by `seed`.
pub fn auth_key(seed: u8) -> AuthKey {
    AuthKey::new(
        (0..=255u8)
            .map(|b| b.wrapping_add(seed))
            .collect::<Vec<u8>>(),
    )
}

/// A session with every field set to a non-default value.
pub fn full_session() -> Session {
    Session {
        name: "ignored-by-stores".into(),
        dc: 2,
        api_id: 12345,
        api_hash: "0123456789abcdef0123456789abcdef".into(),
        test_mode: false,
        auth_key: Some(auth_key(0)),
        state: vec![0, 1, 2, 0, 255, 254],
        user_id: 7_000_000_000,
        is_bot: false,
        first_name: "Zoë".into(),
        last_name: "Ñandú 🦤".into(),
        username: "Zoe_Example".into(),
        date: 1_795_595_029,
        addr: "149.154.167.51".into(),
        port: 443,
    }
}

/// A different session: every field differs from [`full_session`].
pub fn other_session() -> Session {
    Session {
        name: "also-ignored".into(),
        dc: 4,
        api_id: 54321,
        api_hash: "fedcba9876543210fedcba9876543210".into(),
        test_mode: true,
        auth_key: None,
        state: Vec::new(),
        user_id: -1,
        is_bot: true,
        first_name: String::new(),
        last_name: "Bot".into(),
        username: String::new(),
        date: -5,
        addr: "2001:67c:4e8:f002::a".into(),
        port: 65535,
    }
}

/// A user peer with every field set, derived from `id`.
pub fn full_peer(id: i64) -> Peer {
    Peer {
        id,
        peer_type: PeerType::User,
        access_hash: id.wrapping_mul(-7_919).wrapping_sub(1),
        username: format!("User_{id}"),
        usernames: vec![format!("extra_{id}_a"), format!("Extra_{id}_B")],
        first_name: format!("Имя {id}"),
        last_name: "Müller 名前".into(),
        phone_number: format!("+1 555-{:07}", id.unsigned_abs() % 10_000_000),
        is_bot: id % 2 == 0,
        photo_id: id.wrapping_add(99),
        language: "pt-BR".into(),
        last_updated: 1_700_000_000 + (id.unsigned_abs() % 1000) as i64,
        ..Peer::default()
    }
}

/// Asserts that `adapter` returns `peer` by its id, by its username (as
/// stored and upper-cased: usernames compare case-insensitively) and by
/// its phone; an empty username or phone is not looked up.
///
/// # Panics
/// When a lookup fails or returns anything but `peer`.
pub async fn assert_found_by_every_key(adapter: &dyn Adapter, peer: &Peer) {
    let id = peer.id;
    let by_id = adapter.get_peer(id).await.expect("get_peer");
    assert_eq!(by_id.as_ref(), Some(peer), "peer {id} by id");
    if !peer.username.is_empty() {
        for name in [peer.username.clone(), peer.username.to_uppercase()] {
            let found = adapter
                .get_peer_by_username(&name)
                .await
                .expect("get_peer_by_username");
            assert_eq!(found.as_ref(), Some(peer), "peer {id} by username {name:?}");
        }
    }
    if !peer.phone_number.is_empty() {
        let found = adapter
            .get_peer_by_phone(&peer.phone_number)
            .await
            .expect("get_peer_by_phone");
        assert_eq!(found.as_ref(), Some(peer), "peer {id} by phone");
    }
}
