//! `GrammersSession` on every backend: grammers' own `SessionData` (its
//! default, and one with every DC, peers of every kind and a full update
//! state) stored through it and read back equals the original; partial
//! updates and peer merges behave as grammers' `MemorySession` does;
//! `cache_peers` is one `save_peers`, and lookups go through the cache.
#![cfg(all(
    feature = "grammers",
    feature = "testing",
    feature = "cache",
    feature = "sqlite",
    feature = "postgres",
    feature = "mysql",
    feature = "redis",
    feature = "mongodb"
))]

mod mongo_support;
mod orm_support;
mod purge_support;
mod redis_support;

use async_trait::async_trait;
use grammers_session::Session as _;
use grammers_session::SessionData;
use grammers_session::storages::MemorySession;
use grammers_session::types::{
    ChannelKind, ChannelState, DcOption, PeerAuth, PeerId, PeerInfo, UpdateState, UpdatesState,
};
use mtgo_storage::conformance::{reachable, service_url, unavailable, unique_session_name};
use mtgo_storage::grammers::GrammersSession;
use mtgo_storage::{
    Adapter, CachedAdapter, ConversationStore, DcAuthStore, MemoryAdapter, Peer, PeerStore, Result,
    Session, SessionStore, UpdateStateStore,
};
use purge_support::Purging;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn key(seed: u8) -> [u8; 256] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
}

/// A session with every DC (keys on some, none on others, a DC beyond the
/// five with a zoned IPv6 address), users in every auth/bot/self
/// combination, chats, channels of every kind, and channels in the update
/// state.
fn full_data() -> SessionData {
    let mut data = SessionData {
        home_dc: 4,
        ..SessionData::default()
    };
    for (id, seed) in [(2, 2u8), (4, 4)] {
        data.dc_options.get_mut(&id).unwrap().auth_key = Some(key(seed));
    }
    data.dc_options.insert(
        203,
        DcOption {
            id: 203,
            ipv4: SocketAddrV4::new(Ipv4Addr::new(91, 105, 192, 100), 8443),
            ipv6: SocketAddrV6::new(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1), 80, 0, 3),
            auth_key: Some(key(203)),
        },
    );
    let auths = [
        None,
        Some(PeerAuth::from_hash(0)),
        Some(PeerAuth::from_hash(-42)),
    ];
    let flags = [None, Some(false), Some(true)];
    let mut id = 1_000;
    for auth in auths {
        for bot in flags {
            for is_self in [None, Some(false)] {
                id += 1;
                data.peer_infos.insert(
                    PeerId::user(id).unwrap(),
                    PeerInfo::User {
                        id,
                        auth,
                        bot,
                        is_self,
                    },
                );
            }
        }
    }
    let me = PeerInfo::User {
        id: 777_000,
        auth: Some(PeerAuth::from_hash(9_000_000_000)),
        bot: Some(false),
        is_self: Some(true),
    };
    data.peer_infos.insert(me.id(), me);
    for chat in [1, 999_999_999_999] {
        data.peer_infos
            .insert(PeerId::chat(chat).unwrap(), PeerInfo::Chat { id: chat });
    }
    let kinds = [
        None,
        Some(ChannelKind::Broadcast),
        Some(ChannelKind::Megagroup),
        Some(ChannelKind::Gigagroup),
        Some(ChannelKind::Community),
    ];
    for (n, kind) in kinds.into_iter().enumerate() {
        for auth in [None, Some(PeerAuth::from_hash(i64::MIN + n as i64))] {
            let id = 2_000_000 + n as i64 * 2 + i64::from(auth.is_some());
            data.peer_infos.insert(
                PeerId::channel(id).unwrap(),
                PeerInfo::Channel { id, auth, kind },
            );
        }
    }
    data.updates_state = UpdatesState {
        pts: 1_234,
        qts: -5,
        date: 1_795_595_029,
        seq: i32::MAX,
        channels: vec![
            ChannelState {
                id: 997_852_516_352,
                pts: 7,
            },
            ChannelState {
                id: 2_000_001,
                pts: 1,
            },
            ChannelState {
                id: 2_000_002,
                pts: i32::MIN,
            },
        ],
    };
    data
}

fn sorted(state: &UpdatesState) -> UpdatesState {
    let mut state = state.clone();
    state.channels.sort_by_key(|c| c.id);
    state
}

fn assert_same(got: &SessionData, want: &SessionData) {
    assert_eq!(got.home_dc, want.home_dc, "home DC");
    let mut ids: Vec<_> = want.dc_options.keys().collect();
    ids.sort();
    for id in ids {
        assert_eq!(got.dc_options.get(id), want.dc_options.get(id), "DC {id}");
    }
    assert_eq!(got.dc_options.len(), want.dc_options.len(), "DC count");
    for (id, info) in &want.peer_infos {
        assert_eq!(got.peer_infos.get(id), Some(info), "peer {id}");
    }
    assert_eq!(got.peer_infos.len(), want.peer_infos.len(), "peer count");
    assert_eq!(sorted(&got.updates_state), sorted(&want.updates_state));
}

