//! grammers over an encrypted store: `GrammersSession` on an
//! `EncryptedAdapter` keeps every DC's auth key sealed in the inner store
//! and hands grammers its keys back.

use grammers_session::SessionData;
use mtgo_storage::encryption::envelope_key_id;
use mtgo_storage::grammers::GrammersSession;
use mtgo_storage::{
    Adapter, EncryptedAdapter, EncryptionKey, Keyring, MemoryAdapter, SessionStore,
};

fn key(seed: u8) -> [u8; 256] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
}

fn keyring() -> Keyring {
    Keyring::new(EncryptionKey::new("g1", [5u8; 32]).unwrap())
}

#[tokio::test]
async fn grammers_keys_are_sealed_in_the_store_and_read_back() {
    let plain = MemoryAdapter::new().with_session("g");
    let mut data = SessionData {
        home_dc: 4,
        ..SessionData::default()
    };
    for id in [2, 4] {
        data.dc_options.get_mut(&id).unwrap().auth_key = Some(key(id as u8));
    }
    let session = GrammersSession::open(EncryptedAdapter::new(plain.with_session("g"), keyring()))
        .await
        .unwrap();
    session.import_session_data(&data).await.unwrap();

    // The inner store holds envelopes only: the session record's key and
    // each DC's.
    let record = plain.load_session().await.unwrap().unwrap();
    assert_eq!(
        envelope_key_id(record.auth_key.as_ref().unwrap().as_bytes()),
        Some("g1")
    );
    let entries = plain.dc_auth().unwrap().load_all_dc_auth().await.unwrap();
    assert!(!entries.is_empty());
    for entry in &entries {
        assert_eq!(
            envelope_key_id(entry.auth_key.as_bytes()),
            Some("g1"),
            "dc {}",
            entry.dc_id
        );
    }

    // A new process with the key gets grammers' keys back.
    let again = GrammersSession::open(EncryptedAdapter::new(plain.with_session("g"), keyring()))
        .await
        .unwrap();
    let back = again.session_data().await.unwrap();
    for id in [2, 4] {
        assert_eq!(
            back.dc_options[&id].auth_key,
            Some(key(id as u8)),
            "dc {id}"
        );
    }
    // Without the key, opening fails with Error::Decrypt rather than handing
    // grammers a wrong key.
    let other = Keyring::new(EncryptionKey::new("g1", [6u8; 32]).unwrap());
    match GrammersSession::open(EncryptedAdapter::new(plain.with_session("g"), other)).await {
        Err(mtgo_storage::Error::Decrypt { .. }) => {}
        Err(e) => panic!("expected Error::Decrypt, got {e:?}"),
        Ok(s) => match s.session_data().await {
            Err(mtgo_storage::Error::Decrypt { .. }) => {}
            other => panic!("expected Error::Decrypt, got {:?}", other.map(|_| "data")),
        },
    }
}
