//! With `EncryptedAdapter` on, no plaintext auth key (nor conversation data
//! or durable payload) reaches a store: each test writes through the wrapper
//! on one backend, then reads the raw rows, values or documents with the
//! driver itself and searches them for each secret's bytes, base64 and hex.
//! A control writes the same secrets through the plain adapter into the same
//! kind of store and must find every one, so the search is known to see
//! what it looks for.

mod mongo_support;
mod orm_support;
mod purge_support;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use mtgo_storage::encryption::EncryptionConfig;
use mtgo_storage::{
    Adapter, AuthKey, Conversation, DcAuth, DurableUpdate, EncryptedAdapter, EncryptionKey,
    Keyring, Session,
};

/// What is written: a session key, five DC keys, conversation data and a
/// durable payload, each random.
struct Secrets {
    session: Session,
    dcs: Vec<DcAuth>,
    conversation: Conversation,
    update: DurableUpdate,
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    getrandom::fill(&mut out).expect("random bytes");
    out
}

fn secrets() -> Secrets {
    Secrets {
        session: Session {
            dc: 2,
            api_id: 1,
            auth_key: Some(AuthKey::new(random_bytes(256))),
            addr: "149.154.167.51".into(),
            port: 443,
            ..Default::default()
        },
        dcs: (1..=5)
            .map(|dc_id| {
                // Fields the lead adds later keep their defaults.
                let mut entry = DcAuth {
                    dc_id,
                    auth_key: AuthKey::new(random_bytes(256)),
                    ..Default::default()
                };
                entry.server_salt = 7;
                entry.port = 443;
                entry.server_addr = format!("149.154.167.{dc_id}");
                entry
            })
            .collect(),
        conversation: Conversation {
            chat_id: -1001,
            user_id: 42,
            name: "flow".into(),
            step: 1,
            data: random_bytes(64),
            ..Default::default()
        },
        update: DurableUpdate {
            id: "update-1".into(),
            payload: random_bytes(64),
            created_at: 1,
            ..Default::default()
        },
    }
}

impl Secrets {
    /// Each secret with its label.
    fn each(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = vec![(
            "session auth key".to_owned(),
            self.session.auth_key.as_ref().unwrap().as_bytes().to_vec(),
        )];
        for dc in &self.dcs {
            out.push((
                format!("dc {} auth key", dc.dc_id),
                dc.auth_key.as_bytes().to_vec(),
            ));
        }
        out.push(("conversation data".into(), self.conversation.data.clone()));
        out.push(("durable payload".into(), self.update.payload.clone()));
        out
    }
}

/// The forms a secret may take in a store: raw, base64 (four alphabets) and
/// hex (both cases).
fn forms(secret: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("raw", secret.to_vec()),
        ("base64", STANDARD.encode(secret).into_bytes()),
        (
            "base64 unpadded",
            STANDARD_NO_PAD.encode(secret).into_bytes(),
        ),
        ("base64url", URL_SAFE.encode(secret).into_bytes()),
        (
            "base64url unpadded",
            URL_SAFE_NO_PAD.encode(secret).into_bytes(),
        ),
        ("hex", hex::encode(secret).into_bytes()),
        ("HEX", hex::encode_upper(secret).into_bytes()),
    ]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The forms of every secret found in `haystack`.
fn found(haystack: &[u8], secrets: &Secrets) -> Vec<String> {
    let mut out = Vec::new();
    for (label, secret) in secrets.each() {
        for (form, needle) in forms(&secret) {
            if contains(haystack, &needle) {
                out.push(format!("{label} ({form})"));
            }
        }
    }
    out
}

/// Every secret is found in some form (the control).
fn all_found(haystack: &[u8], secrets: &Secrets) -> Vec<String> {
    secrets
        .each()
        .into_iter()
        .filter(|(_, secret)| {
            !forms(secret)
                .iter()
                .any(|(_, needle)| contains(haystack, needle))
        })
        .map(|(label, _)| label)
        .collect()
}

fn keyring() -> Keyring {
    Keyring::new(EncryptionKey::from_slice("at-rest", &random_bytes(32)).unwrap())
}

fn config() -> EncryptionConfig {
    EncryptionConfig::new(keyring())
        .conversation_data(true)
        .durable_payloads(true)
}

