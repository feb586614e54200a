//! Cases for [`PeerStore`](crate::PeerStore).

use super::fixtures::full_peer;
use crate::{Adapter, Peer, PeerType};
use std::sync::Arc;

/// Absent peers read as `None` by id, username and phone; an empty store
/// loads no peers; deleting an absent peer is `Ok`.
pub async fn peer_reads_absent_are_none(adapter: Arc<dyn Adapter>) {
    assert_eq!(adapter.get_peer(1).await.unwrap(), None);
    assert_eq!(adapter.get_peer_by_username("nobody").await.unwrap(), None);
    assert_eq!(
        adapter.get_peer_by_phone("+15550000000").await.unwrap(),
        None
    );
    assert_eq!(adapter.load_peers().await.unwrap(), Vec::<Peer>::new());
    adapter.delete_peer(1).await.unwrap();
}

/// Every field of a saved peer is read back by id.
pub async fn save_peer_round_trips_every_field(adapter: Arc<dyn Adapter>) {
    let peer = full_peer(123_456_789);
    adapter.save_peer(&peer).await.unwrap();
    assert_eq!(adapter.get_peer(peer.id).await.unwrap(), Some(peer.clone()));
    assert_eq!(adapter.load_peers().await.unwrap(), vec![peer]);
}

/// Saving a peer again replaces every field; its old usernames and phone no
/// longer resolve.
pub async fn save_peer_replaces_every_field(adapter: Arc<dyn Adapter>) {
    let old = full_peer(42);
    adapter.save_peer(&old).await.unwrap();
    let new = Peer {
        id: 42,
        peer_type: PeerType::Channel,
        access_hash: -1,
        username: "renamed".into(),
        usernames: vec![],
        first_name: "Channel".into(),
        last_name: String::new(),
        phone_number: String::new(),
        is_bot: !old.is_bot,
        photo_id: 0,
        language: String::new(),
        last_updated: old.last_updated + 1,
        ..Peer::default()
    };
    adapter.save_peer(&new).await.unwrap();
    assert_eq!(adapter.get_peer(42).await.unwrap(), Some(new.clone()));
    assert_eq!(
        adapter.get_peer_by_username("renamed").await.unwrap(),
        Some(new.clone())
    );
    for gone in [&old.username, &old.usernames[0], &old.usernames[1]] {
        assert_eq!(
            adapter.get_peer_by_username(gone).await.unwrap(),
            None,
            "{gone} still resolves"
        );
    }
    assert_eq!(
        adapter.get_peer_by_phone(&old.phone_number).await.unwrap(),
        None
    );
    assert_eq!(adapter.load_peers().await.unwrap(), vec![new]);
}

/// Username lookup ignores case, a leading `@` and surrounding white space.
pub async fn username_lookup_ignores_case_and_at(adapter: Arc<dyn Adapter>) {
    let mut peer = Peer::new(7, PeerType::User, 70);
    peer.username = "Alice_Example".into();
    adapter.save_peer(&peer).await.unwrap();
    for query in [
        "Alice_Example",
        "alice_example",
        "ALICE_EXAMPLE",
        "@alice_Example",
        " @ALICE_example ",
    ] {
        assert_eq!(
            adapter.get_peer_by_username(query).await.unwrap(),
            Some(peer.clone()),
            "query {query:?}"
        );
    }
    assert_eq!(
        adapter.get_peer_by_username("alice").await.unwrap(),
        None,
        "no prefix match"
    );
    assert_eq!(
        adapter
            .get_peer_by_username("alice_example_")
            .await
            .unwrap(),
        None
    );
    assert_eq!(adapter.get_peer_by_username("").await.unwrap(), None);
    assert_eq!(adapter.get_peer_by_username("@").await.unwrap(), None);
}

