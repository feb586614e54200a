//! Telethon and Pyrogram `.session` files: the reference files written by
//! Telethon 1.45.0 and Pyrogram 2.0.106 (tests/data), fixtures with the
//! exact DDL of the older and forked layouts (tests/data/session_files.md),
//! export and re-import, and errors. Every import checks that the input
//! file's bytes are unchanged.

use async_trait::async_trait;
use mtgo_storage::session_file::{self, SessionFileKind, marked_id, peer_type_of_marked};
use mtgo_storage::{
    Adapter, AuthKey, Error, MemoryAdapter, Peer, PeerStore, PeerType, Session, SessionStore,
    UpdateState,
};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn key_a() -> AuthKey {
    AuthKey::new((0..=255u8).collect::<Vec<u8>>())
}

/// Imports `path` and checks that its bytes, and the files beside it, are
/// unchanged.
async fn import_untouched(
    path: &Path,
    adapter: &dyn Adapter,
) -> mtgo_storage::Result<session_file::ImportReport> {
    let before = std::fs::read(path).ok();
    let dir = path.parent().unwrap();
    let listing = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let files_before = listing(dir);
    let result = session_file::import(path, adapter).await;
    assert_eq!(
        std::fs::read(path).ok(),
        before,
        "{} was modified",
        path.display()
    );
    assert_eq!(
        listing(dir),
        files_before,
        "files appeared beside {}",
        path.display()
    );
    result
}

fn user(id: i64, hash: i64) -> (i64, PeerType, i64) {
    (id, PeerType::User, hash)
}

/// The nine peers both reference files hold (session_files.md).
fn expected_peers() -> Vec<(i64, PeerType, i64)> {
    vec![
        (-1003000000000, PeerType::Channel, 1),
        (-1001500000001, PeerType::Channel, 2718281828459045235),
        (-1001234567890, PeerType::Channel, -3141592653589793238),
        (-4000123, PeerType::Chat, 0),
        user(111111111, -1),
        user(123456789, 1234567890123456789),
        user(444444444, 777),
        user(987654321, 42),
        user(7000000000, -5555555555555555555),
    ]
}

fn ids_types_hashes(peers: &[Peer]) -> Vec<(i64, PeerType, i64)> {
    peers
        .iter()
        .map(|p| (p.id, p.peer_type, p.access_hash))
        .collect()
}

#[tokio::test]
async fn telethon_reference_file_v8() {
    let store = MemoryAdapter::new().session("alice");
    let report = import_untouched(&data("telethon.session"), &*store)
        .await
        .unwrap();
    assert_eq!(report.kind, SessionFileKind::Telethon);
    assert_eq!(report.schema_version, 8);
    assert_eq!((report.session, report.peers), (true, 9));
    assert!(report.update_state);

    let s = store.load_session().await.unwrap().unwrap();
    assert_eq!(s.name, "alice");
    assert_eq!(
        (s.dc, s.addr.as_str(), s.port, s.auth_key.as_ref()),
        (2, "149.154.167.51", 443, Some(&key_a()))
    );
    let peers = store.load_peers().await.unwrap();
    assert_eq!(ids_types_hashes(&peers), expected_peers());
    let alice = store
        .get_peer_by_username("@Alice_Example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            alice.id,
            alice.phone_number.as_str(),
            alice.first_name.as_str()
        ),
        (123456789, "15551234567", "Alice Example")
    );
    assert_eq!(alice.last_updated, 1795595029);
    assert_eq!(
        store
            .get_peer_by_phone("+44 7700 900123")
            .await
            .unwrap()
            .unwrap()
            .id,
        111111111
    );
    assert_eq!(
        store
            .get_peer_by_username("news_channel")
            .await
            .unwrap()
            .unwrap()
            .id,
        -1001234567890
    );
    let state = store
        .update_state()
        .unwrap()
        .load_update_state()
        .await
        .unwrap();
    assert_eq!(
        state,
        Some(UpdateState {
            pts: 12345,
            qts: 0,
            date: 1704164645,
            seq: 42
        })
    );
}

