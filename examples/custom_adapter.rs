//! A custom adapter outside the crate: sessions and peers in one JSON file.
//!
//! This is the spec's "Custom Adapters" section in Rust: implement
//! `SessionStore`, `PeerStore` and `Adapter`, then hand the adapter to
//! `AdapterStorage::new` (the spec's `NewAdapter`). `tests/custom_adapter.rs`
//! runs the public conformance suite against it.
//!
//! Run it with `cargo run --example custom_adapter --features testing`.

use async_trait::async_trait;
use mtgo_storage::{
    Adapter, AdapterStorage, Error, Peer, PeerStore, PeerType, Result, Session, SessionStore,
    Storage, normalize_phone, normalize_username,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Mutex;

/// Everything in the file: per session name, the session and the peers.
#[derive(Default, Serialize, Deserialize)]
struct FileData {
    sessions: BTreeMap<String, Account>,
}

#[derive(Default, Serialize, Deserialize)]
struct Account {
    session: Option<Session>,
    peers: BTreeMap<i64, Peer>,
}

/// Sessions and peers in one JSON file, rewritten atomically on every write.
#[derive(Clone)]
pub struct JsonFileAdapter {
    path: Arc<PathBuf>,
    lock: Arc<Mutex<()>>,
    name: String,
}

impl JsonFileAdapter {
    /// A handle on `path` for the session name `name`; the file is created
    /// on the first write.
    pub fn new(path: impl AsRef<Path>, name: &str) -> Self {
        Self {
            path: Arc::new(path.as_ref().to_owned()),
            lock: Arc::new(Mutex::new(())),
            name: name.to_owned(),
        }
    }

    async fn load(&self) -> Result<FileData> {
        match tokio::fs::read(&*self.path).await {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileData::default()),
            Err(e) => Err(Error::Io(e)),
        }
    }

    async fn read<T>(&self, f: impl FnOnce(&Account) -> T) -> Result<T> {
        let _guard = self.lock.lock().await;
        let data = self.load().await?;
        let empty = Account::default();
        Ok(f(data.sessions.get(&self.name).unwrap_or(&empty)))
    }

    async fn write(&self, f: impl FnOnce(&mut Account)) -> Result<()> {
        let _guard = self.lock.lock().await;
        let mut data = self.load().await?;
        f(data.sessions.entry(self.name.clone()).or_default());
        let tmp = self.path.with_extension("tmp");
        tokio::fs::write(&tmp, serde_json::to_vec(&data)?).await?;
        tokio::fs::rename(&tmp, &*self.path).await?;
        Ok(())
    }

    /// The newest peer (greatest `last_updated`, then id) matching `pred`.
    async fn newest(&self, pred: impl Fn(&Peer) -> bool) -> Result<Option<Peer>> {
        self.read(|a| {
            a.peers
                .values()
                .filter(|p| pred(p))
                .max_by_key(|p| (p.last_updated, p.id))
                .cloned()
        })
        .await
    }
}

#[async_trait]
impl SessionStore for JsonFileAdapter {
    async fn load_session(&self) -> Result<Option<Session>> {
        self.read(|a| a.session.clone()).await
    }

    async fn save_session(&self, session: &Session) -> Result<()> {
        let session = Session {
            name: self.name.clone(),
            ..session.clone()
        };
        self.write(|a| a.session = Some(session)).await
    }

    async fn delete_session(&self) -> Result<()> {
        self.write(|a| a.session = None).await
    }
}

#[async_trait]
impl PeerStore for JsonFileAdapter {
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        // The last of each id wins; a min peer is merged over the stored
        // one (it keeps the stored access hash and phone, see
        // `Peer::merged_over`).
        let last: HashMap<i64, &Peer> = peers.iter().map(|p| (p.id, p)).collect();
        self.write(|a| {
            for (id, p) in last {
                let saved = p.merged_over(a.peers.get(&id));
                a.peers.insert(id, saved);
            }
        })
        .await
    }

    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
        self.read(|a| a.peers.get(&id).cloned()).await
    }

    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
        let wanted = normalize_username(username);
        if wanted.is_empty() {
            return Ok(None);
        }
        self.newest(|p| p.normalized_usernames().contains(&wanted))
            .await
    }

    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
        let wanted = normalize_phone(phone);
        if wanted.is_empty() {
            return Ok(None);
        }
        self.newest(|p| p.normalized_phone() == wanted).await
    }

    async fn load_peers(&self) -> Result<Vec<Peer>> {
        self.read(|a| a.peers.values().cloned().collect()).await
    }

    async fn delete_peer(&self, id: i64) -> Result<()> {
        self.write(|a| {
            a.peers.remove(&id);
        })
        .await
    }
}

#[async_trait]
impl Adapter for JsonFileAdapter {
    fn backend_name(&self) -> &'static str {
        "json-file"
    }

    fn session_name(&self) -> &str {
        &self.name
    }

    fn session(&self, name: &str) -> Box<dyn Adapter> {
        Box::new(Self {
            name: name.to_owned(),
            ..self.clone()
        })
    }

    async fn session_names(&self) -> Result<Vec<String>> {
        let _guard = self.lock.lock().await;
        let data = self.load().await?;
        Ok(data
            .sessions
            .into_iter()
            .filter(|(_, a)| a.session.is_some())
            .map(|(name, _)| name)
            .collect())
    }

    async fn close(&self) -> Result<()> {
        Ok(())
    }
}

#[allow(dead_code)] // the test includes this file as a module
#[tokio::main]
async fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("mtgo-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let storage = AdapterStorage::new(JsonFileAdapter::new(dir.join("store.json"), "alice"));
    storage.set_dc_id(2).await?;
    let mut bob = Peer::new(7_000_000_000, PeerType::User, -5);
    bob.username = "bob64".into();
    mtgo_storage::PeerCache::save_peer(&storage, &bob).await?;
    let found = storage.adapter().get_peer_by_username("@Bob64").await?;
    println!(
        "dc {} / found {:?}",
        storage.dc_id().await?,
        found.map(|p| p.id)
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
