//! The case that two session names in one store never see each other's data.

use super::fixtures::{auth_key, full_peer, full_session};
use crate::{Adapter, Conversation, DcAuth, DurableUpdate, UpdateState};
use std::sync::Arc;

/// Two session names in one store never see each other's session, peers
/// (by id, username or phone), conversations, DC auth, update state, channel
/// pts, dedup keys or queued updates; deleting in one leaves the other.
pub async fn sessions_are_isolated(adapter: Arc<dyn Adapter>) {
    let a: Arc<dyn Adapter> = adapter.clone();
    let b: Arc<dyn Adapter> =
        Arc::from(adapter.session(&format!("{}-other", adapter.session_name())));
    assert_eq!(
        b.session_name(),
        format!("{}-other", adapter.session_name())
    );

    let peer = full_peer(77);
    a.save_session(&full_session()).await.unwrap();
    a.save_peer(&peer).await.unwrap();
    let conv = Conversation {
        chat_id: 1,
        user_id: 2,
        name: "n".into(),
        ..Conversation::default()
    };
    let dc = DcAuth {
        dc_id: 2,
        auth_key: auth_key(1),
        server_salt: 1,
        port: 443,
        server_addr: "1.2.3.4".into(),
        ..DcAuth::default()
    };
    let update = DurableUpdate {
        id: "u".into(),
        payload: vec![1],
        created_at: 1,
        ..DurableUpdate::default()
    };
    if let Some(s) = a.conversations() {
        s.save_conversation(&conv).await.unwrap();
    }
    if let Some(s) = a.dc_auth() {
        s.save_dc_auth(&dc).await.unwrap();
    }
    if let Some(s) = a.update_state() {
        s.save_update_state(&UpdateState {
            pts: 1,
            qts: 2,
            date: 3,
            seq: 4,
        })
        .await
        .unwrap();
        s.save_channel_pts(5, 6).await.unwrap();
        assert!(s.insert_dedup_key("k", 1).await.unwrap());
        s.enqueue_update(&update).await.unwrap();
    }

    assert_eq!(b.load_session().await.unwrap(), None);
    assert_eq!(b.get_peer(77).await.unwrap(), None);
    assert_eq!(b.get_peer_by_username(&peer.username).await.unwrap(), None);
    assert_eq!(b.get_peer_by_phone(&peer.phone_number).await.unwrap(), None);
    assert!(b.load_peers().await.unwrap().is_empty());
    if let Some(s) = b.conversations() {
        assert_eq!(s.load_conversation(1, 2).await.unwrap(), None);
        assert!(s.load_conversations().await.unwrap().is_empty());
    }
    if let Some(s) = b.dc_auth() {
        assert_eq!(s.load_dc_auth(2).await.unwrap(), None);
        assert!(s.load_all_dc_auth().await.unwrap().is_empty());
    }
    if let Some(s) = b.update_state() {
        assert_eq!(s.load_update_state().await.unwrap(), None);
        assert_eq!(s.load_channel_pts(5).await.unwrap(), None);
        assert!(s.load_all_channel_pts().await.unwrap().is_empty());
        assert!(!s.has_dedup_key("k").await.unwrap());
        assert!(
            s.insert_dedup_key("k", 1).await.unwrap(),
            "b's key is its own"
        );
        assert!(s.load_updates(10).await.unwrap().is_empty());
        assert!(s.mark_update_failed("u", "e").await.is_err());
    }

    // b writes the same keys; a keeps its own values.
    let mut b_peer = full_peer(77);
    b_peer.first_name = "b's copy".into();
    b.save_peer(&b_peer).await.unwrap();
    b.save_session(&super::fixtures::other_session())
        .await
        .unwrap();
    b.delete_peer(77).await.unwrap();
    b.delete_session().await.unwrap();
    if let Some(s) = b.conversations() {
        s.delete_conversation(1, 2).await.unwrap();
    }
    if let Some(s) = b.update_state() {
        s.delete_update("u").await.unwrap();
        s.prune_dedup_keys(i64::MAX).await.unwrap();
    }
    assert_eq!(a.get_peer(77).await.unwrap(), Some(peer.clone()));
    assert_eq!(
        a.get_peer_by_username(&peer.username).await.unwrap(),
        Some(peer)
    );
    assert_eq!(a.load_session().await.unwrap().map(|s| s.dc), Some(2));
    if let Some(s) = a.conversations() {
        assert!(s.load_conversation(1, 2).await.unwrap().is_some());
    }
    if let Some(s) = a.dc_auth() {
        assert_eq!(s.load_dc_auth(2).await.unwrap(), Some(dc));
    }
    if let Some(s) = a.update_state() {
        assert!(s.has_dedup_key("k").await.unwrap());
        assert_eq!(s.load_updates(10).await.unwrap(), vec![update]);
        assert_eq!(s.load_channel_pts(5).await.unwrap(), Some(6));
    }
}

