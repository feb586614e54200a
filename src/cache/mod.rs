//! A peer cache over any adapter: [`CachedAdapter`] (feature `cache`).
//!
//! One concept per file: `config` (capacity, time-to-live), `record` (a
//! cached peer in a compact layout), `keys` (index keys and how a peer
//! claims one), `session_cache` (the compact store of one session name,
//! its invariants and when it is complete), `write` (what a write does to
//! the cache), `adapter` (the `Adapter` implementation).

mod adapter;
mod config;
mod keys;
mod record;
mod session_cache;
mod write;

pub use adapter::{CacheStats, CachedAdapter};
pub use config::CacheConfig;
