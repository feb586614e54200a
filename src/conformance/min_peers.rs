//! Cases for min peers ([`Peer::min`]): how a store saves a peer Telegram
//! sent as a `min` constructor over the peer it holds
//! ([`Peer::merged_over`]).

use super::fixtures::full_peer;
use crate::{Adapter, ChannelKind, Peer, PeerType};
use std::sync::Arc;

/// A min sighting of `full`: new names, usernames, photo, bot flag and
/// language, a different (min) access hash, no phone and `is_self` unknown.
fn min_sighting(full: &Peer) -> Peer {
    Peer {
        id: full.id,
        peer_type: full.peer_type,
        access_hash: full.access_hash ^ 0x5a5a,
        username: format!("min_{}", full.id),
        usernames: vec![format!("min_extra_{}", full.id)],
        first_name: "Seen in a group".into(),
        last_name: String::new(),
        phone_number: String::new(),
        is_bot: !full.is_bot,
        photo_id: full.photo_id + 1,
        language: "de".into(),
        last_updated: full.last_updated + 10,
        is_self: None,
        min: true,
        ..Peer::default()
    }
}

/// What a store must hold after `min` was saved over `full`: `min`'s
/// fields, except `full`'s access hash (and whether it is known), phone and
/// `is_self`, and the result is not min.
fn expected_merge(full: &Peer, min: &Peer) -> Peer {
    Peer {
        id: min.id,
        peer_type: min.peer_type,
        access_hash: full.access_hash,
        username: min.username.clone(),
        usernames: min.usernames.clone(),
        first_name: min.first_name.clone(),
        last_name: min.last_name.clone(),
        phone_number: full.phone_number.clone(),
        is_bot: min.is_bot,
        photo_id: min.photo_id,
        language: min.language.clone(),
        last_updated: min.last_updated,
        access_hash_known: full.access_hash_known,
        is_bot_known: min.is_bot_known,
        is_self: full.is_self,
        channel_kind: min.channel_kind,
        min: false,
    }
}

/// Checks `expected` by id, by each username (the min peer's ones, and the
/// full peer's old ones no longer), by phone and in `load_peers`.
async fn assert_stored(adapter: &Arc<dyn Adapter>, expected: &Peer, old_names: &[String]) {
    let id = expected.id;
    assert_eq!(
        adapter.get_peer(id).await.unwrap().as_ref(),
        Some(expected),
        "peer {id} by id"
    );
    for name in expected.normalized_usernames() {
        assert_eq!(
            adapter.get_peer_by_username(&name).await.unwrap().as_ref(),
            Some(expected),
            "peer {id} by username {name}"
        );
    }
    for name in old_names {
        if !expected
            .normalized_usernames()
            .contains(&name.to_lowercase())
        {
            assert_eq!(
                adapter.get_peer_by_username(name).await.unwrap(),
                None,
                "old username {name} of peer {id} still resolves"
            );
        }
    }
    if !expected.phone_number.is_empty() {
        assert_eq!(
            adapter
                .get_peer_by_phone(&expected.phone_number)
                .await
                .unwrap()
                .as_ref(),
            Some(expected),
            "peer {id} by phone"
        );
    }
    assert!(
        adapter.load_peers().await.unwrap().contains(expected),
        "peer {id} missing from load_peers"
    );
}

/// A full user and a full channel with `is_self` known.
fn full_pair(base: i64) -> [Peer; 2] {
    let user = Peer {
        is_self: Some(false),
        ..full_peer(base)
    };
    let channel = Peer {
        peer_type: PeerType::Channel,
        phone_number: String::new(),
        channel_kind: Some(ChannelKind::Broadcast),
        ..full_peer(-1_000_000_000_000 - base)
    };
    [user, channel]
}