async fn write(adapter: &dyn Adapter, secrets: &Secrets) {
    adapter.save_session(&secrets.session).await.unwrap();
    for dc in &secrets.dcs {
        adapter.dc_auth().unwrap().save_dc_auth(dc).await.unwrap();
    }
    adapter
        .conversations()
        .unwrap()
        .save_conversation(&secrets.conversation)
        .await
        .unwrap();
    adapter
        .update_state()
        .unwrap()
        .enqueue_update(&secrets.update)
        .await
        .unwrap();
}

/// Reads everything back through `adapter` and compares.
async fn read_back(adapter: &dyn Adapter, secrets: &Secrets) {
    let session = adapter.load_session().await.unwrap().unwrap();
    assert_eq!(session.auth_key, secrets.session.auth_key);
    assert_eq!(
        adapter.dc_auth().unwrap().load_all_dc_auth().await.unwrap(),
        secrets.dcs
    );
    let conversation = adapter
        .conversations()
        .unwrap()
        .load_conversation(secrets.conversation.chat_id, secrets.conversation.user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conversation.data, secrets.conversation.data);
    let updates = adapter
        .update_state()
        .unwrap()
        .load_updates(10)
        .await
        .unwrap();
    assert_eq!(updates[0].payload, secrets.update.payload);
}

/// Writes the secrets encrypted into `encrypted` and in plaintext into
/// `plain`, then checks the raw contents each `dump` returns.
async fn check<A: Adapter + 'static>(
    backend: &str,
    encrypted: A,
    plain: A,
    dump_encrypted: impl std::future::Future<Output = Vec<u8>>,
    dump_plain: impl std::future::Future<Output = Vec<u8>>,
) {
    let secrets = secrets();
    let encrypted = EncryptedAdapter::with_config(encrypted, config());
    write(&encrypted, &secrets).await;
    read_back(&encrypted, &secrets).await;
    write(&plain, &secrets).await;
    let raw = dump_encrypted.await;
    let control = dump_plain.await;
    assert!(
        !raw.is_empty(),
        "{backend}: the raw dump of the encrypted store is empty"
    );
    let leaks = found(&raw, &secrets);
    assert!(
        leaks.is_empty(),
        "{backend}: plaintext found in the encrypted store: {leaks:?}"
    );
    let missed = all_found(&control, &secrets);
    assert!(
        missed.is_empty(),
        "{backend}: the control search missed {missed:?} in the plain store"
    );
    eprintln!(
        "{backend}: {} bytes of raw rows searched, no secret in any form; the control found all",
        raw.len()
    );
}

#[tokio::test]
async fn sqlite_file_holds_no_plaintext() {
    // The whole database file and its WAL, byte for byte.
    let (encrypted, path, _dir) = orm_support::sqlite_file().await;
    let (plain, plain_path, _plain_dir) = orm_support::sqlite_file().await;
    check(
        "sqlite",
        encrypted,
        plain,
        sqlite_dump(path),
        sqlite_dump(plain_path),
    )
    .await;
}

async fn sqlite_dump(path: std::path::PathBuf) -> Vec<u8> {
    let mut bytes = std::fs::read(&path).expect("read the database file");
    let mut wal = path.into_os_string();
    wal.push("-wal");
    if let Ok(more) = std::fs::read(wal) {
        bytes.extend_from_slice(&more);
    }
    bytes
}

/// `url` with its database (the path) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[start..];
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let query = rest[auth_end..]
        .find('?')
        .map(|q| &rest[auth_end + q..])
        .unwrap_or("");
    format!("{}{}/{}{}", &url[..start], &rest[..auth_end], name, query)
}

