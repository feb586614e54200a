#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth_key;
mod bridge;
#[cfg(feature = "cache")]
mod cache;
#[cfg(feature = "encryption")]
pub mod encryption;
mod error;
#[cfg(any(feature = "orm", feature = "mongodb", feature = "redis"))]
pub mod go;
#[cfg(feature = "grammers")]
pub mod grammers;
pub mod json;
mod lease;
pub mod limits;
mod memory;
#[cfg(feature = "mongodb")]
pub mod mongo;
mod normalize;
pub mod observe;
#[cfg(feature = "orm")]
pub mod orm;
#[cfg(any(feature = "orm", feature = "redis", feature = "mongodb"))]
mod peer_batch;
mod peer_merge;
mod prune;
#[cfg(feature = "redis")]
pub mod redis;
mod references;
#[cfg(feature = "sqlite")]
pub mod session_file;
mod session_records;
pub mod session_string;
mod storage;
mod store;
#[cfg(feature = "tdata")]
pub mod tdata;
mod temp_keys;
mod types;

#[cfg(feature = "testing")]
pub mod conformance;

pub use auth_key::AuthKey;
pub use bridge::AdapterStorage;
#[cfg(feature = "cache")]
pub use cache::{CacheConfig, CacheStats, CachedAdapter};
#[cfg(feature = "encryption")]
pub use encryption::{EncryptedAdapter, EncryptionKey, Keyring};
pub use error::{BoxError, Error, Result};
pub use lease::{Lease, LeaseStore, MAX_HOLDER_LEN, unix_now_ms};
pub use memory::MemoryAdapter;
pub use normalize::{normalize_phone, normalize_username};
#[cfg(feature = "orm")]
pub use orm::{DatabaseConnection, OrmAdapter};
pub use prune::{PruneCounts, PrunePolicy, prune, spawn_dedup_pruning};
pub use references::{PeerReference, ReferenceStore};
pub use session_records::SessionRecords;
pub use storage::{PeerCache, Storage};
pub use store::{
    Adapter, ConversationStore, DcAuthStore, PeerStore, SessionStore, UpdateStateStore,
};
pub use temp_keys::{ServerSalt, TempAuthKey, TempKeyStore};
pub use types::{
    ChannelKind, ChannelState, Conversation, DEFAULT_SESSION_NAME, DcAuth, DcAuthEntry, DedupKey,
    DurableUpdate, Peer, PeerEntry, PeerType, Session, UpdateState, unix_now,
};