/// Additional usernames resolve like the main one; a peer with only
/// additional usernames is found too.
pub async fn username_lookup_finds_additional_usernames(adapter: Arc<dyn Adapter>) {
    let mut multi = Peer::new(444_444_444, PeerType::User, 777);
    multi.usernames = vec!["multi_one".into(), "Multi_Two".into()];
    let mut main = Peer::new(5, PeerType::Channel, 5);
    main.username = "main_name".into();
    main.usernames = vec!["Second_Name".into()];
    adapter
        .save_peers(&[multi.clone(), main.clone()])
        .await
        .unwrap();
    assert_eq!(
        adapter.get_peer_by_username("multi_one").await.unwrap(),
        Some(multi.clone())
    );
    assert_eq!(
        adapter.get_peer_by_username("@MULTI_TWO").await.unwrap(),
        Some(multi)
    );
    assert_eq!(
        adapter.get_peer_by_username("second_name").await.unwrap(),
        Some(main.clone())
    );
    assert_eq!(
        adapter.get_peer_by_username("main_name").await.unwrap(),
        Some(main)
    );
}

/// Usernames compare exactly once normalized (lowercase, no `@`): names
/// that differ only by an accent or by `ß`/`ss` are different usernames,
/// whatever collation the database would apply on its own.
pub async fn username_lookup_is_exact_after_normalizing(adapter: Arc<dyn Adapter>) {
    let named = |id: i64, name: &str, last_updated: i64| {
        let mut p = Peer::new(id, PeerType::User, id);
        p.username = name.into();
        p.last_updated = last_updated;
        p
    };
    // The accented and sharp-s peers are older: a lookup that matched them
    // through an accent- or width-insensitive comparison would still pick
    // the plain ones, so each plain name is also tested from the other side.
    let jose = named(1, "jose", 10);
    let jose_accent = named(2, "Jos\u{e9}", 20);
    let strasse = named(3, "strasse", 20);
    let strasse_sharp = named(4, "stra\u{df}e", 10);
    adapter
        .save_peers(&[
            jose.clone(),
            jose_accent.clone(),
            strasse.clone(),
            strasse_sharp.clone(),
        ])
        .await
        .unwrap();
    for (query, want) in [
        ("jose", &jose),
        ("JOSE", &jose),
        ("jos\u{e9}", &jose_accent),
        ("JOS\u{c9}", &jose_accent),
        ("strasse", &strasse),
        ("STRASSE", &strasse),
        ("stra\u{df}e", &strasse_sharp),
    ] {
        assert_eq!(
            adapter.get_peer_by_username(query).await.unwrap().as_ref(),
            Some(want),
            "query {query:?}"
        );
    }
    assert_eq!(adapter.get_peer_by_username("jos").await.unwrap(), None);
}

/// Usernames are opaque text after normalizing: characters that quote,
/// escape or match in SQL, JSON, Redis or MongoDB (quotes, backslashes, `%`,
/// `_`, `*`, `?`, `$`, `.`, braces, control and line-separator characters,
/// emoji) are stored and looked up as themselves, for the main and the
/// additional usernames, and none acts as a wildcard.
pub async fn usernames_with_metacharacters_are_literal(adapter: Arc<dyn Adapter>) {
    let names = [
        "quote'single",
        "quote\"double",
        "back\\slash",
        "per%cent",
        "under_score",
        "star*",
        "ques?tion",
        "[bracket]",
        "$dollar.dot",
        "{\"json\":1}",
        "tab\tnew\nline",
        "line\u{2028}separator",
        "emoji\u{1f600}",
    ];
    let peers: Vec<Peer> = names
        .iter()
        .zip(1_i64..)
        .map(|(name, id)| {
            let mut p = Peer::new(id, PeerType::User, id);
            p.username = (*name).to_owned();
            p.usernames = vec![format!("{name}|extra")];
            p.last_updated = id;
            p
        })
        .collect();
    adapter.save_peers(&peers).await.unwrap();
    for p in &peers {
        for query in [&p.username, &p.usernames[0]] {
            assert_eq!(
                adapter.get_peer_by_username(query).await.unwrap().as_ref(),
                Some(p),
                "query {query:?}"
            );
        }
    }
    for query in ["per%", "per_cent", "under%", "star", "ques?", "%", "*"] {
        assert_eq!(
            adapter.get_peer_by_username(query).await.unwrap(),
            None,
            "query {query:?} matched as a pattern"
        );
    }
    // Deleting one peer leaves the others' names in place.
    adapter.delete_peer(peers[0].id).await.unwrap();
    assert_eq!(adapter.get_peer_by_username(names[0]).await.unwrap(), None);
    assert_eq!(
        adapter
            .get_peer_by_username(names[1])
            .await
            .unwrap()
            .map(|p| p.id),
        Some(peers[1].id)
    );
}