/// A min peer saved over a stored full peer keeps the full peer's access
/// hash, phone and `is_self` and stays full; names, usernames, photo, bot
/// flag, language, channel kind and `last_updated` come from the min peer.
/// The same through `save_peer` and through a `save_peers` batch (holding
/// full peers and a repeated id too), whichever way the full peer was
/// saved; lookups by username follow the min peer's usernames, by phone
/// the kept phone.
pub async fn min_peer_over_full_keeps_hash_and_phone(adapter: Arc<dyn Adapter>) {
    // Single saves over single saves.
    for full in full_pair(7_101) {
        adapter.save_peer(&full).await.unwrap();
        let mut min = min_sighting(&full);
        if full.peer_type == PeerType::Channel {
            min.channel_kind = Some(ChannelKind::Megagroup);
        }
        adapter.save_peer(&min).await.unwrap();
        let expected = expected_merge(&full, &min);
        assert!(!expected.min);
        assert_stored(&adapter, &expected, &full.normalized_usernames()).await;
    }

    // A batch over a batch: min peers among full ones, a repeated id whose
    // last entry is min.
    let fulls: Vec<Peer> = (0..4).flat_map(|n| full_pair(7_200 + n)).collect();
    adapter.save_peers(&fulls).await.unwrap();
    let mut batch = Vec::new();
    let mut expected = Vec::new();
    for (n, full) in fulls.iter().enumerate() {
        let min = min_sighting(full);
        if n % 3 == 2 {
            // A full peer in the batch replaces its stored one.
            let replacement = Peer {
                first_name: "Replaced".into(),
                last_updated: full.last_updated + 20,
                ..full.clone()
            };
            batch.push(replacement.clone());
            expected.push((replacement, full.normalized_usernames()));
        } else {
            if n == 0 {
                // Repeated id: the last (min) entry wins.
                batch.push(Peer {
                    first_name: "Dropped".into(),
                    ..full.clone()
                });
            }
            batch.push(min.clone());
            expected.push((expected_merge(full, &min), full.normalized_usernames()));
        }
    }
    adapter.save_peers(&batch).await.unwrap();
    for (peer, old_names) in &expected {
        assert_stored(&adapter, peer, old_names).await;
    }

    // A single min save over a batch-saved full peer, and a batch min save
    // over a single-saved full peer.
    let [a, b] = full_pair(7_300);
    adapter.save_peers(std::slice::from_ref(&a)).await.unwrap();
    adapter.save_peer(&b).await.unwrap();
    let (min_a, min_b) = (min_sighting(&a), min_sighting(&b));
    adapter.save_peer(&min_a).await.unwrap();
    adapter
        .save_peers(std::slice::from_ref(&min_b))
        .await
        .unwrap();
    assert_stored(
        &adapter,
        &expected_merge(&a, &min_a),
        &a.normalized_usernames(),
    )
    .await;
    assert_stored(
        &adapter,
        &expected_merge(&b, &min_b),
        &b.normalized_usernames(),
    )
    .await;
}

/// A full peer saved over a stored min peer replaces every field of it (and
/// is full); a min peer saved over a min peer, or where nothing is stored,
/// is kept as it is (`min` true, its own access hash). Through `save_peer`
/// and through `save_peers`.
pub async fn full_peer_over_min_replaces_it(adapter: Arc<dyn Adapter>) {
    let full = full_peer(7_401);
    let min = min_sighting(&full);
    let other_min = Peer {
        access_hash: min.access_hash + 1,
        first_name: "Seen again".into(),
        phone_number: "+1 555 0100".into(),
        ..min.clone()
    };
    for batch in [false, true] {
        let id = if batch { 7_402 } else { 7_401 };
        let full = Peer { id, ..full.clone() };
        let min = Peer { id, ..min.clone() };
        let other_min = Peer {
            id,
            ..other_min.clone()
        };
        let save = |p: Peer| {
            let adapter = Arc::clone(&adapter);
            async move {
                if batch {
                    adapter
                        .save_peers(&[Peer::new(id + 1_000, PeerType::Chat, 0), p])
                        .await
                } else {
                    adapter.save_peer(&p).await
                }
                .unwrap()
            }
        };
        // Nothing stored: kept as it is.
        save(min.clone()).await;
        assert_stored(&adapter, &min, &[]).await;
        // Min over min: replaced.
        save(other_min.clone()).await;
        assert_stored(&adapter, &other_min, &min.normalized_usernames()).await;
        // Full over min: replaced.
        save(full.clone()).await;
        assert_stored(&adapter, &full, &min.normalized_usernames()).await;
        assert!(!adapter.get_peer(id).await.unwrap().unwrap().min);
    }
}

