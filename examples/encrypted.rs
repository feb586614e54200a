//! An `EncryptedAdapter` over a SQLite `OrmAdapter`, under a `CachedAdapter`:
//! the auth keys in the database file are ciphertexts, the client sees its
//! keys. The 32-byte key comes from the environment (`MTGO_STORAGE_KEY`,
//! 64 hex digits); without it the example makes one up. Run:
//! `cargo run --example encrypted --features encryption`.

use mtgo_storage::encryption::{EncryptionConfig, PlaintextPolicy, is_envelope};
use mtgo_storage::{
    Adapter, AdapterStorage, AuthKey, CachedAdapter, DcAuth, EncryptedAdapter, EncryptionKey,
    Keyring, Session, SessionStore, Storage,
};
use zeroize::Zeroizing;

fn key_from_env() -> mtgo_storage::Result<EncryptionKey> {
    let Ok(hex) = std::env::var("MTGO_STORAGE_KEY").map(Zeroizing::new) else {
        println!("MTGO_STORAGE_KEY is not set: using a random key for this run");
        return EncryptionKey::generate("2026-12");
    };
    let mut bytes = Zeroizing::new([0u8; 32]);
    if hex.len() != 64 {
        return Err(mtgo_storage::Error::invalid(
            "MTGO_STORAGE_KEY",
            "needs 64 hex digits",
        ));
    }
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| mtgo_storage::Error::invalid("MTGO_STORAGE_KEY", "not hex"))?;
    }
    EncryptionKey::from_slice("2026-12", &bytes[..])
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> mtgo_storage::Result<()> {
    let dir = std::env::temp_dir().join(format!("mtgo-encrypted-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = mtgo_storage::orm::sqlite::open(dir.join("client.db")).await?;

    let config = EncryptionConfig::new(Keyring::new(key_from_env()?))
        // Records written before encryption was turned on are read, and
        // encrypted when next written.
        .plaintext(PlaintextPolicy::Accept)
        .conversation_data(true);
    let store = CachedAdapter::new(EncryptedAdapter::with_config(
        db.with_session("alice"),
        config,
    ));

    let storage = AdapterStorage::new(store);
    storage
        .update_session(|s| {
            *s = Session {
                name: s.name.clone(),
                dc: 2,
                auth_key: Some(AuthKey::new(vec![42u8; 256])),
                addr: "149.154.167.51".into(),
                port: 443,
                ..Session::default()
            }
        })
        .await?;
    let dc = DcAuth {
        dc_id: 4,
        auth_key: AuthKey::new(vec![7u8; 256]),
        ..DcAuth::default()
    };
    storage
        .adapter()
        .dc_auth()
        .expect("a DC store")
        .save_dc_auth(&dc)
        .await?;

    // What the database holds, read without the wrapper.
    let stored = db
        .with_session("alice")
        .load_session()
        .await?
        .expect("saved");
    let stored_key = stored.auth_key.expect("a key");
    println!(
        "in the file: {} bytes, an envelope: {}",
        stored_key.len(),
        is_envelope(stored_key.as_bytes())
    );
    // What the client sees.
    // (Same as from a plain store; not printed: it holds the key.)
    let string = storage.export_session_string().await?;
    println!("session string exported: {} characters", string.len());
    storage.close().await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