/// When a username moves to another peer, it resolves to the peer with the
/// greatest `last_updated`, whatever the order of the writes; on equal
/// times the greater id wins.
pub async fn username_moved_resolves_to_newest(adapter: Arc<dyn Adapter>) {
    let mut old = Peer::new(100, PeerType::User, 1);
    old.username = "moving".into();
    old.last_updated = 1_000;
    let mut new = Peer::new(50, PeerType::User, 2);
    new.username = "Moving".into();
    new.last_updated = 2_000;
    adapter.save_peer(&old).await.unwrap();
    adapter.save_peer(&new).await.unwrap();
    assert_eq!(
        adapter.get_peer_by_username("moving").await.unwrap(),
        Some(new.clone())
    );

    // A stale copy of the old owner written later does not win.
    adapter.save_peer(&old).await.unwrap();
    assert_eq!(
        adapter.get_peer_by_username("moving").await.unwrap(),
        Some(new.clone())
    );

    // The old owner seen again, later, wins back.
    old.last_updated = 3_000;
    adapter.save_peer(&old).await.unwrap();
    assert_eq!(
        adapter.get_peer_by_username("moving").await.unwrap(),
        Some(old.clone())
    );

    // Equal times: the greater id.
    new.last_updated = 3_000;
    adapter.save_peer(&new).await.unwrap();
    assert_eq!(
        adapter.get_peer_by_username("moving").await.unwrap(),
        Some(old)
    );
}

/// Phone lookup ignores `+`, spaces, dashes and parentheses, both in the
/// stored number and in the query; a query without digits finds nothing.
pub async fn phone_lookup_ignores_formatting(adapter: Arc<dyn Adapter>) {
    let mut peer = Peer::new(111_111_111, PeerType::User, -1);
    peer.phone_number = "+44 7700-900123".into();
    let mut other = Peer::new(2, PeerType::User, 2);
    other.phone_number = "15551234567".into();
    adapter
        .save_peers(&[peer.clone(), other.clone()])
        .await
        .unwrap();
    for query in [
        "447700900123",
        "+447700900123",
        "+44 7700 900 123",
        "44-7700-900-123",
        "+44 (7700) 900123",
    ] {
        assert_eq!(
            adapter.get_peer_by_phone(query).await.unwrap(),
            Some(peer.clone()),
            "query {query:?}"
        );
    }
    assert_eq!(
        adapter.get_peer_by_phone("+1 555 123 4567").await.unwrap(),
        Some(other)
    );
    assert_eq!(
        adapter.get_peer_by_phone("4477009001").await.unwrap(),
        None,
        "no prefix match"
    );
    assert_eq!(adapter.get_peer_by_phone("+").await.unwrap(), None);
    assert_eq!(adapter.get_peer_by_phone("").await.unwrap(), None);
}

