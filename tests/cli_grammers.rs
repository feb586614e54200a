//! `mtgo-storage info`, `import` and `export` with grammers session files
//! (issue 13, point 5): `info` shows what the file carries (key ids, keys
//! only with `--show-key`), `import` picks grammers by its tables, and
//! `export --to grammers` writes a file that reads as the one imported.

mod cli_support;

use cli_support::{fails, ok, open, purge_everything, run, service, session_name, sqlite_url};
use mtgo_storage::grammers::grammers_session::SessionData;
use mtgo_storage::grammers::grammers_session::types::{
    ChannelKind, ChannelState, DcOption, PeerAuth, PeerInfo, UpdatesState,
};
use mtgo_storage::grammers::{read_sqlite_file, write_sqlite_file};
use serde_json::Value;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::path::Path;

fn key(seed: u8) -> [u8; 256] {
    std::array::from_fn(|i| (i as u8).wrapping_add(seed))
}

/// MTProto's key id: the low 64 bits of the key's SHA-1, as `info` prints it.
fn key_id(key: &[u8; 256]) -> String {
    let digest = sha1(key);
    format!("key_id:{}", hex::encode(&digest[12..20]))
}

fn sha1(bytes: &[u8]) -> [u8; 20] {
    sha1_smol::Sha1::from(bytes).digest().bytes()
}

fn sample() -> SessionData {
    let mut data = SessionData {
        home_dc: 2,
        ..SessionData::default()
    };
    let dc = |id: i32, auth_key| DcOption {
        id,
        ipv4: SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, id as u8), 443),
        ipv6: SocketAddrV6::new(Ipv6Addr::LOCALHOST, 443, 0, 0),
        auth_key,
    };
    for o in [dc(2, Some(key(2))), dc(4, Some(key(4))), dc(5, None)] {
        data.dc_options.insert(o.id, o);
    }
    let peers = [
        PeerInfo::User {
            id: 777,
            auth: Some(PeerAuth::from_hash(42)),
            bot: Some(false),
            is_self: Some(true),
        },
        PeerInfo::User {
            id: 778,
            auth: Some(PeerAuth::from_hash(43)),
            bot: Some(true),
            is_self: Some(false),
        },
        PeerInfo::Chat { id: 55 },
        PeerInfo::Channel {
            id: 99,
            auth: Some(PeerAuth::from_hash(-9)),
            kind: Some(ChannelKind::Megagroup),
        },
    ];
    data.peer_infos = peers.into_iter().map(|p| (p.id(), p)).collect();
    data.updates_state = UpdatesState {
        pts: 10,
        qts: 2,
        date: 1_700_000_000,
        seq: 3,
        channels: vec![ChannelState { id: 99, pts: 4 }],
    };
    data
}

async fn sample_file(dir: &Path) -> String {
    let path = dir.join("grammers.session");
    write_sqlite_file(&path, &sample()).await.unwrap();
    path.to_str().unwrap().to_owned()
}

fn json(args: &[&str]) -> Value {
    let out = ok(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn info_shows_what_a_grammers_file_carries() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample_file(dir.path()).await;
    let v = json(&["info", &file, "--json"]);
    assert_eq!(v["format"], "grammers-file");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["home_dc"], 2);
    assert_eq!(v["user_id"], 777);
    assert_eq!(v["is_bot"], false);
    let dcs = v["dc_options"].as_array().unwrap();
    assert_eq!(dcs.len(), 5, "{v}");
    assert_eq!(dcs[1]["dc_id"], 2);
    assert_eq!(dcs[1]["ipv4"], "127.0.0.2:443");
    assert_eq!(dcs[1]["auth_key"], Value::String(key_id(&key(2))));
    assert_eq!(dcs[3]["auth_key"], Value::String(key_id(&key(4))));
    assert_eq!(dcs[4]["auth_key"], Value::Null);
    assert_eq!(v["peers"]["users"], 1);
    assert_eq!(v["peers"]["bots"], 1);
    assert_eq!(v["peers"]["chats"], 1);
    assert_eq!(v["peers"]["channels"], 1);
    assert_eq!(v["update_state"]["pts"], 10);
    assert_eq!(v["update_state"]["channels"], 1);

    let text = ok(&["info", &file]);
    assert!(text.contains("format:         grammers-file"), "{text}");
    assert!(text.contains(&key_id(&key(4))), "{text}");
    assert!(!text.contains(&hex::encode(&key(4)[..32])), "{text}");
    assert!(text.contains("peers:          4"), "{text}");

    let shown = json(&["info", &file, "--json", "--show-key"]);
    assert_eq!(
        shown["dc_options"][3]["auth_key"],
        Value::String(hex::encode(key(4)))
    );
    // The file was only read.
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "info left files beside the session"
    );
}

