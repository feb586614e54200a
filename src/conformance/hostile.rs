//! Cases for hostile input: names and values with characters a backend
//! might treat specially, and the limits of [`crate::limits`] enforced
//! alike everywhere.

use super::fixtures::{auth_key, full_peer, full_session};
use crate::{Adapter, Conversation, DcAuth, DurableUpdate, Error, Peer, PeerType};
use std::sync::Arc;
use std::time::Duration;

/// Session names are compared byte for byte: names that differ only by
/// trailing spaces, a tab, letter case, Unicode normalization or one of
/// `{ } : * % ' " \` are different sessions, each storing and reading back
/// its own session record, peers and dedup keys, and `session_names` lists
/// each exactly. A name of 255 characters made of them works too.
pub async fn hostile_session_names_are_isolated(adapter: Arc<dyn Adapter>) {
    let base = adapter.session_name().to_owned();
    let suffixes = [
        "bob",
        "bob ",
        "bob  ",
        "Bob",
        "BOB",
        "bob\t",
        " bob",
        "{bob}",
        "bob:",
        "bob*",
        "bob%",
        "bob'",
        "bob\"",
        "bob\\",
        "caf\u{e9}",
        "cafe\u{301}",
        "\u{1F426}\u{200D}\u{1F525}",
    ];
    let mut names: Vec<String> = suffixes.iter().map(|s| format!("{base}/{s}")).collect();
    let mut long = format!("{base}/");
    long.extend(
        "{}:*%'\"\\\t é名🦤 "
            .chars()
            .cycle()
            .take(255 - long.chars().count()),
    );
    assert_eq!(long.chars().count(), 255);
    names.push(long);
    let handles: Vec<Box<dyn Adapter>> = names.iter().map(|n| adapter.session(n)).collect();
    for (i, h) in handles.iter().enumerate() {
        let mut session = full_session();
        session.user_id = i as i64 + 1;
        h.save_session(&session)
            .await
            .unwrap_or_else(|e| panic!("save_session for {:?}: {e}", names[i]));
        let mut peer = full_peer(1);
        peer.access_hash = i as i64;
        peer.username = format!("hostile_{i}");
        peer.usernames.clear();
        h.save_peer(&peer).await.unwrap();
        if let Some(u) = h.update_state() {
            assert!(
                u.insert_dedup_key("same-key", i as i64).await.unwrap(),
                "{:?}: the dedup key is new in its own session",
                names[i]
            );
        }
    }
    for (i, h) in handles.iter().enumerate() {
        let loaded = h.load_session().await.unwrap().expect("own session");
        assert_eq!(loaded.name, names[i]);
        assert_eq!(
            loaded.user_id,
            i as i64 + 1,
            "{:?} reads another session",
            names[i]
        );
        let peers = h.load_peers().await.unwrap();
        assert_eq!(peers.len(), 1, "{:?} sees {peers:?}", names[i]);
        assert_eq!(peers[0].access_hash, i as i64, "{:?}", names[i]);
        for j in 0..handles.len() {
            let found = h
                .get_peer_by_username(&format!("hostile_{j}"))
                .await
                .unwrap();
            assert_eq!(found.is_some(), i == j, "{:?} and hostile_{j}", names[i]);
        }
        if let Some(u) = h.update_state() {
            let keys = u.load_dedup_keys().await.unwrap();
            assert_eq!(keys.len(), 1, "{:?} sees {keys:?}", names[i]);
            assert_eq!(keys[0].seen_at, i as i64, "{:?}", names[i]);
        }
    }
    let mut expected = names.clone();
    expected.sort();
    let listed: Vec<String> = super::session_names_from(&*adapter, &base).await;
    assert_eq!(listed, expected);
    // Deleting one leaves its look-alikes.
    handles[0].delete_session().await.unwrap();
    assert_eq!(handles[0].load_session().await.unwrap(), None);
    assert!(handles[1].load_session().await.unwrap().is_some());
    assert!(handles[3].load_session().await.unwrap().is_some());
}