/// A database of this test's own on the server of `admin` (so the test
/// does not depend on the migrations applied to the shared one), its URL,
/// and a guard dropping it when the test ends.
async fn own_database(
    backend: &'static str,
    admin: String,
) -> Option<(String, purge_support::OnDrop)> {
    use sqlx::Connection;
    if !mtgo_storage::conformance::reachable(backend, &admin).await {
        return None;
    }
    let name: String = mtgo_storage::conformance::unique_session_name("enc_at_rest")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let create = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
    let created = if backend == "postgres" {
        match sqlx::PgConnection::connect(&admin).await {
            Ok(mut c) => sqlx::raw_sql(create).execute(&mut c).await.map(|_| ()),
            Err(e) => Err(e),
        }
    } else {
        match sqlx::MySqlConnection::connect(&admin).await {
            Ok(mut c) => sqlx::raw_sql(create).execute(&mut c).await.map(|_| ()),
            Err(e) => Err(e),
        }
    };
    if let Err(e) = created {
        return mtgo_storage::conformance::unavailable(backend, &e);
    }
    let drop_name = name.clone();
    let guard = purge_support::OnDrop::new(Box::new(move |rt| {
        rt.block_on(async move {
            let sql = if backend == "postgres" {
                format!("DROP DATABASE IF EXISTS {drop_name} WITH (FORCE)")
            } else {
                format!("DROP DATABASE IF EXISTS {drop_name}")
            };
            let result = if backend == "postgres" {
                match sqlx::PgConnection::connect(&admin).await {
                    Ok(mut c) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut c)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                }
            } else {
                match sqlx::MySqlConnection::connect(&admin).await {
                    Ok(mut c) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut c)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                }
            };
            if let Err(e) = result {
                eprintln!("test clean-up: dropping database {drop_name}: {e}");
            }
        })
    }));
    Some((with_database(&admin_url(backend), &name), guard))
}

fn admin_url(backend: &str) -> String {
    if backend == "postgres" {
        orm_support::postgres_url()
    } else {
        orm_support::mysql_url()
    }
}

#[tokio::test]
async fn postgres_rows_hold_no_plaintext() {
    let Some((url, _drop_db)) = own_database("postgres", orm_support::postgres_url()).await else {
        return;
    };
    let adapter = mtgo_storage::orm::postgres::open(&url).await.expect("open");
    check(
        "postgres",
        adapter.with_session("account"),
        adapter.with_session("plain"),
        postgres_dump(url.clone(), "account".into()),
        postgres_dump(url.clone(), "plain".into()),
    )
    .await;
    adapter.close().await.unwrap();
}

