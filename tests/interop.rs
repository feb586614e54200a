//! Interop with the real libraries: strings and `.session` files written by
//! this crate are handed to Telethon 1.45.0, Pyrogram 2.0.106 (Python) and
//! GramJS 2.26.22 (node), which must read back the same DC, address, port,
//! auth key, user id and peers; their own strings for the same session must
//! equal ours.
//!
//! `scripts/services/interop.sh` installs the libraries into `.interop/` and
//! sets `MTGO_INTEROP_PYTHON` and `MTGO_INTEROP_NODE_MODULES`; without them
//! the test is skipped loudly, or fails when `MTGO_TEST_REQUIRE` names
//! `interop`. The scripts it runs are in tests/interop/.

use mtgo_storage::conformance::unavailable;
use mtgo_storage::session_string::{self, SessionFormat};
use mtgo_storage::{
    Adapter, AuthKey, MemoryAdapter, Peer, PeerStore, PeerType, Session, SessionStore, UpdateState,
    session_file,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn key(seed: u8) -> AuthKey {
    AuthKey::new(
        (0..=255u8)
            .map(|i| i.wrapping_mul(7).wrapping_add(seed))
            .collect::<Vec<u8>>(),
    )
}

fn key_hex(session: &Session) -> String {
    hex::encode(session.auth_key.as_ref().unwrap().as_bytes())
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

async fn run(program: &str, script: &str, job: &Path, node_modules: &str) -> Value {
    let out = tokio::process::Command::new(program)
        .arg(interop_dir().join(script))
        .arg(job)
        .env("MTGO_INTEROP_NODE_MODULES", node_modules)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{script} printed {stdout:?}: {e}"))
}

fn seen(v: &Value) -> (i64, String, i64, String) {
    (
        v["dc"].as_i64().unwrap(),
        v["addr"].as_str().unwrap().to_owned(),
        v["port"].as_i64().unwrap(),
        v["key"].as_str().unwrap().to_owned(),
    )
}

fn ours(s: &Session) -> (i64, String, i64, String) {
    (s.dc.into(), s.addr.clone(), s.port.into(), key_hex(s))
}

#[tokio::test]
async fn real_libraries_read_what_we_write() {
    let (python, node_modules) = match (
        std::env::var("MTGO_INTEROP_PYTHON"),
        std::env::var("MTGO_INTEROP_NODE_MODULES"),
    ) {
        (Ok(p), Ok(n)) if Path::new(&p).exists() && Path::new(&n).join("telegram").exists() => {
            (p, n)
        }
        _ => {
            unavailable::<()>(
                "interop",
                &"MTGO_INTEROP_PYTHON / MTGO_INTEROP_NODE_MODULES are not set to installed \
                  libraries (bash scripts/test.sh installs them into .interop/)",
            );
            return;
        }
    };

    // --- strings -----------------------------------------------------------
    let v4 = Session {
        dc: 2,
        addr: "149.154.167.51".into(),
        port: 443,
        api_id: 12345,
        user_id: 7_000_000_000,
        is_bot: true,
        auth_key: Some(key(3)),
        ..Session::default()
    };
    let v6 = Session {
        dc: 4,
        addr: "2001:67c:4e8:f004::a".into(),
        port: 443,
        auth_key: Some(key(9)),
        ..Session::default()
    };
    let host = Session {
        dc: 1,
        addr: "example.org".into(),
        port: 8443,
        auth_key: Some(key(11)),
        ..Session::default()
    };
    let tele = |s: &Session| session_string::encode(s, SessionFormat::Telethon).unwrap();
    let gram = |s: &Session| session_string::encode(s, SessionFormat::GramJs).unwrap();
    let telethon_strings = vec![tele(&v4), tele(&v6)];
    let gramjs_strings = vec![gram(&v4), gram(&v6), gram(&host)];
    let pyrogram_strings = vec![session_string::encode(&v4, SessionFormat::Pyrogram).unwrap()];

    // --- files ---------------------------------------------------------------
    let store = MemoryAdapter::new();
    store.save_session(&v4).await.unwrap();
    let mut alice = Peer::new(123_456_789, PeerType::User, 1_234_567_890_123_456_789);
    alice.username = "Alice_Example".into();
    alice.phone_number = "+1 555 123 4567".into();
    alice.first_name = "Alice".into();
    alice.last_name = "Example".into();
    let mut bot = Peer::new(987_654_321, PeerType::User, 42);
    bot.username = "TestHelperBot".into();
    bot.is_bot = true;
    let mut bob = Peer::new(7_000_000_000, PeerType::User, -5_555_555_555_555_555_555);
    bob.username = "bob64".into();
    let chat = Peer::new(4_000_123, PeerType::Chat, 0); // bare id: marked on export
    let mut news = Peer::new(
        -1_001_234_567_890,
        PeerType::Channel,
        -3_141_592_653_589_793_238,
    );
    news.username = "news_channel".into();
    let big = Peer::new(3_000_000_000, PeerType::Channel, 1); // bare id
    store
        .save_peers(&[alice, bot, bob, chat, news, big])
        .await
        .unwrap();
    let us = store.update_state().unwrap();
    us.save_update_state(&UpdateState {
        pts: 12345,
        qts: 7,
        date: 1_704_164_645,
        seq: 42,
    })
    .await
    .unwrap();
    us.save_channel_pts(1_234_567_890, 99).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let telethon_file = dir.path().join("ours-telethon.session");
    let pyrogram_file = dir.path().join("ours-pyrogram.session");
    session_file::telethon::export(&store, &telethon_file)
        .await
        .unwrap();
    session_file::pyrogram::export(&store, &pyrogram_file)
        .await
        .unwrap();

    let job = json!({
        "telethon_strings": telethon_strings,
        "gramjs_strings": gramjs_strings,
        "pyrogram_strings": pyrogram_strings,
        "telethon_file": telethon_file,
        "pyrogram_file": pyrogram_file,
        "telethon_lookups": [123456789, 987654321, 7000000000i64, -4000123, -1001234567890i64,
                             -1003000000000i64, "alice_example", "@News_Channel", "+15551234567"],
        "pyrogram_lookups": [123456789, 987654321, 7000000000i64, -4000123, -1001234567890i64,
                             -1003000000000i64, "alice_example", "@News_Channel", "15551234567"],
        "channels": [1234567890],
        "session": {
            "dc": v4.dc, "addr": v4.addr, "port": v4.port, "key": key_hex(&v4),
            "api_id": v4.api_id, "user_id": v4.user_id, "is_bot": v4.is_bot, "test_mode": false,
        },
    });
    let job_path = dir.path().join("job.json");
    std::fs::write(&job_path, job.to_string()).unwrap();

    let py = run(&python, "check.py", &job_path, &node_modules).await;
    if std::env::var_os("MTGO_INTEROP_DUMP").is_some() {
        eprintln!("{py:#}");
    }
    let js = run("node", "check.mjs", &job_path, &node_modules).await;
    assert_eq!(
        py["versions"],
        json!({"telethon": "1.45.0", "pyrogram": "2.0.106"})
    );
    assert_eq!(js["version"], "2.26.22");

    // Telethon and GramJS read our Telethon strings; GramJS reads our GramJS
    // strings, host names included.
    for (i, s) in [&v4, &v6].iter().enumerate() {
        assert_eq!(
            seen(&py["telethon_strings"][i]),
            ours(s),
            "Telethon, string {i}"
        );
        assert_eq!(
            seen(&js["telethon_strings"][i]),
            ours(s),
            "GramJS on Telethon, string {i}"
        );
    }
    for (i, s) in [&v4, &v6, &host].iter().enumerate() {
        assert_eq!(
            seen(&js["gramjs_strings"][i]),
            ours(s),
            "GramJS, string {i}"
        );
    }
    // Pyrogram reads our string, user id and bot flag included.
    let p = &py["pyrogram_strings"][0];
    assert_eq!(
        (
            p["dc"].as_i64(),
            p["api_id"].as_i64(),
            p["test_mode"].as_bool(),
            p["key"].as_str(),
            p["user_id"].as_i64(),
            p["is_bot"].as_bool()
        ),
        (
            Some(2),
            Some(12345),
            Some(false),
            Some(key_hex(&v4).as_str()),
            Some(7_000_000_000),
            Some(true)
        )
    );
    // Their own strings for the same session are ours, byte for byte.
    assert_eq!(py["own"]["telethon"], tele(&v4));
    assert_eq!(
        py["own"]["pyrogram"],
        session_string::encode(&v4, SessionFormat::Pyrogram).unwrap()
    );
    assert_eq!(js["own"], gram(&v4));

    // Telethon reads our Telethon file: session, peers, update state.
    let tf = &py["telethon_file"];
    assert_eq!(seen(tf), ours(&v4));
    let user =
        |id: i64, hash: i64| json!({"type": "InputPeerUser", "user_id": id, "access_hash": hash});
    let chan = |id: i64, hash: i64| json!({"type": "InputPeerChannel", "channel_id": id, "access_hash": hash});
    let chat = json!({"type": "InputPeerChat", "chat_id": 4000123});
    let alice_in = user(123456789, 1234567890123456789);
    let news_in = chan(1234567890, -3141592653589793238);
    let expected = [
        ("123456789", alice_in.clone()),
        ("987654321", user(987654321, 42)),
        ("7000000000", user(7000000000, -5555555555555555555)),
        ("-4000123", chat.clone()),
        ("-1001234567890", news_in.clone()),
        ("-1003000000000", chan(3000000000, 1)),
        ("alice_example", alice_in.clone()),
        ("@News_Channel", news_in.clone()),
    ];
    for (k, want) in &expected {
        assert_eq!(&tf["lookups"][k], want, "Telethon lookup {k}");
    }
    assert_eq!(
        tf["lookups"]["+15551234567"], alice_in,
        "Telethon phone lookup"
    );
    assert_eq!(tf["update_state"], json!([12345, 7, 1704164645, 42]));
    assert_eq!(tf["channel_pts"]["1234567890"], 99);

    // Pyrogram reads our Pyrogram file: session, peers by id, username, phone.
    let pf = &py["pyrogram_file"];
    assert_eq!(
        (
            pf["dc"].as_i64(),
            pf["api_id"].as_i64(),
            pf["key"].as_str(),
            pf["user_id"].as_i64(),
            pf["is_bot"].as_bool()
        ),
        (
            Some(2),
            Some(12345),
            Some(key_hex(&v4).as_str()),
            Some(7_000_000_000),
            Some(true)
        )
    );
    for (k, want) in &expected {
        assert_eq!(&pf["lookups"][k], want, "Pyrogram lookup {k}");
    }
    assert_eq!(
        pf["lookups"]["15551234567"], alice_in,
        "Pyrogram phone lookup"
    );
}