#[tokio::test]
async fn pyrogram_reference_file_v3() {
    let store = MemoryAdapter::new();
    let report = import_untouched(&data("pyrogram.session"), &store)
        .await
        .unwrap();
    assert_eq!(
        (report.kind, report.schema_version, report.peers),
        (SessionFileKind::Pyrogram, 3, 9)
    );
    let s = store.load_session().await.unwrap().unwrap();
    assert_eq!(
        (s.dc, s.api_id, s.test_mode, s.user_id, s.is_bot, s.date),
        (2, 12345, false, 123456789, false, 1795595053)
    );
    assert_eq!(s.auth_key, Some(key_a()));
    // Pyrogram files have no address: it comes from the DC table.
    assert_eq!((s.addr.as_str(), s.port), ("149.154.167.51", 443));
    let peers = store.load_peers().await.unwrap();
    assert_eq!(ids_types_hashes(&peers), expected_peers());
    let bot = store.get_peer(987654321).await.unwrap().unwrap();
    assert!(bot.is_bot);
    assert_eq!(bot.username, "testhelperbot");
    assert_eq!(
        store
            .get_peer_by_username("multi_one")
            .await
            .unwrap()
            .unwrap()
            .id,
        444444444
    );
    assert_eq!(
        store
            .get_peer_by_phone("15551234567")
            .await
            .unwrap()
            .unwrap()
            .id,
        123456789
    );
    assert!(!report.update_state);
}

/// Telethon 1.42's schema 7: `sessions` without `tmp_auth_key`; the DDL of
/// session_files.md. Values stored with other types than usual (a TEXT
/// phone, a REAL date) are read as stored.
#[tokio::test]
async fn telethon_v7_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.session");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE version (version integer primary key);
             CREATE TABLE sessions (
                 dc_id integer primary key,
                 server_address text,
                 port integer,
                 auth_key blob,
                 takeout_id integer
             );
             CREATE TABLE entities (
                 id integer primary key,
                 hash integer not null,
                 username text,
                 phone integer,
                 name text,
                 date integer
             );
             CREATE TABLE sent_files (
                 md5_digest blob, file_size integer, type integer, id integer, hash integer,
                 primary key(md5_digest, file_size, type)
             );
             CREATE TABLE update_state (
                 id integer primary key, pts integer, qts integer, date integer, seq integer
             );
             INSERT INTO version VALUES (7);",
        )
        .unwrap();
        db.execute(
            "INSERT INTO sessions VALUES (4, '2001:67c:4e8:f004::a', 443, ?1, NULL)",
            [key_a().as_bytes()],
        )
        .unwrap();
        db.execute_batch(
            "INSERT INTO entities VALUES (123456789, 5, 'alice', 15551234567, 'Alice', 1700000000);
             INSERT INTO entities VALUES (-4000123, 0, NULL, NULL, 'Group', 1700000000.75);
             INSERT INTO entities VALUES (-1001234567890, -7, 'chan', NULL, 'Chan', NULL);
             INSERT INTO entities VALUES (55, 6, NULL, '+1 555 000', 'Text Phone', 1);
             INSERT INTO update_state VALUES (0, 10, 2, 1700000001.5, 3);
             INSERT INTO update_state VALUES (1234567890, 99, 0, 0, 0);",
        )
        .unwrap();
    }
    let store = MemoryAdapter::new();
    let report = import_untouched(&path, &store).await.unwrap();
    assert_eq!(
        (report.schema_version, report.peers, report.channels),
        (7, 4, 1)
    );
    let s = store.load_session().await.unwrap().unwrap();
    assert_eq!(
        (s.dc, s.addr.as_str(), s.port),
        (4, "2001:67c:4e8:f004::a", 443)
    );
    let peers = store.load_peers().await.unwrap();
    let by_id = |id: i64| peers.iter().find(|p| p.id == id).unwrap();
    assert_eq!(by_id(-4000123).peer_type, PeerType::Chat);
    assert_eq!(by_id(-4000123).last_updated, 1700000000);
    assert_eq!(by_id(-1001234567890).peer_type, PeerType::Channel);
    assert_eq!(by_id(55).phone_number, "+1 555 000");
    assert_eq!(by_id(123456789).phone_number, "15551234567");
    let us = store.update_state().unwrap();
    assert_eq!(
        us.load_update_state().await.unwrap(),
        Some(UpdateState {
            pts: 10,
            qts: 2,
            date: 1700000001,
            seq: 3
        })
    );
    assert_eq!(us.load_channel_pts(1234567890).await.unwrap(), Some(99));
}

