//! `EncryptedAdapter` (feature `encryption`): the conformance suite through
//! the wrapper, and what the wrapper promises about keys, tampering,
//! misplaced ciphertexts, plaintext records, rotation and passphrases.

use mtgo_storage::encryption::{EncryptionConfig, KdfParams, PlaintextPolicy, is_envelope};
use mtgo_storage::session_string::{self, SessionFormat};
use mtgo_storage::{
    Adapter, AdapterStorage, AuthKey, CachedAdapter, Conversation, DcAuth, DurableUpdate,
    EncryptedAdapter, EncryptionKey, Error, Keyring, MemoryAdapter, Session, SessionStore, Storage,
};

fn key(id: &str, byte: u8) -> EncryptionKey {
    EncryptionKey::new(id, [byte; 32]).expect("key")
}

fn ring(id: &str, byte: u8) -> Keyring {
    Keyring::new(key(id, byte))
}

/// Every field on: auth keys, conversation data and durable payloads.
fn everything(keyring: Keyring) -> EncryptionConfig {
    EncryptionConfig::new(keyring)
        .conversation_data(true)
        .durable_payloads(true)
}

fn auth_key(seed: u8) -> AuthKey {
    mtgo_storage::conformance::fixtures::auth_key(seed)
}

fn session_with_key(seed: u8) -> Session {
    Session {
        auth_key: Some(auth_key(seed)),
        ..mtgo_storage::conformance::fixtures::full_session()
    }
}

fn dc(dc_id: i32, seed: u8) -> DcAuth {
    // Fields the lead adds later keep their defaults.
    let mut entry = DcAuth {
        dc_id,
        auth_key: auth_key(seed),
        ..Default::default()
    };
    entry.server_salt = 99;
    entry.port = 443;
    entry.server_addr = format!("149.154.167.{dc_id}");
    entry
}

/// Asserts `e` is `Error::Decrypt` for `session` and `field`, with a reason
/// containing `reason`, and that its text shows no key bytes.
fn assert_decrypt(e: Error, session: &str, field: &str, reason: &str) {
    let text = e.to_string();
    match e {
        Error::Decrypt {
            session: s,
            field: f,
            reason: r,
        } => {
            assert_eq!(s, session, "{text}");
            assert_eq!(f, field, "{text}");
            assert!(r.contains(reason), "reason {r:?} lacks {reason:?}");
        }
        other => panic!("expected Error::Decrypt, got {other:?}"),
    }
    assert!(text.contains(session) && text.contains(field), "{text}");
}

mod conformance_memory {
    use super::*;

    async fn encrypted_memory(session: String) -> Option<EncryptedAdapter<MemoryAdapter>> {
        Some(EncryptedAdapter::with_config(
            MemoryAdapter::new().with_session(&session),
            everything(ring("k1", 1)),
        ))
    }

    mtgo_storage::conformance_tests!(encrypted_memory);
}

/// The cache composes over the wrapper, on SQLite.
#[cfg(feature = "sqlite")]
mod conformance_cached_sqlite {
    use super::*;
    use mtgo_storage::OrmAdapter;

    async fn cached_encrypted_sqlite(
        session: String,
    ) -> Option<CachedAdapter<EncryptedAdapter<OrmAdapter>>> {
        let adapter = mtgo_storage::orm::sqlite::memory()
            .await
            .expect("open in-memory sqlite");
        Some(CachedAdapter::new(EncryptedAdapter::with_config(
            adapter.with_session(&session),
            everything(ring("k1", 1)),
        )))
    }

    mtgo_storage::conformance_tests!(cached_encrypted_sqlite);
}