/// Usernames and other peer text keep every character they are given
/// (`{ } : * % ' " \`, tabs, inner spaces, Unicode) and usernames of 255
/// characters are found; usernames are compared as Telegram does (case and
/// surrounding white space do not count), so `Bob` and `bob ` find the
/// same peer.
pub async fn hostile_peer_text_round_trips(adapter: Arc<dyn Adapter>) {
    let odd = "{x} : * % ' \" \\ \t ñ名🦤 ";
    let mut peers = Vec::new();
    for (i, username) in ["a{b}c", "a:b*c", "a%b'c", "a\"b\\c", "名前_ñ"]
        .into_iter()
        .enumerate()
    {
        let mut peer = Peer::new(100 + i as i64, PeerType::User, 1);
        peer.username = username.into();
        peer.first_name = format!("{odd}{i}");
        peer.last_name = odd.into();
        peer.language = odd.into();
        peers.push(peer);
    }
    let mut long = Peer::new(200, PeerType::Channel, 2);
    long.username = "ü".repeat(255);
    peers.push(long);
    let mut bob = Peer::new(300, PeerType::User, 3);
    bob.username = "Bob".into();
    peers.push(bob.clone());
    adapter.save_peers(&peers).await.unwrap();
    for peer in &peers {
        assert_eq!(
            adapter.get_peer(peer.id).await.unwrap().as_ref(),
            Some(peer)
        );
        assert_eq!(
            adapter
                .get_peer_by_username(&peer.username)
                .await
                .unwrap()
                .as_ref(),
            Some(peer),
            "{:?}",
            peer.username
        );
    }
    for query in ["bob", "bob ", "BOB", " @bob\t"] {
        assert_eq!(
            adapter.get_peer_by_username(query).await.unwrap(),
            Some(bob.clone()),
            "{query:?}"
        );
    }
    for query in ["a{b}", "a%", "a_b", "a*", "名前"] {
        assert_eq!(
            adapter.get_peer_by_username(query).await.unwrap(),
            None,
            "{query:?} matched as a pattern"
        );
    }
}

/// Asserts `result` is [`Error::InvalidInput`] for `what` whose reason
/// names `limit`.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(result: crate::Result<T>, what: &str, limit: &str) {
    match result {
        Err(Error::InvalidInput { what: w, reason }) => {
            assert_eq!(w, what, "refused for {reason}");
            assert!(reason.contains(limit), "{what}: {reason:?} lacks {limit:?}");
        }
        other => panic!("{what}: expected InvalidInput naming {limit:?}, got {other:?}"),
    }
}