/// Pyrogram 1.4.16's schema 2: no `sessions.api_id`.
#[tokio::test]
async fn pyrogram_v2_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.session");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY, test_mode INTEGER, auth_key BLOB,
                                    date INTEGER NOT NULL, user_id INTEGER, is_bot INTEGER);
             CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER, type INTEGER NOT NULL,
                                 username TEXT, phone_number TEXT,
                                 last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER)));
             CREATE TABLE version (number INTEGER PRIMARY KEY);
             CREATE INDEX idx_peers_id ON peers (id);
             CREATE INDEX idx_peers_username ON peers (username);
             CREATE INDEX idx_peers_phone_number ON peers (phone_number);
             INSERT INTO version VALUES (2);
             INSERT INTO peers VALUES (-1001500000001, 27, 'supergroup', 'supergroupchat', NULL, 1795595060);
             INSERT INTO peers VALUES (987654321, 42, 'bot', 'testhelperbot', NULL, 1795595060);",
        )
        .unwrap();
        db.execute(
            "INSERT INTO sessions VALUES (2, 1, ?1, 1795595060, 123456789, 0)",
            [key_a().as_bytes()],
        )
        .unwrap();
    }
    let store = MemoryAdapter::new();
    let report = import_untouched(&path, &store).await.unwrap();
    assert_eq!((report.schema_version, report.peers), (2, 2));
    let s = store.load_session().await.unwrap().unwrap();
    assert_eq!(
        (s.dc, s.api_id, s.test_mode, s.user_id),
        (2, 0, true, 123456789)
    );
    // Test DC 2 from the DC table.
    assert_eq!((s.addr.as_str(), s.port), ("149.154.167.40", 80));
    let sg = store.get_peer(-1001500000001).await.unwrap().unwrap();
    assert_eq!((sg.peer_type, sg.access_hash), (PeerType::Channel, 27));
    assert!(store.get_peer(987654321).await.unwrap().unwrap().is_bot);
}

/// Kurigram 2.2.26's schema 7: address columns, usernames in their own table
/// (several per peer), an update_state table.
#[tokio::test]
async fn kurigram_v7_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kurigram.session");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY, server_address TEXT, port INTEGER,
                                    api_id INTEGER, test_mode INTEGER, auth_key BLOB,
                                    date INTEGER NOT NULL, user_id INTEGER, is_bot INTEGER);
             CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER, type INTEGER NOT NULL,
                                 phone_number TEXT,
                                 last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER)));
             CREATE TABLE usernames (id INTEGER, username TEXT);
             CREATE TABLE update_state (id INTEGER PRIMARY KEY, pts INTEGER, qts INTEGER, date INTEGER, seq INTEGER);
             CREATE TABLE version (number INTEGER PRIMARY KEY);
             INSERT INTO version VALUES (7);
             INSERT INTO peers VALUES (444444444, 777, 'user', NULL, 1795595054);
             INSERT INTO peers VALUES (123456789, 1234567890123456789, 'user', '15551234567', 1795595054);
             INSERT INTO peers VALUES (-1001234567890, -3141592653589793238, 'forum', NULL, 1795595054);
             INSERT INTO usernames VALUES (123456789, 'alice_example');
             INSERT INTO usernames VALUES (444444444, 'multi_one');
             INSERT INTO usernames VALUES (444444444, 'multi_two');
             INSERT INTO usernames VALUES (-1001234567890, 'news_channel');
             INSERT INTO update_state VALUES (0, 7, 8, 9, 10);",
        )
        .unwrap();
        db.execute(
            "INSERT INTO sessions VALUES (2, '149.154.167.51', 443, 12345, 0, ?1, 1795595054, 123456789, 0)",
            [key_a().as_bytes()],
        )
        .unwrap();
    }
    let store = MemoryAdapter::new();
    let report = import_untouched(&path, &store).await.unwrap();
    assert_eq!((report.schema_version, report.peers), (7, 3));
    assert!(report.update_state);
    let multi = store
        .get_peer_by_username("multi_two")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(multi.id, 444444444);
    assert_eq!(
        (multi.username.as_str(), multi.usernames.clone()),
        ("multi_one", vec!["multi_two".to_owned()])
    );
    let chan = store
        .get_peer_by_username("news_channel")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(chan.peer_type, PeerType::Channel);
    let s = store.load_session().await.unwrap().unwrap();
    assert_eq!(
        (s.api_id, s.addr.as_str(), s.port),
        (12345, "149.154.167.51", 443)
    );
}