/// The sync reads of a reopened session answer what `data` holds.
fn assert_sync_reads<A: Adapter + 'static>(session: &GrammersSession<A>, data: &SessionData) {
    assert_eq!(session.home_dc_id().unwrap(), data.home_dc);
    for (id, option) in &data.dc_options {
        assert_eq!(session.dc_option(*id).unwrap().as_ref(), Some(option));
    }
}

/// A second handle on the same stored session, as a restarted client opens it.
async fn reopen<A: Adapter + 'static>(adapter: &A) -> GrammersSession {
    GrammersSession::open(adapter.session(adapter.session_name()))
        .await
        .unwrap()
}

async fn default_round_trips<A: Adapter + 'static>(adapter: A) {
    let session = GrammersSession::open(adapter).await.unwrap();
    let default = SessionData::default();
    assert_same(&session.session_data().await.unwrap(), &default);
    // grammers' own import path: one setter call per item.
    default.import_to(&session).await.unwrap();
    let again = reopen(session.adapter()).await;
    assert_sync_reads(&again, &default);
    assert_same(&again.session_data().await.unwrap(), &default);
}

async fn full_round_trips_through_import_session_data<A: Adapter + 'static>(adapter: A) {
    let session = GrammersSession::open(adapter).await.unwrap();
    let data = full_data();
    session.import_session_data(&data).await.unwrap();
    assert_sync_reads(&session, &data);
    let again = reopen(session.adapter()).await;
    assert_sync_reads(&again, &data);
    assert_same(&again.session_data().await.unwrap(), &data);
    // The logged-in user answers `self_user`, and the session record holds
    // the home DC's key and address for session-string exports.
    let me = again.peer(PeerId::self_user()).await.unwrap().unwrap();
    assert_eq!(me, data.peer_infos[&PeerId::user(777_000).unwrap()]);
    let record = again.adapter().load_session().await.unwrap().unwrap();
    assert_eq!(
        (record.dc, record.user_id, record.addr.as_str(), record.port),
        (4, 777_000, "149.154.167.92", 443)
    );
    assert_eq!(record.auth_key.unwrap().as_bytes(), &key(4)[..]);
}

async fn full_round_trips_through_grammers_import_to<A: Adapter + 'static>(adapter: A) {
    let session = GrammersSession::open(adapter).await.unwrap();
    let data = full_data();
    data.import_to(&session).await.unwrap();
    let again = reopen(session.adapter()).await;
    assert_sync_reads(&again, &data);
    assert_same(&again.session_data().await.unwrap(), &data);
}

/// Every `UpdateState` variant and every peer merge gives what grammers'
/// `MemorySession` gives for the same calls.
async fn behaves_as_grammers_memory_session<A: Adapter + 'static>(adapter: A) {
    let ours = GrammersSession::open(adapter).await.unwrap();
    let oracle = MemorySession::default();
    let user = |auth: Option<i64>, bot, is_self| PeerInfo::User {
        id: 10,
        auth: auth.map(PeerAuth::from_hash),
        bot,
        is_self,
    };
    let channel = |auth: Option<i64>, kind| PeerInfo::Channel {
        id: 20,
        auth: auth.map(PeerAuth::from_hash),
        kind,
    };
    let state = |channels: &[(i64, i32)]| UpdatesState {
        pts: 1,
        qts: 2,
        date: 3,
        seq: 4,
        channels: channels
            .iter()
            .map(|&(id, pts)| ChannelState { id, pts })
            .collect(),
    };
    macro_rules! both {
        ($call:ident($($arg:expr),*)) => {{
            oracle.$call($($arg),*).await.unwrap();
            ours.$call($($arg),*).await.unwrap();
        }};
    }
    let check = async |what: &str| {
        assert_eq!(
            sorted(&ours.updates_state().await.unwrap()),
            sorted(&oracle.updates_state().await.unwrap()),
            "update state after {what}"
        );
        for id in [
            PeerId::user(10).unwrap(),
            PeerId::channel(20).unwrap(),
            PeerId::chat(30).unwrap(),
            PeerId::user(99).unwrap(),
        ] {
            assert_eq!(
                ours.peer(id).await.unwrap(),
                oracle.peer(id).await.unwrap(),
                "peer {id} after {what}"
            );
        }
    };
    check("nothing").await;
    both!(set_update_state(UpdateState::All(state(&[
        (1, 1),
        (2, 2),
        (3, 3)
    ]))));
    check("All").await;
    both!(set_update_state(UpdateState::Primary {
        pts: 10,
        date: 11,
        seq: 12
    }));
    both!(set_update_state(UpdateState::Secondary { qts: 13 }));
    both!(set_update_state(UpdateState::Channel { id: 2, pts: 99 }));
    both!(set_update_state(UpdateState::Channel { id: 4, pts: 5 }));
    check("Primary, Secondary and Channel").await;
    both!(set_update_state(UpdateState::All(state(&[(4, 6)]))));
    check("All with fewer channels").await;
    both!(cache_peer(user(None, None, None)));
    check("an unknown user").await;
    both!(cache_peer(user(Some(5), None, None)));
    both!(cache_peer(user(None, Some(true), Some(false))));
    check("merges of a user").await;
    both!(cache_peers(vec![
        channel(None, Some(ChannelKind::Megagroup)),
        channel(Some(7), None),
        PeerInfo::Chat { id: 30 },
        user(Some(0), Some(false), None),
    ]));
    check("a batch with repeats").await;
}

