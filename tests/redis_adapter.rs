//! Redis-specific behaviour beyond the shared conformance suite:
//! constructors, prefix and expiry options, the key layout, index
//! maintenance seen in the raw keys, a purge leaving no key, round trips of a big batch, and binary
//! values byte for byte.
#![cfg(all(feature = "redis", feature = "testing"))]

mod redis_support;

use mtgo_storage::conformance::fixtures::{auth_key, full_peer, full_session};
use mtgo_storage::conformance::{reachable, service_url, unavailable, unique_session_name};
use mtgo_storage::redis::{Client, ConnectionManager, RedisAdapter};
use mtgo_storage::{
    Adapter, AuthKey, Conversation, DcAuth, DurableUpdate, Error, Peer, PeerStore, PeerType,
    Session, SessionStore,
};
use redis::AsyncCommands;
use redis_support::PurgeOnDrop;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

fn url() -> String {
    service_url("redis", "redis://127.0.0.1:6379")
}

/// A raw connection manager on the shared test server, or a skip.
async fn manager() -> Option<ConnectionManager> {
    if !reachable("redis", &url()).await {
        return None;
    }
    if let Some(problem) = redis_support::shared_server_problem(&url()).await {
        return unavailable("redis", &problem);
    }
    let client = Client::open(url()).expect("redis URL");
    match ConnectionManager::new(client).await {
        Ok(m) => Some(m),
        Err(e) => unavailable("redis", &redis_support::error_chain(&e)),
    }
}

/// Deletes the keys of a test session when the test ends.
fn purge(prefix: &str, session: &str) -> PurgeOnDrop {
    PurgeOnDrop {
        url: url(),
        prefix: prefix.to_owned(),
        session: session.to_owned(),
    }
}

/// An adapter on a unique session name, a raw connection for checks, and
/// the guard deleting the session's keys at the end.
async fn adapter(case: &str) -> Option<(RedisAdapter, ConnectionManager, PurgeOnDrop)> {
    let raw = manager().await?;
    let name = unique_session_name(case);
    let adapter = RedisAdapter::new(raw.clone()).with_session(&name);
    Some((adapter, raw, purge("mtgo", &name)))
}

