//! Cases for [`AdapterStorage`]: the spec's `Storage` over the adapter under
//! test.

use super::fixtures::{auth_key, full_peer, full_session};
use crate::{
    Adapter, AdapterStorage, ConversationStore, Error, PeerCache, PeerStore, SessionStore, Storage,
    UpdateStateStore,
};
use async_trait::async_trait;
use std::sync::Arc;

/// Every setter writes through: a fresh handle on the same session name
/// loads what the setters wrote, and the getters return it.
pub async fn bridge_setters_write_through(adapter: Arc<dyn Adapter>) {
    let storage = AdapterStorage::new(Arc::clone(&adapter));
    assert_eq!(
        storage.dc_id().await.unwrap(),
        0,
        "empty store reads defaults"
    );
    assert_eq!(storage.auth_key().await.unwrap(), None);
    storage.set_dc_id(4).await.unwrap();
    storage.set_api_id(12345).await.unwrap();
    storage.set_api_hash("hash").await.unwrap();
    storage.set_test_mode(true).await.unwrap();
    storage.set_auth_key(Some(auth_key(3))).await.unwrap();
    storage.set_user_id(-7).await.unwrap();
    storage.set_is_bot(true).await.unwrap();
    storage.set_first_name("Ann").await.unwrap();
    storage.set_last_name("Lee").await.unwrap();
    storage.set_username("ann_lee").await.unwrap();
    storage.set_date(1_795_595_029).await.unwrap();
    storage.set_server_address("149.154.167.91").await.unwrap();
    storage.set_port(8443).await.unwrap();
    storage.set_state(&[9, 0, 9]).await.unwrap();

    let fresh = adapter.session(adapter.session_name());
    let stored = fresh
        .load_session()
        .await
        .unwrap()
        .expect("written through");
    let expected = crate::Session {
        name: adapter.session_name().to_owned(),
        dc: 4,
        api_id: 12345,
        api_hash: "hash".into(),
        test_mode: true,
        auth_key: Some(auth_key(3)),
        state: vec![9, 0, 9],
        user_id: -7,
        is_bot: true,
        first_name: "Ann".into(),
        last_name: "Lee".into(),
        username: "ann_lee".into(),
        date: 1_795_595_029,
        addr: "149.154.167.91".into(),
        port: 8443,
    };
    assert_eq!(stored, expected);
    assert_eq!(*storage.session().await.unwrap(), expected);
    assert_eq!(storage.api_hash().await.unwrap(), "hash");
    assert_eq!(storage.server_address().await.unwrap(), "149.154.167.91");
    assert_eq!(storage.port().await.unwrap(), 8443);
    assert_eq!(storage.state().await.unwrap(), vec![9, 0, 9]);
    assert!(storage.test_mode().await.unwrap() && storage.is_bot().await.unwrap());
    assert_eq!(
        (
            storage.user_id().await.unwrap(),
            storage.date().await.unwrap()
        ),
        (-7, 1_795_595_029)
    );
    assert_eq!(storage.username().await.unwrap(), "ann_lee");
    assert_eq!(
        (
            storage.first_name().await.unwrap(),
            storage.last_name().await.unwrap()
        ),
        ("Ann".to_owned(), "Lee".to_owned())
    );
    assert_eq!(
        (
            storage.api_id().await.unwrap(),
            storage.dc_id().await.unwrap()
        ),
        (12345, 4)
    );
    storage.set_auth_key(None).await.unwrap();
    assert_eq!(
        fresh.load_session().await.unwrap().and_then(|s| s.auth_key),
        None
    );
}

/// The session is loaded once: getters are served from memory (a write made
/// behind the bridge's back is not seen) until `reload`.
pub async fn bridge_loads_session_once(adapter: Arc<dyn Adapter>) {
    adapter.save_session(&full_session()).await.unwrap();
    let storage = AdapterStorage::new(Arc::clone(&adapter));
    assert_eq!(storage.dc_id().await.unwrap(), 2);
    let mut behind = full_session();
    behind.dc = 5;
    adapter.save_session(&behind).await.unwrap();
    assert_eq!(storage.dc_id().await.unwrap(), 2, "served from memory");
    storage.reload().await.unwrap();
    assert_eq!(storage.dc_id().await.unwrap(), 5);
}

/// `update_session` changes several fields in one write.
pub async fn bridge_update_session_writes_several_fields(adapter: Arc<dyn Adapter>) {
    let storage = AdapterStorage::new(Arc::clone(&adapter));
    storage
        .update_session(|s| {
            s.dc = 2;
            s.addr = "149.154.167.51".into();
            s.port = 443;
            s.auth_key = Some(auth_key(0));
        })
        .await
        .unwrap();
    let stored = adapter.load_session().await.unwrap().expect("written");
    assert_eq!(
        (stored.dc, stored.addr.as_str(), stored.port),
        (2, "149.154.167.51", 443)
    );
    assert_eq!(stored.auth_key, Some(auth_key(0)));
}

/// The exported string is Telethon's format and decodes back to the
/// session's DC, address, port and key; without a key it is an error.
pub async fn bridge_exports_telethon_string(adapter: Arc<dyn Adapter>) {
    let storage = AdapterStorage::new(Arc::clone(&adapter));
    match storage.export_session_string().await {
        Err(Error::MissingField {
            field: "auth_key", ..
        }) => {}
        other => panic!("expected MissingField, got {other:?}"),
    }
    adapter.save_session(&full_session()).await.unwrap();
    storage.reload().await.unwrap();
    let s = storage.export_session_string().await.unwrap();
    assert_eq!(s.len(), 353);
    let back = crate::session_string::telethon::decode(&s).unwrap();
    assert_eq!(
        (back.dc, back.addr.as_str(), back.port),
        (2, "149.154.167.51", 443)
    );
    assert_eq!(back.auth_key, Some(auth_key(0)));
}

