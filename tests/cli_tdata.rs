//! `mtgo-storage info`, `import` and `export --to tdata` on Telegram Desktop
//! `tdata` folders: the committed folders opentele-ng made
//! (tests/data/tdata/), imports into SQLite and every service, exports read
//! back (by opentele too when `MTGO_TDATA_PYTHON` is set), and bad folders
//! that fail with one line and stay unchanged.

mod cli_support;

use cli_support::{fails, ok, open, purge_everything, run, service, session_name, sqlite_url};
use md5::{Digest, Md5};
use mtgo_storage::tdata;
use mtgo_storage::{Adapter, AuthKey, DcAuth, Session};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const PASSCODE: &str = "correct horse";

fn fixture(name: &str) -> String {
    format!("{}/tests/data/tdata/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs with the fixture passcode in `MTGO_TEST_TDATA_PASSCODE`.
fn with_passcode(args: &[&str]) -> cli_support::Run {
    let out = cli_support::bin()
        .args(args)
        .env("MTGO_TEST_TDATA_PASSCODE", PASSCODE)
        .output()
        .unwrap();
    cli_support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn key_hex(key: &AuthKey) -> String {
    key.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn info_lists_accounts_with_key_ids_and_keys_only_when_asked() {
    let text = ok(&["info", &fixture("one")]);
    let folder = tdata::read(fixture("one"), None).unwrap();
    let account = &folder.accounts[0];
    assert!(text.contains("format:         tdata"), "{text}");
    assert!(text.contains("user_id 123456789, main DC 2"), "{text}");
    for k in &account.keys {
        assert!(!text.contains(&key_hex(&k.auth_key)), "a key is printed");
    }
    assert_eq!(text.matches("key_id:").count(), 3, "{text}");
    let shown = ok(&["info", &fixture("one"), "--show-key"]);
    assert!(shown.contains(&key_hex(account.main_key().unwrap())));

    let r = with_passcode(&[
        "info",
        &fixture("three-passcode"),
        "--json",
        "--passcode-env",
        "MTGO_TEST_TDATA_PASSCODE",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["format"], "tdata");
    assert_eq!(v["passcode"], true);
    let accounts = v["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 3);
    assert_eq!(accounts[1]["user_id"], 777_000);
    assert_eq!(accounts[1]["main_dc"], 4);
    assert!(
        accounts[1]["keys"][0]["auth_key"]
            .as_str()
            .unwrap()
            .starts_with("key_id:")
    );
}

#[test]
fn a_locked_folder_names_the_passcode_problem() {
    let line = fails(&["info", &fixture("three-passcode")]);
    assert!(
        line.contains("locked with a local passcode") && line.contains("--passcode-env"),
        "{line}"
    );
    let out = cli_support::bin()
        .args([
            "info",
            &fixture("three-passcode"),
            "--passcode-env",
            "WRONG_PASS",
        ])
        .env("WRONG_PASS", "correct horse staple")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("wrong local passcode"), "{err}");
    assert!(
        !err.contains("correct horse staple"),
        "the passcode is printed: {err}"
    );
    let line = fails(&[
        "info",
        &fixture("one"),
        "--passcode-env",
        "MTGO_NO_SUCH_VARIABLE",
    ]);
    assert!(line.contains("MTGO_NO_SUCH_VARIABLE"), "{line}");
}

async fn check_store(store: &dyn Adapter, account: &tdata::TdataAccount) {
    let s = store.load_session().await.unwrap().unwrap();
    assert_eq!((s.dc, s.user_id), (account.main_dc, account.user_id));
    assert_eq!(s.auth_key.as_ref(), account.main_key());
    assert!(!s.addr.is_empty() && s.port == 443);
    let others: BTreeMap<i32, AuthKey> = store
        .dc_auth()
        .unwrap()
        .load_all_dc_auth()
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.dc_id, e.auth_key))
        .collect();
    let want: BTreeMap<i32, AuthKey> = account
        .keys
        .iter()
        .filter(|k| k.dc_id != account.main_dc)
        .map(|k| (k.dc_id, k.auth_key.clone()))
        .collect();
    assert_eq!(others, want);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_an_account_into_sqlite() {
    let (url, _dir) = sqlite_url();
    let out = ok(&["import", &fixture("one"), "--into", &url]);
    assert!(
        out.contains("imported tdata account 0 (user 123456789, DC 2)"),
        "{out}"
    );
    let r = with_passcode(&[
        "import",
        &fixture("three-passcode"),
        "--into",
        &url,
        "--session",
        "second",
        "--account",
        "2",
        "--passcode-env",
        "MTGO_TEST_TDATA_PASSCODE",
        "--api-id",
        "2040",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let store = open("sqlite", &url).await.unwrap();
    let one = tdata::read(fixture("one"), None).unwrap();
    check_store(store.as_ref(), &one.accounts[0]).await;
    let three = tdata::read(fixture("three-passcode"), Some(PASSCODE)).unwrap();
    let second = store.session("second");
    check_store(second.as_ref(), three.account(2).unwrap()).await;
    assert_eq!(second.load_session().await.unwrap().unwrap().api_id, 2040);
    // An existing session is kept unless --force; an unknown account is named.
    let line = fails(&["import", &fixture("one"), "--into", &url]);
    assert!(line.contains("already exists"), "{line}");
    let line = fails(&[
        "import",
        &fixture("one"),
        "--into",
        &url,
        "--account",
        "4",
        "--force",
    ]);
    assert!(line.contains("no account 4"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn import_into_every_service() {
    let one = tdata::read(fixture("one"), None).unwrap();
    for service_name in ["postgres", "mysql", "redis", "mongodb"] {
        let url = service(service_name);
        let Some(store) = open(service_name, &url).await else {
            continue;
        };
        let name = session_name(&format!("cli-tdata-{service_name}"));
        ok(&[
            "import",
            &fixture("one"),
            "--into",
            &url,
            "--session",
            &name,
        ]);
        check_store(store.session(&name).as_ref(), &one.accounts[0]).await;
        purge_everything(service_name, &url, &name).await;
    }
}

async fn seed_session(store: &dyn Adapter, dc: i32, user_id: i64, seed: u8) {
    let key = |s: u8| AuthKey::new((0..=255u8).map(|i| i ^ s).collect::<Vec<u8>>());
    store
        .save_session(&Session {
            dc,
            user_id,
            auth_key: Some(key(seed)),
            ..Session::default()
        })
        .await
        .unwrap();
    store
        .dc_auth()
        .unwrap()
        .save_dc_auth(&DcAuth {
            dc_id: if dc == 1 { 2 } else { 1 },
            auth_key: key(seed.wrapping_add(1)),
            ..Default::default()
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_a_folder_that_reads_back() {
    let (url, dir) = sqlite_url();
    let store = open("sqlite", &url).await.unwrap();
    seed_session(store.as_ref(), 2, 123_456, 1).await;
    seed_session(store.session("bob").as_ref(), 4, 7_000_000_001, 9).await;
    let out = dir.path().join("tdata");
    let out_s = out.to_str().unwrap();
    let r = with_passcode(&[
        "export",
        "--from",
        &url,
        "--to",
        "tdata",
        "--out",
        out_s,
        "--also-session",
        "bob",
        "--passcode-env",
        "MTGO_TEST_TDATA_PASSCODE",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("2 accounts"), "{}", r.stderr);
    let folder = tdata::read(&out, Some(PASSCODE)).unwrap();
    let want = [
        tdata::account_from_adapter(store.as_ref()).await.unwrap(),
        tdata::account_from_adapter(store.session("bob").as_ref())
            .await
            .unwrap(),
    ];
    for (i, w) in want.iter().enumerate() {
        let got = &folder.accounts[i];
        assert_eq!(
            (got.user_id, got.main_dc, &got.keys),
            (w.user_id, w.main_dc, &w.keys)
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the folder is private: {mode:o}");
    }
    // The reference converter reads it too, when it is installed.
    if let Ok(python) = std::env::var("MTGO_TDATA_PYTHON") {
        let o = std::process::Command::new(python)
            .arg(format!(
                "{}/tests/interop/tdata.py",
                env!("CARGO_MANIFEST_DIR")
            ))
            .args(["read", out_s, PASSCODE])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["accounts"][1]["user_id"], 7_000_000_001i64);
        assert_eq!(v["accounts"][1]["dc"], 4);
    }
    // An existing folder is never replaced; --out is needed.
    let line = fails(&["export", "--from", &url, "--to", "tdata", "--out", out_s]);
    assert!(line.contains("not an empty folder"), "{line}");
    let line = fails(&["export", "--from", &url, "--to", "tdata"]);
    assert!(line.contains("--out"), "{line}");
    let line = fails(&[
        "export",
        "--from",
        &url,
        "--to",
        "tdata",
        "--out",
        dir.path().join("x").to_str().unwrap(),
        "--also-session",
        "nobody",
    ]);
    assert!(line.contains("nobody"), "{line}");
    assert!(!dir.path().join("x").exists());
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let m = std::fs::metadata(&p).unwrap().modified().unwrap();
                out.insert(p.clone(), (std::fs::read(&p).unwrap(), m));
            }
        }
    }
    out
}

fn copy_fixture(name: &str, to: &Path) {
    let from = PathBuf::from(fixture(name));
    for (p, (bytes, _)) in snapshot(&from) {
        let rel = p.strip_prefix(&from).unwrap();
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
}

/// A container with a valid checksum around `data`, of `version`.
fn container(data: &[u8], version: u32) -> Vec<u8> {
    let mut checked = data.to_vec();
    checked.extend_from_slice(&(data.len() as u32).to_le_bytes());
    checked.extend_from_slice(&version.to_le_bytes());
    checked.extend_from_slice(b"TDF$");
    let mut out = b"TDF$".to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&Md5::digest(&checked));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_folders_fail_with_one_line_and_stay_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let (url, _db) = sqlite_url();
    type Damage = fn(&Path);
    let cases: [(&str, Damage, &str); 5] = [
        (
            "truncated key file",
            |d| {
                let f = d.join("key_datas");
                let b = std::fs::read(&f).unwrap();
                std::fs::write(&f, &b[..b.len() / 2]).unwrap();
            },
            "checksum mismatch",
        ),
        (
            "truncated account file",
            |d| {
                let f = d.join("D877F783D5D3EF8Cs");
                let b = std::fs::read(&f).unwrap();
                std::fs::write(&f, &b[..30]).unwrap();
            },
            "D877F783D5D3EF8Cs",
        ),
        (
            "not tdata",
            |d| {
                std::fs::remove_file(d.join("key_datas")).unwrap();
                std::fs::write(d.join("notes.txt"), b"hello").unwrap();
            },
            "not a Telegram Desktop tdata folder",
        ),
        (
            "unknown version",
            |d| {
                let f = d.join("key_datas");
                let b = std::fs::read(&f).unwrap();
                std::fs::write(&f, container(&b[8..b.len() - 16], 42)).unwrap();
            },
            "unknown version 42",
        ),
        (
            "account data that is not an authorization",
            |d| {
                let f = d.join("D877F783D5D3EF8Cs");
                let b = std::fs::read(&f).unwrap();
                let mut data = b[8..b.len() - 16].to_vec();
                let last = data.len() - 1;
                data[last] ^= 0xff;
                std::fs::write(&f, container(&data, 3_004_000)).unwrap();
            },
            "does not decrypt",
        ),
    ];
    for (i, (case, damage, want)) in cases.into_iter().enumerate() {
        let d = tmp.path().join(format!("case{i}"));
        copy_fixture("one", &d);
        damage(&d);
        let before = snapshot(&d);
        let path = d.to_str().unwrap();
        let line = fails(&["info", path]);
        assert!(line.contains(want), "{case}: {line}");
        let line = fails(&["import", path, "--into", &url, "--session", "s"]);
        assert!(line.contains(want), "{case}: {line}");
        assert_eq!(snapshot(&d), before, "{case}: the folder changed");
        let r = run(&["info", path, "--json"]);
        assert_ne!(r.code, 0, "{case}");
    }
    // Nothing was imported.
    let store = open("sqlite", &url).await.unwrap();
    assert!(store.session("s").load_session().await.unwrap().is_none());
}
