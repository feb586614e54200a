//! Cases for [`Adapter::purge_session`](crate::Adapter::purge_session).

use super::fixtures::{auth_key, full_peer, full_session};
use super::store;
use crate::{
    Adapter, AdapterStorage, ChannelState, Conversation, DcAuth, DedupKey, DurableUpdate, Peer,
    ServerSalt, Session, TempAuthKey, UpdateState,
};
use std::sync::Arc;

/// Everything one session name holds, as the stores read it back.
#[derive(Debug, PartialEq, Default)]
struct Contents {
    session: Option<Session>,
    peers: Vec<Peer>,
    by_username: Option<Peer>,
    by_phone: Option<Peer>,
    conversations: Vec<Conversation>,
    dc_auth: Vec<DcAuth>,
    update_state: Option<UpdateState>,
    channel_pts: Vec<ChannelState>,
    dedup_keys: Vec<DedupKey>,
    has_dedup_key: bool,
    updates: Vec<DurableUpdate>,
    lease_holder: Option<String>,
    temp_keys: Vec<Option<TempAuthKey>>,
    salts: Vec<Vec<ServerSalt>>,
    references: Vec<crate::PeerReference>,
}

/// What a name with nothing stored reads back.
fn empty() -> Contents {
    Contents {
        temp_keys: vec![None, None],
        salts: vec![Vec::new(), Vec::new()],
        ..Contents::default()
    }
}

async fn contents(a: &dyn Adapter) -> Contents {
    let updates = store(a.update_state(), "update_state");
    let temp = store(a.temp_keys(), "temp_keys");
    Contents {
        session: a.load_session().await.unwrap(),
        peers: a.load_peers().await.unwrap(),
        by_username: a.get_peer_by_username("purge_user").await.unwrap(),
        by_phone: a.get_peer_by_phone("+1 555 0199").await.unwrap(),
        conversations: store(a.conversations(), "conversations")
            .load_conversations()
            .await
            .unwrap(),
        dc_auth: store(a.dc_auth(), "dc_auth")
            .load_all_dc_auth()
            .await
            .unwrap(),
        update_state: updates.load_update_state().await.unwrap(),
        channel_pts: updates.load_all_channel_pts().await.unwrap(),
        dedup_keys: updates.load_dedup_keys().await.unwrap(),
        has_dedup_key: updates.has_dedup_key("purge-key").await.unwrap(),
        updates: updates.load_updates(usize::MAX).await.unwrap(),
        lease_holder: store(a.lease(), "lease")
            .load_lease()
            .await
            .unwrap()
            .map(|l| l.holder),
        temp_keys: vec![
            temp.load_temp_auth_key(1).await.unwrap(),
            temp.load_temp_auth_key(2).await.unwrap(),
        ],
        salts: vec![
            temp.load_server_salts(1).await.unwrap(),
            temp.load_server_salts(2).await.unwrap(),
        ],
        references: store(a.references(), "references")
            .load_references()
            .await
            .unwrap(),
    }
}

