//! `mtgo-storage encrypt`, `decrypt` and `rekey` on a SQLite file: keys
//! from environment variables and files, `--dry-run`, counts, rewriting only
//! what is not yet in the wanted form, errors that name the session and the
//! field and never show a key.

mod cli_support;
mod mongo_support;
mod orm_support;
mod purge_support;
mod redis_support;

use cli_support::{bin, sqlite_url};
use mtgo_storage::encryption::{EncryptionConfig, KdfParams, envelope_key_id, is_envelope};
use mtgo_storage::{
    Adapter, AuthKey, Conversation, DcAuth, DurableUpdate, EncryptedAdapter, EncryptionKey,
    Keyring, Session, SessionStore,
};

const KEY1_HEX: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const KEY2: [u8; 32] = [0x22; 32];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` and environment `env`.
fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = bin();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("run mtgo-storage");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let r = run(args, env);
    assert_eq!(r.code, 0, "{args:?} failed:\n{}\n{}", r.stdout, r.stderr);
    r.stdout
}

fn fails(args: &[&str], env: &[(&str, &str)]) -> String {
    let r = run(args, env);
    assert_ne!(r.code, 0, "{args:?} should fail: {}", r.stdout);
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    lines[0].to_owned()
}

fn key_byte(seed: u8) -> AuthKey {
    AuthKey::new((0..=255u8).map(|b| b ^ seed).collect::<Vec<u8>>())
}

fn session(seed: u8) -> Session {
    Session {
        dc: 2,
        api_id: 1,
        auth_key: Some(key_byte(seed)),
        addr: "149.154.167.51".into(),
        port: 443,
        ..Default::default()
    }
}

fn dc(dc_id: i32, seed: u8) -> DcAuth {
    // Fields the lead adds later keep their defaults.
    let mut entry = DcAuth {
        dc_id,
        auth_key: key_byte(seed),
        ..Default::default()
    };
    entry.server_salt = 1;
    entry.port = 443;
    entry.server_addr = "149.154.167.1".into();
    entry
}

fn conversation() -> Conversation {
    Conversation {
        chat_id: 5,
        user_id: 6,
        name: "flow".into(),
        step: 1,
        data: b"conversation secret".to_vec(),
        created_at: 100,
        updated_at: 200,
    }
}

fn update() -> DurableUpdate {
    DurableUpdate {
        id: "u1".into(),
        payload: b"payload secret".to_vec(),
        created_at: 9,
        attempts: 2,
        last_error: Some("timeout".into()),
    }
}

/// Two sessions, each with its auth key, two DC keys, a conversation and a
/// queued update, all in plaintext.
async fn seed(url: &str) -> mtgo_storage::OrmAdapter {
    let path = url.strip_prefix("sqlite://").unwrap();
    let store = mtgo_storage::orm::sqlite::open(path).await.unwrap();
    seed_into(&store, &["alice", "bob"]).await;
    store
}

/// Seeds the sessions `names` (the first with seed 1, the next with 2, ...).
async fn seed_into(store: &dyn Adapter, names: &[&str]) {
    for (name, seed) in names.iter().zip(1u8..) {
        let s = store.session(name);
        s.save_session(&session(seed)).await.unwrap();
        for id in [1, 4] {
            s.dc_auth()
                .unwrap()
                .save_dc_auth(&dc(id, seed + id as u8))
                .await
                .unwrap();
        }
        s.conversations()
            .unwrap()
            .restore_conversation(&conversation())
            .await
            .unwrap();
        s.update_state()
            .unwrap()
            .enqueue_update(&update())
            .await
            .unwrap();
    }
}

/// The key ids of every stored field of `name` (`None`: plaintext).
async fn stored_ids(store: &dyn Adapter, name: &str) -> Vec<Option<String>> {
    let s = store.session(name);
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let session = s.load_session().await.unwrap().unwrap();
    fields.push(session.auth_key.unwrap().into_bytes());
    for e in s.dc_auth().unwrap().load_all_dc_auth().await.unwrap() {
        fields.push(e.auth_key.into_bytes());
    }
    for c in s
        .conversations()
        .unwrap()
        .load_conversations()
        .await
        .unwrap()
    {
        fields.push(c.data);
    }
    for u in s.update_state().unwrap().load_updates(10).await.unwrap() {
        fields.push(u.payload);
    }
    fields
        .iter()
        .map(|f| {
            assert_eq!(is_envelope(f), envelope_key_id(f).is_some());
            envelope_key_id(f).map(str::to_owned)
        })
        .collect()
}

/// Reads `name` through a wrapper holding only `key` (plaintext refused)
/// and checks every field against what was seeded.
async fn check_opens_with(store: &dyn Adapter, name: &str, key: EncryptionKey, seed: u8) {
    let wrapped = EncryptedAdapter::with_config(
        store.session(name),
        EncryptionConfig::new(Keyring::new(key))
            .conversation_data(true)
            .durable_payloads(true),
    );
    assert_eq!(
        wrapped.load_session().await.unwrap().unwrap(),
        Session {
            name: name.into(),
            ..session(seed)
        }
    );
    assert_eq!(
        wrapped.dc_auth().unwrap().load_all_dc_auth().await.unwrap(),
        vec![dc(1, seed + 1), dc(4, seed + 4)]
    );
    // Original times kept.
    assert_eq!(
        wrapped
            .conversations()
            .unwrap()
            .load_conversations()
            .await
            .unwrap(),
        vec![conversation()]
    );
    // Attempts and last error kept.
    assert_eq!(
        wrapped
            .update_state()
            .unwrap()
            .load_updates(10)
            .await
            .unwrap(),
        vec![update()]
    );
}

fn k1() -> EncryptionKey {
    EncryptionKey::new("k1", [0x11; 32]).unwrap()
}

fn k2() -> EncryptionKey {
    EncryptionKey::new("k2", KEY2).unwrap()
}

#[tokio::test]
async fn encrypt_rekey_decrypt_with_dry_runs_and_counts() {
    let (url, dir) = sqlite_url();
    let store = seed(&url).await;
    let key2_file = dir.path().join("k2.key");
    std::fs::write(&key2_file, KEY2).unwrap();
    let key2_spec = format!("k2={}", key2_file.display());
    let env = [("MTGO_KEY1", KEY1_HEX)];
    let all = ["--url", &url, "--all", "--conversations", "--payloads"];
    let plain = vec![None; 5];

    // A dry run counts and writes nothing.
    let out = ok(
        &[
            &["encrypt"],
            &all[..],
            &["--key-env", "k1=MTGO_KEY1", "--dry-run"],
        ]
        .concat(),
        &env,
    );
    assert!(
        out.contains("would encrypt 10 fields in 2 of 2 sessions (dry run"),
        "{out}"
    );
    assert_eq!(stored_ids(&store, "alice").await, plain);

    let out = ok(
        &[&["encrypt"], &all[..], &["--key-env", "k1=MTGO_KEY1"]].concat(),
        &env,
    );
    assert!(
        out.contains("session alice: encrypted auth_key=1 dc_auth=2 conversations=1 payloads=1"),
        "{out}"
    );
    assert!(
        out.contains("encrypted 10 fields in 2 of 2 sessions"),
        "{out}"
    );
    let k1_ids = vec![Some("k1".to_owned()); 5];
    assert_eq!(stored_ids(&store, "alice").await, k1_ids);
    assert_eq!(stored_ids(&store, "bob").await, k1_ids);
    check_opens_with(&store, "alice", k1(), 1).await;
    check_opens_with(&store, "bob", k1(), 2).await;

    // Again: nothing left to do.
    let out = ok(
        &[&["encrypt"], &all[..], &["--key-env", "k1=MTGO_KEY1"]].concat(),
        &env,
    );
    assert!(
        out.contains("encrypted 0 fields in 0 of 2 sessions"),
        "{out}"
    );

    // Rekey to k2 (dry run first).
    let rekey = [
        &["rekey"],
        &all[..],
        &["--key-env", "k1=MTGO_KEY1", "--new-key-file", &key2_spec],
    ]
    .concat();
    let out = ok(&[&rekey[..], &["--dry-run"]].concat(), &env);
    assert!(out.contains("would rekey 10 fields"), "{out}");
    assert_eq!(stored_ids(&store, "alice").await, k1_ids);
    let out = ok(&rekey, &env);
    assert!(
        out.contains("rekeyed 10 fields in 2 of 2 sessions"),
        "{out}"
    );
    let k2_ids = vec![Some("k2".to_owned()); 5];
    assert_eq!(stored_ids(&store, "bob").await, k2_ids);
    check_opens_with(&store, "bob", k2(), 2).await;
    // The old key alone no longer opens anything.
    let old_only = EncryptedAdapter::new(store.with_session("bob"), Keyring::new(k1()));
    match old_only.load_session().await {
        Err(mtgo_storage::Error::Decrypt { reason, .. }) => {
            assert!(reason.contains("\"k2\""), "{reason}")
        }
        other => panic!("expected Error::Decrypt, got {other:?}"),
    }

    // Decrypt one session.
    let out = ok(
        &[
            "decrypt",
            "--url",
            &url,
            "--session",
            "alice",
            "--conversations",
            "--payloads",
            "--key-file",
            &key2_spec,
        ],
        &env,
    );
    assert!(
        out.contains("decrypted 5 fields in 1 of 1 sessions"),
        "{out}"
    );
    assert_eq!(stored_ids(&store, "alice").await, plain);
    assert_eq!(stored_ids(&store, "bob").await, k2_ids);
    let s = store.with_session("alice");
    assert_eq!(
        s.load_session().await.unwrap().unwrap().auth_key,
        Some(key_byte(1))
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn passphrase_from_a_file_with_stored_parameters() {
    let (url, dir) = sqlite_url();
    let store = seed(&url).await;
    let pass_file = dir.path().join("pass.txt");
    std::fs::write(&pass_file, "correct horse battery staple\n").unwrap();
    let spec = format!("p={}", pass_file.display());
    let out = ok(
        &[
            "encrypt",
            "--url",
            &url,
            "--session",
            "alice",
            "--passphrase-file",
            &spec,
            "--kdf-memory-kib",
            "64",
            "--kdf-iterations",
            "1",
            "--conversations",
            "--payloads",
        ],
        &[],
    );
    assert!(
        out.contains("encrypted 5 fields in 1 of 1 sessions"),
        "{out}"
    );
    // The application opens it with the passphrase (its own parameters and
    // salt: the stored ones are used); the trailing newline is not part of it.
    let key = EncryptionKey::from_passphrase(
        "p",
        b"correct horse battery staple",
        KdfParams::new(128, 1, 1).unwrap(),
    )
    .unwrap();
    check_opens_with(&store, "alice", key, 1).await;
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_wrong_key_stops_before_writing_and_names_session_and_field() {
    let (url, _dir) = sqlite_url();
    let store = seed(&url).await;
    ok(
        &[
            "encrypt",
            "--url",
            &url,
            "--session",
            "bob",
            "--key-env",
            "k1=MTGO_KEY1",
        ],
        &[("MTGO_KEY1", KEY1_HEX)],
    );
    let wrong = "9999999999999999999999999999999999999999999999999999999999999999";
    let line = fails(
        &[
            "rekey",
            "--url",
            &url,
            "--all",
            "--key-env",
            "k1=WRONG",
            "--new-key-env",
            "k2=NEW",
        ],
        &[("WRONG", wrong), ("NEW", KEY1_HEX)],
    );
    assert!(line.contains("session \"bob\""), "{line}");
    assert!(line.contains("auth_key"), "{line}");
    assert!(line.contains("authentication failed"), "{line}");
    for secret in [wrong, KEY1_HEX, "1111", "9999"] {
        assert!(
            !line.contains(secret),
            "the error shows key material: {line}"
        );
    }
    // Every session is read before any is written: alice (plaintext, read
    // first, openable) was not rewritten either.
    assert_eq!(stored_ids(&store, "alice").await, vec![None; 5]);
    assert_eq!(stored_ids(&store, "bob").await[0].as_deref(), Some("k1"));
    store.close().await.unwrap();
}

#[test]
fn keys_come_only_from_the_environment_or_files() {
    let (url, _dir) = sqlite_url();
    // There is no option taking a key itself.
    let r = run(&["encrypt", "--url", &url, "--key", KEY1_HEX], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = fails(
        &[
            "encrypt",
            "--url",
            &url,
            "--key-env",
            "k1=MTGO_UNSET_VARIABLE",
        ],
        &[],
    );
    assert!(line.contains("MTGO_UNSET_VARIABLE is not set"), "{line}");
    let line = fails(
        &["encrypt", "--url", &url, "--key-env", "k1=SHORT"],
        &[("SHORT", "abcd")],
    );
    assert!(line.contains("32 bytes"), "{line}");
    assert!(!line.contains("abcd"), "{line}");
    let line = fails(
        &["encrypt", "--url", &url, "--key-env", "MTGO_KEY1"],
        &[("MTGO_KEY1", KEY1_HEX)],
    );
    assert!(line.contains("ID=VAR"), "{line}");
    let line = fails(&["encrypt", "--url", &url], &[]);
    assert!(line.contains("exactly one key"), "{line}");
}

#[tokio::test]
async fn export_refuses_an_encrypted_key_and_matches_after_decrypt() {
    let (url, _dir) = sqlite_url();
    let store = seed(&url).await;
    let env = [("MTGO_KEY1", KEY1_HEX)];
    let export = [
        "export",
        "--from",
        &url,
        "--session",
        "alice",
        "--to",
        "telethon",
    ];
    let before = ok(&export, &[]);
    ok(
        &[
            "encrypt",
            "--url",
            &url,
            "--session",
            "alice",
            "--key-env",
            "k1=MTGO_KEY1",
        ],
        &env,
    );
    let line = fails(&export, &[]);
    assert!(
        line.contains("is encrypted at rest (key id \"k1\")"),
        "{line}"
    );
    ok(
        &[
            "decrypt",
            "--url",
            &url,
            "--session",
            "alice",
            "--key-env",
            "k1=MTGO_KEY1",
        ],
        &env,
    );
    assert_eq!(ok(&export, &[]), before);
    store.close().await.unwrap();
}

/// The same commands on the PostgreSQL, MariaDB, Redis and Mongo-wire test
/// servers, one session each (`--session`: other tests share these servers).
#[tokio::test]
async fn encrypt_rekey_decrypt_on_every_server() {
    let env = [
        ("MTGO_KEY1", KEY1_HEX),
        ("MTGO_KEY2", "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="),
    ];
    for service in ["postgres", "mysql", "redis", "mongodb"] {
        let name = cli_support::session_name("cli_encrypt");
        let mut url = cli_support::service(service);
        let _cleanup: Box<dyn std::any::Any> = if service == "postgres" || service == "mysql" {
            Box::new(purge_support::OnDrop::new(orm_support::purge_prefix_later(
                url.clone(),
                name.clone(),
            )))
        } else if service == "redis" {
            Box::new(redis_support::PurgeOnDrop {
                url: url.clone(),
                prefix: mtgo_storage::redis::DEFAULT_PREFIX.into(),
                session: name.clone(),
            })
        } else {
            let db = mongo_support::unique_db("cli_encrypt");
            url = cli_support::with_path(&url, &db);
            Box::new(purge_support::OnDrop::new(mongo_support::drop_db_later(db)))
        };
        let Some(store) = cli_support::open(service, &url).await else {
            continue;
        };
        seed_into(store.as_ref(), &[&name]).await;
        let target = [
            "--url",
            url.as_str(),
            "--session",
            name.as_str(),
            "--conversations",
            "--payloads",
        ];
        let out = ok(
            &[&["encrypt"], &target[..], &["--key-env", "k1=MTGO_KEY1"]].concat(),
            &env,
        );
        assert!(
            out.contains("encrypted 5 fields in 1 of 1 sessions"),
            "{service}: {out}"
        );
        assert_eq!(
            stored_ids(store.as_ref(), &name).await,
            vec![Some("k1".to_owned()); 5],
            "{service}"
        );
        check_opens_with(store.as_ref(), &name, k1(), 1).await;
        let out = ok(
            &[
                &["rekey"],
                &target[..],
                &["--key-env", "k1=MTGO_KEY1", "--new-key-env", "k2=MTGO_KEY2"],
            ]
            .concat(),
            &env,
        );
        assert!(out.contains("rekeyed 5 fields"), "{service}: {out}");
        check_opens_with(store.as_ref(), &name, k2(), 1).await;
        let out = ok(
            &[&["decrypt"], &target[..], &["--key-env", "k2=MTGO_KEY2"]].concat(),
            &env,
        );
        assert!(out.contains("decrypted 5 fields"), "{service}: {out}");
        assert_eq!(
            stored_ids(store.as_ref(), &name).await,
            vec![None; 5],
            "{service}"
        );
        let _ = store.close().await;
    }
}

/// A trigger of the test's own (not the library's) that makes the server
/// refuse any durable update row of `session`, and the statements that drop
/// it again.
fn refusing_trigger(service: &str, session: &str) -> (Vec<String>, Vec<String>) {
    let name = format!("mtgo_test_refuse_{}", session.replace(['-', '.'], "_"));
    match service {
        "sqlite" => (
            vec![format!(
                "CREATE TRIGGER {name} BEFORE INSERT ON mtgo_durable_updates \
                 WHEN NEW.session_name = '{session}' \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )],
            vec![format!("DROP TRIGGER {name}")],
        ),
        "postgres" => (
            vec![
                format!(
                    "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF NEW.session_name = '{session}' THEN \
                     RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$"
                ),
                format!(
                    "CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON mtgo_durable_updates \
                     FOR EACH ROW EXECUTE FUNCTION {name}()"
                ),
            ],
            vec![
                format!("DROP TRIGGER {name} ON mtgo_durable_updates"),
                format!("DROP FUNCTION {name}()"),
            ],
        ),
        "mysql" => (
            vec![format!(
                "CREATE TRIGGER {name} BEFORE INSERT ON mtgo_durable_updates FOR EACH ROW \
                 BEGIN IF NEW.session_name = '{session}' THEN \
                 SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END"
            )],
            vec![format!("DROP TRIGGER {name}")],
        ),
        other => panic!("no trigger for {other}"),
    }
}

/// Each session is rewritten whole or not at all: when the server refuses
/// one record of a session (a trigger of the test refuses its durable
/// update), `encrypt` fails naming the session, and every field of the
/// session, its auth key and DC keys written before the refused record
/// included, is still in plaintext; without the trigger, the same command
/// then encrypts all of it. On SQLite, PostgreSQL and MariaDB.
#[tokio::test]
async fn a_refused_record_leaves_the_whole_session_unwritten() {
    use sea_orm::ConnectionTrait;
    let env = [("MTGO_KEY1", KEY1_HEX)];
    for service in ["sqlite", "postgres", "mysql"] {
        let name = cli_support::session_name("cli_encrypt_atomic");
        let (url, _dir) = match service {
            "sqlite" => {
                let (url, dir) = sqlite_url();
                (url, Some(dir))
            }
            _ => (cli_support::service(service), None),
        };
        let _cleanup = (service != "sqlite").then(|| {
            purge_support::OnDrop::new(orm_support::purge_prefix_later(url.clone(), name.clone()))
        });
        if cli_support::open(service, &url).await.is_none() {
            continue;
        }
        let store = if service == "sqlite" {
            mtgo_storage::orm::sqlite::open(url.strip_prefix("sqlite://").unwrap())
                .await
                .unwrap()
        } else {
            mtgo_storage::OrmAdapter::open(&url).await.unwrap()
        };
        seed_into(&store, &[&name]).await;
        let (create, drop) = refusing_trigger(service, &name);
        for sql in &create {
            store.connection().execute_unprepared(sql).await.unwrap();
        }
        let target = [
            "encrypt",
            "--url",
            url.as_str(),
            "--session",
            name.as_str(),
            "--conversations",
            "--payloads",
            "--key-env",
            "k1=MTGO_KEY1",
        ];
        let error = fails(&target, &env);
        for sql in &drop {
            store.connection().execute_unprepared(sql).await.unwrap();
        }
        assert!(error.contains(&format!("{name:?}")), "{service}: {error}");
        assert_eq!(
            stored_ids(&store, &name).await,
            vec![None; 5],
            "{service}: a refused record must leave every field of the session in plaintext"
        );
        let out = ok(&target, &env);
        assert!(
            out.contains("encrypted 5 fields in 1 of 1 sessions"),
            "{service}: {out}"
        );
        assert_eq!(
            stored_ids(&store, &name).await,
            vec![Some("k1".to_owned()); 5],
            "{service}"
        );
        store.close().await.unwrap();
    }
}
