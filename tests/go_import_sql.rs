//! `mtgo-storage go-import` from the Go package's SQL stores: its GORM
//! adapter's tables on SQLite, PostgreSQL (with a `TablePrefix`) and
//! MariaDB, and its sqlc adapters' tables on SQLite and PostgreSQL. The Go
//! schemas are `tests/data/go/*.sql` (see its README); rows are written with
//! the Go fields' types. Each test has its own SQLite file or database.

mod cli_support;

use cli_support::{fails, ok, open, run, service, session_name, sqlite_url, with_path};
use mtgo_storage::conformance::unavailable;
use mtgo_storage::{Adapter, Conversation, DurableUpdate, PeerType, UpdateState};
use sea_orm::sea_query::{Alias, Expr, Func, Query};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Value};

/// A database holding a Go store, and how to drop it afterwards.
struct GoDb {
    url: String,
    db: DatabaseConnection,
    /// The server connection and database name to drop (PostgreSQL, MySQL).
    admin: Option<(DatabaseConnection, String, &'static str)>,
    _dir: Option<tempfile::TempDir>,
}

impl GoDb {
    async fn drop_all(self) {
        let _ = self.db.close().await;
        if let Some((admin, name, kind)) = self.admin {
            let sql = if kind == "postgres" {
                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")
            } else {
                format!("DROP DATABASE IF EXISTS `{name}`")
            };
            admin.execute_unprepared(&sql).await.expect("drop database");
        }
    }
}

async fn sqlite_db() -> GoDb {
    let (url, dir) = sqlite_url();
    let db = Database::connect(format!("{url}?mode=rwc"))
        .await
        .expect("sqlite");
    GoDb {
        url,
        db,
        admin: None,
        _dir: Some(dir),
    }
}

/// A new, empty database on the PostgreSQL or MariaDB test server.
async fn server_db(kind: &'static str, case: &str) -> Option<GoDb> {
    let base = service(kind);
    let admin = match Database::connect(&base).await {
        Ok(db) => db,
        Err(e) => return unavailable(kind, &e),
    };
    let name = session_name(case).replace('-', "_").to_lowercase();
    let create = if kind == "postgres" {
        format!("CREATE DATABASE \"{name}\"")
    } else {
        format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    };
    admin.execute_unprepared(&create).await.expect("create db");
    let url = with_path(&base, &name);
    let db = Database::connect(&url).await.expect("connect new db");
    Some(GoDb {
        url,
        db,
        admin: Some((admin, name, kind)),
        _dir: None,
    })
}

/// Runs a fixture's statements with `{p}` replaced by the table prefix.
async fn create_tables(db: &DatabaseConnection, fixture: &str, prefix: &str) {
    for stmt in fixture.replace("{p}", prefix).split(";\n") {
        let stmt = stmt.trim().trim_end_matches(';');
        if stmt.is_empty() || stmt.starts_with("--") {
            continue;
        }
        db.execute_unprepared(stmt)
            .await
            .unwrap_or_else(|e| panic!("{stmt}: {e}"));
    }
}

async fn insert(db: &DatabaseConnection, table: &str, cols: &[&str], values: Vec<Value>) {
    let stmt = Query::insert()
        .into_table(Alias::new(table))
        .columns(cols.iter().map(|c| Alias::new(*c)))
        .values_panic(values.into_iter().map(Expr::val))
        .to_owned();
    db.execute(&stmt)
        .await
        .unwrap_or_else(|e| panic!("insert into {table}: {e}"));
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let stmt = Query::select()
        .expr(Func::count(Expr::col(Alias::new("session_id"))))
        .from(Alias::new(table))
        .to_owned();
    let row = db.query_one(&stmt).await.expect("count").expect("a row");
    row.try_get_by_index::<i64>(0)
        .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
        .expect("count value")
}

fn auth_key() -> Vec<u8> {
    (0..=255u8).rev().collect()
}

const SESSION_COLS: &[&str] = &[
    "session_id",
    "dc",
    "api_id",
    "api_hash",
    "test_mode",
    "auth_key",
    "state",
    "user_id",
    "is_bot",
    "first_name",
    "last_name",
    "username",
    "date",
    "addr",
    "port",
];

const PEER_COLS: &[&str] = &[
    "id",
    "type",
    "access_hash",
    "username",
    "usernames",
    "first_name",
    "last_name",
    "phone_number",
    "is_bot",
    "photo_id",
    "language",
    "last_updated",
];

/// Go's `SessionRecord`: `DC int`, `APIID int32`, `Date int`, `Port int`.
fn go_session(name: &str, dc: i64, key: Option<Vec<u8>>, bot: bool, port: i64) -> Vec<Value> {
    vec![
        name.into(),
        dc.into(),
        12345i32.into(),
        "0123456789abcdef0123456789abcdef".into(),
        bot.into(),
        Value::Bytes(key),
        Value::Bytes(Some(vec![1, 2, 3])),
        777_000_111i64.into(),
        bot.into(),
        "Alice".into(),
        "Go".into(),
        "alice_go".into(),
        1_700_000_000i64.into(),
        "149.154.167.51".into(),
        port.into(),
    ]
}

/// Go's `PeerRecord` (without the session id): `Type int`, `IsBot bool`.
#[allow(clippy::too_many_arguments)]
fn go_peer(id: i64, kind: i64, username: &str, usernames: &str, phone: &str) -> Vec<Value> {
    vec![
        id.into(),
        kind.into(),
        (id * 7).into(),
        username.into(),
        usernames.into(),
        format!("first {id}").into(),
        "".into(),
        phone.into(),
        false.into(),
        5i64.into(),
        "en".into(),
        (1_700_000_000 + id.abs() % 1000).into(),
    ]
}

/// Writes what the Go GORM adapter writes for two sessions, `alice` and
/// `bob`, into tables named with `p`. Without `all`, only `sessions` (what
/// AutoMigrate leaves on MySQL).
async fn seed_gorm(db: &DatabaseConnection, p: &str, all: bool) {
    let t = |k: &str| format!("{p}{k}");
    insert(
        db,
        &t("sessions"),
        SESSION_COLS,
        go_session("alice", 2, Some(auth_key()), false, 443),
    )
    .await;
    insert(
        db,
        &t("sessions"),
        SESSION_COLS,
        go_session("bob", 4, None, true, 80),
    )
    .await;
    if !all {
        return;
    }
    let mut cols = vec!["session_id"];
    cols.extend_from_slice(PEER_COLS);
    for (session, peer) in [
        (
            "alice",
            go_peer(
                101,
                0,
                "Alice_Example",
                "alice_collectible, @AliceToo",
                "+1 555-0100",
            ),
        ),
        ("alice", go_peer(-1_000_000_303, 2, "news_channel", "", "")),
        ("bob", go_peer(101, 0, "bob_view_of_101", "", "")),
    ] {
        let mut row: Vec<Value> = vec![session.into()];
        row.extend(peer);
        insert(db, &t("peers"), &cols, row).await;
    }
    insert(
        db,
        &t("conversations"),
        &[
            "session_id",
            "chat_id",
            "user_id",
            "name",
            "step",
            "data",
            "created_at",
            "updated_at",
        ],
        vec![
            "alice".into(),
            1i64.into(),
            101i64.into(),
            "flow1".into(),
            2i64.into(),
            Value::Bytes(Some(vec![2, 2])),
            1_600_000_000i64.into(),
            1_600_000_500i64.into(),
        ],
    )
    .await;
    insert(
        db,
        &t("update_state"),
        &["session_id", "pts", "qts", "date", "seq", "updated_at"],
        vec![
            "alice".into(),
            10i32.into(),
            20i32.into(),
            30i32.into(),
            40i32.into(),
            9i64.into(),
        ],
    )
    .await;
    insert(
        db,
        &t("channel_update_state"),
        &["session_id", "channel_id", "pts", "updated_at"],
        vec![
            "alice".into(),
            (-1_000_000_303i64).into(),
            55i32.into(),
            9i64.into(),
        ],
    )
    .await;
    for (key, at) in [("k1", 1_700_000_001i64), ("k2", 1_700_000_002)] {
        insert(
            db,
            &t("update_dedup"),
            &["session_id", "dedup_key", "created_at"],
            vec!["alice".into(), key.into(), at.into()],
        )
        .await;
    }
    for (id, attempts, error, created) in [("u-1", 0i64, "", 5i64), ("u-2", 3, "boom", 6)] {
        insert(
            db,
            &t("durable_updates"),
            &[
                "session_id",
                "id",
                "payload",
                "attempts",
                "last_error",
                "created_at",
                "updated_at",
            ],
            vec![
                "alice".into(),
                id.into(),
                Value::Bytes(Some(id.as_bytes().to_vec())),
                attempts.into(),
                error.into(),
                created.into(),
                (created + 1).into(),
            ],
        )
        .await;
    }
}

/// Asserts that `alice` arrived whole on `dst` (as [`seed_gorm`] or
/// [`seed_sqlc`] wrote her, under `name`).
async fn assert_alice(dst: &dyn Adapter, name: &str) {
    let a = dst.session(name);
    let s = a.load_session().await.unwrap().expect("session imported");
    assert_eq!((s.dc, s.api_id, s.port), (2, 12345, 443));
    assert_eq!(
        s.auth_key.as_ref().map(|k| k.as_bytes().to_vec()),
        Some(auth_key())
    );
    assert_eq!((s.user_id, s.state.clone()), (777_000_111, vec![1, 2, 3]));
    assert_eq!(
        (s.addr.as_str(), s.date, s.is_bot),
        ("149.154.167.51", 1_700_000_000, false)
    );
    assert_eq!(
        (
            s.first_name.as_str(),
            s.last_name.as_str(),
            s.username.as_str()
        ),
        ("Alice", "Go", "alice_go")
    );

    let peers = a.load_peers().await.unwrap();
    assert_eq!(
        peers.iter().map(|p| p.id).collect::<Vec<_>>(),
        [-1_000_000_303, 101]
    );
    let alice = &peers[1];
    assert_eq!(alice.peer_type, PeerType::User);
    assert_eq!(alice.usernames, ["alice_collectible", "AliceToo"]);
    assert_eq!(
        (alice.access_hash, alice.photo_id, alice.language.as_str()),
        (707, 5, "en")
    );
    for lookup in ["alice_example", "@ALICE_COLLECTIBLE", "alicetoo"] {
        let found = a.get_peer_by_username(lookup).await.unwrap();
        assert_eq!(found.map(|p| p.id), Some(101), "username {lookup}");
    }
    let by_phone = a.get_peer_by_phone("15550100").await.unwrap();
    assert_eq!(by_phone.map(|p| p.id), Some(101));
    assert_eq!(peers[0].peer_type, PeerType::Channel);

    let conversations = a
        .conversations()
        .unwrap()
        .load_conversations()
        .await
        .unwrap();
    assert_eq!(
        conversations,
        [Conversation {
            chat_id: 1,
            user_id: 101,
            name: "flow1".into(),
            step: 2,
            data: vec![2, 2],
            created_at: 1_600_000_000,
            updated_at: 1_600_000_500,
        }]
    );
    let u = a.update_state().unwrap();
    assert_eq!(
        u.load_update_state().await.unwrap(),
        Some(UpdateState {
            pts: 10,
            qts: 20,
            date: 30,
            seq: 40
        })
    );
    assert_eq!(u.load_channel_pts(-1_000_000_303).await.unwrap(), Some(55));
    assert!(u.has_dedup_key("k1").await.unwrap() && u.has_dedup_key("k2").await.unwrap());
    // Seen at Go's times: pruning before the second one removes the first.
    assert_eq!(u.prune_dedup_keys(1_700_000_002).await.unwrap(), 1);
    assert_eq!(
        u.load_updates(10).await.unwrap(),
        [
            DurableUpdate {
                id: "u-1".into(),
                payload: b"u-1".to_vec(),
                created_at: 5,
                attempts: 0,
                last_error: None,
            },
            DurableUpdate {
                id: "u-2".into(),
                payload: b"u-2".to_vec(),
                created_at: 6,
                attempts: 3,
                last_error: Some("boom".into()),
            },
        ]
    );
}

async fn assert_bob(dst: &dyn Adapter) {
    let b = dst.session("bob");
    let s = b.load_session().await.unwrap().expect("bob imported");
    assert_eq!(
        (s.dc, s.port, s.auth_key, s.test_mode, s.is_bot),
        (4, 80, None, true, true)
    );
    let peer = b.get_peer(101).await.unwrap().expect("bob's peer");
    assert_eq!(peer.username, "bob_view_of_101");
}

const GORM_KINDS: [&str; 7] = [
    "sessions",
    "peers",
    "conversations",
    "update_state",
    "channel_update_state",
    "update_dedup",
    "durable_updates",
];

async fn counts(db: &DatabaseConnection, p: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for k in GORM_KINDS {
        out.push(count(db, &format!("{p}{k}")).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn gorm_sqlite_imports_every_row_and_migrate_refuses_the_go_tables() {
    let go = sqlite_db().await;
    create_tables(&go.db, include_str!("data/go/gorm_sqlite.sql"), "mtgo_").await;
    seed_gorm(&go.db, "mtgo_", true).await;
    let before = counts(&go.db, "mtgo_").await;

    // Point 4: our migrations never run over the Go tables.
    let line = fails(&["migrate", "up", "--url", &go.url]);
    assert!(
        line.contains("mtgo_sessions") && line.contains("mtgo-storage go-import"),
        "{line}"
    );
    let line = fails(&["peers", "--from", &go.url]);
    assert!(line.contains("go-import"), "{line}");

    // --dry-run prints what would move and creates nothing.
    let (to, _dir) = sqlite_url();
    let out = ok(&["go-import", "--from", &go.url, "--to", &to, "--dry-run"]);
    assert!(
        out.contains("would import session alice: sessions=1 peers=2 conversations=1 dc_auth=0 update_state=1 channel_pts=1 queued_updates=2 dedup_keys=2"),
        "{out}"
    );
    assert!(
        out.contains("would import session bob: sessions=1 peers=1 "),
        "{out}"
    );
    let target_path = to.strip_prefix("sqlite://").unwrap();
    assert!(
        !std::path::Path::new(target_path).exists(),
        "dry run created the target"
    );

    let r = run(&["go-import", "--from", &go.url, "--to", &to]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("imported sessions=2 peers=3 conversations=1 dc_auth=0 update_state=1 channel_pts=1 queued_updates=2 dedup_keys=2"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("verified on target"), "{}", r.stdout);
    assert!(
        r.stderr.contains("importing session \"alice\""),
        "{}",
        r.stderr
    );

    let dst = open("sqlite", &to).await.unwrap();
    assert_eq!(dst.session_names().await.unwrap(), ["alice", "bob"]);
    assert_alice(dst.as_ref(), "alice").await;
    assert_bob(dst.as_ref()).await;
    dst.close().await.unwrap();

    // The source is untouched: same rows, none of our tables.
    assert_eq!(counts(&go.db, "mtgo_").await, before);
    let ours = Query::select()
        .expr(Expr::val(1))
        .from(Alias::new("mtgo_seaql_migrations"))
        .to_owned();
    assert!(
        go.db.query_one(&ours).await.is_err(),
        "our migrations ran on the Go store"
    );
    go.drop_all().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_that_cannot_be_carried_is_named_and_nothing_is_written() {
    for (case, fix) in [("peer type", "type"), ("port", "port")] {
        let go = sqlite_db().await;
        create_tables(&go.db, include_str!("data/go/gorm_sqlite.sql"), "mtgo_").await;
        seed_gorm(&go.db, "mtgo_", true).await;
        if fix == "type" {
            let mut row: Vec<Value> = vec!["bob".into()];
            row.extend(go_peer(55, 9, "odd", "", ""));
            let mut cols = vec!["session_id"];
            cols.extend_from_slice(PEER_COLS);
            insert(&go.db, "mtgo_peers", &cols, row).await;
        } else {
            insert(
                &go.db,
                "mtgo_sessions",
                SESSION_COLS,
                go_session("zed", 2, None, false, 70_000),
            )
            .await;
        }
        let (to, _dir) = sqlite_url();
        let line = fails(&["go-import", "--from", &go.url, "--to", &to]);
        let named = if fix == "type" {
            line.contains("mtgo_peers") && line.contains("id 55") && line.contains("type 9")
        } else {
            line.contains("mtgo_sessions")
                && line.contains("\"zed\"")
                && line.contains("port 70000")
        };
        assert!(named, "{case}: {line}");
        let path = to.strip_prefix("sqlite://").unwrap();
        assert!(
            !std::path::Path::new(path).exists(),
            "{case}: something was written"
        );
        go.drop_all().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gorm_postgres_with_a_table_prefix_imports_beside_into_the_same_database() {
    let Some(go) = server_db("postgres", "gopg").await else {
        return;
    };
    create_tables(&go.db, include_str!("data/go/gorm_postgres.sql"), "app_").await;
    seed_gorm(&go.db, "app_", true).await;
    let before = counts(&go.db, "app_").await;
    // No mtgo_* tables of Go here: ours go beside its app_* tables.
    let line = fails(&["go-import", "--from", &go.url, "--to", &go.url, "--dry-run"]);
    assert!(line.contains("no tables of the Go package"), "{line}");
    let out = ok(&[
        "go-import",
        "--from",
        &go.url,
        "--to",
        &go.url,
        "--prefix",
        "app_",
    ]);
    assert!(out.contains("imported sessions=2 peers=3 "), "{out}");
    let dst = open("postgres", &go.url).await.unwrap();
    assert_alice(dst.as_ref(), "alice").await;
    assert_bob(dst.as_ref()).await;
    dst.close().await.unwrap();
    assert_eq!(counts(&go.db, "app_").await, before);
    go.drop_all().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gorm_postgres_default_tables_are_refused_by_migrate() {
    let Some(go) = server_db("postgres", "gopgref").await else {
        return;
    };
    create_tables(&go.db, include_str!("data/go/gorm_postgres.sql"), "mtgo_").await;
    seed_gorm(&go.db, "mtgo_", true).await;
    let line = fails(&["migrate", "up", "--url", &go.url]);
    assert!(line.contains("mtgo-storage go-import"), "{line}");
    match mtgo_storage::orm::postgres::open(&go.url).await {
        Err(mtgo_storage::Error::GoStore { found }) => assert!(found.contains("mtgo_sessions")),
        other => panic!("expected GoStore, got {other:?}"),
    }
    let (to, _dir) = sqlite_url();
    let out = ok(&["go-import", "--from", &go.url, "--to", &to]);
    assert!(out.contains("imported sessions=2 peers=3 "), "{out}");
    let dst = open("sqlite", &to).await.unwrap();
    assert_alice(dst.as_ref(), "alice").await;
    dst.close().await.unwrap();
    go.drop_all().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gorm_mariadb_as_automigrate_leaves_it_imports_the_sessions() {
    let Some(go) = server_db("mysql", "gomy").await else {
        return;
    };
    // AutoMigrate creates the sessions table, then MariaDB refuses the peers
    // table (error 1075) and GORM stops; the Go adapter ignores the error.
    let fixture = include_str!("data/go/gorm_mysql.sql").replace("{p}", "mtgo_");
    let mut stmts = fixture
        .split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty());
    go.db
        .execute_unprepared(stmts.next().unwrap())
        .await
        .expect("sessions table");
    let refused = go.db.execute_unprepared(stmts.next().unwrap()).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("1075")),
        "{refused:?}"
    );
    seed_gorm(&go.db, "mtgo_", false).await;

    let line = fails(&["migrate", "up", "--url", &go.url]);
    assert!(line.contains("mtgo-storage go-import"), "{line}");
    let Some(target) = server_db("mysql", "gomyto").await else {
        return;
    };
    let out = ok(&["go-import", "--from", &go.url, "--to", &target.url]);
    assert!(out.contains("imported sessions=2 peers=0 "), "{out}");
    let dst = open("mysql", &target.url).await.unwrap();
    let alice = dst.session("alice").load_session().await.unwrap().unwrap();
    assert_eq!(
        alice.auth_key.map(|k| k.as_bytes().to_vec()),
        Some(auth_key())
    );
    dst.close().await.unwrap();
    target.drop_all().await;
    go.drop_all().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gorm_mariadb_with_every_table_imports_into_another_database() {
    let Some(go) = server_db("mysql", "gomyall").await else {
        return;
    };
    create_tables(
        &go.db,
        include_str!("data/go/gorm_mysql_fixed.sql"),
        "mtgo_",
    )
    .await;
    seed_gorm(&go.db, "mtgo_", true).await;
    let before = counts(&go.db, "mtgo_").await;
    let Some(target) = server_db("mysql", "gomyallto").await else {
        return;
    };
    let r = run(&["go-import", "--from", &go.url, "--to", &target.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dst = open("mysql", &target.url).await.unwrap();
    assert_alice(dst.as_ref(), "alice").await;
    assert_bob(dst.as_ref()).await;
    dst.close().await.unwrap();
    assert_eq!(counts(&go.db, "mtgo_").await, before);
    target.drop_all().await;
    go.drop_all().await;
}

/// Writes what the Go sqlc adapters write for one account: the session row
/// with an empty `session_id`, peers and conversations without a session,
/// the update tables with the (empty) session id.
async fn seed_sqlc(db: &DatabaseConnection) {
    let cols = [
        "session_id",
        "dc_id",
        "api_id",
        "api_hash",
        "test_mode",
        "auth_key",
        "state",
        "user_id",
        "is_bot",
        "first_name",
        "last_name",
        "username",
        "date",
        "server_address",
        "port",
    ];
    let mut row = go_session("", 2, Some(auth_key()), false, 443);
    row[2] = 12345i64.into();
    row[4] = 0i64.into();
    row[8] = 0i64.into();
    insert(db, "sessions", &cols, row).await;
    for peer in [
        go_peer(
            101,
            0,
            "Alice_Example",
            "alice_collectible AliceToo",
            "+1 555-0100",
        ),
        go_peer(-1_000_000_303, 2, "news_channel", "", ""),
    ] {
        let mut peer = peer;
        peer[8] = 0i64.into();
        insert(db, "peers", PEER_COLS, peer).await;
    }
    insert(
        db,
        "conversations",
        &[
            "chat_id",
            "user_id",
            "name",
            "step",
            "data",
            "created_at",
            "updated_at",
        ],
        vec![
            1i64.into(),
            101i64.into(),
            "flow1".into(),
            2i64.into(),
            Value::Bytes(Some(vec![2, 2])),
            1_600_000_000i64.into(),
            1_600_000_500i64.into(),
        ],
    )
    .await;
    insert(
        db,
        "update_state",
        &["session_id", "pts", "qts", "date", "seq", "updated_at"],
        vec![
            "".into(),
            10i64.into(),
            20i64.into(),
            30i64.into(),
            40i64.into(),
            9i64.into(),
        ],
    )
    .await;
    insert(
        db,
        "channel_update_state",
        &["session_id", "channel_id", "pts", "updated_at"],
        vec![
            "".into(),
            (-1_000_000_303i64).into(),
            55i64.into(),
            9i64.into(),
        ],
    )
    .await;
    for (key, at) in [("k1", 1_700_000_001i64), ("k2", 1_700_000_002)] {
        insert(
            db,
            "update_dedup",
            &["session_id", "dedup_key", "created_at"],
            vec!["".into(), key.into(), at.into()],
        )
        .await;
    }
    for (id, attempts, error, created) in [("u-1", 0i64, "", 5i64), ("u-2", 3, "boom", 6)] {
        insert(
            db,
            "durable_updates",
            &[
                "session_id",
                "id",
                "payload",
                "attempts",
                "last_error",
                "created_at",
                "updated_at",
            ],
            vec![
                "".into(),
                id.into(),
                Value::Bytes(Some(id.as_bytes().to_vec())),
                attempts.into(),
                error.into(),
                created.into(),
                (created + 1).into(),
            ],
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlc_sqlite_imports_the_account_under_the_session_name() {
    let go = sqlite_db().await;
    create_tables(&go.db, include_str!("data/go/sqlc_sqlite.sql"), "").await;
    seed_sqlc(&go.db).await;
    let (to, _dir) = sqlite_url();
    let out = ok(&[
        "go-import",
        "--from",
        &go.url,
        "--to",
        &to,
        "--session",
        "carol",
    ]);
    assert!(
        out.contains("imported sessions=1 peers=2 conversations=1 dc_auth=0 update_state=1 channel_pts=1 queued_updates=2 dedup_keys=2"),
        "{out}"
    );
    let dst = open("sqlite", &to).await.unwrap();
    assert_eq!(dst.session_names().await.unwrap(), ["carol"]);
    assert_alice(dst.as_ref(), "carol").await;
    dst.close().await.unwrap();
    go.drop_all().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlc_postgres_imports_beside_into_the_same_database() {
    let Some(go) = server_db("postgres", "gosqlc").await else {
        return;
    };
    create_tables(&go.db, include_str!("data/go/sqlc_postgres.sql"), "").await;
    seed_sqlc(&go.db).await;
    let out = ok(&[
        "go-import",
        "--from",
        &go.url,
        "--to",
        &go.url,
        "--session",
        "carol",
    ]);
    assert!(out.contains("imported sessions=1 peers=2 "), "{out}");
    let dst = open("postgres", &go.url).await.unwrap();
    assert_alice(dst.as_ref(), "carol").await;
    dst.close().await.unwrap();
    // The Go tables are still there, unchanged.
    assert_eq!(count(&go.db, "durable_updates").await, 2);
    go.drop_all().await;
}
