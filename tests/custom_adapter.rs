//! The spec's "Custom Adapters" section, from outside the crate: the JSON-file
//! adapter of `examples/custom_adapter.rs` passes the public conformance suite
//! (the cases for session and peers; it has no optional stores).

#[path = "../examples/custom_adapter.rs"]
mod custom_adapter;

use custom_adapter::JsonFileAdapter;

async fn json_file(session: String) -> Option<JsonFileAdapter> {
    let dir = std::env::temp_dir().join("mtgo-storage-custom-adapter-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    Some(JsonFileAdapter::new(
        dir.join(format!("{session}.json")),
        &session,
    ))
}

mtgo_storage::conformance_tests!(json_file, core);
