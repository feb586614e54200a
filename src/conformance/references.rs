//! Cases for [`ReferenceStore`](crate::ReferenceStore).

use super::store;
use crate::{Adapter, Peer, PeerReference, PeerType};
use std::sync::Arc;

fn reference(peer_id: i64, chat_id: i64, message_id: i32, seen_at: i64) -> PeerReference {
    PeerReference {
        peer_id,
        chat_id,
        message_id,
        seen_at,
    }
}

/// References are stored per (peer, chat, message): the latest one of a
/// peer is the greatest `seen_at` (then chat id, then message id), saving
/// one again replaces its time, deleting messages of a chat or a whole chat
/// removes theirs (counting them), and a peer without references, or with
/// all of them deleted, has none. Other peers and chats are untouched.
pub async fn references_latest_and_deletes(adapter: Arc<dyn Adapter>) {
    let refs = store(adapter.references(), "references");
    assert_eq!(refs.latest_reference(10).await.unwrap(), None);
    refs.save_references(&[]).await.unwrap();
    let (x, y) = (-1_000_000_000_001_i64, -2_i64);
    let saved = [
        reference(10, x, 1, 100),
        reference(10, x, 2, 300),
        reference(10, y, 5, 200),
        reference(11, x, 2, 50),
        reference(11, y, i32::MAX, 50),
    ];
    refs.save_references(&saved).await.unwrap();
    let mut all = saved.to_vec();
    all.sort_by_key(|r| (r.peer_id, r.chat_id, r.message_id));
    assert_eq!(refs.load_references().await.unwrap(), all);
    assert_eq!(refs.latest_reference(10).await.unwrap(), Some(saved[1]));
    // Ties on `seen_at`: the greater chat id, then message id.
    assert_eq!(refs.latest_reference(11).await.unwrap(), Some(saved[4]));

    // Saved again: the new time, and the last of repeated keys wins.
    refs.save_references(&[reference(10, y, 5, 400), reference(10, y, 5, 500)])
        .await
        .unwrap();
    assert_eq!(
        refs.latest_reference(10).await.unwrap(),
        Some(reference(10, y, 5, 500))
    );

    // Deleted messages (one unknown) of chat y.
    assert_eq!(refs.delete_message_references(y, &[5, 6]).await.unwrap(), 1);
    assert_eq!(refs.latest_reference(10).await.unwrap(), Some(saved[1]));
    assert_eq!(refs.latest_reference(11).await.unwrap(), Some(saved[4]));
    assert_eq!(refs.delete_message_references(y, &[]).await.unwrap(), 0);

    // A deleted chat: every reference into it, of every peer.
    assert_eq!(refs.delete_chat_references(x).await.unwrap(), 3);
    assert_eq!(refs.latest_reference(10).await.unwrap(), None);
    assert_eq!(refs.latest_reference(11).await.unwrap(), Some(saved[4]));
    assert_eq!(refs.delete_chat_references(x).await.unwrap(), 0);
    assert_eq!(refs.load_references().await.unwrap(), vec![saved[4]]);
}

/// A peer stored as a full peer with a known access hash needs no
/// reference: its latest reference reads as `None` (also after a min peer
/// was merged into it), and again as the reference once it is stored
/// without a usable hash. A min peer, and a peer that is not stored, read
/// their references.
pub async fn full_peer_clears_the_reference_need(adapter: Arc<dyn Adapter>) {
    let refs = store(adapter.references(), "references");
    let r = reference(20, -3, 7, 100);
    refs.save_references(&[r]).await.unwrap();
    assert_eq!(refs.latest_reference(20).await.unwrap(), Some(r));
    let min = Peer {
        min: true,
        ..Peer::new(20, PeerType::User, 5)
    };
    adapter.save_peer(&min).await.unwrap();
    assert_eq!(refs.latest_reference(20).await.unwrap(), Some(r));
    let full = Peer::new(20, PeerType::User, 6);
    adapter
        .save_peers(std::slice::from_ref(&full))
        .await
        .unwrap();
    assert_eq!(refs.latest_reference(20).await.unwrap(), None);
    adapter.save_peer(&min).await.unwrap();
    assert_eq!(refs.latest_reference(20).await.unwrap(), None);
    let unknown_hash = Peer {
        access_hash_known: false,
        ..Peer::new(20, PeerType::User, 0)
    };
    adapter.save_peer(&unknown_hash).await.unwrap();
    assert_eq!(refs.latest_reference(20).await.unwrap(), Some(r));
}