/// Saving a peer with another phone number moves the phone lookup, even
/// after both numbers were looked up: the new number finds it, the old one
/// finds nobody; once the peer has no phone, no number finds it.
pub async fn phone_change_moves_lookup(adapter: Arc<dyn Adapter>) {
    let mut peer = Peer::new(31, PeerType::User, 31);
    peer.phone_number = "+1 555 000 0031".into();
    peer.last_updated = 1;
    adapter.save_peer(&peer).await.unwrap();
    assert_eq!(
        adapter.get_peer_by_phone("15550000031").await.unwrap(),
        Some(peer.clone())
    );
    assert_eq!(
        adapter.get_peer_by_phone("15550000032").await.unwrap(),
        None
    );

    peer.phone_number = "+1 555 000 0032".into();
    peer.last_updated = 2;
    adapter.save_peer(&peer).await.unwrap();
    assert_eq!(
        adapter.get_peer_by_phone("15550000031").await.unwrap(),
        None
    );
    assert_eq!(
        adapter.get_peer_by_phone("+1-555-000-0032").await.unwrap(),
        Some(peer.clone())
    );

    peer.phone_number = String::new();
    peer.last_updated = 3;
    adapter.save_peer(&peer).await.unwrap();
    assert_eq!(
        adapter.get_peer_by_phone("15550000032").await.unwrap(),
        None
    );
    assert_eq!(adapter.get_peer(31).await.unwrap(), Some(peer));
}

/// Deleting a peer removes it from id, username and phone lookups and from
/// `load_peers`, and leaves other peers alone.
pub async fn delete_peer_removes_it_everywhere(adapter: Arc<dyn Adapter>) {
    let gone = full_peer(10);
    let kept = full_peer(11);
    adapter
        .save_peers(&[gone.clone(), kept.clone()])
        .await
        .unwrap();
    adapter.delete_peer(gone.id).await.unwrap();
    assert_eq!(adapter.get_peer(gone.id).await.unwrap(), None);
    assert_eq!(
        adapter.get_peer_by_username(&gone.username).await.unwrap(),
        None
    );
    assert_eq!(
        adapter
            .get_peer_by_username(&gone.usernames[0])
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        adapter.get_peer_by_phone(&gone.phone_number).await.unwrap(),
        None
    );
    assert_eq!(adapter.load_peers().await.unwrap(), vec![kept.clone()]);
    assert_eq!(
        adapter.get_peer_by_username(&kept.username).await.unwrap(),
        Some(kept)
    );
    adapter.delete_peer(gone.id).await.unwrap();
}

/// `delete_peers` removes every listed peer from id, username and phone
/// lookups and from `load_peers`, skipping absent and repeated ids, in a
/// call of more ids than one chunk of any backend; other peers and the
/// same ids in another session stay; an empty slice is `Ok` and removes
/// nothing.
pub async fn delete_peers_removes_many(adapter: Arc<dyn Adapter>) {
    let other: Arc<dyn Adapter> =
        Arc::from(adapter.session(&format!("{}-other", adapter.session_name())));
    // Spread over the chunks of a call of 2,500 ids (backends chunk by
    // 1,000 or more); a few peers keep the case fast on a simple adapter.
    let ids = [1, 2, 3, 999, 1_000, 1_001, 1_002, 2_000, 2_499, 2_500];
    let peers: Vec<Peer> = ids.iter().map(|&id| full_peer(id)).collect();
    adapter.save_peers(&peers).await.unwrap();
    other.save_peers(&peers[..3]).await.unwrap();

    adapter.delete_peers(&[]).await.unwrap();
    assert_eq!(adapter.load_peers().await.unwrap(), peers);

    // Every id from 1 to 2,500 but 2 and 2,499, plus absent and repeated
    // ids.
    let mut gone: Vec<i64> = (1..=2_500).filter(|id| ![2, 2_499].contains(id)).collect();
    gone.extend([9_999_999, 1, 3, -5]);
    adapter.delete_peers(&gone).await.unwrap();

    let kept = [full_peer(2), full_peer(2_499)];
    assert_eq!(adapter.load_peers().await.unwrap(), kept.to_vec());
    for id in [1, 3, 999, 1_000, 1_001, 1_002, 2_000, 2_500] {
        let peer = full_peer(id);
        assert_eq!(adapter.get_peer(id).await.unwrap(), None, "peer {id}");
        assert_eq!(
            adapter.get_peer_by_username(&peer.username).await.unwrap(),
            None,
            "username of peer {id}"
        );
        assert_eq!(
            adapter
                .get_peer_by_username(&peer.usernames[1])
                .await
                .unwrap(),
            None,
            "additional username of peer {id}"
        );
        assert_eq!(
            adapter.get_peer_by_phone(&peer.phone_number).await.unwrap(),
            None,
            "phone of peer {id}"
        );
    }
    for peer in &kept {
        assert_eq!(
            adapter.get_peer_by_username(&peer.username).await.unwrap(),
            Some(peer.clone())
        );
        assert_eq!(
            adapter.get_peer_by_phone(&peer.phone_number).await.unwrap(),
            Some(peer.clone())
        );
    }
    // The other session keeps its peers with the same ids.
    assert_eq!(other.load_peers().await.unwrap(), peers[..3].to_vec());
    assert_eq!(
        other.get_peer_by_username("user_1").await.unwrap(),
        Some(full_peer(1))
    );

    // Deleting them again is a no-op.
    adapter.delete_peers(&gone).await.unwrap();
    assert_eq!(adapter.load_peers().await.unwrap(), kept.to_vec());
}