/// An adapter that counts peer writes and reads of the one it wraps.
struct Counting<A> {
    inner: A,
    save_peers: Arc<AtomicUsize>,
    save_peer: Arc<AtomicUsize>,
    get_peer: Arc<AtomicUsize>,
}

#[async_trait]
impl<A: Adapter> SessionStore for Counting<A> {
    async fn load_session(&self) -> Result<Option<Session>> {
        self.inner.load_session().await
    }
    async fn save_session(&self, session: &Session) -> Result<()> {
        self.inner.save_session(session).await
    }
    async fn delete_session(&self) -> Result<()> {
        self.inner.delete_session().await
    }
}

#[async_trait]
impl<A: Adapter> PeerStore for Counting<A> {
    async fn save_peer(&self, peer: &Peer) -> Result<()> {
        self.save_peer.fetch_add(1, Ordering::SeqCst);
        self.inner.save_peer(peer).await
    }
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        self.save_peers.fetch_add(1, Ordering::SeqCst);
        self.inner.save_peers(peers).await
    }
    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
        self.get_peer.fetch_add(1, Ordering::SeqCst);
        self.inner.get_peer(id).await
    }
    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
        self.inner.get_peer_by_username(username).await
    }
    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
        self.inner.get_peer_by_phone(phone).await
    }
    async fn load_peers(&self) -> Result<Vec<Peer>> {
        self.inner.load_peers().await
    }
    async fn delete_peer(&self, id: i64) -> Result<()> {
        self.inner.delete_peer(id).await
    }
    async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
        self.inner.delete_peers(ids).await
    }
}

#[async_trait]
impl<A: Adapter> Adapter for Counting<A> {
    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }
    fn session_name(&self) -> &str {
        self.inner.session_name()
    }
    fn session(&self, name: &str) -> Box<dyn Adapter> {
        self.inner.session(name)
    }
    async fn session_names(&self) -> Result<Vec<String>> {
        self.inner.session_names().await
    }
    fn conversations(&self) -> Option<&dyn ConversationStore> {
        self.inner.conversations()
    }
    fn dc_auth(&self) -> Option<&dyn DcAuthStore> {
        self.inner.dc_auth()
    }
    fn update_state(&self) -> Option<&dyn UpdateStateStore> {
        self.inner.update_state()
    }
    fn lease(&self) -> Option<&dyn mtgo_storage::LeaseStore> {
        self.inner.lease()
    }
    fn temp_keys(&self) -> Option<&dyn mtgo_storage::TempKeyStore> {
        self.inner.temp_keys()
    }
    async fn purge_session(&self) -> Result<()> {
        self.inner.purge_session().await
    }
    async fn reclaim_space(&self) -> Result<()> {
        self.inner.reclaim_space().await
    }
    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }
}

/// `cache_peers` of a batch is one `save_peers` (never a `save_peer` per
/// peer); afterwards `peer` is answered by the cache, without reading the
/// inner adapter.
#[tokio::test]
async fn cache_peers_is_one_batch_and_lookups_hit_the_cache() {
    let counters = [(); 3].map(|_| Arc::new(AtomicUsize::new(0)));
    let counting = Counting {
        inner: MemoryAdapter::new(),
        save_peers: Arc::clone(&counters[0]),
        save_peer: Arc::clone(&counters[1]),
        get_peer: Arc::clone(&counters[2]),
    };
    let session = GrammersSession::open(CachedAdapter::new(counting))
        .await
        .unwrap();
    let infos: Vec<PeerInfo> = (1..=100)
        .map(|id| PeerInfo::User {
            id,
            auth: Some(PeerAuth::from_hash(id * 3)),
            bot: Some(false),
            is_self: None,
        })
        .collect();
    session.cache_peers(infos.clone()).await.unwrap();
    assert_eq!(counters[0].load(Ordering::SeqCst), 1, "save_peers calls");
    assert_eq!(counters[1].load(Ordering::SeqCst), 0, "save_peer calls");
    let reads_before = counters[2].load(Ordering::SeqCst);
    let hits_before = session.adapter().stats().hits;
    for info in &infos {
        assert_eq!(session.peer(info.id()).await.unwrap().as_ref(), Some(info));
    }
    assert_eq!(
        counters[2].load(Ordering::SeqCst),
        reads_before,
        "inner reads"
    );
    assert_eq!(session.adapter().stats().hits - hits_before, 100);
}

