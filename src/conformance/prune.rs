//! Cases for [`prune`](crate::prune) and
//! [`spawn_dedup_pruning`](crate::spawn_dedup_pruning).

use super::store;
use crate::{Adapter, Conversation, Peer, PeerReference, PeerType, PrunePolicy, Session, prune};
use std::sync::Arc;
use std::time::Duration;

/// `prune` removes peers not seen since the cut-off (keeping the
/// logged-in user, a peer marked `is_self` and a peer with a reference),
/// conversations idle since it, and dedup keys older than it, and returns
/// the counts; a dry run returns the same counts and removes nothing.
pub async fn prune_removes_old_records_and_counts(adapter: Arc<dyn Adapter>) {
    let a: &dyn Adapter = &*adapter;
    a.save_session(&Session {
        user_id: 1,
        ..Session::default()
    })
    .await
    .unwrap();
    let old = |id: i64| Peer {
        last_updated: 100,
        ..Peer::new(id, PeerType::User, id)
    };
    let peers = vec![
        old(1),
        Peer {
            is_self: Some(true),
            ..old(2)
        },
        Peer {
            min: true,
            ..old(3)
        },
        old(4),
        Peer {
            last_updated: 1_000,
            ..old(5)
        },
        Peer {
            username: "old_name".into(),
            ..old(6)
        },
    ];
    a.save_peers(&peers).await.unwrap();
    store(a.references(), "references")
        .save_references(&[PeerReference {
            peer_id: 3,
            chat_id: -9,
            message_id: 1,
            seen_at: 100,
        }])
        .await
        .unwrap();
    let conversations = store(a.conversations(), "conversations");
    for (chat_id, updated_at) in [(1, 100), (2, 1_000)] {
        conversations
            .restore_conversation(&Conversation {
                chat_id,
                user_id: 1,
                name: "flow".into(),
                created_at: 50,
                updated_at,
                ..Conversation::default()
            })
            .await
            .unwrap();
    }
    let updates = store(a.update_state(), "update_state");
    for (key, seen_at) in [("old", 100), ("new", 1_000)] {
        updates.insert_dedup_key(key, seen_at).await.unwrap();
    }

    let policy = PrunePolicy::everything_before(500);
    let dry = prune(a, &policy, true).await.unwrap();
    assert_eq!((dry.peers, dry.conversations, dry.dedup_keys), (2, 1, 1));
    assert_eq!(a.load_peers().await.unwrap().len(), 6);
    assert!(updates.has_dedup_key("old").await.unwrap());

    let done = prune(a, &policy, false).await.unwrap();
    assert_eq!(done, dry);
    let left: Vec<i64> = a.load_peers().await.unwrap().iter().map(|p| p.id).collect();
    assert_eq!(left, vec![1, 2, 3, 5]);
    assert_eq!(a.get_peer_by_username("old_name").await.unwrap(), None);
    let chats: Vec<i64> = conversations
        .load_conversations()
        .await
        .unwrap()
        .iter()
        .map(|c| c.chat_id)
        .collect();
    assert_eq!(chats, vec![2]);
    assert!(!updates.has_dedup_key("old").await.unwrap());
    assert!(updates.has_dedup_key("new").await.unwrap());
    // Nothing left to prune.
    assert_eq!(prune(a, &policy, false).await.unwrap(), Default::default());
}

/// `spawn_dedup_pruning` removes keys older than its window on its own,
/// and keeps newer ones.
pub async fn dedup_keys_pruned_on_a_schedule(adapter: Arc<dyn Adapter>) {
    let updates = store(adapter.update_state(), "update_state");
    let now = crate::unix_now();
    updates
        .insert_dedup_key("stale", now - 3_600)
        .await
        .unwrap();
    updates.insert_dedup_key("fresh", now).await.unwrap();
    let task = crate::spawn_dedup_pruning(
        Arc::clone(&adapter),
        Duration::from_millis(20),
        Duration::from_secs(600),
    );
    let mut gone = false;
    for _ in 0..250 {
        if !updates.has_dedup_key("stale").await.unwrap() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    assert!(gone, "the stale key was not pruned within 5 s");
    assert!(updates.has_dedup_key("fresh").await.unwrap());
}
