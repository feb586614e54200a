//! An adapter wrapper that removes what a test wrote to a shared database
//! when the test ends (also when it panics), so runs of the test command do
//! not pile up rows and two runs in a row behave like one.
#![allow(dead_code)]

use async_trait::async_trait;
use mtgo_storage::{
    Adapter, ConversationStore, DcAuthStore, Peer, PeerStore, Result, Session, SessionStore,
    UpdateStateStore,
};

/// A clean-up run once, on a thread of its own with its own runtime (the
/// test's runtime may be shutting down, and `Drop` cannot await). It must
/// not panic: it may run while a failed test unwinds.
pub type Cleanup = Box<dyn FnOnce(&tokio::runtime::Runtime) + Send + Sync>;

/// Runs a [`Cleanup`] when dropped (also when the test panics).
pub struct OnDrop(Option<Cleanup>);

impl OnDrop {
    /// A guard that runs `cleanup` when dropped.
    pub fn new(cleanup: Cleanup) -> Self {
        Self(Some(cleanup))
    }
}

impl Drop for OnDrop {
    fn drop(&mut self) {
        let Some(cleanup) = self.0.take() else {
            return;
        };
        let ran = std::thread::spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => cleanup(&rt),
                Err(e) => eprintln!("test clean-up: no runtime: {e}"),
            }
        })
        .join();
        if ran.is_err() {
            eprintln!("test clean-up panicked; rows of this test may be left behind");
        }
    }
}

/// `inner`, which runs a [`Cleanup`] when dropped.
pub struct Purging<A> {
    inner: A,
    _cleanup: OnDrop,
}

impl<A> Purging<A> {
    /// Wraps `inner`; `cleanup` runs when the wrapper is dropped.
    pub fn new(inner: A, cleanup: Cleanup) -> Self {
        Self {
            inner,
            _cleanup: OnDrop::new(cleanup),
        }
    }
}

#[async_trait]
impl<A: Adapter> SessionStore for Purging<A> {
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
impl<A: Adapter> PeerStore for Purging<A> {
    async fn save_peer(&self, peer: &Peer) -> Result<()> {
        self.inner.save_peer(peer).await
    }
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        self.inner.save_peers(peers).await
    }
    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
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
impl<A: Adapter> Adapter for Purging<A> {
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
    fn references(&self) -> Option<&dyn mtgo_storage::ReferenceStore> {
        self.inner.references()
    }
    async fn purge_session(&self) -> Result<()> {
        self.inner.purge_session().await
    }
    async fn reclaim_space(&self) -> Result<()> {
        self.inner.reclaim_space().await
    }
    async fn save_session_records(&self, records: &mtgo_storage::SessionRecords) -> Result<()> {
        self.inner.save_session_records(records).await
    }
    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }
}
