//! Cases for [`ConversationStore`](crate::ConversationStore).

use super::store;
use crate::{Adapter, Conversation};
use std::sync::Arc;

fn conversation(chat_id: i64, user_id: i64, step: i32) -> Conversation {
    Conversation {
        chat_id,
        user_id,
        name: "checkout ✓".into(),
        step,
        data: vec![0, 159, 146, 150, 0, 255],
        created_at: 0,
        updated_at: 0,
    }
}

/// An absent conversation loads `None`; deleting it is `Ok`; an empty store
/// lists none.
pub async fn conversation_absent_is_none(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.conversations(), "conversations");
    assert_eq!(store.load_conversation(-100, 1).await.unwrap(), None);
    store.delete_conversation(-100, 1).await.unwrap();
    assert!(store.load_conversations().await.unwrap().is_empty());
}

/// A conversation, binary data included, is read back; it is keyed by chat
/// and user together; deleting removes only that one.
pub async fn conversation_round_trips(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.conversations(), "conversations");
    let a = conversation(-1001234567890, 7, 1);
    let b = conversation(-1001234567890, 8, 2);
    let c = conversation(i64::MAX, i64::MIN, i32::MIN);
    for conv in [&a, &b, &c] {
        store.save_conversation(conv).await.unwrap();
    }
    for conv in [&a, &b, &c] {
        let got = store
            .load_conversation(conv.chat_id, conv.user_id)
            .await
            .unwrap()
            .expect("saved");
        assert_eq!(
            (got.name.as_str(), got.step, &got.data),
            (conv.name.as_str(), conv.step, &conv.data)
        );
    }
    let listed: Vec<(i64, i64)> = store
        .load_conversations()
        .await
        .unwrap()
        .iter()
        .map(|c| (c.chat_id, c.user_id))
        .collect();
    assert_eq!(
        listed,
        vec![(a.chat_id, 7), (a.chat_id, 8), (i64::MAX, i64::MIN)]
    );
    store.delete_conversation(a.chat_id, 7).await.unwrap();
    assert_eq!(store.load_conversation(a.chat_id, 7).await.unwrap(), None);
    assert!(
        store
            .load_conversation(a.chat_id, 8)
            .await
            .unwrap()
            .is_some()
    );
}

/// The store sets `created_at` on the first save and keeps it; it sets
/// `updated_at` on every save; the caller's values are ignored.
pub async fn conversation_created_at_kept_updated_at_moves(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.conversations(), "conversations");
    let before = crate::unix_now();
    let mut conv = conversation(1, 2, 1);
    conv.created_at = 5;
    conv.updated_at = 5;
    store.save_conversation(&conv).await.unwrap();
    let first = store.load_conversation(1, 2).await.unwrap().expect("saved");
    assert!(
        first.created_at >= before && first.created_at <= crate::unix_now(),
        "created_at is now: {first:?}"
    );
    assert!(first.updated_at >= first.created_at);

    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    conv.step = 2;
    conv.data = Vec::new();
    conv.created_at = 123;
    store.save_conversation(&conv).await.unwrap();
    let second = store.load_conversation(1, 2).await.unwrap().expect("saved");
    assert_eq!(second.created_at, first.created_at, "created_at kept");
    assert!(
        second.updated_at > first.updated_at,
        "updated_at moved: {first:?} then {second:?}"
    );
    assert_eq!((second.step, second.data.len()), (2, 0));
}

/// `restore_conversation` writes a conversation exactly as given, both times
/// included, and replaces a stored one whole.
pub async fn conversation_restore_keeps_times(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.conversations(), "conversations");
    let mut conv = conversation(3, 4, 7);
    conv.created_at = 1_600_000_000;
    conv.updated_at = 1_600_000_500;
    store.restore_conversation(&conv).await.unwrap();
    assert_eq!(
        store.load_conversation(3, 4).await.unwrap(),
        Some(conv.clone())
    );

    store.save_conversation(&conv).await.unwrap();
    conv.step = 8;
    conv.data = Vec::new();
    conv.created_at = 1_500_000_000;
    conv.updated_at = 1_500_000_001;
    store.restore_conversation(&conv).await.unwrap();
    assert_eq!(
        store.load_conversation(3, 4).await.unwrap(),
        Some(conv.clone())
    );
    assert_eq!(store.load_conversations().await.unwrap(), vec![conv]);
}

/// `delete_conversations_idle_since` deletes the session's conversations
/// whose `updated_at` is before the time (not those at or after it, not
/// another session's) and returns how many.
pub async fn conversations_idle_deleted_in_one_call(adapter: Arc<dyn Adapter>) {
    let other_handle = adapter.session(&format!("{}-other", adapter.session_name()));
    let store = store(adapter.conversations(), "conversations");
    let other = super::store(other_handle.conversations(), "conversations");
    let at = |chat_id: i64, updated_at: i64| Conversation {
        created_at: 10,
        updated_at,
        ..conversation(chat_id, 1, 0)
    };
    for (chat_id, updated_at) in [(1, 100), (2, 499), (3, 500), (4, 900)] {
        store
            .restore_conversation(&at(chat_id, updated_at))
            .await
            .unwrap();
    }
    other.restore_conversation(&at(1, 100)).await.unwrap();

    assert_eq!(store.delete_conversations_idle_since(500).await.unwrap(), 2);
    let left: Vec<i64> = store
        .load_conversations()
        .await
        .unwrap()
        .iter()
        .map(|c| c.chat_id)
        .collect();
    assert_eq!(left, vec![3, 4]);
    assert_eq!(other.load_conversations().await.unwrap(), vec![at(1, 100)]);
    assert_eq!(store.delete_conversations_idle_since(500).await.unwrap(), 0);
}
