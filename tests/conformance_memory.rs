//! The conformance suite against `MemoryAdapter`.

use mtgo_storage::MemoryAdapter;

async fn memory(session: String) -> Option<MemoryAdapter> {
    Some(MemoryAdapter::new().with_session(&session))
}

mtgo_storage::conformance_tests!(memory);