/// Every key of a session, found with SCAN (fine in a test; the adapter
/// itself never scans).
async fn session_keys(raw: &mut ConnectionManager, base: &str) -> BTreeSet<String> {
    let pattern = format!("{}*", glob_escape(base));
    let mut keys = BTreeSet::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(raw)
            .await
            .unwrap();
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

fn glob_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The Redis Cluster hash tag of a key: the text between the first `{` and
/// the next `}`, if not empty (the rule of the cluster specification).
fn hash_tag(key: &str) -> Option<&str> {
    let start = key.find('{')?;
    let len = key[start + 1..].find('}')?;
    (len > 0).then(|| &key[start + 1..start + 1 + len])
}

#[tokio::test(flavor = "multi_thread")]
async fn open_new_and_connect_share_one_store() {
    let Some(raw) = manager().await else { return };
    let name = unique_session_name("constructors");
    let _purge = purge("mtgo", &name);
    let a = mtgo_storage::redis::open(&url())
        .await
        .unwrap()
        .with_session(&name);
    let b = RedisAdapter::new(raw).with_session(&name);
    let c = RedisAdapter::connect(Client::open(url()).unwrap())
        .await
        .unwrap()
        .with_session(&name);
    assert_eq!(a.prefix(), "mtgo");
    assert_eq!(a.backend_name(), "redis");
    a.save_peer(&full_peer(1)).await.unwrap();
    assert_eq!(b.get_peer(1).await.unwrap(), Some(full_peer(1)));
    assert_eq!(c.get_peer(1).await.unwrap(), Some(full_peer(1)));

    // A bad URL and an unreachable server are backend errors.
    assert!(matches!(
        mtgo_storage::redis::open("not a url").await,
        Err(Error::Backend {
            backend: "redis",
            ..
        })
    ));
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::open(format!("redis://127.0.0.1:{closed_port}")).unwrap();
    let unreachable = tokio::time::timeout(
        Duration::from_secs(60),
        ConnectionManager::new_with_config(
            client,
            mtgo_storage::redis::ConnectionManagerConfig::new().set_number_of_retries(1),
        ),
    )
    .await
    .expect("gives up");
    assert!(unreachable.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn prefixes_separate_stores_and_reject_braces() {
    let Some((adapter, mut raw, _purge)) = adapter("prefix").await else {
        return;
    };
    let other = adapter.clone().with_prefix("mtgo-test-other").unwrap();
    let _purge_other = purge("mtgo-test-other", other.session_name());
    assert_eq!(other.prefix(), "mtgo-test-other");
    assert_eq!(other.session_name(), adapter.session_name());
    adapter.save_peer(&full_peer(5)).await.unwrap();
    assert_eq!(other.get_peer(5).await.unwrap(), None);
    assert!(other.load_peers().await.unwrap().is_empty());
    other.save_session(&full_session()).await.unwrap();
    assert_eq!(adapter.load_session().await.unwrap(), None);
    assert!(other.key_base().starts_with("mtgo-test-other:{"));
    let keys = session_keys(&mut raw, other.key_base()).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    other.delete_session().await.unwrap();

    for bad in ["a{b", "a}b", "{x}"] {
        match adapter.clone().with_prefix(bad) {
            Err(Error::InvalidInput { .. }) => {}
            other => panic!("prefix {bad:?} accepted: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_key_of_a_session_shares_its_hash_tag() {
    let Some(raw) = manager().await else { return };
    let mut check = raw.clone();
    for name in [
        unique_session_name("tag"),
        format!("{}{{with}}braces%", unique_session_name("tag")),
        String::new(),
    ] {
        let prefix = format!("mtgo-test-{}", unique_session_name("p"));
        // The prefix is unique: purge all of it (names with braces are
        // encoded in their keys).
        let _purge = purge(&prefix, "");
        let store = RedisAdapter::new(raw.clone())
            .with_prefix(&prefix)
            .unwrap()
            .with_session(&name);
        store.save_session(&full_session()).await.unwrap();
        store
            .save_peers(&(0..3).map(full_peer).collect::<Vec<_>>())
            .await
            .unwrap();
        store
            .conversations()
            .unwrap()
            .save_conversation(&Conversation {
                chat_id: -100,
                user_id: 1,
                name: "c".into(),
                ..Conversation::default()
            })
            .await
            .unwrap();
        store
            .dc_auth()
            .unwrap()
            .save_dc_auth(&DcAuth {
                dc_id: 2,
                auth_key: auth_key(3),
                ..DcAuth::default()
            })
            .await
            .unwrap();
        let u = store.update_state().unwrap();
        u.save_update_state(&Default::default()).await.unwrap();
        u.save_channel_pts(1, 1).await.unwrap();
        assert!(u.insert_dedup_key("{odd}key", 1).await.unwrap());
        u.enqueue_update(&DurableUpdate {
            id: "}{".into(),
            payload: vec![1],
            ..DurableUpdate::default()
        })
        .await
        .unwrap();

        let keys = session_keys(&mut check, store.key_base()).await;
        // session, peers, 3 peer hashes, 3x3 usernames, 3 phones, convs,
        // conv, dcauth, state, chpts, dedup, dedup key, updates, upd.
        assert_eq!(
            keys.len(),
            1 + 1 + 3 + 9 + 3 + 2 + 1 + 1 + 1 + 2 + 2,
            "{keys:#?}"
        );
        let tags: BTreeSet<&str> = keys.iter().map(|k| hash_tag(k).expect("tag")).collect();
        assert_eq!(tags.len(), 1, "one hash tag for {name:?}: {tags:?}");
        let tag = *tags.iter().next().unwrap();
        assert!(!tag.contains('{') && !tag.is_empty());
        assert_eq!(
            store.key_base(),
            format!("{}:{{{tag}}}:", store.prefix()),
            "the key base is prefix and tag"
        );
        // The global name list is the documented exception.
        let names: Vec<String> = check
            .smembers(format!("{}:sessions", store.prefix()))
            .await
            .unwrap();
        assert_eq!(names, vec![name.clone()]);
        assert_eq!(store.session_names().await.unwrap(), vec![name.clone()]);

        // A purge leaves no key of the session, and takes the name off the
        // global list.
        store.purge_session().await.unwrap();
        let keys = session_keys(&mut check, store.key_base()).await;
        assert!(keys.is_empty(), "left after purge_session: {keys:#?}");
        let names: Vec<String> = check
            .smembers(format!("{}:sessions", store.prefix()))
            .await
            .unwrap();
        assert!(names.is_empty(), "{names:?}");
    }
}

/// Reads the raw members of an index set.
async fn index(raw: &mut ConnectionManager, base: &str, suffix: &str) -> BTreeSet<i64> {
    raw.smembers(format!("{base}{suffix}")).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn renames_back_and_forth_leave_no_stale_index_entries() {
    let Some((store, mut raw, _purge)) = adapter("rename").await else {
        return;
    };
    let base = store.key_base().to_owned();
    let mut peer = Peer::new(1, PeerType::User, 1);
    let names = [
        ("Alpha", "+1 555 0001"),
        ("Beta", "+1 555 0002"),
        ("alpha", ""),
    ];
    for round in 0..3 {
        for (i, (name, phone)) in names.iter().enumerate() {
            peer.username = name.to_string();
            peer.usernames = vec![format!("extra_{i}")];
            peer.phone_number = phone.to_string();
            peer.last_updated = (round * 10 + i) as i64;
            store.save_peer(&peer).await.unwrap();
            // The raw index right after the save (before any lookup could
            // tidy it): exactly the current names hold the id.
            let keys = session_keys(&mut raw, &base).await;
            let index_keys: BTreeSet<String> = keys
                .into_iter()
                .filter(|k| k.contains(":uname:") || k.contains(":phone:"))
                .collect();
            let mut want: BTreeSet<String> = [
                format!("{base}uname:{}", name.to_lowercase()),
                format!("{base}uname:extra_{i}"),
            ]
            .into();
            if !phone.is_empty() {
                want.insert(format!(
                    "{base}phone:{}",
                    mtgo_storage::normalize_phone(phone)
                ));
            }
            assert_eq!(index_keys, want, "round {round}, name {name}");
            assert_eq!(
                store.get_peer_by_username(name).await.unwrap(),
                Some(peer.clone())
            );
            assert_eq!(
                store
                    .get_peer_by_username(&format!("extra_{i}"))
                    .await
                    .unwrap(),
                Some(peer.clone())
            );
            for (j, (other, other_phone)) in names.iter().enumerate() {
                if j == i {
                    continue;
                }
                if !other.eq_ignore_ascii_case(name) {
                    assert_eq!(
                        store.get_peer_by_username(other).await.unwrap(),
                        None,
                        "{other} still resolves after renaming to {name}"
                    );
                }
                assert_eq!(
                    store
                        .get_peer_by_username(&format!("extra_{j}"))
                        .await
                        .unwrap(),
                    None
                );
                if !other_phone.is_empty() && other_phone != phone {
                    assert_eq!(store.get_peer_by_phone(other_phone).await.unwrap(), None);
                }
            }
        }
    }

    // Two peers on one name; deleting the newer hands it to the older, and
    // deleting both leaves no index key at all.
    let mut other = Peer::new(2, PeerType::User, 2);
    other.username = "ALPHA".into();
    other.last_updated = 1_000;
    store.save_peer(&other).await.unwrap();
    assert_eq!(index(&mut raw, &base, "uname:alpha").await, [1, 2].into());
    assert_eq!(
        store.get_peer_by_username("alpha").await.unwrap(),
        Some(other.clone())
    );
    store.delete_peer(2).await.unwrap();
    assert_eq!(index(&mut raw, &base, "uname:alpha").await, [1].into());
    assert_eq!(
        store.get_peer_by_username("alpha").await.unwrap(),
        Some(peer.clone())
    );
    store.delete_peer(1).await.unwrap();
    assert_eq!(
        session_keys(&mut raw, &base).await,
        BTreeSet::new(),
        "deleting every peer leaves no key behind"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn usernames_needing_json_escapes_are_indexed_and_unindexed() {
    // The index entries travel through JSON (the peer's `ix` field, read by
    // the Lua scripts with cjson): quotes, backslashes, control characters
    // and non-ASCII must survive the round trip.
    let Some((store, mut raw, _purge)) = adapter("escapes").await else {
        return;
    };
    let odd = [
        "q\"uote",
        "back\\slash",
        "tab\tname",
        "emoji_😀",
        "ÜNÏ",
        "ctl\u{1}byte",
        "a\u{2028}b",
    ];
    let mut peer = Peer::new(5, PeerType::User, 5);
    peer.username = odd[0].into();
    peer.usernames = odd[1..].iter().map(|s| s.to_string()).collect();
    peer.phone_number = "+44 20 7946 0000".into();
    store.save_peer(&peer).await.unwrap();
    for name in odd {
        assert_eq!(
            store.get_peer_by_username(name).await.unwrap(),
            Some(peer.clone()),
            "{name:?}"
        );
    }
    let mut renamed = Peer::new(5, PeerType::User, 5);
    renamed.username = "plain".into();
    store.save_peer(&renamed).await.unwrap();
    let keys = session_keys(&mut raw, store.key_base()).await;
    let index_keys: Vec<&String> = keys
        .iter()
        .filter(|k| k.contains(":uname:") || k.contains(":phone:"))
        .collect();
    assert_eq!(
        index_keys,
        vec![&format!("{}uname:plain", store.key_base())],
        "every odd name left the index in the rename"
    );
    for name in odd {
        assert_eq!(
            store.get_peer_by_username(name).await.unwrap(),
            None,
            "{name:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_renames_keep_exactly_one_name() {
    let Some((store, mut raw, _purge)) = adapter("concurrent-rename").await else {
        return;
    };
    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for t in 0..16 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            for round in 0..20 {
                let mut p = Peer::new(9, PeerType::User, t);
                p.username = format!("name_{t}_{round}");
                p.phone_number = format!("+1 {t} {round}");
                store.save_peer(&p).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let peer = store.get_peer(9).await.unwrap().unwrap();
    let keys = session_keys(&mut raw, store.key_base()).await;
    let index_keys: Vec<&String> = keys
        .iter()
        .filter(|k| k.contains(":uname:") || k.contains(":phone:"))
        .collect();
    assert_eq!(
        index_keys,
        vec![
            &format!("{}phone:{}", store.key_base(), peer.normalized_phone()),
            &format!("{}uname:{}", store.key_base(), peer.username),
        ],
        "only the last write's entries remain"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn expiry_times_apply_to_peers_conversations_and_dedup_keys() {
    let Some((store, mut raw, _purge)) = adapter("ttl").await else {
        return;
    };
    // Long enough that a loaded machine does not expire records before the
    // checks that expect them, short enough to wait for.
    let ttl = Some(Duration::from_millis(1_500));
    let store = store
        .with_peer_ttl(ttl)
        .with_conversation_ttl(ttl)
        .with_dedup_ttl(ttl);
    let lasting = store
        .clone()
        .with_peer_ttl(None)
        .with_session(&format!("{}-lasting", store.session_name()));
    let peer = full_peer(3);
    store.save_peer(&peer).await.unwrap();
    lasting.save_peer(&peer).await.unwrap();
    let pttl: i64 = raw
        .pttl(format!("{}peer:3", store.key_base()))
        .await
        .unwrap();
    assert!((1..=1_500).contains(&pttl), "peer pttl {pttl}");
    let no_ttl: i64 = raw
        .pttl(format!("{}peer:3", lasting.key_base()))
        .await
        .unwrap();
    assert_eq!(no_ttl, -1, "no expiry unless asked");
    let convs = store.conversations().unwrap();
    convs
        .save_conversation(&Conversation {
            chat_id: 1,
            user_id: 2,
            name: "flow".into(),
            ..Conversation::default()
        })
        .await
        .unwrap();
    let updates = store.update_state().unwrap();
    assert!(updates.insert_dedup_key("seen", 1).await.unwrap());
    assert!(!updates.insert_dedup_key("seen", 2).await.unwrap());
    assert_eq!(
        updates.load_dedup_keys().await.unwrap(),
        vec![mtgo_storage::DedupKey {
            key: "seen".into(),
            seen_at: 1
        }]
    );

    tokio::time::sleep(Duration::from_millis(2_600)).await;

    // Everything of the session expired, its index sets included: nothing
    // is left behind for lookups to clean up.
    assert_eq!(
        session_keys(&mut raw, store.key_base()).await,
        BTreeSet::new()
    );

    assert_eq!(store.get_peer(3).await.unwrap(), None);
    assert_eq!(
        store.get_peer_by_username(&peer.username).await.unwrap(),
        None
    );
    assert_eq!(
        store.get_peer_by_phone(&peer.phone_number).await.unwrap(),
        None
    );
    assert!(store.load_peers().await.unwrap().is_empty());
    assert_eq!(lasting.get_peer(3).await.unwrap(), Some(peer.clone()));
    assert_eq!(convs.load_conversation(1, 2).await.unwrap(), None);
    assert!(convs.load_conversations().await.unwrap().is_empty());
    assert!(!updates.has_dedup_key("seen").await.unwrap());
    assert!(
        updates.load_dedup_keys().await.unwrap().is_empty(),
        "an expired dedup key is not listed"
    );
    assert!(
        updates.insert_dedup_key("seen", 3).await.unwrap(),
        "an expired dedup key is new again"
    );

    // A peer that expired and comes back under another name: its old name
    // does not resolve, although the expired record could not clean it up.
    let mut renamed = peer.clone();
    renamed.username = "new_name".into();
    renamed.usernames.clear();
    renamed.phone_number.clear();
    store.save_peer(&renamed).await.unwrap();
    assert_eq!(
        store.get_peer_by_username(&peer.username).await.unwrap(),
        None
    );
    assert_eq!(
        store.get_peer_by_phone(&peer.phone_number).await.unwrap(),
        None
    );
    assert_eq!(
        store.get_peer_by_username("new_name").await.unwrap(),
        Some(renamed)
    );
    // The longest expiry is accepted (clamped), and sets a real expiry.
    let forever = store.clone().with_peer_ttl(Some(Duration::MAX));
    forever.save_peer(&full_peer(4)).await.unwrap();
    let pttl: i64 = raw
        .pttl(format!("{}peer:4", store.key_base()))
        .await
        .unwrap();
    assert!(pttl > 1_000_000_000_000, "pttl {pttl}");

    // Lookups dropped the stale ids from the index sets.
    let stale: BTreeSet<i64> = raw
        .smembers(format!(
            "{}uname:{}",
            store.key_base(),
            peer.username.to_lowercase()
        ))
        .await
        .unwrap();
    assert!(stale.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_values_round_trip_byte_for_byte() {
    let Some((store, _raw, _purge)) = adapter("binary").await else {
        return;
    };
    let every_byte: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
    let not_utf8 = vec![0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x00];

    let session = Session {
        auth_key: Some(AuthKey::new(every_byte[..256].to_vec())),
        state: not_utf8.clone(),
        ..full_session()
    };
    store.save_session(&session).await.unwrap();
    let loaded = store.load_session().await.unwrap().unwrap();
    assert_eq!(
        loaded.auth_key.as_ref().map(AuthKey::as_bytes),
        Some(&every_byte[..256])
    );
    assert_eq!(loaded.state, not_utf8);

    let dc = store.dc_auth().unwrap();
    for (dc_id, key) in [(1, every_byte.clone()), (2, not_utf8.clone()), (3, vec![])] {
        dc.save_dc_auth(&DcAuth {
            dc_id,
            auth_key: AuthKey::new(key),
            server_salt: i64::MIN,
            port: 443,
            server_addr: "::1".into(),
            ..DcAuth::default()
        })
        .await
        .unwrap();
    }
    let all = dc.load_all_dc_auth().await.unwrap();
    assert_eq!(all[0].auth_key.as_bytes(), every_byte.as_slice());
    assert_eq!(all[1].auth_key.as_bytes(), not_utf8.as_slice());
    assert!(all[2].auth_key.is_empty());

    let convs = store.conversations().unwrap();
    for (user_id, data) in [(1, every_byte.clone()), (2, not_utf8.clone()), (3, vec![])] {
        convs
            .save_conversation(&Conversation {
                chat_id: -1,
                user_id,
                name: "名前 ✓".into(),
                step: -7,
                data,
                ..Conversation::default()
            })
            .await
            .unwrap();
    }
    let loaded = convs.load_conversations().await.unwrap();
    assert_eq!(loaded[0].data, every_byte);
    assert_eq!(loaded[1].data, not_utf8);
    assert!(loaded[2].data.is_empty());
    assert_eq!(
        convs.load_conversation(-1, 2).await.unwrap().unwrap().data,
        not_utf8
    );

    let updates = store.update_state().unwrap();
    for (i, payload) in [every_byte.clone(), not_utf8.clone(), vec![]]
        .into_iter()
        .enumerate()
    {
        updates
            .enqueue_update(&DurableUpdate {
                id: format!("u{i}"),
                payload,
                created_at: i as i64,
                attempts: 0,
                last_error: (i == 1).then(|| "err\u{1}with a control character ✗".to_owned()),
            })
            .await
            .unwrap();
    }
    let queued = updates.load_updates(10).await.unwrap();
    assert_eq!(queued[0].payload, every_byte);
    assert_eq!(queued[1].payload, not_utf8);
    assert_eq!(
        queued[1].last_error.as_deref(),
        Some("err\u{1}with a control character ✗")
    );
    assert!(queued[2].payload.is_empty());
    assert_eq!(queued[2].last_error, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn durable_queue_orders_extreme_created_at_exactly() {
    let Some((store, _raw, _purge)) = adapter("durable-order").await else {
        return;
    };
    let updates = store.update_state().unwrap();
    // Values a double cannot tell apart: the queue must still order them.
    let times = [
        i64::MAX,
        i64::MAX - 1,
        (1 << 60) + 1,
        1 << 60,
        0,
        -1,
        i64::MIN + 1,
        i64::MIN,
    ];
    for (i, t) in times.iter().enumerate() {
        updates
            .enqueue_update(&DurableUpdate {
                id: format!("id{i}"),
                payload: vec![i as u8],
                created_at: *t,
                ..DurableUpdate::default()
            })
            .await
            .unwrap();
    }
    let loaded = updates.load_updates(usize::MAX).await.unwrap();
    let got: Vec<i64> = loaded.iter().map(|u| u.created_at).collect();
    let mut want = times.to_vec();
    want.sort();
    assert_eq!(got, want);
    // Re-enqueueing with another time moves it.
    updates
        .enqueue_update(&DurableUpdate {
            id: "id0".into(),
            created_at: i64::MIN,
            ..DurableUpdate::default()
        })
        .await
        .unwrap();
    let first: Vec<String> = updates
        .load_updates(2)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(first, ["id0", "id7"]);
    assert_eq!(updates.load_updates(100).await.unwrap().len(), times.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_adapter_refuses_operations() {
    let Some((store, _raw, _purge)) = adapter("close").await else {
        return;
    };
    let other = store.session("other");
    store.close().await.unwrap();
    store.close().await.unwrap();
    assert!(matches!(
        store.get_peer(1).await,
        Err(Error::Closed { backend: "redis" })
    ));
    assert!(matches!(
        other.load_session().await,
        Err(Error::Closed { backend: "redis" })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn debug_shows_no_secrets() {
    let Some((store, _raw, _purge)) = adapter("debug").await else {
        return;
    };
    let text = format!("{store:?}");
    assert!(text.contains("RedisAdapter") && text.contains("prefix"));
    assert!(!text.contains("127.0.0.1"), "{text}");
}

/// Records written before peers had their "unknown" fields and DCs their
/// IPv6 address (JSON without those members) read back with the defaults,
/// and a peer with default values is still written in that format.
#[tokio::test(flavor = "multi_thread")]
async fn records_written_before_the_grammers_fields_read_back() {
    let Some((adapter, mut raw, _purge)) = adapter("old_records").await else {
        return;
    };
    let dc = adapter.dc_auth().unwrap();
    let peer = Peer {
        username: "old_format".into(),
        first_name: "Old".into(),
        last_updated: 1_700_000_000,
        ..Peer::new(1_001, mtgo_storage::PeerType::User, -5)
    };
    adapter.save_peer(&peer).await.unwrap();
    let base = adapter.session_name().to_owned();
    let keys = session_keys(&mut raw, &format!("mtgo:{{{}", glob_escape(&base))).await;
    let peer_key = keys
        .iter()
        .find(|k| k.ends_with(":peer:1001"))
        .expect("the peer's key")
        .clone();
    // The format before the change, byte for byte.
    let old_json = r#"{"id":1001,"type":0,"access_hash":-5,"username":"old_format","first_name":"Old","last_name":"","last_updated":1700000000}"#;
    let written: String = raw.hget(&peer_key, "d").await.unwrap();
    assert_eq!(written, old_json);
    let _: () = raw.hset(&peer_key, "d", old_json).await.unwrap();
    assert_eq!(adapter.get_peer(1_001).await.unwrap(), Some(peer.clone()));
    assert_eq!(
        adapter.get_peer_by_username("old_format").await.unwrap(),
        Some(peer)
    );
    let entry = DcAuth {
        dc_id: 2,
        auth_key: auth_key(2),
        server_salt: 7,
        port: 443,
        server_addr: "149.154.167.51".into(),
        ..DcAuth::default()
    };
    dc.save_dc_auth(&entry).await.unwrap();
    let dc_key = peer_key.replace(":peer:1001", ":dcauth");
    let written: String = raw.hget(&dc_key, 2).await.unwrap();
    let members: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&written)
            .unwrap()
            .keys()
            .cloned()
            .collect();
    // Exactly the members of the format before the change.
    assert_eq!(
        members,
        ["dc_id", "auth_key", "server_salt", "port", "server_addr"]
    );
    assert_eq!(dc.load_dc_auth(2).await.unwrap(), Some(entry));
}