/// Session names are opaque text: names that differ only in braces,
/// percent signs, colons, quotes, slashes, spaces or non-ASCII letters
/// (characters a backend might use in keys, paths or queries) never share
/// data, each reads back its own session and peers, and `session_names`
/// lists each of them exactly, sorted.
pub async fn session_names_are_opaque(adapter: Arc<dyn Adapter>) {
    let base = adapter.session_name().to_owned();
    let suffixes = [
        "{x}",
        "%7Bx%7D",
        "%",
        "%25",
        ":x",
        "x:",
        " x",
        "/x",
        "\\x",
        "'x\"",
        "名前 ✓",
        "*?[x]",
    ];
    let names: Vec<String> = suffixes.iter().map(|s| format!("{base}{s}")).collect();
    let handles: Vec<Box<dyn Adapter>> = names.iter().map(|n| adapter.session(n)).collect();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(h.session_name(), names[i]);
        let mut session = full_session();
        session.dc = i as i32 + 1;
        h.save_session(&session).await.unwrap();
        let mut peer = full_peer(1);
        peer.username = format!("opaque_{i}");
        peer.usernames.clear();
        peer.phone_number = format!("+1 555 {i:04}");
        h.save_peer(&peer).await.unwrap();
    }
    for (i, h) in handles.iter().enumerate() {
        let loaded = h.load_session().await.unwrap().expect("own session");
        assert_eq!(
            (loaded.name.as_str(), loaded.dc),
            (names[i].as_str(), i as i32 + 1)
        );
        let peers = h.load_peers().await.unwrap();
        assert_eq!(peers.len(), 1, "{:?} sees {peers:?}", names[i]);
        assert_eq!(peers[0].username, format!("opaque_{i}"));
        for j in 0..handles.len() {
            let by_name = h
                .get_peer_by_username(&format!("opaque_{j}"))
                .await
                .unwrap();
            let by_phone = h.get_peer_by_phone(&format!("1555{j:04}")).await.unwrap();
            assert_eq!(by_name.is_some(), i == j, "{:?} and opaque_{j}", names[i]);
            assert_eq!(by_phone.is_some(), i == j, "{:?} and phone {j}", names[i]);
        }
    }
    assert_eq!(adapter.load_session().await.unwrap(), None);
    assert!(adapter.load_peers().await.unwrap().is_empty());
    let mut expected = names.clone();
    expected.sort();
    let listed: Vec<String> = super::session_names_from(&*adapter, &base).await;
    assert_eq!(listed, expected);
    for h in &handles {
        h.delete_session().await.unwrap();
    }
}

/// Session names, usernames, dedup keys and durable update ids of 255
/// characters (non-ASCII included) work on every backend.
pub async fn names_and_keys_of_255_characters(adapter: Arc<dyn Adapter>) {
    // 255 characters, 2 to 4 bytes each for most of them.
    let long = |prefix: &str| -> String {
        let mut s: String = prefix.chars().take(200).collect(); // the unique name kept whole
        s.extend("ñ名🦤x".chars().cycle().take(255 - s.chars().count()));
        s
    };
    let name = long(adapter.session_name());
    assert_eq!(name.chars().count(), 255);
    let handle: Arc<dyn Adapter> = Arc::from(adapter.session(&name));
    handle.save_session(&full_session()).await.unwrap();
    assert_eq!(
        handle.load_session().await.unwrap().map(|s| s.name),
        Some(name.clone())
    );
    assert!(handle.session_names().await.unwrap().contains(&name));

    let mut peer = full_peer(5);
    peer.username = long("u");
    peer.usernames = vec![long("v")];
    handle.save_peer(&peer).await.unwrap();
    assert_eq!(
        handle
            .get_peer_by_username(&peer.username.to_uppercase())
            .await
            .unwrap(),
        Some(peer.clone())
    );
    assert_eq!(
        handle
            .get_peer_by_username(&peer.usernames[0])
            .await
            .unwrap(),
        Some(peer)
    );

    if let Some(s) = handle.update_state() {
        let key = long("k");
        assert!(s.insert_dedup_key(&key, 1).await.unwrap());
        assert!(s.has_dedup_key(&key).await.unwrap());
        let update = DurableUpdate {
            id: long("d"),
            payload: vec![1],
            created_at: 1,
            ..DurableUpdate::default()
        };
        s.enqueue_update(&update).await.unwrap();
        assert_eq!(s.mark_update_failed(&update.id, "e").await.unwrap(), 1);
        assert_eq!(s.load_updates(10).await.unwrap()[0].id, update.id);
    }
}
