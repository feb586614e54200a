//! `mtgo-storage info`, `convert`, `import` and `export` on session strings,
//! checked against the vectors the real Telethon, Pyrogram and GramJS
//! produced (`tests/data/session_strings.json`).

mod cli_support;

use cli_support::{
    assert_owner_only, bin, fails, ok, open, run, service, session_name, sqlite_url,
};
use serde_json::Value;

struct Vector {
    format: String,
    string: String,
    inputs: Value,
}

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/session_strings.json"
    ))
    .expect("read the vectors");
    let json: Value = serde_json::from_str(&text).expect("parse the vectors");
    json["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !v["string"].as_str().unwrap_or_default().is_empty())
        .map(|v| Vector {
            format: v["format"].as_str().unwrap().to_owned(),
            string: v["string"].as_str().unwrap().to_owned(),
            inputs: v["inputs"].clone(),
        })
        .collect()
}

fn first(prefix: &str) -> Vector {
    vectors()
        .into_iter()
        .find(|v| v.format.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} vector"))
}

fn info_json(args: &[&str]) -> serde_json::Map<String, Value> {
    let out = ok(args);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    v.as_object().expect("one JSON object").clone()
}

const KEYS: [&str; 9] = [
    "format",
    "dc_id",
    "server_address",
    "port",
    "api_id",
    "test_mode",
    "user_id",
    "is_bot",
    "auth_key",
];

#[test]
fn info_json_reports_every_vector_exactly() {
    let all = vectors();
    assert!(all.len() >= 15, "too few vectors: {}", all.len());
    for v in all {
        let key_hex = v.inputs["auth_key"]["hex"].as_str().unwrap().to_owned();
        let shown = info_json(&["info", &v.string, "--json", "--show-key"]);
        let hidden = info_json(&["info", "--json", &v.string]);
        let mut keys: Vec<&str> = shown.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = KEYS.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want, "{}", v.format);

        let family = if v.format.starts_with("telethon") {
            "telethon"
        } else if v.format.starts_with("pyrogram") {
            "pyrogram"
        } else {
            "gramjs"
        };
        assert_eq!(shown["format"], family, "{}", v.format);
        assert_eq!(shown["dc_id"], v.inputs["dc_id"], "{}", v.format);
        assert_eq!(
            shown["auth_key"],
            Value::String(key_hex.clone()),
            "{}",
            v.format
        );
        let fingerprint = hidden["auth_key"].as_str().unwrap();
        assert!(
            fingerprint.starts_with("key_id:") && fingerprint.len() == 7 + 16,
            "{fingerprint}"
        );
        assert!(
            !serde_json::to_string(&hidden)
                .unwrap()
                .contains(&key_hex[..32])
        );
        match family {
            "pyrogram" => {
                assert_eq!(shown["server_address"], Value::Null, "{}", v.format);
                assert_eq!(shown["port"], Value::Null);
                assert_eq!(shown["user_id"], v.inputs["user_id"], "{}", v.format);
                assert_eq!(shown["is_bot"], v.inputs["is_bot"], "{}", v.format);
                assert_eq!(shown["test_mode"], v.inputs["test_mode"], "{}", v.format);
                if v.format.starts_with("pyrogram-old") {
                    assert_eq!(shown["api_id"], Value::Null, "{}", v.format);
                } else {
                    assert_eq!(shown["api_id"], v.inputs["api_id"], "{}", v.format);
                }
            }
            _ => {
                assert_eq!(
                    shown["server_address"], v.inputs["server_address"],
                    "{}",
                    v.format
                );
                assert_eq!(shown["port"], v.inputs["port"], "{}", v.format);
                for absent in ["api_id", "test_mode", "user_id", "is_bot"] {
                    assert_eq!(shown[absent], Value::Null, "{} {absent}", v.format);
                }
            }
        }
    }
}