/// What no backend can store is refused by every backend with
/// [`Error::InvalidInput`] naming the field and the limit, and nothing of
/// it is written: a NUL character in any text (session names, usernames,
/// names, addresses, dedup keys, update ids and errors, lease holders), and
/// keys (session names, usernames, dedup keys, update ids) longer than 255
/// characters. A batch with one such peer stores none of its peers.
pub async fn values_beyond_the_limits_are_refused(adapter: Arc<dyn Adapter>) {
    let base = adapter.session_name().to_owned();
    for (name, limit) in [
        (format!("{base}\0x"), "NUL"),
        (format!("{base}{}", "x".repeat(256)), "255"),
        (format!("{base}{}", "名".repeat(1000)), "255"),
    ] {
        let h = adapter.session(&name);
        assert_refused(h.save_session(&full_session()).await, "session name", limit);
        assert_refused(h.load_session().await, "session name", limit);
        assert_refused(h.save_peer(&full_peer(1)).await, "session name", limit);
        assert_refused(h.get_peer(1).await, "session name", limit);
        assert_refused(h.load_peers().await, "session name", limit);
        if let Some(u) = h.update_state() {
            assert_refused(u.insert_dedup_key("k", 1).await, "session name", limit);
        }
    }

    let mut ok = full_peer(1);
    ok.username = "fine".into();
    let cases: Vec<(Peer, &str, &str)> = vec![
        (
            Peer {
                first_name: "a\0b".into(),
                ..full_peer(2)
            },
            "peer.first_name",
            "NUL",
        ),
        (
            Peer {
                last_name: "\0".into(),
                ..full_peer(2)
            },
            "peer.last_name",
            "NUL",
        ),
        (
            Peer {
                username: "a\0".into(),
                ..full_peer(2)
            },
            "peer.username",
            "NUL",
        ),
        (
            Peer {
                username: "u".repeat(256),
                ..full_peer(2)
            },
            "peer.username",
            "255",
        ),
        (
            Peer {
                usernames: vec!["v".repeat(1000)],
                ..full_peer(2)
            },
            "peer.usernames",
            "255",
        ),
    ];
    for (bad, what, limit) in cases {
        assert_refused(
            adapter.save_peers(&[ok.clone(), bad.clone()]).await,
            what,
            limit,
        );
        assert_refused(adapter.save_peer(&bad).await, what, limit);
    }
    assert!(
        adapter.load_peers().await.unwrap().is_empty(),
        "a refused batch stored peers"
    );
    assert_refused(
        adapter.get_peer_by_username("a\0b").await,
        "username",
        "NUL",
    );
    assert_refused(
        adapter.get_peer_by_username(&"u".repeat(1000)).await,
        "username",
        "255",
    );

    let mut session = full_session();
    session.first_name = "Zo\0".into();
    assert_refused(
        adapter.save_session(&session).await,
        "session.first_name",
        "NUL",
    );
    assert_eq!(adapter.load_session().await.unwrap(), None);

    if let Some(c) = adapter.conversations() {
        let conv = Conversation {
            chat_id: 1,
            user_id: 2,
            name: "step\0".into(),
            ..Conversation::default()
        };
        assert_refused(c.save_conversation(&conv).await, "conversation.name", "NUL");
        assert_eq!(c.load_conversation(1, 2).await.unwrap(), None);
    }
    if let Some(d) = adapter.dc_auth() {
        let entry = DcAuth {
            dc_id: 2,
            auth_key: auth_key(1),
            server_addr: "1.2.3.4\0".into(),
            ..DcAuth::default()
        };
        assert_refused(d.save_dc_auth(&entry).await, "dc_auth.server_addr", "NUL");
        assert_eq!(d.load_dc_auth(2).await.unwrap(), None);
    }
    if let Some(u) = adapter.update_state() {
        assert_refused(u.insert_dedup_key("k\0", 1).await, "dedup key", "NUL");
        assert_refused(
            u.insert_dedup_key(&"k".repeat(256), 1).await,
            "dedup key",
            "255",
        );
        assert_refused(u.has_dedup_key("k\0").await, "dedup key", "NUL");
        assert!(u.load_dedup_keys().await.unwrap().is_empty());
        let update = |id: String| DurableUpdate {
            id,
            payload: vec![0, 0],
            created_at: 1,
            ..DurableUpdate::default()
        };
        assert_refused(
            u.enqueue_update(&update("u\0".into())).await,
            "durable update id",
            "NUL",
        );
        assert_refused(
            u.enqueue_update(&update("u".repeat(1000))).await,
            "durable update id",
            "255",
        );
        assert!(u.load_updates(10).await.unwrap().is_empty());
        // A payload is bytes: NUL bytes are kept.
        u.enqueue_update(&update("ok".into())).await.unwrap();
        assert_refused(
            u.mark_update_failed("ok", "boom\0").await,
            "durable update error",
            "NUL",
        );
        assert_eq!(u.load_updates(10).await.unwrap(), vec![update("ok".into())]);
    }
    if let Some(l) = adapter.lease() {
        assert_refused(
            l.acquire_lease("holder\0", Duration::from_secs(5)).await,
            "lease holder",
            "NUL",
        );
        assert_eq!(l.load_lease().await.unwrap(), None);
    }
}