/// An adapter without the optional stores: update-state rows are counted as
/// skipped, everything else is imported.
struct CoreOnly(MemoryAdapter);

#[async_trait]
impl SessionStore for CoreOnly {
    async fn load_session(&self) -> mtgo_storage::Result<Option<Session>> {
        self.0.load_session().await
    }
    async fn save_session(&self, session: &Session) -> mtgo_storage::Result<()> {
        self.0.save_session(session).await
    }
    async fn delete_session(&self) -> mtgo_storage::Result<()> {
        self.0.delete_session().await
    }
}

#[async_trait]
impl PeerStore for CoreOnly {
    async fn save_peers(&self, peers: &[Peer]) -> mtgo_storage::Result<()> {
        self.0.save_peers(peers).await
    }
    async fn get_peer(&self, id: i64) -> mtgo_storage::Result<Option<Peer>> {
        self.0.get_peer(id).await
    }
    async fn get_peer_by_username(&self, u: &str) -> mtgo_storage::Result<Option<Peer>> {
        self.0.get_peer_by_username(u).await
    }
    async fn get_peer_by_phone(&self, p: &str) -> mtgo_storage::Result<Option<Peer>> {
        self.0.get_peer_by_phone(p).await
    }
    async fn load_peers(&self) -> mtgo_storage::Result<Vec<Peer>> {
        self.0.load_peers().await
    }
    async fn delete_peer(&self, id: i64) -> mtgo_storage::Result<()> {
        self.0.delete_peer(id).await
    }
}

#[async_trait]
impl Adapter for CoreOnly {
    fn backend_name(&self) -> &'static str {
        "core-only"
    }
    fn session_name(&self) -> &str {
        self.0.session_name()
    }
    fn session(&self, name: &str) -> Box<dyn Adapter> {
        self.0.session(name)
    }
    async fn session_names(&self) -> mtgo_storage::Result<Vec<String>> {
        self.0.session_names().await
    }
    async fn close(&self) -> mtgo_storage::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn adapter_without_update_state_store() {
    let store = CoreOnly(MemoryAdapter::new());
    let report = import_untouched(&data("telethon.session"), &store)
        .await
        .unwrap();
    assert_eq!((report.peers, report.skipped_update_rows), (9, 1));
    assert!(!report.update_state);
    assert_eq!(store.load_peers().await.unwrap().len(), 9);
}