#[test]
fn info_text_shows_the_fields_and_hides_the_key() {
    let v = first("pyrogram-v2");
    let key_hex = v.inputs["auth_key"]["hex"].as_str().unwrap();
    let out = ok(&["info", &v.string]);
    for want in [
        "format:         pyrogram",
        "dc_id:          2",
        "api_id:         12345",
        "user_id:        123456789",
        "is_bot:         false",
        "not carried",
        "256 bytes, key_id:",
    ] {
        assert!(out.contains(want), "{want:?} missing in:\n{out}");
    }
    assert!(!out.contains(&key_hex[..32]), "the key leaked:\n{out}");
    let out = ok(&["info", &v.string, "--show-key"]);
    assert!(
        out.contains(key_hex),
        "--show-key did not show the key:\n{out}"
    );
}

#[test]
fn info_reads_a_file_and_standard_input() {
    let v = first("telethon-ipv6");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.txt");
    std::fs::write(&path, format!("  {}\n", v.string)).unwrap();
    let from_file = info_json(&["info", path.to_str().unwrap(), "--json"]);
    assert_eq!(from_file["format"], "telethon");
    assert_eq!(from_file["server_address"], v.inputs["server_address"]);
    let out = bin()
        .args(["info", "-", "--json"])
        .write_stdin(v.string.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    let from_stdin: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_stdin["format"], "telethon");
    assert_eq!(from_stdin["port"], 443);
}