#[tokio::test]
async fn every_field_is_an_envelope_in_the_inner_store_and_round_trips() {
    let plain = MemoryAdapter::new().with_session("alice");
    let store =
        EncryptedAdapter::with_config(plain.with_session("alice"), everything(ring("k1", 1)));
    let session = session_with_key(3);
    store.save_session(&session).await.unwrap();
    let dcs = store.dc_auth().unwrap();
    for id in 1..=5 {
        dcs.save_dc_auth(&dc(id, id as u8 * 10)).await.unwrap();
    }
    let conversation = Conversation {
        chat_id: -100,
        user_id: 7,
        name: "signup".into(),
        step: 2,
        data: b"{\"email\":\"a@b.c\"}".to_vec(),
        ..Default::default()
    };
    store
        .conversations()
        .unwrap()
        .save_conversation(&conversation)
        .await
        .unwrap();
    let update = DurableUpdate {
        id: "u1".into(),
        payload: b"serialized update".to_vec(),
        created_at: 5,
        ..Default::default()
    };
    store
        .update_state()
        .unwrap()
        .enqueue_update(&update)
        .await
        .unwrap();

    // The inner adapter holds envelopes only.
    let raw = plain.load_session().await.unwrap().unwrap();
    let raw_key = raw.auth_key.unwrap();
    assert!(is_envelope(raw_key.as_bytes()));
    assert_ne!(raw_key, session.auth_key.clone().unwrap());
    for entry in plain.dc_auth().unwrap().load_all_dc_auth().await.unwrap() {
        assert!(is_envelope(entry.auth_key.as_bytes()), "dc {}", entry.dc_id);
    }
    let raw_conv = plain
        .conversations()
        .unwrap()
        .load_conversation(-100, 7)
        .await
        .unwrap()
        .unwrap();
    assert!(is_envelope(&raw_conv.data));
    let raw_update = &plain
        .update_state()
        .unwrap()
        .load_updates(10)
        .await
        .unwrap()[0];
    assert!(is_envelope(&raw_update.payload));

    // The wrapper gives everything back.
    let back = store.load_session().await.unwrap().unwrap();
    assert_eq!(back.auth_key, session.auth_key);
    assert_eq!(back.dc, session.dc);
    let all = dcs.load_all_dc_auth().await.unwrap();
    assert_eq!(all.len(), 5);
    for (i, entry) in all.iter().enumerate() {
        let id = i as i32 + 1;
        assert_eq!(entry, &dc(id, id as u8 * 10));
        assert_eq!(dcs.load_dc_auth(id).await.unwrap().as_ref(), Some(entry));
    }
    let conv = store
        .conversations()
        .unwrap()
        .load_conversation(-100, 7)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.data, conversation.data);
    let updates = store
        .update_state()
        .unwrap()
        .load_updates(10)
        .await
        .unwrap();
    assert_eq!(updates[0].payload, update.payload);
    assert_eq!(updates[0].id, "u1");
}

#[tokio::test]
async fn a_session_without_a_key_stays_without_one() {
    let store = EncryptedAdapter::new(MemoryAdapter::new(), ring("k1", 1));
    let session = Session {
        auth_key: None,
        dc: 2,
        ..Default::default()
    };
    store.save_session(&session).await.unwrap();
    assert_eq!(store.load_session().await.unwrap().unwrap().auth_key, None);
}

#[tokio::test]
async fn a_wrong_key_is_a_decrypt_error_naming_session_and_field() {
    let plain = MemoryAdapter::new().with_session("bob");
    let writer = EncryptedAdapter::new(plain.with_session("bob"), ring("k1", 1));
    writer.save_session(&session_with_key(1)).await.unwrap();
    writer
        .dc_auth()
        .unwrap()
        .save_dc_auth(&dc(4, 9))
        .await
        .unwrap();

    // Same id, other bytes.
    let reader = EncryptedAdapter::new(plain.with_session("bob"), ring("k1", 2));
    let e = reader.load_session().await.unwrap_err();
    assert_decrypt(e, "bob", "auth_key", "authentication failed");
    let e = reader.dc_auth().unwrap().load_dc_auth(4).await.unwrap_err();
    assert_decrypt(e, "bob", "dc_auth[4].auth_key", "authentication failed");
    let e = reader
        .dc_auth()
        .unwrap()
        .load_all_dc_auth()
        .await
        .unwrap_err();
    assert_decrypt(e, "bob", "dc_auth[4].auth_key", "authentication failed");
}

#[tokio::test]
async fn an_unknown_key_id_is_a_decrypt_error_naming_the_id() {
    let plain = MemoryAdapter::new().with_session("carol");
    EncryptedAdapter::new(plain.with_session("carol"), ring("old", 1))
        .save_session(&session_with_key(1))
        .await
        .unwrap();
    let reader = EncryptedAdapter::new(plain.with_session("carol"), ring("new", 1));
    let e = reader.load_session().await.unwrap_err();
    assert_decrypt(e, "carol", "auth_key", "key id \"old\"");
}

