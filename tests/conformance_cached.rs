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
}