/// Export from an adapter, then import the new file into another: the same
/// session, peers and update state. Exports never overwrite a file, and the
/// new file is readable by its owner only.
#[tokio::test]
async fn export_and_reimport() {
    let source = MemoryAdapter::new();
    session_file::import(data("telethon.session"), &source)
        .await
        .unwrap();
    session_file::import(data("pyrogram.session"), &source)
        .await
        .unwrap();
    // A chat and a channel saved with bare ids are marked on export.
    let mut bare_chat = Peer::new(77, PeerType::Chat, 0);
    bare_chat.first_name = "Bare".into();
    let mut bare_channel = Peer::new(88, PeerType::Channel, 9);
    bare_channel.usernames = vec!["Extra_Name".into()];
    bare_channel.phone_number = "+1 (555) 010".into();
    source.save_peers(&[bare_chat, bare_channel]).await.unwrap();
    let session = source.load_session().await.unwrap().unwrap();
    let peers = source.load_peers().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    for (name, kind) in [
        ("out-telethon.session", SessionFileKind::Telethon),
        ("out-pyrogram.session", SessionFileKind::Pyrogram),
    ] {
        let path = dir.path().join(name);
        let written = match kind {
            SessionFileKind::Telethon => session_file::telethon::export(&source, &path).await,
            SessionFileKind::Pyrogram => session_file::pyrogram::export(&source, &path).await,
        }
        .unwrap();
        assert_eq!(written.peers, peers.len());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        assert_eq!(session_file::detect(&path).await.unwrap(), kind);
        match session_file::telethon::export(&source, &path).await {
            Err(Error::SessionFile { reason, .. }) => assert!(reason.contains("exists")),
            other => panic!("overwrote {name}: {other:?}"),
        }

        let back = MemoryAdapter::new();
        import_untouched(&path, &back).await.unwrap();
        let s = back.load_session().await.unwrap().unwrap();
        assert_eq!(
            (s.dc, s.auth_key.as_ref()),
            (session.dc, session.auth_key.as_ref())
        );
        if kind == SessionFileKind::Pyrogram {
            assert_eq!(
                (s.api_id, s.user_id, s.test_mode, s.date),
                (
                    session.api_id,
                    session.user_id,
                    session.test_mode,
                    session.date
                )
            );
        } else {
            assert_eq!(
                (s.addr.as_str(), s.port),
                (session.addr.as_str(), session.port)
            );
            assert_eq!(
                back.update_state()
                    .unwrap()
                    .load_update_state()
                    .await
                    .unwrap(),
                source
                    .update_state()
                    .unwrap()
                    .load_update_state()
                    .await
                    .unwrap()
            );
        }
        let got = back.load_peers().await.unwrap();
        let expect_ids: Vec<i64> = {
            let mut v: Vec<i64> = peers.iter().map(marked_id).collect();
            v.sort();
            v
        };
        assert_eq!(
            got.iter().map(|p| p.id).collect::<Vec<_>>(),
            expect_ids,
            "{name}"
        );
        for p in &got {
            let orig = peers.iter().find(|o| marked_id(o) == p.id).unwrap();
            assert_eq!(p.peer_type, orig.peer_type, "{name} {}", p.id);
            assert_eq!(p.access_hash, orig.access_hash, "{name} {}", p.id);
            assert_eq!(
                p.username,
                orig.normalized_usernames()
                    .first()
                    .cloned()
                    .unwrap_or_default(),
                "{name} {}",
                p.id
            );
            assert_eq!(
                p.normalized_phone(),
                orig.normalized_phone(),
                "{name} {}",
                p.id
            );
            if kind == SessionFileKind::Pyrogram {
                assert_eq!(p.is_bot, orig.is_bot, "{name} {}", p.id);
            }
        }
        assert!(
            got.iter()
                .any(|p| p.id == -77 && p.peer_type == PeerType::Chat)
        );
        assert!(
            got.iter()
                .any(|p| p.id == -1000000000088 && p.username == "extra_name")
        );
    }
}

#[test]
fn marked_ids() {
    for (peer, marked) in [
        (Peer::new(5, PeerType::User, 0), 5),
        (Peer::new(5, PeerType::Chat, 0), -5),
        (Peer::new(-5, PeerType::Chat, 0), -5),
        (Peer::new(5, PeerType::Channel, 0), -1000000000005),
        (
            Peer::new(-1000000000005, PeerType::Channel, 0),
            -1000000000005,
        ),
    ] {
        assert_eq!(marked_id(&peer), marked, "{peer:?}");
        assert_eq!(peer_type_of_marked(marked), peer.peer_type);
    }
    assert_eq!(peer_type_of_marked(-999999999999), PeerType::Chat);
    assert_eq!(peer_type_of_marked(-1000000000000), PeerType::Channel);
}

