//! The `tracing` spans and events of the stores (`mtgo_storage::observe`):
//! every store operation on every backend, on `CachedAdapter`,
//! `EncryptedAdapter` and the `AdapterStorage` bridge, is a DEBUG span with
//! `backend`, `operation`, `session`, `count` and `outcome`; a failure is
//! logged once at WARN however many layers it crosses; and no auth key
//! (session, DC and temporary keys, each in a store) appears in anything a
//! subscriber receives at any level, from this crate or from the drivers
//! under it, as raw bytes, hex, base64 or a `Debug` byte list.
//!
//! One global subscriber (set once per test binary) records everything at
//! TRACE: a layer that keeps each closed span's fields and each WARN event,
//! and a `tracing-subscriber` fmt writer (span closes included) into a
//! buffer that the key search reads. Each test uses session names of its
//! own, so the tests run in parallel.

mod mongo_support;
mod orm_support;
mod purge_support;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use mtgo_storage::conformance::{reachable, service_url, unavailable, unique_session_name};
use mtgo_storage::encryption::EncryptionConfig;
use mtgo_storage::{
    Adapter, AdapterStorage, AuthKey, CachedAdapter, Conversation, DcAuth, DurableUpdate,
    EncryptedAdapter, EncryptionKey, Error, Keyring, Peer, PeerCache, PeerStore, PeerType,
    ServerSalt, Session, Storage, TempAuthKey, UpdateState,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Mutex, MutexGuard, OnceLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, filter::LevelFilter};

// ---------------------------------------------------------------------------
// The capture.

/// A span as it closed: its name, level, fields and the operation of the
/// span it ran in.
#[derive(Debug, Clone)]
struct SpanRecord {
    name: String,
    level: Level,
    fields: BTreeMap<String, String>,
    parent: Option<String>,
}

impl SpanRecord {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// An event at WARN or above: its target and fields.
#[derive(Debug, Clone)]
struct EventRecord {
    target: String,
    level: Level,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Captured {
    spans: Mutex<Vec<SpanRecord>>,
    warnings: Mutex<Vec<EventRecord>>,
    text: Mutex<Vec<u8>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

/// Keeps closed spans and WARN events in [`Captured`].
struct Collector(&'static Captured);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Collector {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if *event.metadata().level() <= Level::WARN {
            let mut fields = Fields::default();
            event.record(&mut fields);
            lock(&self.0.warnings).push(EventRecord {
                target: event.metadata().target().to_owned(),
                level: *event.metadata().level(),
                fields: fields.0,
            });
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let fields = span
            .extensions()
            .get::<Fields>()
            .map(|f| f.0.clone())
            .unwrap_or_default();
        lock(&self.0.spans).push(SpanRecord {
            name: span.name().to_owned(),
            level: *span.metadata().level(),
            fields,
            parent: span.parent().map(|p| p.name().to_owned()),
        });
    }
}

/// The fmt layer's writer: appends to [`Captured::text`].
struct TextWriter(&'static Captured);

impl Write for TextWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0.text).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the global subscriber once, and returns what it captured.
fn capture() -> &'static Captured {
    static CAPTURED: OnceLock<&'static Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured: &'static Captured = Box::leak(Box::default());
        tracing_subscriber::registry()
            .with(LevelFilter::TRACE)
            .with(Collector(captured))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_span_events(FmtSpan::CLOSE)
                    .with_writer(move || TextWriter(captured)),
            )
            .try_init()
            .expect("the test binary installs its subscriber once");
        captured
    })
}

/// The closed spans of one session name.
fn spans_of(session: &str) -> Vec<SpanRecord> {
    lock(&capture().spans)
        .iter()
        .filter(|s| s.field("session") == Some(session))
        .cloned()
        .collect()
}

/// The WARN events of this crate about one session name.
fn warnings_of(session: &str) -> Vec<EventRecord> {
    lock(&capture().warnings)
        .iter()
        .filter(|e| e.target.starts_with("mtgo_storage"))
        .filter(|e| e.fields.get("session").map(String::as_str) == Some(session))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------
// Keys and the search for them.

fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    getrandom::fill(&mut out).expect("random bytes");
    out
}

/// The keys one test writes: the session's, a DC's and a temporary one.
struct Keys {
    session: Vec<u8>,
    dc: Vec<u8>,
    temp: Vec<u8>,
}

