//! A peer cache over any adapter: [`CachedAdapter`] (feature `cache`).
//!
//! One concept per file: `config` (capacity, time-to-live), `entry` (a
//! cached peer and its validity), `keys` (index keys and how a peer claims
//! one), `session_cache` (the moka caches of one session name and their
//! invariants), `write` (what a write does to the cache), `adapter` (the
//! `Adapter` implementation).

mod adapter;
mod config;
mod entry;
mod keys;
mod session_cache;
mod write;

pub use adapter::{CacheStats, CachedAdapter};
pub use config::CacheConfig;