#[tokio::test]
async fn every_tampered_byte_is_a_decrypt_error_never_a_wrong_key() {
    let plain = MemoryAdapter::new().with_session("dave");
    let store = EncryptedAdapter::new(plain.with_session("dave"), ring("k1", 1));
    store.save_session(&session_with_key(1)).await.unwrap();
    let sealed = plain.load_session().await.unwrap().unwrap();
    let bytes = sealed.auth_key.clone().unwrap().into_bytes();
    // Flip each byte in turn (magic, version, kdf, id, nonce, ciphertext, tag),
    // and cut the envelope at every length.
    let mut variants: Vec<Vec<u8>> = (0..bytes.len())
        .map(|i| {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            b
        })
        .collect();
    variants.extend((0..bytes.len()).map(|n| bytes[..n].to_vec()));
    for (n, variant) in variants.into_iter().enumerate() {
        let mut tampered = sealed.clone();
        tampered.auth_key = Some(AuthKey::new(variant.clone()));
        plain.save_session(&tampered).await.unwrap();
        match store.load_session().await {
            Err(Error::Decrypt { session, field, .. }) => {
                assert_eq!((session.as_str(), field.as_str()), ("dave", "auth_key"));
            }
            // A flipped magic byte makes a "plaintext" record, refused too.
            other => panic!("variant {n}: expected Error::Decrypt, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_ciphertext_copied_to_another_session_or_dc_does_not_decrypt() {
    let plain = MemoryAdapter::new();
    let keys = ring("k1", 1);
    let alice = EncryptedAdapter::with_config(plain.with_session("alice"), everything(keys));
    alice.save_session(&session_with_key(1)).await.unwrap();
    alice
        .dc_auth()
        .unwrap()
        .save_dc_auth(&dc(2, 5))
        .await
        .unwrap();
    let mallory = alice.session("mallory");

    // The session record copied to another session name.
    let raw = plain
        .with_session("alice")
        .load_session()
        .await
        .unwrap()
        .unwrap();
    plain
        .with_session("mallory")
        .save_session(&raw)
        .await
        .unwrap();
    let e = mallory.load_session().await.unwrap_err();
    assert_decrypt(e, "mallory", "auth_key", "authentication failed");

    // A DC's key copied to another DC of the same session.
    let raw_dc = plain
        .with_session("alice")
        .dc_auth()
        .unwrap()
        .load_dc_auth(2)
        .await
        .unwrap()
        .unwrap();
    let moved = DcAuth {
        dc_id: 3,
        ..raw_dc.clone()
    };
    plain
        .with_session("alice")
        .dc_auth()
        .unwrap()
        .save_dc_auth(&moved)
        .await
        .unwrap();
    let e = alice.dc_auth().unwrap().load_dc_auth(3).await.unwrap_err();
    assert_decrypt(e, "alice", "dc_auth[3].auth_key", "authentication failed");

    // A DC's key copied into the session's auth key field.
    let mut swapped = raw.clone();
    swapped.auth_key = Some(raw_dc.auth_key.clone());
    plain
        .with_session("alice")
        .save_session(&swapped)
        .await
        .unwrap();
    let e = alice.load_session().await.unwrap_err();
    assert_decrypt(e, "alice", "auth_key", "authentication failed");

    // Conversation data moved to another (chat, user).
    let conversations = alice.conversations().unwrap();
    conversations
        .save_conversation(&Conversation {
            chat_id: 1,
            user_id: 2,
            data: b"secret".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
    let raw_conv = plain
        .with_session("alice")
        .conversations()
        .unwrap()
        .load_conversation(1, 2)
        .await
        .unwrap()
        .unwrap();
    plain
        .with_session("alice")
        .conversations()
        .unwrap()
        .save_conversation(&Conversation {
            user_id: 3,
            ..raw_conv
        })
        .await
        .unwrap();
    let e = conversations.load_conversation(1, 3).await.unwrap_err();
    assert_decrypt(
        e,
        "alice",
        "conversation[1,3].data",
        "authentication failed",
    );
}

#[tokio::test]
async fn plaintext_is_refused_by_default() {
    let plain = MemoryAdapter::new().with_session("erin");
    plain.save_session(&session_with_key(1)).await.unwrap();
    plain
        .dc_auth()
        .unwrap()
        .save_dc_auth(&dc(2, 2))
        .await
        .unwrap();
    let store = EncryptedAdapter::new(plain.with_session("erin"), ring("k1", 1));
    let e = store.load_session().await.unwrap_err();
    assert_decrypt(e, "erin", "auth_key", "plaintext");
    let e = store.dc_auth().unwrap().load_dc_auth(2).await.unwrap_err();
    assert_decrypt(e, "erin", "dc_auth[2].auth_key", "plaintext");
}

#[tokio::test]
async fn accepted_plaintext_is_read_and_encrypted_on_the_next_write() {
    let plain = MemoryAdapter::new().with_session("frank");
    let session = session_with_key(1);
    plain.save_session(&session).await.unwrap();
    plain
        .dc_auth()
        .unwrap()
        .save_dc_auth(&dc(2, 2))
        .await
        .unwrap();
    let store = EncryptedAdapter::with_config(
        plain.with_session("frank"),
        EncryptionConfig::new(ring("k1", 1)).plaintext(PlaintextPolicy::Accept),
    );
    let read = store.load_session().await.unwrap().unwrap();
    assert_eq!(read.auth_key, session.auth_key);
    assert_eq!(
        store.dc_auth().unwrap().load_dc_auth(2).await.unwrap(),
        Some(dc(2, 2))
    );
    // Still plaintext inside until written ...
    let raw = plain.load_session().await.unwrap().unwrap();
    assert_eq!(raw.auth_key, session.auth_key);
    // ... then sealed.
    store.save_session(&read).await.unwrap();
    let raw = plain.load_session().await.unwrap().unwrap();
    assert!(is_envelope(raw.auth_key.unwrap().as_bytes()));
    assert_eq!(
        store.load_session().await.unwrap().unwrap().auth_key,
        session.auth_key
    );
}

#[tokio::test]
async fn keys_rotate_old_records_open_new_writes_use_the_primary() {
    let plain = MemoryAdapter::new().with_session("gina");
    EncryptedAdapter::new(plain.with_session("gina"), ring("2025", 1))
        .save_session(&session_with_key(1))
        .await
        .unwrap();
    let rotated = Keyring::new(key("2026", 2))
        .with_key(key("2025", 1))
        .unwrap();
    let store = EncryptedAdapter::new(plain.with_session("gina"), rotated);
    let read = store.load_session().await.unwrap().unwrap();
    assert_eq!(read.auth_key, session_with_key(1).auth_key);
    store.save_session(&read).await.unwrap();
    // Now only the new key is needed.
    let new_only = EncryptedAdapter::new(plain.with_session("gina"), ring("2026", 2));
    assert_eq!(
        new_only.load_session().await.unwrap().unwrap().auth_key,
        read.auth_key
    );
}

#[tokio::test]
async fn passphrase_keys_store_their_parameters_and_open_with_the_passphrase_alone() {
    let params = KdfParams::new(256, 1, 1).unwrap();
    let plain = MemoryAdapter::new().with_session("hana");
    let writer_key = EncryptionKey::from_passphrase("pass", b"correct horse", params).unwrap();
    assert!(writer_key.is_passphrase());
    EncryptedAdapter::new(plain.with_session("hana"), Keyring::new(writer_key))
        .save_session(&session_with_key(4))
        .await
        .unwrap();
    // Another process: same passphrase, its own salt and other parameters.
    let other_params = KdfParams::new(512, 2, 1).unwrap();
    let reader_key =
        EncryptionKey::from_passphrase("pass", b"correct horse", other_params).unwrap();
    let reader = EncryptedAdapter::new(plain.with_session("hana"), Keyring::new(reader_key));
    assert_eq!(
        reader.load_session().await.unwrap().unwrap().auth_key,
        session_with_key(4).auth_key
    );
    // A wrong passphrase.
    let wrong = EncryptionKey::from_passphrase("pass", b"battery staple", params).unwrap();
    let e = EncryptedAdapter::new(plain.with_session("hana"), Keyring::new(wrong))
        .load_session()
        .await
        .unwrap_err();
    assert_decrypt(e, "hana", "auth_key", "authentication failed");
    // A raw key under the passphrase key's id.
    let e = EncryptedAdapter::new(plain.with_session("hana"), ring("pass", 1))
        .load_session()
        .await
        .unwrap_err();
    assert_decrypt(e, "hana", "auth_key", "passphrase");
}

#[tokio::test]
async fn session_strings_from_an_encrypted_store_equal_those_from_a_plain_one() {
    let session = Session {
        dc: 2,
        api_id: 12345,
        user_id: 7_000_000,
        addr: "149.154.167.51".into(),
        port: 443,
        auth_key: Some(auth_key(9)),
        ..Default::default()
    };
    let plain = AdapterStorage::new(MemoryAdapter::new().with_session("s"));
    let encrypted = AdapterStorage::new(EncryptedAdapter::new(
        MemoryAdapter::new().with_session("s"),
        ring("k1", 1),
    ));
    let fill = |s: &mut Session| {
        *s = Session {
            name: s.name.clone(),
            ..session.clone()
        }
    };
    plain.update_session(fill).await.unwrap();
    encrypted.update_session(fill).await.unwrap();
    // The bridge reads back from the stores, not from memory.
    plain.reload().await.unwrap();
    encrypted.reload().await.unwrap();
    assert_eq!(
        plain.export_session_string().await.unwrap(),
        encrypted.export_session_string().await.unwrap()
    );
    // Every format, from sessions loaded fresh from each store.
    let from_plain = plain.adapter().load_session().await.unwrap().unwrap();
    let from_encrypted = encrypted.adapter().load_session().await.unwrap().unwrap();
    for format in SessionFormat::ALL {
        let a = session_string::encode(&from_plain, format);
        let b = session_string::encode(&from_encrypted, format);
        assert_eq!(a.ok(), b.ok(), "{format:?}");
    }
}

#[test]
fn debug_output_never_shows_key_material() {
    let k = EncryptionKey::new("visible-id", [0xAB; 32]).unwrap();
    let ring = Keyring::new(k);
    let store = EncryptedAdapter::new(MemoryAdapter::new(), ring);
    let text = format!("{store:?}");
    assert!(text.contains("visible-id"), "{text}");
    assert!(!text.to_lowercase().contains("abab"), "{text}");
    assert!(!text.contains("171"), "{text}");
}

mod random_envelopes {
    use super::*;
    use proptest::prelude::*;

    /// Reads `stored` as the session's auth key through `keyring`.
    fn read_as_auth_key(stored: Vec<u8>, keyring: Keyring) -> Result<Option<Session>, Error> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async move {
                let plain = MemoryAdapter::new().with_session("fuzz");
                plain
                    .save_session(&Session {
                        auth_key: Some(AuthKey::new(stored)),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                EncryptedAdapter::new(plain.with_session("fuzz"), keyring)
                    .load_session()
                    .await
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Anything after the magic bytes is an `Error::Decrypt`, never a
        /// panic and never a key, with a raw or a passphrase key.
        #[test]
        fn random_bytes_after_the_magic_are_a_decrypt_error(
            kdf in 0u8..3,
            id in prop::sample::select(vec!["k1", "p1", "zz"]),
            tail in prop::collection::vec(any::<u8>(), 0..200),
        ) {
            let mut stored = b"\x89MTGOENC\x01".to_vec();
            stored.push(kdf);
            stored.push(id.len() as u8);
            stored.extend_from_slice(id.as_bytes());
            stored.extend_from_slice(&tail);
            let keyring = Keyring::new(key("k1", 1))
                .with_key(
                    EncryptionKey::from_passphrase("p1", b"pass", KdfParams::new(64, 1, 1).unwrap())
                        .unwrap(),
                )
                .unwrap();
            match read_as_auth_key(stored, keyring) {
                Err(Error::Decrypt { session, field, .. }) => {
                    prop_assert_eq!(session, "fuzz");
                    prop_assert_eq!(field, "auth_key");
                }
                other => prop_assert!(false, "expected Error::Decrypt, got {:?}", other),
            }
        }
    }
}