/// Writes one of everything under the handle's name.
async fn fill(a: &dyn Adapter, seed: u8) {
    a.save_session(&full_session()).await.unwrap();
    let mut peers: Vec<Peer> = (1..=3)
        .map(|i| full_peer(i64::from(seed) * 10 + i))
        .collect();
    peers[0].username = "purge_user".into();
    peers[0].phone_number = "15550199".into();
    a.save_peers(&peers).await.unwrap();
    let conversations = store(a.conversations(), "conversations");
    for chat_id in [1, 2] {
        conversations
            .save_conversation(&Conversation {
                chat_id,
                user_id: i64::from(seed),
                name: "flow".into(),
                step: 1,
                data: vec![seed; 3],
                ..Conversation::default()
            })
            .await
            .unwrap();
    }
    let dc = store(a.dc_auth(), "dc_auth");
    for dc_id in [1, 2, 4] {
        dc.save_dc_auth(&DcAuth {
            dc_id,
            auth_key: auth_key(seed.wrapping_add(dc_id as u8)),
            server_salt: i64::from(seed),
            port: 443,
            server_addr: "149.154.167.51".into(),
            ..DcAuth::default()
        })
        .await
        .unwrap();
    }
    let updates = store(a.update_state(), "update_state");
    updates
        .save_update_state(&UpdateState {
            pts: i32::from(seed),
            qts: 2,
            date: 3,
            seq: 4,
        })
        .await
        .unwrap();
    updates.save_channel_pts(-100_123, 5).await.unwrap();
    updates.save_channel_pts(-100_456, 6).await.unwrap();
    assert!(updates.insert_dedup_key("purge-key", 10).await.unwrap());
    assert!(updates.insert_dedup_key("other-key", 11).await.unwrap());
    for id in ["u1", "u2"] {
        updates
            .enqueue_update(&DurableUpdate {
                id: id.into(),
                payload: vec![seed],
                created_at: 7,
                ..DurableUpdate::default()
            })
            .await
            .unwrap();
    }
    updates.mark_update_failed("u2", "boom").await.unwrap();
    let lease = store(a.lease(), "lease");
    assert!(
        lease
            .acquire_lease(
                &format!("holder-{seed}"),
                std::time::Duration::from_secs(60)
            )
            .await
            .unwrap()
    );
    let temp = store(a.temp_keys(), "temp_keys");
    for dc_id in [1, 2] {
        temp.save_temp_auth_key(&TempAuthKey {
            dc_id,
            auth_key: auth_key(seed),
            expires_at: 2_000_000_000,
            perm_auth_key_id: i64::from(seed),
        })
        .await
        .unwrap();
        temp.save_server_salts(
            dc_id,
            &[ServerSalt {
                valid_since: 1,
                valid_until: 2_000_000_000,
                salt: i64::from(seed),
            }],
        )
        .await
        .unwrap();
    }
    store(a.references(), "references")
        .save_references(&[crate::PeerReference {
            peer_id: i64::from(seed) * 10 + 1,
            chat_id: -100_123,
            message_id: i32::from(seed),
            seen_at: 5,
        }])
        .await
        .unwrap();
}

/// `purge_session` leaves nothing of the session name (session, peers and
/// their usernames and phones, conversations, DC auth keys, update state,
/// channel pts, dedup keys, durable queue, lease, temporary keys and server
/// salts, reference messages; the name is no longer listed),
/// leaves another name's data exactly as it was, and purging again or
/// purging a name with nothing stored is `Ok(())`; the bridge's purge also
/// forgets the session it holds in memory.
pub async fn purge_session_removes_everything(adapter: Arc<dyn Adapter>) {
    let a: &dyn Adapter = &*adapter;
    let other = adapter.session(&format!("{}-other", a.session_name()));
    fill(a, 1).await;
    fill(&*other, 2).await;
    let before = contents(&*other).await;
    assert!(before.session.is_some() && before.has_dedup_key);
    assert_ne!(contents(a).await, empty());

    a.purge_session().await.unwrap();
    assert_eq!(contents(a).await, empty());
    assert_eq!(contents(&*other).await, before);
    let names = a.session_names().await.unwrap();
    assert!(!names.iter().any(|n| n == a.session_name()), "{names:?}");
    assert!(names.iter().any(|n| n == other.session_name()), "{names:?}");

    a.purge_session().await.unwrap();
    // The name can be used again afterwards.
    fill(a, 3).await;
    assert_eq!(a.load_peers().await.unwrap().len(), 3);
    // The bridge's purge also forgets the session it holds in memory.
    let storage = AdapterStorage::new(Arc::clone(&adapter));
    assert!(storage.session().await.unwrap().auth_key.is_some());
    storage.purge_session().await.unwrap();
    assert_eq!(storage.session().await.unwrap().auth_key, None);
    assert_eq!(contents(a).await, empty());
    other.purge_session().await.unwrap();
    assert_eq!(contents(&*other).await, empty());
}