/// Peers and the optional stores are forwarded to the adapter.
pub async fn bridge_forwards_to_the_adapter(adapter: Arc<dyn Adapter>) {
    let storage = AdapterStorage::new(Arc::clone(&adapter));
    let peers = [full_peer(1), full_peer(2)];
    PeerCache::save_peers(&storage, &peers).await.unwrap();
    PeerCache::save_peer(&storage, &full_peer(3)).await.unwrap();
    PeerCache::delete_peer(&storage, 2).await.unwrap();
    assert_eq!(
        adapter.load_peers().await.unwrap(),
        vec![full_peer(1), full_peer(3)]
    );
    assert_eq!(PeerCache::load_peers(&storage).await.unwrap().len(), 2);
    if adapter.conversations().is_some() {
        let conv = crate::Conversation {
            chat_id: 1,
            user_id: 1,
            name: "x".into(),
            ..Default::default()
        };
        storage.save_conversation(&conv).await.unwrap();
        let stored = adapter
            .conversations()
            .unwrap()
            .load_conversation(1, 1)
            .await
            .unwrap();
        assert_eq!(stored.map(|c| c.name), Some("x".into()));
    }
    if adapter.update_state().is_some() {
        assert!(storage.insert_dedup_key("k", 3).await.unwrap());
        assert_eq!(
            storage.load_dedup_keys().await.unwrap(),
            vec![crate::DedupKey {
                key: "k".into(),
                seen_at: 3
            }]
        );
        storage.save_channel_pts(9, 99).await.unwrap();
        assert_eq!(
            adapter
                .update_state()
                .unwrap()
                .load_channel_pts(9)
                .await
                .unwrap(),
            Some(99)
        );
    }
}

/// An adapter that hides its optional stores, to see the bridge refuse.
struct CoreOnly(Arc<dyn Adapter>);

#[async_trait]
impl SessionStore for CoreOnly {
    async fn load_session(&self) -> crate::Result<Option<crate::Session>> {
        self.0.load_session().await
    }
    async fn save_session(&self, session: &crate::Session) -> crate::Result<()> {
        self.0.save_session(session).await
    }
    async fn delete_session(&self) -> crate::Result<()> {
        self.0.delete_session().await
    }
}

#[async_trait]
impl PeerStore for CoreOnly {
    async fn save_peers(&self, peers: &[crate::Peer]) -> crate::Result<()> {
        self.0.save_peers(peers).await
    }
    async fn get_peer(&self, id: i64) -> crate::Result<Option<crate::Peer>> {
        self.0.get_peer(id).await
    }
    async fn get_peer_by_username(&self, username: &str) -> crate::Result<Option<crate::Peer>> {
        self.0.get_peer_by_username(username).await
    }
    async fn get_peer_by_phone(&self, phone: &str) -> crate::Result<Option<crate::Peer>> {
        self.0.get_peer_by_phone(phone).await
    }
    async fn load_peers(&self) -> crate::Result<Vec<crate::Peer>> {
        self.0.load_peers().await
    }
    async fn delete_peer(&self, id: i64) -> crate::Result<()> {
        self.0.delete_peer(id).await
    }
}

#[async_trait]
impl Adapter for CoreOnly {
    fn backend_name(&self) -> &'static str {
        "core-only"
    }
    fn session_name(&self) -> &str {
        self.0.session_name()
    }
    fn session(&self, name: &str) -> Box<dyn Adapter> {
        Box::new(CoreOnly(Arc::from(self.0.session(name))))
    }
    async fn session_names(&self) -> crate::Result<Vec<String>> {
        self.0.session_names().await
    }
    async fn close(&self) -> crate::Result<()> {
        Ok(())
    }
}

/// Without a conversation, DC auth or update-state store, the bridge
/// answers [`Error::Unsupported`] naming the operation and the backend,
/// never a silent success.
pub async fn bridge_unsupported_without_store(adapter: Arc<dyn Adapter>) {
    let storage = AdapterStorage::new(CoreOnly(adapter));
    let expect_unsupported = |result: crate::Result<()>, op: &str| match result {
        Err(Error::Unsupported {
            operation,
            backend: "core-only",
        }) if operation == op => {}
        other => panic!("{op}: expected Unsupported, got {other:?}"),
    };
    let conv = crate::Conversation::default();
    expect_unsupported(storage.save_conversation(&conv).await, "save_conversation");
    expect_unsupported(
        storage.load_conversation(1, 1).await.map(drop),
        "load_conversation",
    );
    expect_unsupported(
        crate::DcAuthStore::save_dc_auth(&storage, &crate::DcAuth::default()).await,
        "save_dc_auth",
    );
    expect_unsupported(
        crate::DcAuthStore::load_dc_auth(&storage, 1)
            .await
            .map(drop),
        "load_dc_auth",
    );
    expect_unsupported(
        storage.save_update_state(&Default::default()).await,
        "save_update_state",
    );
    expect_unsupported(
        storage.insert_dedup_key("k", 1).await.map(drop),
        "insert_dedup_key",
    );
    expect_unsupported(storage.load_dedup_keys().await.map(drop), "load_dedup_keys");
    expect_unsupported(storage.load_updates(1).await.map(drop), "load_updates");
    // The core still works.
    storage.set_dc_id(1).await.unwrap();
    assert_eq!(storage.dc_id().await.unwrap(), 1);
}