fn expect_file_error(result: mtgo_storage::Result<session_file::ImportReport>, needle: &str) {
    match result {
        Err(e @ Error::SessionFile { .. }) => {
            let text = e.to_string();
            assert!(text.contains(needle), "{text:?} does not say {needle:?}");
        }
        other => panic!("expected a session-file error saying {needle:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_files_give_clear_errors_and_stay_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryAdapter::new();

    expect_file_error(
        session_file::import(dir.path().join("missing.session"), &store).await,
        "no such file",
    );
    expect_file_error(
        import_untouched(dir.path(), &store).await,
        "not a regular file",
    );

    let garbage = dir.path().join("garbage.session");
    std::fs::write(
        &garbage,
        b"this is not an SQLite database, just some text\n".repeat(100),
    )
    .unwrap();
    expect_file_error(
        import_untouched(&garbage, &store).await,
        "not an SQLite database",
    );

    let empty = dir.path().join("empty.session");
    std::fs::write(&empty, b"").unwrap();
    expect_file_error(
        import_untouched(&empty, &store).await,
        "not a Telethon or Pyrogram",
    );

    let other = dir.path().join("other.db.session");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch(
            "CREATE TABLE notes (id INTEGER, body TEXT); INSERT INTO notes VALUES (1, 'x');",
        )
        .unwrap();
    expect_file_error(import_untouched(&other, &store).await, "tables: notes");

    for (name, ddl, needle) in [
        (
            "telethon6.session",
            "CREATE TABLE version (version integer primary key);
             CREATE TABLE sessions (dc_id integer primary key, server_address text, port integer, auth_key blob);
             CREATE TABLE entities (id integer primary key, hash integer not null, username text, phone integer, name text);
             INSERT INTO version VALUES (6);",
            "unknown Telethon schema version 6",
        ),
        (
            "telethon9.session",
            "CREATE TABLE version (version integer primary key);
             CREATE TABLE sessions (dc_id integer primary key);
             CREATE TABLE entities (id integer primary key);
             INSERT INTO version VALUES (9);",
            "unknown Telethon schema version 9",
        ),
        (
            "pyrogram1.session",
            "CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY);
             CREATE TABLE peers (id INTEGER PRIMARY KEY);
             CREATE TABLE version (number INTEGER PRIMARY KEY);
             INSERT INTO version VALUES (1);",
            "unknown Pyrogram schema version 1",
        ),
        (
            "noversion.session",
            "CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY);
             CREATE TABLE peers (id INTEGER PRIMARY KEY);
             CREATE TABLE version (number INTEGER PRIMARY KEY);",
            "version table is empty",
        ),
    ] {
        let path = dir.path().join(name);
        rusqlite::Connection::open(&path).unwrap().execute_batch(ddl).unwrap();
        expect_file_error(import_untouched(&path, &store).await, needle);
    }
    // Importing a file of the other library through the specific importer.
    expect_file_error(
        session_file::pyrogram::import(data("telethon.session"), &store).await,
        "not a Pyrogram session file",
    );
    expect_file_error(
        session_file::telethon::import(data("pyrogram.session"), &store).await,
        "not a Telethon session file",
    );
    // Nothing was written into the store by any failed import.
    assert_eq!(store.load_session().await.unwrap(), None);
    assert!(store.load_peers().await.unwrap().is_empty());
}

/// The same files through a database backend: SQLite via the SeaORM
/// adapter, two accounts in one database.
#[tokio::test]
async fn import_into_and_export_from_the_orm_adapter() {
    let orm = mtgo_storage::orm::sqlite::memory().await.unwrap();
    let alice = orm.session("alice");
    let bob = orm.session("bob");
    import_untouched(&data("telethon.session"), &*alice)
        .await
        .unwrap();
    import_untouched(&data("pyrogram.session"), &*bob)
        .await
        .unwrap();
    assert_eq!(orm.session_names().await.unwrap(), ["alice", "bob"]);

    let reference = MemoryAdapter::new();
    session_file::import(data("telethon.session"), &reference)
        .await
        .unwrap();
    assert_eq!(
        alice.load_peers().await.unwrap(),
        reference.load_peers().await.unwrap()
    );
    assert_eq!(
        alice
            .update_state()
            .unwrap()
            .load_update_state()
            .await
            .unwrap(),
        reference
            .update_state()
            .unwrap()
            .load_update_state()
            .await
            .unwrap()
    );
    let b = bob.load_session().await.unwrap().unwrap();
    assert_eq!(
        (b.name.as_str(), b.api_id, b.user_id),
        ("bob", 12345, 123456789)
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("from-orm.session");
    session_file::telethon::export(&*alice, &out).await.unwrap();
    let again = MemoryAdapter::new();
    session_file::import(&out, &again).await.unwrap();
    assert_eq!(
        ids_types_hashes(&again.load_peers().await.unwrap()),
        expected_peers()
    );
}
