//! Shared by the `cli_*` tests: running the built `mtgo-storage` binary,
//! backend URLs of the test services, a known data set, and comparing what
//! two stores hold.
#![allow(dead_code)]

use assert_cmd::Command;
use mtgo_storage::conformance::{reachable, service_url, unavailable, unique_session_name};
use mtgo_storage::{Adapter, AuthKey, Conversation, DcAuth, DurableUpdate, Peer, PeerType};
use mtgo_storage::{Session, UpdateState};

/// The built binary, with a backtrace requested so that a test notices if
/// one is ever printed.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("mtgo-storage").expect("the mtgo-storage binary is built");
    cmd.env("RUST_BACKTRACE", "1").env_remove("DATABASE_URL");
    cmd
}

/// Output of a finished command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with `args` and returns its exit code and output.
pub fn run(args: &[&str]) -> Run {
    let out = bin().args(args).output().expect("run mtgo-storage");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary and asserts it succeeded; returns standard output.
pub fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(
        r.code, 0,
        "mtgo-storage {args:?} failed:\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r.stdout
}

/// Runs the binary, asserts it failed with exactly one line on standard
/// error and no backtrace or panic, and returns that line.
pub fn fails(args: &[&str]) -> String {
    let r = run(args);
    assert_ne!(
        r.code, 0,
        "mtgo-storage {args:?} should fail; stdout: {}",
        r.stdout
    );
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one error line, got: {:?}",
        r.stderr
    );
    let line = lines[0];
    assert!(
        line.starts_with("mtgo-storage: error: "),
        "error line has the wrong form: {line}"
    );
    for bad in ["panicked", "backtrace", "stack backtrace", "RUST_BACKTRACE"] {
        assert!(!line.contains(bad), "error line shows {bad:?}: {line}");
    }
    line.to_owned()
}

/// A SQLite file URL in a fresh temporary directory (kept alive by the
/// returned guard).
pub fn sqlite_url() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    (url, dir)
}

/// The URL of `service` for the CLI: `postgres`, `mysql`, `redis`,
/// `mongodb` (with a database name in the path).
pub fn service(service: &str) -> String {
    match service {
        "postgres" => service_url("postgres", "postgres://postgres@127.0.0.1:5432/test"),
        "mysql" => service_url("mysql", "mysql://root@127.0.0.1:3306/test"),
        "redis" => service_url("redis", "redis://127.0.0.1:6379"),
        "mongodb" => with_path(
            &service_url(
                "mongodb",
                "mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=5000",
            ),
            "mtgo_storage_cli_test",
        ),
        other => panic!("unknown service {other}"),
    }
}

/// `url` with its path replaced by `/path` (query kept).
pub fn with_path(url: &str, path: &str) -> String {
    let start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[start..];
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let query = rest[auth_end..]
        .find('?')
        .map(|q| &rest[auth_end + q..])
        .unwrap_or("");
    format!("{}{}/{}{}", &url[..start], &rest[..auth_end], path, query)
}

/// Opens `url` through the library (the same way the CLI does) for seeding
/// and checking; `None` after a loud skip if the service is unreachable.
pub async fn open(service_name: &str, url: &str) -> Option<Box<dyn Adapter>> {
    if service_name != "sqlite" && !reachable(service_name, url).await {
        return None;
    }
    let result: mtgo_storage::Result<Box<dyn Adapter>> = match service_name {
        "sqlite" => {
            let path = url.strip_prefix("sqlite://").expect("a sqlite:// url");
            mtgo_storage::orm::sqlite::open(path)
                .await
                .map(|a| Box::new(a) as _)
        }
        "postgres" => mtgo_storage::orm::postgres::open(url)
            .await
            .map(|a| Box::new(a) as _),
        "mysql" => mtgo_storage::orm::mysql::open(url)
            .await
            .map(|a| Box::new(a) as _),
        "redis" => mtgo_storage::redis::open(url)
            .await
            .map(|a| Box::new(a) as _),
        "mongodb" => {
            let db = url
                .rsplit_once('/')
                .map(|(_, db)| db.split('?').next().unwrap_or_default())
                .unwrap_or_default();
            mtgo_storage::mongo::open(url, db)
                .await
                .map(|a| Box::new(a) as _)
        }
        other => panic!("unknown service {other}"),
    };
    match result {
        Ok(a) => Some(a),
        Err(e) if service_name == "sqlite" => panic!("opening sqlite failed: {e}"),
        Err(e) => unavailable(service_name, &e),
    }
}

/// A session name unique to this test and run.
pub fn session_name(case: &str) -> String {
    unique_session_name(case)
}

/// A 256-byte auth key that is easy to recognise in output.
pub fn auth_key() -> AuthKey {
    AuthKey::new((0..=255u8).collect::<Vec<u8>>())
}

/// The lowercase hex of [`auth_key`].
pub fn auth_key_hex() -> String {
    (0..=255u8).map(|b| format!("{b:02x}")).collect()
}

