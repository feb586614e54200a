//! The conformance suite against `CachedAdapter` over `MemoryAdapter`, with
//! the default capacity and with a capacity so small that most peers are
//! evicted (every case must pass either way), and over a cache warmed up on
//! the empty store first, so that it is complete (answers what it does not
//! hold from memory) until it evicts.

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

/// Warmed up on the empty store: complete from the start, with the default
/// capacity and with one so small that evictions end completeness.
mod complete {
    use super::*;

    async fn warmed(session: String, config: CacheConfig) -> CachedAdapter<MemoryAdapter> {
        let cached =
            CachedAdapter::with_config(MemoryAdapter::new().with_session(&session), config);
        assert_eq!(cached.warm_up().await.expect("warm up"), 0);
        assert!(cached.stats().complete);
        cached
    }

    async fn complete_memory(session: String) -> Option<CachedAdapter<MemoryAdapter>> {
        Some(warmed(session, CacheConfig::default()).await)
    }

    mtgo_storage::conformance_tests!(complete_memory);

    mod small_capacity {
        use super::*;

        async fn complete_memory_tiny(session: String) -> Option<CachedAdapter<MemoryAdapter>> {
            Some(warmed(session, CacheConfig::default().max_peers(3)).await)
        }

        mtgo_storage::conformance_tests!(complete_memory_tiny);
    }
}

/// Over the SQLite `OrmAdapter`, in memory and in a file (WAL), each case on
/// its own database.
#[cfg(feature = "sqlite")]
mod sqlite {
    use mtgo_storage::{CacheConfig, CachedAdapter, OrmAdapter};

    mod memory {
        use super::*;

        async fn cached_sqlite_memory(session: String) -> Option<CachedAdapter<OrmAdapter>> {
            let adapter = mtgo_storage::orm::sqlite::memory()
                .await
                .expect("open in-memory sqlite");
            Some(CachedAdapter::new(adapter.with_session(&session)))
        }

        mtgo_storage::conformance_tests!(cached_sqlite_memory);
    }

    mod file {
        use super::*;

        async fn cached_sqlite_file(session: String) -> Option<CachedAdapter<OrmAdapter>> {
            let dir = tempfile::tempdir().expect("tempdir").keep();
            let adapter = mtgo_storage::orm::sqlite::open(dir.join("cached.db"))
                .await
                .expect("open sqlite file");
            Some(CachedAdapter::with_config(
                adapter.with_session(&session),
                CacheConfig::default().max_peers(5),
            ))
        }

        mtgo_storage::conformance_tests!(cached_sqlite_file);
    }

    mod complete_file {
        use super::*;

        async fn complete_sqlite_file(session: String) -> Option<CachedAdapter<OrmAdapter>> {
            let dir = tempfile::tempdir().expect("tempdir").keep();
            let adapter = mtgo_storage::orm::sqlite::open(dir.join("complete.db"))
                .await
                .expect("open sqlite file");
            let cached = CachedAdapter::new(adapter.with_session(&session));
            assert_eq!(cached.warm_up().await.expect("warm up"), 0);
            Some(cached)
        }

        mtgo_storage::conformance_tests!(complete_sqlite_file);
    }
}