impl Keys {
    fn new() -> Self {
        Self {
            session: random_bytes(256),
            dc: random_bytes(256),
            temp: random_bytes(256),
        }
    }

    fn each(&self) -> [(&'static str, &[u8]); 3] {
        [
            ("session auth key", &self.session),
            ("dc auth key", &self.dc),
            ("temporary auth key", &self.temp),
        ]
    }
}

/// What a logger could print of a key: 12-byte pieces of it, raw, hex
/// (both cases), base64 (four alphabets) and as a `Debug` list of numbers.
/// The pieces start every 4 bytes, so any printed run of 28 bytes or more
/// holds a piece whole, at each of base64's three alignments (4 and 3 are
/// coprime). Everything is searched as Latin-1 text, one char per byte.
fn forms(key: &[u8]) -> Vec<(String, String)> {
    let latin1 = |bytes: &[u8]| bytes.iter().map(|&b| char::from(b)).collect::<String>();
    let mut out = Vec::new();
    for offset in (0..=key.len() - 12).step_by(4) {
        let piece = &key[offset..offset + 12];
        let list = format!("{piece:?}");
        for (form, needle) in [
            ("raw", latin1(piece)),
            ("hex", hex::encode(piece)),
            ("HEX", hex::encode_upper(piece)),
            ("base64", STANDARD.encode(piece)),
            ("base64url", URL_SAFE.encode(piece)),
            ("Debug list", list[1..list.len() - 1].to_owned()),
        ] {
            out.push((format!("{form} of bytes {offset}.."), needle));
        }
    }
    out
}

/// Every form of every key found in `text`.
fn leaks(text: &[u8], keys: &Keys) -> Vec<String> {
    let text: String = text.iter().map(|&b| char::from(b)).collect();
    let mut out = Vec::new();
    for (label, key) in keys.each() {
        for (form, needle) in forms(key) {
            if text.contains(&needle) {
                out.push(format!("{label} ({form})"));
            }
        }
    }
    out
}

/// Everything the subscriber received so far (this test's and the others'
/// output) holds no form of `keys`, and it is not empty.
fn assert_no_key_in_output(keys: &Keys) {
    let captured = capture();
    // Span fields and events, as the collector saw them, too.
    let mut text = lock(&captured.text).clone();
    for span in lock(&captured.spans).iter() {
        text.extend_from_slice(format!("{span:?}\n").as_bytes());
    }
    for event in lock(&captured.warnings).iter() {
        text.extend_from_slice(format!("{event:?}\n").as_bytes());
    }
    assert!(
        text.len() > 1_000,
        "the subscriber received almost nothing ({} bytes)",
        text.len()
    );
    eprintln!("searching {} bytes of log output for the keys", text.len());
    let found = leaks(&text, keys);
    assert!(found.is_empty(), "auth keys in the log output: {found:?}");
}

// ---------------------------------------------------------------------------
// What each backend runs, and what its spans must say.

fn peers() -> Vec<Peer> {
    (1..=3)
        .map(|id| {
            let mut p = Peer::new(id, PeerType::User, id * 10);
            p.username = format!("user{id}");
            p.last_updated = 100;
            p
        })
        .collect()
}

/// Runs one operation of every store on `adapter`, with a key in each of
/// the session, DC auth and temporary key stores, then purges the session.
async fn exercise(adapter: &dyn Adapter, keys: &Keys) {
    let session = Session {
        dc: 2,
        api_id: 1,
        auth_key: Some(AuthKey::new(keys.session.clone())),
        addr: "149.154.167.51".into(),
        port: 443,
        ..Default::default()
    };
    adapter.save_session(&session).await.unwrap();
    assert!(adapter.load_session().await.unwrap().is_some());

    adapter.save_peers(&peers()).await.unwrap();
    assert!(adapter.get_peer(2).await.unwrap().is_some());
    assert!(adapter.get_peer(404).await.unwrap().is_none());
    assert!(
        adapter
            .get_peer_by_username("@User3")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(adapter.load_peers().await.unwrap().len(), 3);
    adapter.delete_peer(1).await.unwrap();

    let dc_auth = adapter.dc_auth().expect("dc auth store");
    let mut dc = DcAuth {
        dc_id: 4,
        auth_key: AuthKey::new(keys.dc.clone()),
        ..Default::default()
    };
    dc.port = 443;
    dc.server_addr = "149.154.167.91".into();
    dc_auth.save_dc_auth(&dc).await.unwrap();
    assert!(dc_auth.load_dc_auth(4).await.unwrap().is_some());
    assert_eq!(dc_auth.load_all_dc_auth().await.unwrap().len(), 1);

    if let Some(temp) = adapter.temp_keys() {
        temp.save_temp_auth_key(&TempAuthKey {
            dc_id: 4,
            auth_key: AuthKey::new(keys.temp.clone()),
            expires_at: i64::MAX / 2,
            perm_auth_key_id: 7,
        })
        .await
        .unwrap();
        assert!(temp.load_temp_auth_key(4).await.unwrap().is_some());
        let salts = [
            ServerSalt {
                valid_since: 10,
                valid_until: 20,
                salt: 1,
            },
            ServerSalt {
                valid_since: 20,
                valid_until: 30,
                salt: 2,
            },
        ];
        temp.save_server_salts(4, &salts).await.unwrap();
    }

    let updates = adapter.update_state().expect("update state store");
    updates
        .save_update_state(&UpdateState {
            pts: 1,
            qts: 2,
            date: 3,
            seq: 4,
        })
        .await
        .unwrap();
    assert!(updates.insert_dedup_key("k1", 5).await.unwrap());
    assert_eq!(updates.prune_dedup_keys(6).await.unwrap(), 1);
    updates
        .enqueue_update(&DurableUpdate {
            id: "u1".into(),
            payload: vec![1, 2, 3],
            created_at: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(updates.load_updates(10).await.unwrap().len(), 1);
    let missing = updates.mark_update_failed("no-such-update", "boom").await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );

    let conversations = adapter.conversations().expect("conversation store");
    conversations
        .save_conversation(&Conversation {
            chat_id: 1,
            user_id: 2,
            name: "flow".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(conversations.load_conversations().await.unwrap().len(), 1);

    if let Some(lease) = adapter.lease() {
        assert!(
            lease
                .acquire_lease("holder", std::time::Duration::from_secs(30))
                .await
                .unwrap()
        );
    }
    adapter.purge_session().await.unwrap();
}

/// The one span of `operation` (with `count`, when given) in `spans`.
fn span<'a>(spans: &'a [SpanRecord], operation: &str, count: Option<&str>) -> &'a SpanRecord {
    let found: Vec<_> = spans
        .iter()
        .filter(|s| s.name == operation && s.field("count") == count)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one span {operation} with count {count:?}; spans: {spans:#?}"
    );
    found[0]
}

/// The spans of `session` after [`exercise`] on `backend`.
fn check_spans(backend: &str, session: &str, temp_keys: bool) {
    let spans = spans_of(session);
    let mine: Vec<_> = spans
        .iter()
        .filter(|s| s.field("backend") == Some(backend))
        .cloned()
        .collect();
    for s in &mine {
        assert_eq!(s.level, Level::DEBUG, "{s:?}");
        assert_eq!(s.field("operation"), Some(s.name.as_str()), "{s:?}");
        let expected = if s.name == "mark_update_failed" {
            "error"
        } else {
            "ok"
        };
        assert_eq!(s.field("outcome"), Some(expected), "{s:?}");
    }
    // The operations the test called (a backend may run others inside
    // them: PostgreSQL's username lookup reads the peer with get_peer).
    let top: Vec<_> = mine
        .iter()
        .filter(|s| s.parent.is_none())
        .cloned()
        .collect();
    for (operation, count) in [
        ("save_session", None),
        ("load_session", Some("1")),
        ("save_peers", Some("3")),
        ("get_peer", Some("1")),
        ("get_peer", Some("0")),
        ("get_peer_by_username", Some("1")),
        ("load_peers", Some("3")),
        ("delete_peer", None),
        ("save_dc_auth", None),
        ("load_dc_auth", Some("1")),
        ("load_all_dc_auth", Some("1")),
        ("save_update_state", None),
        ("insert_dedup_key", None),
        ("prune_dedup_keys", Some("1")),
        ("enqueue_update", None),
        ("load_updates", Some("1")),
        ("mark_update_failed", None),
        ("save_conversation", None),
        ("load_conversations", Some("1")),
        ("purge_session", None),
    ] {
        span(&top, operation, count);
    }
    if temp_keys {
        span(&top, "save_temp_auth_key", None);
        span(&top, "load_temp_auth_key", Some("1"));
        span(&top, "save_server_salts", Some("2"));
    }
    // The failure is logged once, by the store that failed.
    let warnings = warnings_of(session);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = &warnings[0];
    assert_eq!(w.level, Level::WARN);
    assert_eq!(w.fields["backend"], backend);
    assert_eq!(w.fields["operation"], "mark_update_failed");
    assert!(
        w.fields["error"].contains("no-such-update"),
        "the error names what was not found: {w:?}"
    );
}

/// Waits (up to 10 s) until the span of `operation` of `session` closed: a
/// driver may hold a span a little after the operation returned (sqlx's
/// SQLite worker thread keeps the span of the command it ran).
async fn closed(session: &str, operation: &str) {
    for _ in 0..100 {
        if spans_of(session).iter().any(|s| s.name == operation) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn run(backend: &str, adapter: &dyn Adapter) {
    let keys = Keys::new();
    exercise(adapter, &keys).await;
    closed(adapter.session_name(), "purge_session").await;
    check_spans(
        backend,
        adapter.session_name(),
        adapter.temp_keys().is_some(),
    );
    assert_no_key_in_output(&keys);
}

// ---------------------------------------------------------------------------
// The tests.

#[test]
fn the_key_search_finds_a_key_in_each_form() {
    let keys = Keys::new();
    let key = &keys.dc;
    for text in [
        format!("auth_key={}", hex::encode(key)),
        format!("auth_key={}", hex::encode_upper(&key[3..35])),
        format!("auth_key: {key:?}"),
        format!("auth_key: {:?}", &key[7..40]),
        format!("key=\"{}\"", STANDARD.encode(&key[1..40])),
        format!("key={}", URL_SAFE_NO_PAD.encode(&key[2..60])),
    ] {
        assert!(
            !leaks(text.as_bytes(), &keys).is_empty(),
            "not found in {text}"
        );
    }
    let mut raw = b"prefix ".to_vec();
    raw.extend_from_slice(&keys.temp[5..40]);
    assert!(!leaks(&raw, &keys).is_empty());
    assert!(leaks(b"nothing here", &keys).is_empty());
}

#[tokio::test]
async fn memory_spans_and_no_keys() {
    capture();
    let adapter = mtgo_storage::MemoryAdapter::new().session(&unique_session_name("obs_memory"));
    run("memory", &*adapter).await;
}

#[tokio::test]
async fn sqlite_spans_and_no_keys() {
    capture();
    let (adapter, _path, _dir) = orm_support::sqlite_file().await;
    let adapter = adapter.session(&unique_session_name("obs_sqlite"));
    run("sqlite", &*adapter).await;
}

#[tokio::test]
async fn postgres_spans_and_no_keys() {
    capture();
    let Some(adapter) = orm_support::postgres(unique_session_name("obs_pg")).await else {
        return;
    };
    run("postgres", &adapter).await;
}

#[tokio::test]
async fn mysql_spans_and_no_keys() {
    capture();
    let Some(adapter) = orm_support::mysql(unique_session_name("obs_mysql")).await else {
        return;
    };
    run("mysql", &adapter).await;
}

#[tokio::test]
async fn redis_spans_and_no_keys() {
    capture();
    let url = service_url("redis", "redis://127.0.0.1:6379");
    if !reachable("redis", &url).await {
        return;
    }
    let adapter = match mtgo_storage::redis::open(&url).await {
        Ok(a) => a.with_session(&unique_session_name("obs_redis")),
        Err(e) => return unavailable("redis", &e).unwrap_or(()),
    };
    run("redis", &adapter).await;
}

#[tokio::test]
async fn mongodb_spans_and_no_keys() {
    capture();
    let session = unique_session_name("obs_mongo");
    let db = mongo_support::unique_db(&session);
    let _drop = purge_support::OnDrop::new(mongo_support::drop_db_later(db.clone()));
    let Some(adapter) = mongo_support::open(&db, &session).await else {
        return;
    };
    run("mongodb", &adapter).await;
}

/// Bridge over encryption over cache over memory: each layer has its span,
/// inside the one above; the failure of the store below is logged once,
/// and each layer's span says `outcome=error`.
#[tokio::test]
async fn layers_nest_and_log_a_failure_once() {
    capture();
    let name = unique_session_name("obs_layers");
    let keys = Keys::new();
    let keyring = Keyring::new(EncryptionKey::from_slice("k", &random_bytes(32)).unwrap());
    let inner = mtgo_storage::MemoryAdapter::new().session(&name);
    let storage = AdapterStorage::new(CachedAdapter::new(EncryptedAdapter::with_config(
        inner,
        EncryptionConfig::new(keyring),
    )));
    storage
        .set_auth_key(Some(AuthKey::new(keys.session.clone())))
        .await
        .unwrap();
    PeerCache::save_peers(&storage, &peers()).await.unwrap();
    assert!(storage.adapter().get_peer(2).await.unwrap().is_some());
    let dc = DcAuth {
        dc_id: 3,
        auth_key: AuthKey::new(keys.dc.clone()),
        ..Default::default()
    };
    mtgo_storage::DcAuthStore::save_dc_auth(&storage, &dc)
        .await
        .unwrap();
    assert_eq!(
        storage.auth_key().await.unwrap().unwrap().as_bytes(),
        &keys.session[..]
    );
    let failed = mtgo_storage::UpdateStateStore::mark_update_failed(&storage, "nope", "x").await;
    assert!(matches!(failed, Err(Error::NotFound { .. })), "{failed:?}");

    let spans = spans_of(&name);
    let chain = |operation: &str| -> Vec<(String, Option<String>)> {
        spans
            .iter()
            .filter(|s| s.name == operation)
            .map(|s| (s.field("backend").unwrap().to_owned(), s.parent.clone()))
            .collect()
    };
    // save_peers: bridge > cache > encryption > memory.
    let save = chain("save_peers");
    for (backend, parent) in [
        ("bridge", None),
        ("cache", Some("save_peers")),
        ("encryption", Some("save_peers")),
        ("memory", Some("save_peers")),
    ] {
        assert!(
            save.contains(&(backend.to_owned(), parent.map(str::to_owned))),
            "save_peers spans: {save:?}"
        );
    }
    let cached_gets: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "get_peer" && s.field("backend") == Some("cache"))
        .collect();
    assert_eq!(cached_gets.len(), 1, "{cached_gets:?}");
    assert_eq!(cached_gets[0].field("count"), Some("1"));
    // The failure: an error span on each layer it crossed, one warning.
    let failed: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "mark_update_failed")
        .collect();
    assert!(failed.len() >= 2, "{failed:?}");
    assert!(failed.iter().all(|s| s.field("outcome") == Some("error")));
    let warnings = warnings_of(&name);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].fields["backend"], "memory");
    assert_no_key_in_output(&keys);
}

/// A driver error (a closed SQLite pool) under the cache: logged once, by
/// the backend, with the error's message.
#[tokio::test]
async fn a_backend_error_is_logged_once_at_warn() {
    capture();
    let name = unique_session_name("obs_closed");
    let sqlite = mtgo_storage::orm::sqlite::memory()
        .await
        .unwrap()
        .with_session(&name);
    sqlite.close().await.unwrap();
    let cached = CachedAdapter::new(sqlite);
    assert!(cached.get_peer(1).await.is_err());
    let spans = spans_of(&name);
    let backends: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "get_peer")
        .map(|s| (s.field("backend").unwrap(), s.field("outcome").unwrap()))
        .collect();
    assert_eq!(backends, [("sqlite", "error"), ("cache", "error")]);
    let warnings = warnings_of(&name);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].fields["backend"], "sqlite");
    assert_eq!(warnings[0].fields["operation"], "get_peer");
    assert!(!warnings[0].fields["error"].is_empty());
}

/// The fmt writer shows the span fields too (what a user of
/// `tracing_subscriber::fmt` sees).
#[tokio::test]
async fn the_fmt_writer_shows_the_fields() {
    capture();
    let name = unique_session_name("obs_fmt");
    let adapter = mtgo_storage::MemoryAdapter::new().session(&name);
    adapter.save_peers(&peers()).await.unwrap();
    let text = String::from_utf8_lossy(&lock(&capture().text)).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains(&format!("session=\"{name}\"")) && l.contains("close"))
        .unwrap_or_else(|| panic!("no close line for {name}"));
    for field in [
        "DEBUG",
        "save_peers{",
        "backend=\"memory\"",
        "operation=\"save_peers\"",
        "count=3",
        "outcome=\"ok\"",
    ] {
        assert!(line.contains(field), "{field} not in {line}");
    }
}