/// An empty batch is `Ok` and writes nothing.
pub async fn save_peers_empty_batch_is_ok(adapter: Arc<dyn Adapter>) {
    adapter.save_peers(&[]).await.unwrap();
    assert!(adapter.load_peers().await.unwrap().is_empty());
}

/// When one batch holds an id twice, the last one wins.
pub async fn save_peers_repeated_id_last_wins(adapter: Arc<dyn Adapter>) {
    let first = full_peer(9);
    let mut last = full_peer(9);
    last.username = "last_one".into();
    last.usernames.clear();
    last.access_hash = 99;
    adapter
        .save_peers(&[first.clone(), full_peer(8), last.clone()])
        .await
        .unwrap();
    assert_eq!(adapter.get_peer(9).await.unwrap(), Some(last.clone()));
    assert_eq!(
        adapter.get_peer_by_username(&first.username).await.unwrap(),
        None
    );
    assert_eq!(
        adapter.get_peer_by_username("last_one").await.unwrap(),
        Some(last)
    );
    assert_eq!(adapter.load_peers().await.unwrap().len(), 2);
}

/// 10,000 peers saved in one batch read back field for field, `i64::MIN`
/// and `i64::MAX` ids, negative access hashes and non-ASCII names included;
/// `load_peers` returns them in ascending id order.
pub async fn save_peers_batch_of_10000_round_trips(adapter: Arc<dyn Adapter>) {
    let mut peers: Vec<Peer> = (0..9_998i64)
        .map(|i| {
            let mut p = full_peer(i * 1_000_003 - 5_000_000_000);
            p.peer_type = [PeerType::User, PeerType::Chat, PeerType::Channel][(i % 3) as usize];
            p.access_hash = -(i + 1) * 922_337_203_685;
            p
        })
        .collect();
    let mut min = full_peer(i64::MIN);
    min.access_hash = i64::MIN;
    let mut max = full_peer(i64::MAX);
    max.access_hash = i64::MAX;
    max.photo_id = i64::MIN;
    peers.push(min);
    peers.push(max);
    adapter.save_peers(&peers).await.unwrap();

    let mut expected = peers.clone();
    expected.sort_by_key(|p| p.id);
    let loaded = adapter.load_peers().await.unwrap();
    assert_eq!(loaded.len(), expected.len());
    for (got, want) in loaded.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    for p in [&expected[0], &expected[5_000], &expected[9_999]] {
        assert_eq!(adapter.get_peer(p.id).await.unwrap().as_ref(), Some(p));
        assert_eq!(
            adapter
                .get_peer_by_username(&p.usernames[1])
                .await
                .unwrap()
                .as_ref(),
            Some(p)
        );
    }
}