#[test]
fn convert_prints_exactly_the_string_the_library_would() {
    // Telethon (dc 2, key A) to Pyrogram with the vector's api_id and user
    // gives byte for byte what Pyrogram 2.0.106 exported.
    let telethon = first("telethon-ipv4");
    let pyrogram = first("pyrogram-v2");
    let r = run(&[
        "convert",
        &telethon.string,
        "--to",
        "pyrogram",
        "--api-id",
        "12345",
        "--user-id",
        "123456789",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, format!("{}\n", pyrogram.string));
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
    // And back: Pyrogram to Telethon gives the Telethon vector (the address
    // comes from the DC table).
    let out = ok(&["convert", &pyrogram.string, "--to", "telethon"]);
    assert_eq!(out, format!("{}\n", telethon.string));
}

#[test]
fn convert_to_every_format_and_back() {
    let v = first("pyrogram-v2");
    for format in [
        "telethon",
        "pyrogram",
        "gramjs",
        "mtcute",
        "mtkruto",
        "gogram",
        "gotgproto",
    ] {
        let out = ok(&["convert", &v.string, "--to", format]);
        assert_eq!(out.lines().count(), 1, "{format}: {out}");
        let s = out.trim_end();
        let info = info_json(&["info", s, "--json", "--show-key"]);
        assert_eq!(info["format"], format, "{format}");
        assert_eq!(info["dc_id"], 2, "{format}");
        assert_eq!(info["auth_key"], v.inputs["auth_key"]["hex"], "{format}");
    }
    let bot = ok(&["convert", &v.string, "--to", "mtkruto", "--bot"]);
    let info = info_json(&["info", bot.trim_end(), "--json"]);
    assert_eq!(info["is_bot"], true);
    assert_eq!(info["user_id"], 123_456_789);
}

#[test]
fn convert_says_which_option_supplies_a_missing_field() {
    let telethon = first("telethon-ipv4");
    let line = fails(&["convert", &telethon.string, "--to", "pyrogram"]);
    assert!(
        line.contains("api_id") && line.contains("--api-id"),
        "{line}"
    );
    let line = fails(&[
        "convert",
        &telethon.string,
        "--to",
        "pyrogram",
        "--api-id",
        "1",
    ]);
    assert!(
        line.contains("user_id") && line.contains("--user-id"),
        "{line}"
    );
    let line = fails(&["convert", &telethon.string, "--to", "klingon"]);
    assert!(line.contains("klingon"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn import_then_export_gives_the_same_string() {
    let telethon = first("telethon-ipv4");
    let pyrogram = first("pyrogram-v2");
    let (url, dir) = sqlite_url();
    let out = ok(&[
        "import",
        &telethon.string,
        "--into",
        &url,
        "--session",
        "alice",
    ]);
    assert!(
        out.contains("imported a telethon session as \"alice\""),
        "{out}"
    );
    let store = open("sqlite", &url).await.unwrap();
    let saved = store
        .session("alice")
        .load_session()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.dc, 2);
    assert_eq!(saved.addr, "149.154.167.51");

    let out = ok(&[
        "export",
        "--from",
        &url,
        "--session",
        "alice",
        "--to",
        "telethon",
    ]);
    assert_eq!(out, format!("{}\n", telethon.string));
    let out = ok(&[
        "export",
        "--from",
        &url,
        "--session",
        "alice",
        "--to",
        "pyrogram",
        "--api-id",
        "12345",
        "--user-id",
        "123456789",
    ]);
    assert_eq!(out, format!("{}\n", pyrogram.string));

    // A second import under the same name needs --force.
    let line = fails(&[
        "import",
        &pyrogram.string,
        "--into",
        &url,
        "--session",
        "alice",
    ]);
    assert!(
        line.contains("already exists") && line.contains("--force"),
        "{line}"
    );
    ok(&[
        "import",
        &pyrogram.string,
        "--into",
        &url,
        "--session",
        "alice",
        "--force",
    ]);
    let saved = store
        .session("alice")
        .load_session()
        .await
        .unwrap()
        .unwrap();
    assert_eq!((saved.api_id, saved.user_id), (12345, 123_456_789));

    // --out writes an owner-only file and nothing on standard output.
    let path = dir.path().join("alice.txt");
    let r = run(&[
        "export",
        "--from",
        &url,
        "--session",
        "alice",
        "--to",
        "gramjs",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let written = std::fs::read_to_string(&path).unwrap();
    let line = fails(&[
        "export",
        "--from",
        &url,
        "--session",
        "alice",
        "--to",
        "telethon",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(line.contains("exists"), "{line}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        written,
        "the file was replaced"
    );
    assert_eq!(
        info_json(&["info", written.trim(), "--json"])["format"],
        "gramjs"
    );
    assert_owner_only(&path);

    let line = fails(&[
        "export",
        "--from",
        &url,
        "--session",
        "nobody",
        "--to",
        "telethon",
    ]);
    assert!(line.contains("no session \"nobody\""), "{line}");
    let line = fails(&[
        "export",
        "--from",
        &url,
        "--session",
        "alice",
        "--to",
        "telethon-file",
    ]);
    assert!(line.contains("--out"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn import_and_export_through_every_service() {
    let telethon = first("telethon-ipv6");
    for service_name in ["postgres", "mysql", "redis", "mongodb"] {
        let url = service(service_name);
        let Some(store) = open(service_name, &url).await else {
            continue;
        };
        let name = session_name(&format!("cli-import-{service_name}"));
        ok(&[
            "import",
            &telethon.string,
            "--into",
            &url,
            "--session",
            &name,
        ]);
        let out = ok(&[
            "export",
            "--from",
            &url,
            "--session",
            &name,
            "--to",
            "telethon",
        ]);
        assert_eq!(out, format!("{}\n", telethon.string), "{service_name}");
        store.session(&name).delete_session().await.unwrap();
    }
}

fn data(file: &str) -> String {
    format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn info_reads_telethon_and_pyrogram_session_files() {
    let key_hex: String = (0..=255u8).map(|b| format!("{b:02x}")).collect();
    let t = info_json(&["info", &data("telethon.session"), "--json", "--show-key"]);
    assert_eq!(t["format"], "telethon-file");
    assert_eq!(t["dc_id"], 2);
    assert_eq!(t["server_address"], "149.154.167.51");
    assert_eq!(t["port"], 443);
    assert_eq!(t["auth_key"], Value::String(key_hex.clone()));
    for absent in ["api_id", "test_mode", "user_id", "is_bot"] {
        assert_eq!(t[absent], Value::Null, "{absent}");
    }
    let p = info_json(&["info", &data("pyrogram.session"), "--json"]);
    assert_eq!(p["format"], "pyrogram-file");
    assert_eq!(p["dc_id"], 2);
    assert_eq!(p["api_id"], 12345);
    assert_eq!(p["user_id"], 123_456_789);
    assert_eq!(p["is_bot"], false);
    assert_eq!(p["test_mode"], false);
    assert_eq!(p["server_address"], Value::Null);
    assert!(p["auth_key"].as_str().unwrap().starts_with("key_id:"));
    let text = ok(&["info", &data("telethon.session")]);
    assert!(text.contains("format:         telethon-file"), "{text}");
    assert!(text.contains("peers:          9"), "{text}");
    assert!(!text.contains(&key_hex[..64]), "{text}");
    // A session file converts like a string.
    let out = ok(&["convert", &data("pyrogram.session"), "--to", "pyrogram"]);
    assert_eq!(out, format!("{}\n", first("pyrogram-v2").string));
}

#[tokio::test(flavor = "multi_thread")]
async fn session_files_import_and_export() {
    let (url, dir) = sqlite_url();
    let out = ok(&[
        "import",
        &data("telethon.session"),
        "--into",
        &url,
        "--session",
        "t",
    ]);
    assert!(
        out.contains("imported a telethon-file session as \"t\"") && out.contains("with 9 peers"),
        "{out}"
    );
    let store = open("sqlite", &url).await.unwrap();
    let alice = store
        .session("t")
        .get_peer_by_username("alice_example")
        .await
        .unwrap()
        .expect("the file's peers were imported");
    assert_eq!(alice.id, 123_456_789);

    // To a Pyrogram file, with the fields Telethon does not keep.
    let pyro = dir.path().join("out_pyrogram.session");
    let r = run(&[
        "export",
        "--from",
        &url,
        "--session",
        "t",
        "--to",
        "pyrogram-file",
        "--out",
        pyro.to_str().unwrap(),
        "--api-id",
        "12345",
        "--user-id",
        "123456789",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let p = info_json(&["info", pyro.to_str().unwrap(), "--json"]);
    assert_eq!(p["format"], "pyrogram-file");
    assert_eq!(
        (p["api_id"].clone(), p["user_id"].clone()),
        (12345.into(), 123_456_789.into())
    );
    // The Pyrogram file back into another session gives the same string.
    ok(&[
        "import",
        pyro.to_str().unwrap(),
        "--into",
        &url,
        "--session",
        "p",
    ]);
    let out = ok(&[
        "export",
        "--from",
        &url,
        "--session",
        "p",
        "--to",
        "pyrogram",
    ]);
    assert_eq!(out, format!("{}\n", first("pyrogram-v2").string));
    assert_eq!(store.session("p").load_peers().await.unwrap().len(), 9);

    // To a Telethon file: owner-only, never over an existing file.
    let tele = dir.path().join("out_telethon.session");
    ok(&[
        "export",
        "--from",
        &url,
        "--session",
        "t",
        "--to",
        "telethon-file",
        "--out",
        tele.to_str().unwrap(),
    ]);
    let t = info_json(&["info", tele.to_str().unwrap(), "--json"]);
    assert_eq!(t["format"], "telethon-file");
    assert_eq!(t["server_address"], "149.154.167.51");
    assert_owner_only(&tele);
    let line = fails(&[
        "export",
        "--from",
        &url,
        "--session",
        "t",
        "--to",
        "telethon-file",
        "--out",
        tele.to_str().unwrap(),
    ]);
    assert!(line.contains("exists"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn import_reads_standard_input() {
    let v = first("gramjs");
    let (url, _dir) = sqlite_url();
    let out = bin()
        .args(["import", "-", "--into", &url, "--session", "stdin"])
        .write_stdin(format!("{}\n", v.string))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = open("sqlite", &url).await.unwrap();
    let saved = store
        .session("stdin")
        .load_session()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.dc, 2);
    assert_eq!(saved.addr, v.inputs["server_address"].as_str().unwrap());
}

#[test]
fn info_shows_the_address_a_kurigram_style_file_keeps() {
    // Kurigram's later layouts add sessions.server_address and port.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kurigram.session");
    std::fs::copy(data("pyrogram.session"), &path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "ALTER TABLE sessions ADD COLUMN server_address TEXT; \
             ALTER TABLE sessions ADD COLUMN port INTEGER; \
             UPDATE sessions SET server_address = '149.154.167.99', port = 8443;",
        )
        .unwrap();
    let k = info_json(&["info", path.to_str().unwrap(), "--json"]);
    assert_eq!(k["format"], "pyrogram-file");
    assert_eq!(k["server_address"], "149.154.167.99");
    assert_eq!(k["port"], 8443);
    assert_eq!(k["api_id"], 12345);
}