/// A peer id outside Telegram's ranges fails the whole batch before
/// anything is written.
#[tokio::test]
async fn a_batch_with_an_invalid_id_writes_nothing() {
    let session = GrammersSession::open(MemoryAdapter::new()).await.unwrap();
    let batch = vec![PeerInfo::Chat { id: 5 }, PeerInfo::Chat { id: 0 }];
    let e = session.cache_peers(batch).await.unwrap_err();
    assert!(e.to_string().contains("outside Telegram's id range"), "{e}");
    assert!(session.adapter().load_peers().await.unwrap().is_empty());
}

/// A session imported from another client (only a session record, as a
/// Telethon string gives) opens with its home DC, key and address, and its
/// user answers `self_user`.
#[tokio::test]
async fn a_session_record_from_another_client_is_usable() {
    let adapter = MemoryAdapter::new();
    adapter
        .save_session(&Session {
            dc: 5,
            auth_key: Some(mtgo_storage::AuthKey::new(key(5).to_vec())),
            addr: "91.108.56.130".into(),
            port: 443,
            user_id: 123_456,
            ..Session::default()
        })
        .await
        .unwrap();
    let session = GrammersSession::open(adapter).await.unwrap();
    assert_eq!(session.home_dc_id().unwrap(), 5);
    let option = session.dc_option(5).unwrap().unwrap();
    assert_eq!(option.auth_key, Some(key(5)));
    assert_eq!(option.ipv4.to_string(), "91.108.56.130:443");
    assert_eq!(
        session.peer(PeerId::self_user()).await.unwrap(),
        Some(PeerInfo::User {
            id: 123_456,
            auth: None,
            bot: None,
            is_self: Some(true)
        })
    );
}

macro_rules! backend {
    ($backend:ident, $factory:expr) => {
        mod $backend {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn default_round_trips() {
                if let Some(a) = ($factory)(unique_session_name("grammers_default")).await {
                    super::default_round_trips(a).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn full_round_trips_through_import_session_data() {
                if let Some(a) = ($factory)(unique_session_name("grammers_full")).await {
                    super::full_round_trips_through_import_session_data(a).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn full_round_trips_through_grammers_import_to() {
                if let Some(a) = ($factory)(unique_session_name("grammers_import_to")).await {
                    super::full_round_trips_through_grammers_import_to(a).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn behaves_as_grammers_memory_session() {
                if let Some(a) = ($factory)(unique_session_name("grammers_oracle")).await {
                    super::behaves_as_grammers_memory_session(a).await;
                }
            }
        }
    };
}

async fn memory(session: String) -> Option<MemoryAdapter> {
    Some(MemoryAdapter::new().with_session(&session))
}

async fn sqlite(session: String) -> Option<Purging<mtgo_storage::OrmAdapter>> {
    let (adapter, _path, dir) = orm_support::sqlite_file().await;
    Some(Purging::new(
        adapter.with_session(&session),
        Box::new(move |_| drop(dir)),
    ))
}

async fn cached_sqlite(
    session: String,
) -> Option<CachedAdapter<Purging<mtgo_storage::OrmAdapter>>> {
    Some(CachedAdapter::new(sqlite(session).await?))
}

async fn redis(session: String) -> Option<Purging<mtgo_storage::redis::RedisAdapter>> {
    let url = service_url("redis", "redis://127.0.0.1:6379");
    if !reachable("redis", &url).await {
        return None;
    }
    match mtgo_storage::redis::open(&url).await {
        Ok(adapter) => {
            let inner = adapter.with_session(&session);
            let prefix = mtgo_storage::redis::DEFAULT_PREFIX;
            Some(Purging::new(
                inner,
                Box::new(move |_| redis_support::purge_session_keys(&url, prefix, &session)),
            ))
        }
        Err(e) => unavailable("redis", &redis_support::error_chain(&e)),
    }
}

backend!(memory_backend, memory);
backend!(sqlite_backend, sqlite);
backend!(cached_sqlite_backend, cached_sqlite);
backend!(postgres_backend, orm_support::postgres_purging);
backend!(mariadb_backend, orm_support::mysql_purging);
backend!(redis_backend, redis);
backend!(mongodb_backend, mongo_support::adapter);