/// A username confirmed long ago (a peer saved with an old `last_updated`)
/// is still returned, with that time, by username and by id; saving the
/// peer again with a later time moves it.
pub async fn stale_username_is_returned_with_its_time(adapter: Arc<dyn Adapter>) {
    let old = Peer {
        username: "Long_Ago".into(),
        usernames: vec!["long_ago_extra".into()],
        last_updated: 1,
        ..Peer::new(7_501, PeerType::User, 11)
    };
    adapter.save_peer(&old).await.unwrap();
    for name in ["long_ago", "@LONG_AGO", "long_ago_extra"] {
        let found = adapter.get_peer_by_username(name).await.unwrap();
        assert_eq!(found.as_ref(), Some(&old), "{name}");
        assert_eq!(found.unwrap().last_updated, 1);
    }
    let confirmed = Peer {
        last_updated: 1_800_000_000,
        ..old.clone()
    };
    adapter
        .save_peers(std::slice::from_ref(&confirmed))
        .await
        .unwrap();
    assert_eq!(
        adapter
            .get_peer_by_username("long_ago")
            .await
            .unwrap()
            .map(|p| p.last_updated),
        Some(1_800_000_000)
    );
}

/// A batch of 1,200 peers (two chunks on every backend) where every
/// third peer is min: each min peer is merged over its stored full peer,
/// the others replace theirs, in one batch.
pub async fn min_peers_in_a_batch_of_several_chunks(adapter: Arc<dyn Adapter>) {
    let fulls: Vec<Peer> = (0..1_200).map(|n| full_peer(800_000 + n)).collect();
    adapter.save_peers(&fulls).await.unwrap();
    let mut batch = Vec::with_capacity(fulls.len());
    let mut expected = Vec::with_capacity(fulls.len());
    for (n, full) in fulls.iter().enumerate() {
        if n % 3 == 0 {
            let min = min_sighting(full);
            expected.push(expected_merge(full, &min));
            batch.push(min);
        } else {
            let replacement = Peer {
                last_updated: full.last_updated + 1,
                ..full.clone()
            };
            expected.push(replacement.clone());
            batch.push(replacement);
        }
    }
    adapter.save_peers(&batch).await.unwrap();
    assert_eq!(adapter.load_peers().await.unwrap(), expected);
    for p in expected.iter().step_by(97) {
        assert_stored(&adapter, p, &[]).await;
    }
}

/// Min and full saves of one peer racing each other, first when nothing is
/// stored: whatever the order, once a full peer was written its access hash
/// is never replaced by a min one, and the peer ends full.
pub async fn concurrent_min_and_full_saves_keep_the_full_hash(adapter: Arc<dyn Adapter>) {
    for round in 0..4i64 {
        let id = 7_600 + round;
        let full = Peer {
            username: format!("race_{id}"),
            ..Peer::new(id, PeerType::User, 1_111)
        };
        let min = Peer {
            username: format!("race_{id}"),
            min: true,
            ..Peer::new(id, PeerType::User, 2_222)
        };
        let mut tasks = Vec::new();
        for n in 0..12 {
            let adapter = Arc::clone(&adapter);
            let peer = if n % 3 == 0 {
                full.clone()
            } else {
                min.clone()
            };
            tasks.push(tokio::spawn(async move {
                if n % 2 == 0 {
                    adapter.save_peer(&peer).await
                } else {
                    adapter
                        .save_peers(&[peer, Peer::new(-(id * 10 + n), PeerType::Chat, 0)])
                        .await
                }
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let stored = adapter.get_peer(id).await.unwrap().unwrap();
        assert_eq!(
            (stored.access_hash, stored.min),
            (1_111, false),
            "round {round}: a min save replaced the full peer's hash"
        );
    }
}