/// A known data set for one session: a session, three peers, two
/// conversations (with set times, as `restore_conversation` keeps them),
/// two DC keys, the update state, two channels, two queued updates and two
/// dedup keys.
pub async fn seed(store: &dyn Adapter) {
    seed_except_peers(store).await;
    store.save_peers(&seed_peers()).await.expect("save peers");
}

/// The three peers of [`seed`].
pub fn seed_peers() -> Vec<Peer> {
    let mut alice = Peer::new(101, PeerType::User, 9001);
    alice.username = "Alice_Example".into();
    alice.usernames = vec!["alice_collectible".into()];
    alice.first_name = "Alice".into();
    alice.phone_number = "+1 555-0100".into();
    alice.last_updated = 1_700_000_100;
    let mut chat = Peer::new(-202, PeerType::Chat, 0);
    chat.first_name = "Book club".into();
    chat.last_updated = 1_700_000_200;
    let mut channel = Peer::new(-1_000_000_303, PeerType::Channel, -77);
    channel.username = "news_channel".into();
    channel.first_name = "News".into();
    channel.last_updated = 1_700_000_300;
    vec![alice, chat, channel]
}

/// Everything [`seed`] writes but the peers (for a database whose peer
/// table is older than the adapter's).
pub async fn seed_except_peers(store: &dyn Adapter) {
    store
        .save_session(&Session {
            dc: 2,
            api_id: 12345,
            api_hash: "0123456789abcdef0123456789abcdef".into(),
            auth_key: Some(auth_key()),
            user_id: 777_000_111,
            first_name: "Alice".into(),
            username: "alice_cli".into(),
            date: 1_700_000_000,
            addr: "149.154.167.51".into(),
            port: 443,
            state: vec![1, 2, 3],
            ..Session::default()
        })
        .await
        .expect("save session");
    let conversations = store.conversations().expect("conversations");
    for (chat_id, user_id, step) in [(1_i64, 101_i64, 2_i32), (2, 101, 5)] {
        conversations
            .restore_conversation(&Conversation {
                chat_id,
                user_id,
                name: format!("flow{chat_id}"),
                step,
                data: vec![step as u8; 4],
                created_at: 1_600_000_000 + chat_id,
                updated_at: 1_650_000_000 + i64::from(step),
            })
            .await
            .expect("restore conversation");
    }
    let dc = store.dc_auth().expect("dc auth");
    for dc_id in [1, 4] {
        dc.save_dc_auth(&DcAuth {
            dc_id,
            auth_key: AuthKey::new(vec![dc_id as u8; 256]),
            server_salt: 1234 * i64::from(dc_id),
            port: 443,
            server_addr: format!("149.154.175.{dc_id}"),
            ..DcAuth::default()
        })
        .await
        .expect("save dc auth");
    }
    let updates = store.update_state().expect("update state");
    updates
        .save_update_state(&UpdateState {
            pts: 10,
            qts: 20,
            date: 30,
            seq: 40,
        })
        .await
        .expect("save state");
    updates
        .save_channel_pts(-1_000_000_303, 55)
        .await
        .expect("channel pts");
    updates
        .save_channel_pts(-1_000_000_404, 66)
        .await
        .expect("channel pts");
    for (id, created_at) in [("u-1", 5_i64), ("u-2", 6)] {
        updates
            .enqueue_update(&DurableUpdate {
                id: id.into(),
                payload: id.as_bytes().to_vec(),
                created_at,
                attempts: 0,
                last_error: None,
            })
            .await
            .expect("enqueue");
    }
    updates
        .mark_update_failed("u-2", "boom")
        .await
        .expect("mark failed");
    for (key, seen_at) in DEDUP_KEYS {
        assert!(
            updates
                .insert_dedup_key(key, seen_at)
                .await
                .expect("insert dedup key")
        );
    }
}

/// The dedup keys [`seed`] records, with the times they were seen.
pub const DEDUP_KEYS: [(&str, i64); 2] = [("upd:1", 1_700_000_001), ("upd:2", 1_700_000_002_123)];

/// Asserts that `b` holds exactly what `a` holds for its session, the
/// conversations' times and the dedup keys with their times included.
pub async fn assert_same(a: &dyn Adapter, b: &dyn Adapter) {
    let mut sa = a
        .load_session()
        .await
        .expect("load a")
        .expect("a has a session");
    let mut sb = b
        .load_session()
        .await
        .expect("load b")
        .expect("b has a session");
    sa.name.clear();
    sb.name.clear();
    assert_eq!(sa, sb, "sessions differ");
    assert_eq!(
        a.load_peers().await.expect("peers a"),
        b.load_peers().await.expect("peers b"),
        "peers differ"
    );
    assert_eq!(
        a.conversations()
            .unwrap()
            .load_conversations()
            .await
            .unwrap(),
        b.conversations()
            .unwrap()
            .load_conversations()
            .await
            .unwrap(),
        "conversations differ (times included)"
    );
    assert_eq!(
        a.dc_auth().unwrap().load_all_dc_auth().await.unwrap(),
        b.dc_auth().unwrap().load_all_dc_auth().await.unwrap(),
        "dc auth differs"
    );
    let (ua, ub) = (a.update_state().unwrap(), b.update_state().unwrap());
    assert_eq!(
        ua.load_update_state().await.unwrap(),
        ub.load_update_state().await.unwrap(),
        "update state differs"
    );
    assert_eq!(
        ua.load_all_channel_pts().await.unwrap(),
        ub.load_all_channel_pts().await.unwrap(),
        "channel pts differ"
    );
    assert_eq!(
        ua.load_updates(100).await.unwrap(),
        ub.load_updates(100).await.unwrap(),
        "durable queues differ"
    );
    assert_eq!(
        ua.load_dedup_keys().await.unwrap(),
        ub.load_dedup_keys().await.unwrap(),
        "dedup keys differ (times included)"
    );
}

