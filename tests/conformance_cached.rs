//! The conformance suite against `CachedAdapter` over `MemoryAdapter`, with
//! the default capacity and with a capacity so small that most peers are
//! evicted (every case must pass either way).

use mtgo_storage::{CacheConfig, CachedAdapter, MemoryAdapter};

async fn cached_memory(session: String) -> Option<CachedAdapter<MemoryAdapter>> {
    Some(CachedAdapter::new(
        MemoryAdapter::new().with_session(&session),
    ))
}

mtgo_storage::conformance_tests!(cached_memory);

mod small_capacity {
    use super::*;

    async fn cached_memory_tiny(session: String) -> Option<CachedAdapter<MemoryAdapter>> {
        Some(CachedAdapter::with_config(
            MemoryAdapter::new().with_session(&session),
            CacheConfig::default().max_peers(3),
        ))
    }

    mtgo_storage::conformance_tests!(cached_memory_tiny);
}