/// Every row of the session in every table, as PostgreSQL prints a row
/// (`bytea` in hex).
async fn postgres_dump(url: String, session: String) -> Vec<u8> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
    let mut out = Vec::new();
    for table in orm_support::TABLES {
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT x::text FROM {table} x WHERE session_name = $1"
        )))
        .bind(&session)
        .fetch_all(&mut c)
        .await
        .expect("select rows");
        for row in rows {
            out.extend_from_slice(row.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

#[tokio::test]
async fn mariadb_rows_hold_no_plaintext() {
    let Some((url, _drop_db)) = own_database("mysql", orm_support::mysql_url()).await else {
        return;
    };
    let adapter = mtgo_storage::orm::mysql::open(&url).await.expect("open");
    check(
        "mysql",
        adapter.with_session("account"),
        adapter.with_session("plain"),
        mysql_dump(url.clone(), "account".into()),
        mysql_dump(url.clone(), "plain".into()),
    )
    .await;
    adapter.close().await.unwrap();
}

/// Every column of every row of the session in every table, as `HEX()`
/// text and as the bytes that text decodes to.
async fn mysql_dump(url: String, session: String) -> Vec<u8> {
    use sqlx::{Connection, Row};
    let mut c = sqlx::MySqlConnection::connect(&url).await.expect("connect");
    let mut out = Vec::new();
    for table in orm_support::TABLES {
        let columns: Vec<String> = sqlx::query(
            "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&mut c)
        .await
        .expect("columns")
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
        assert!(!columns.is_empty(), "no columns in {table}");
        let hexes: Vec<String> = columns.iter().map(|c| format!("HEX(`{c}`)")).collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(CONCAT_WS(',', {}) AS CHAR) FROM `{table}` WHERE session_name = ?",
            hexes.join(", ")
        )))
        .bind(&session)
        .fetch_all(&mut c)
        .await
        .expect("select rows");
        for row in rows {
            let text: String = row.get(0);
            for part in text.split(',') {
                out.extend_from_slice(part.as_bytes());
                out.push(b'\n');
                if let Ok(bytes) = hex::decode(part) {
                    out.extend_from_slice(&bytes);
                    out.push(b'\n');
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn redis_values_hold_no_plaintext() {
    use mtgo_storage::conformance::{reachable, service_url, unavailable};
    let url = service_url("redis", "redis://127.0.0.1:6379");
    if !reachable("redis", &url).await {
        return;
    }
    let unique = mtgo_storage::conformance::unique_session_name("enc_at_rest_redis");
    let prefix: String = unique
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let plain_prefix = format!("{prefix}_plain");
    let _cleanup = {
        let (url, a, b) = (url.clone(), prefix.clone(), plain_prefix.clone());
        purge_support::OnDrop::new(Box::new(move |_| {
            redis_delete(&url, &a);
            redis_delete(&url, &b);
        }))
    };
    let open = |prefix: String| {
        let url = url.clone();
        async move {
            match mtgo_storage::redis::open(&url).await {
                Ok(a) => Some(a.with_prefix(&prefix).unwrap().with_session("account")),
                Err(e) => unavailable("redis", &e),
            }
        }
    };
    let Some(encrypted) = open(prefix.clone()).await else {
        return;
    };
    let plain = open(plain_prefix.clone()).await.unwrap();
    let (u1, u2) = (url.clone(), url.clone());
    check(
        "redis",
        encrypted,
        plain,
        async move { redis_dump(&u1, &prefix) },
        async move { redis_dump(&u2, &plain_prefix) },
    )
    .await;
}

/// The keys under `prefix` (SCAN: a test may, the adapter never does).
fn redis_keys(conn: &mut redis::Connection, prefix: &str) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}:*"))
            .arg("COUNT")
            .arg(1000)
            .query(conn)
            .expect("SCAN");
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

/// Every key under `prefix` with every value it holds, whatever its type.
fn redis_dump(url: &str, prefix: &str) -> Vec<u8> {
    let mut conn = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("redis connection");
    let mut out = Vec::new();
    for key in redis_keys(&mut conn, prefix) {
        let kind: String = redis::cmd("TYPE").arg(&key).query(&mut conn).unwrap();
        let values: Vec<Vec<u8>> = match kind.as_str() {
            "string" => vec![redis::cmd("GET").arg(&key).query(&mut conn).unwrap()],
            "hash" => redis::cmd("HGETALL").arg(&key).query(&mut conn).unwrap(),
            "set" => redis::cmd("SMEMBERS").arg(&key).query(&mut conn).unwrap(),
            "zset" => redis::cmd("ZRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES")
                .query(&mut conn)
                .unwrap(),
            "list" => redis::cmd("LRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query(&mut conn)
                .unwrap(),
            other => panic!("key of unexpected type {other}"),
        };
        out.extend_from_slice(&key);
        out.push(b'\n');
        for v in values {
            out.extend_from_slice(&v);
            out.push(b'\n');
        }
    }
    out
}

fn redis_delete(url: &str, prefix: &str) {
    let Ok(mut conn) = redis::Client::open(url).and_then(|c| c.get_connection()) else {
        return;
    };
    for key in redis_keys(&mut conn, prefix) {
        let _: redis::RedisResult<i64> = redis::cmd("UNLINK").arg(key).query(&mut conn);
    }
}

#[tokio::test]
async fn mongo_documents_hold_no_plaintext() {
    let db = mongo_support::unique_db("enc_at_rest");
    let plain_db = format!("{db}_p");
    let _cleanup = (
        purge_support::OnDrop::new(mongo_support::drop_db_later(db.clone())),
        purge_support::OnDrop::new(mongo_support::drop_db_later(plain_db.clone())),
    );
    let Some(encrypted) = mongo_support::open(&db, "account").await else {
        return;
    };
    let plain = mongo_support::open(&plain_db, "account").await.unwrap();
    check(
        "mongodb",
        encrypted,
        plain,
        mongo_dump(db.clone()),
        mongo_dump(plain_db.clone()),
    )
    .await;
}

/// Every document of every collection of `db`, as BSON bytes and as
/// relaxed extended JSON (binary in base64).
async fn mongo_dump(db: String) -> Vec<u8> {
    use futures_util::TryStreamExt;
    let client = mongo_support::client().await.expect("mongodb client");
    let database = client.database(&db);
    let mut out = Vec::new();
    for name in database.list_collection_names().await.expect("collections") {
        let docs: Vec<bson::Document> = database
            .collection::<bson::Document>(&name)
            .find(bson::doc! {})
            .await
            .expect("find")
            .try_collect()
            .await
            .expect("documents");
        for doc in docs {
            out.extend_from_slice(&bson::to_vec(&doc).expect("bson bytes"));
            out.push(b'\n');
            out.extend_from_slice(
                bson::Bson::Document(doc)
                    .into_relaxed_extjson()
                    .to_string()
                    .as_bytes(),
            );
            out.push(b'\n');
        }
    }
    out
}