/// Removes what [`seed`] wrote to a shared service that the store traits
/// can delete: the session, peers, conversations, queued updates and dedup
/// keys (DC keys, update state and channel pts have no delete and stay
/// behind under the test's unique session name).
pub async fn purge(store: &dyn Adapter) {
    for p in store.load_peers().await.unwrap() {
        store.delete_peer(p.id).await.unwrap();
    }
    if let Some(c) = store.conversations() {
        for conv in c.load_conversations().await.unwrap() {
            c.delete_conversation(conv.chat_id, conv.user_id)
                .await
                .unwrap();
        }
    }
    if let Some(u) = store.update_state() {
        for q in u.load_updates(1000).await.unwrap() {
            u.delete_update(&q.id).await.unwrap();
        }
        u.prune_dedup_keys(i64::MAX).await.unwrap();
    }
    store.delete_session().await.unwrap();
}

/// Removes everything of `session` from the shared service at `url`,
/// including what [`purge`] cannot reach through the store traits (DC keys,
/// update state, channel pts, dedup keys), so a test leaves nothing behind.
/// A failure is reported, not panicked on: the test's assertions are done.
pub async fn purge_everything(service_name: &str, url: &str, session: &str) {
    match service_name {
        "postgres" | "mysql" => {
            use sea_orm::{ConnectionTrait, Statement};
            let db = match sea_orm::Database::connect(url).await {
                Ok(db) => db,
                Err(e) => return eprintln!("test clean-up: cannot connect to {url}: {e}"),
            };
            let backend = db.get_database_backend();
            let ph = if service_name == "postgres" {
                "$1"
            } else {
                "?"
            };
            for table in [
                "mtgo_sessions",
                "mtgo_peers",
                "mtgo_peer_usernames",
                "mtgo_conversations",
                "mtgo_dc_auth",
                "mtgo_update_state",
                "mtgo_channel_state",
                "mtgo_update_dedup",
                "mtgo_durable_updates",
                "mtgo_session_leases",
                "mtgo_temp_auth_keys",
                "mtgo_server_salts",
            ] {
                let statement = Statement::from_sql_and_values(
                    backend,
                    format!("DELETE FROM {table} WHERE session_name = {ph}"),
                    [session.into()],
                );
                if let Err(e) = db.execute_raw(statement).await {
                    eprintln!("test clean-up: deleting from {table}: {e}");
                }
            }
            let _ = db.close().await;
        }
        "redis" => {
            let Ok(client) = redis::Client::open(url) else {
                return;
            };
            let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
                return eprintln!("test clean-up: cannot connect to {url}");
            };
            let prefix = mtgo_storage::redis::DEFAULT_PREFIX;
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{prefix}:{{{session}}}:*"))
                .query_async(&mut conn)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<i64> =
                    redis::cmd("UNLINK").arg(&keys).query_async(&mut conn).await;
            }
            let _: redis::RedisResult<i64> = redis::cmd("SREM")
                .arg(format!("{prefix}:sessions"))
                .arg(session)
                .query_async(&mut conn)
                .await;
        }
        "mongodb" => {
            let db = url
                .rsplit_once('/')
                .map(|(_, db)| db.split('?').next().unwrap_or_default())
                .unwrap_or_default();
            let client = match mongodb::Client::with_uri_str(url).await {
                Ok(c) => c,
                Err(e) => return eprintln!("test clean-up: no MongoDB client: {e}"),
            };
            for name in [
                "sessions",
                "peers",
                "conversations",
                "dc_auth",
                "update_state",
                "channel_state",
                "update_dedup",
                "durable_updates",
                "session_leases",
                "temp_auth_keys",
                "server_salts",
            ] {
                let coll = client.database(db).collection::<bson::Document>(name);
                if let Err(e) = coll.delete_many(bson::doc! { "session": session }).await {
                    eprintln!("test clean-up: deleting from {name}: {e}");
                }
            }
        }
        _ => {}
    }
}

/// Asserts that the file at `path` is readable and writable by its owner
/// only (on Unix).
pub fn assert_owner_only(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    #[cfg(not(unix))]
    let _ = path;
}