/// 32 tasks writing overlapping peers at once all succeed, and every id ends
/// with one of the values written for it.
pub async fn concurrent_overlapping_peer_writes(adapter: Arc<dyn Adapter>) {
    let mut tasks = Vec::new();
    for task in 0..32i64 {
        let adapter = Arc::clone(&adapter);
        tasks.push(tokio::spawn(async move {
            for round in 0..4i64 {
                let batch: Vec<Peer> = (0..50i64)
                    .map(|i| {
                        let mut p = Peer::new(i, PeerType::User, task * 1_000 + round);
                        p.username = format!("shared_{i}");
                        p.first_name = format!("task {task}");
                        p.last_updated = round;
                        p
                    })
                    .collect();
                if round % 2 == 0 {
                    adapter.save_peers(&batch).await.expect("save_peers");
                } else {
                    adapter
                        .save_peer(&batch[(task % 50) as usize])
                        .await
                        .expect("save_peer");
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("task panicked");
    }
    let peers = adapter.load_peers().await.unwrap();
    assert_eq!(peers.len(), 50);
    for p in peers {
        let task = p.access_hash / 1_000;
        let round = p.access_hash % 1_000;
        assert!(
            (0..32).contains(&task) && (0..4).contains(&round),
            "unexpected {p:?}"
        );
        assert_eq!(
            p.first_name,
            format!("task {task}"),
            "fields of one write stay together"
        );
        assert_eq!(p.last_updated, round);
        assert_eq!(
            adapter
                .get_peer_by_username(&format!("shared_{}", p.id))
                .await
                .unwrap(),
            Some(p)
        );
    }
}

/// Every combination of the "unknown" fields reads back as saved, by id,
/// username and `load_peers`, from single saves and from a batch: an
/// unknown access hash or bot flag stays unknown (not 0 or `false`),
/// `is_self` keeps `None` apart from `Some(false)`, and each channel kind
/// comes back.
pub async fn peer_unknown_fields_round_trip(adapter: Arc<dyn Adapter>) {
    use crate::ChannelKind;
    let kinds = [
        None,
        Some(ChannelKind::Broadcast),
        Some(ChannelKind::Megagroup),
        Some(ChannelKind::Gigagroup),
        Some(ChannelKind::Community),
    ];
    let mut peers = Vec::new();
    for (n, is_self) in [None, Some(false), Some(true)].into_iter().enumerate() {
        for known in 0..4u8 {
            let id = 1_000 + (n as i64) * 10 + i64::from(known);
            peers.push(Peer {
                username: format!("unknowns_{id}"),
                access_hash_known: known & 1 != 0,
                access_hash: if known & 1 != 0 { -id } else { 0 },
                is_bot_known: known & 2 != 0,
                is_bot: known == 3,
                is_self,
                ..Peer::new(id, PeerType::User, 0)
            });
        }
    }
    for (n, kind) in kinds.into_iter().enumerate() {
        let id = -1_000_000_000_000 - 7 - n as i64;
        peers.push(Peer {
            username: format!("unknowns_channel_{n}"),
            access_hash_known: n % 2 == 0,
            channel_kind: kind,
            ..Peer::new(id, PeerType::Channel, if n % 2 == 0 { 99 } else { 0 })
        });
    }
    peers.push(Peer::new(-77, PeerType::Chat, 0));
    let (singles, batch) = peers.split_at(peers.len() / 2);
    for p in singles {
        adapter.save_peer(p).await.unwrap();
    }
    adapter.save_peers(batch).await.unwrap();
    for p in &peers {
        assert_eq!(adapter.get_peer(p.id).await.unwrap().as_ref(), Some(p));
        if !p.username.is_empty() {
            assert_eq!(
                adapter
                    .get_peer_by_username(&p.username)
                    .await
                    .unwrap()
                    .as_ref(),
                Some(p)
            );
        }
    }
    let mut sorted = peers.clone();
    sorted.sort_by_key(|p| p.id);
    assert_eq!(adapter.load_peers().await.unwrap(), sorted);
}