/// `import` into `url`, `export --to grammers` from it: the exported file
/// holds what the imported one did.
async fn import_export(url: &str, service_name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = sample_file(dir.path()).await;
    let name = session_name("cli-grammers");
    let out = ok(&["import", &file, "--into", url, "--session", &name]);
    assert!(
        out.contains(&format!("imported a grammers-file session as {name:?}"))
            && out.contains("4 peers"),
        "{out}"
    );
    // Again without --force: refused, nothing changed.
    let line = fails(&["import", &file, "--into", url, "--session", &name]);
    assert!(line.contains("already exists"), "{line}");

    let exported = dir.path().join("exported.session");
    let exported = exported.to_str().unwrap();
    let r = run(&[
        "export",
        "--from",
        url,
        "--session",
        &name,
        "--to",
        "grammers",
        "--out",
        exported,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let before = read_sqlite_file(&file).await.unwrap();
    let after = read_sqlite_file(exported).await.unwrap();
    assert_eq!(after.home_dc, before.home_dc);
    assert_eq!(after.dc_options, before.dc_options);
    assert_eq!(after.peer_infos, before.peer_infos);
    assert_eq!(after.updates_state, before.updates_state);
    // An existing file is never replaced.
    let line = fails(&[
        "export",
        "--from",
        url,
        "--session",
        &name,
        "--to",
        "grammers",
        "--out",
        exported,
    ]);
    assert!(line.contains("already exists"), "{line}");

    if service_name != "sqlite" {
        purge_everything(service_name, url, &name).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn import_and_export_a_grammers_file_with_sqlite() {
    let (url, _dir) = sqlite_url();
    import_export(&url, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn import_and_export_a_grammers_file_with_postgres() {
    let url = service("postgres");
    if open("postgres", &url).await.is_none() {
        return;
    }
    import_export(&url, "postgres").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn import_and_export_a_grammers_file_with_mysql() {
    let url = service("mysql");
    if open("mysql", &url).await.is_none() {
        return;
    }
    import_export(&url, "mysql").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_grammers_wrote_imports() {
    let Ok(program) = std::env::var("MTGO_GRAMMERS_SQLITE") else {
        mtgo_storage::conformance::unavailable::<()>(
            "grammers",
            &"MTGO_GRAMMERS_SQLITE is not set (scripts/services/grammers.sh)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("real.session");
    let input = r#"{"home_dc": 4, "dc_options": [], "peer_infos": [{"User": {"id": 5, "auth": 6, "bot": true, "is_self": true}}], "updates_state": {"pts": 1, "qts": 2, "date": 3, "seq": 4, "channels": []}}"#;
    let out = std::process::Command::new(&program)
        .args(["write", file.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(out.success());
    let v = json(&["info", file.to_str().unwrap(), "--json"]);
    assert_eq!(
        (&v["format"], &v["home_dc"], &v["user_id"], &v["is_bot"]),
        (&"grammers-file".into(), &4.into(), &5.into(), &true.into())
    );
    let (url, _keep) = sqlite_url();
    let out = ok(&["import", file.to_str().unwrap(), "--into", &url]);
    assert!(out.contains("home DC 4"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn grammers_exports_need_a_file_and_take_no_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample_file(dir.path()).await;
    let (url, _keep) = sqlite_url();
    ok(&["import", &file, "--into", &url]);
    let line = fails(&["export", "--from", &url, "--to", "grammers-file"]);
    assert!(line.contains("--out"), "{line}");
    let out = dir.path().join("x.session");
    let line = fails(&[
        "export",
        "--from",
        &url,
        "--to",
        "grammers",
        "--out",
        out.to_str().unwrap(),
        "--api-id",
        "5",
    ]);
    assert!(line.contains("no API id"), "{line}");
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn other_readers_name_a_grammers_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample_file(dir.path()).await;
    let line = fails(&["convert", &file, "--to", "telethon"]);
    assert!(line.contains("a grammers session file"), "{line}");
}
