//! Telegram Desktop `tdata` folders checked against the reference converter,
//! opentele-ng 1.5.0 (pure Python; `scripts/services/tdata.sh` installs it
//! into `.interop/tdata-venv` and sets `MTGO_TDATA_PYTHON`):
//!
//! * it builds folders from sessions made here (one account, three accounts,
//!   with and without a local passcode) and we read the same accounts and
//!   keys, and import them into adapters;
//! * it reads the folders we write from adapters with the same user ids, DCs
//!   and keys.
//!
//! Without `MTGO_TDATA_PYTHON` those tests are skipped loudly, or fail when
//! `MTGO_TEST_REQUIRE` names `tdata`. The folders opentele made once and
//! that are committed under tests/data/tdata/ are read without Python.

use mtgo_storage::conformance::unavailable;
use mtgo_storage::tdata::{self, DcKey, TdataAccount};
use mtgo_storage::{Adapter, AuthKey, DcAuth, Error, MemoryAdapter, Session, SessionStore};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tdata")
}

fn key_bytes(seed: u8) -> Vec<u8> {
    (0..=255u8)
        .map(|i| i.wrapping_mul(7).wrapping_add(seed))
        .collect()
}

/// An account as the helper script's JSON has it: (user id, main DC,
/// hex key per DC).
type Seen = (i64, i32, BTreeMap<i32, String>);

fn seen_of_json(a: &Value) -> Seen {
    let keys = a["keys"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(dc, k)| (dc.parse().unwrap(), k.as_str().unwrap().to_owned()))
        .collect();
    (
        a["user_id"].as_i64().unwrap(),
        a["dc"].as_i64().unwrap() as i32,
        keys,
    )
}

fn seen_of_account(a: &TdataAccount) -> Seen {
    let keys = a
        .keys
        .iter()
        .map(|k| (k.dc_id, hex::encode(k.auth_key.as_bytes())))
        .collect();
    (a.user_id, a.main_dc, keys)
}

fn spec_json(accounts: &[TdataAccount], passcode: Option<&str>) -> Value {
    json!({
        "passcode": passcode,
        "accounts": accounts.iter().map(|a| {
            let (user_id, dc, keys) = seen_of_account(a);
            json!({"user_id": user_id, "dc": dc, "keys": keys.into_iter()
                .map(|(dc, k)| (dc.to_string(), Value::String(k))).collect::<serde_json::Map<_, _>>()})
        }).collect::<Vec<_>>(),
    })
}

// --- committed fixtures (no Python needed) ---------------------------------

#[test]
fn committed_opentele_folders_read_the_same_accounts() {
    for (name, passcode) in [("one", None), ("three-passcode", Some("correct horse"))] {
        let spec: Value = serde_json::from_slice(
            &std::fs::read(data_dir().join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(spec["passcode"].as_str(), passcode);
        let folder = tdata::read(data_dir().join(name), passcode).unwrap();
        let want: Vec<Seen> = spec["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(seen_of_json)
            .collect();
        let got: Vec<Seen> = folder.accounts.iter().map(seen_of_account).collect();
        assert_eq!(got, want, "{name}");
        assert_eq!(
            folder.accounts.iter().map(|a| a.index).collect::<Vec<_>>(),
            (0..want.len() as i32).collect::<Vec<_>>()
        );
        assert_eq!(folder.passcode, passcode.is_some());
        // opentele writes version 3.4.0 and names no valid active account.
        assert_eq!(folder.version, 3_004_000);
        assert_eq!(folder.active().unwrap().index, 0);
    }
}

#[test]
fn a_missing_or_wrong_passcode_is_a_clear_error() {
    let path = data_dir().join("three-passcode");
    match tdata::read(&path, None) {
        Err(e @ Error::TdataPasscode { given: false, .. }) => {
            assert!(
                e.to_string().contains("locked with a local passcode"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    match tdata::read(&path, Some("correct horse battery")) {
        Err(e @ Error::TdataPasscode { given: true, .. }) => {
            assert!(e.to_string().contains("wrong local passcode"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // A passcode given for a folder that has none is wrong too.
    assert!(matches!(
        tdata::read(data_dir().join("one"), Some("x")),
        Err(Error::TdataPasscode { given: true, .. })
    ));
}

async fn check_imported(store: &dyn Adapter, account: &TdataAccount) {
    let s = store.load_session().await.unwrap().unwrap();
    assert_eq!(
        (s.dc, s.user_id, s.test_mode),
        (account.main_dc, account.user_id, false)
    );
    assert_eq!(s.auth_key.as_ref(), account.main_key());
    let table = mtgo_storage::session_string::dc_table::lookup(account.main_dc, false).unwrap();
    assert_eq!((s.addr.as_str(), s.port), (table.ipv4, table.port));
    let others: Vec<(i32, AuthKey, String)> = store
        .dc_auth()
        .unwrap()
        .load_all_dc_auth()
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.dc_id, e.auth_key, e.server_addr))
        .collect();
    let want: Vec<(i32, AuthKey, String)> = account
        .keys
        .iter()
        .filter(|k| k.dc_id != account.main_dc)
        .map(|k| {
            let a = mtgo_storage::session_string::dc_table::lookup(k.dc_id, false).unwrap();
            (k.dc_id, k.auth_key.clone(), a.ipv4.to_owned())
        })
        .collect();
    assert_eq!(others, want);
}

#[tokio::test]
async fn committed_folder_imports_into_memory_and_sqlite() {
    let folder = tdata::read(data_dir().join("one"), None).unwrap();
    let account = &folder.accounts[0];
    let memory = MemoryAdapter::new();
    let report = tdata::import(data_dir().join("one"), None, None, &memory)
        .await
        .unwrap();
    assert_eq!(
        (report.user_id, report.dc, report.dc_keys),
        (123_456_789, 2, 2)
    );
    check_imported(&memory, account).await;
    #[cfg(feature = "sqlite")]
    {
        let sqlite = mtgo_storage::orm::sqlite::memory().await.unwrap();
        tdata::import(
            data_dir().join("three-passcode"),
            Some("correct horse"),
            Some(1),
            &sqlite,
        )
        .await
        .unwrap();
        let three = tdata::read(data_dir().join("three-passcode"), Some("correct horse")).unwrap();
        check_imported(&sqlite, three.account(1).unwrap()).await;
    }
    let e = tdata::import(data_dir().join("one"), None, Some(3), &memory)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("account 3"), "{e}");
}

// --- against opentele --------------------------------------------------------

fn python() -> Option<String> {
    match std::env::var("MTGO_TDATA_PYTHON") {
        Ok(p) if Path::new(&p).exists() => Some(p),
        _ => unavailable(
            "tdata",
            &"MTGO_TDATA_PYTHON is not set to a Python with opentele-ng 1.5.0 \
              (bash scripts/test.sh installs it into .interop/tdata-venv)",
        ),
    }
}

async fn helper(python: &str, args: &[&str]) -> String {
    let out = tokio::process::Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/tdata.py"))
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    assert!(
        out.status.success(),
        "tdata.py {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Sessions made here: `n` accounts in one store (session names `acc0`,
/// ...), each with a home DC and keys of other DCs in the DC auth store.
async fn make_sessions(store: &MemoryAdapter, n: usize, seed: u8) -> Vec<Box<dyn Adapter>> {
    let mut handles = Vec::new();
    for i in 0..n {
        let handle = store.session(&format!("acc{i}"));
        let dc = [2, 4, 1, 5, 3][i % 5];
        let s = seed.wrapping_add(i as u8 * 16);
        handle
            .save_session(&Session {
                dc,
                auth_key: Some(AuthKey::new(key_bytes(s))),
                // Both a 32-bit and a 64-bit user id.
                user_id: if i % 2 == 0 {
                    100_000 + i as i64
                } else {
                    6_000_000_000 + i as i64
                },
                api_id: 2040,
                addr: "ignored.example".into(),
                port: 443,
                ..Session::default()
            })
            .await
            .unwrap();
        for other in [1, 3].into_iter().filter(|&d| d != dc).take(i % 3) {
            handle
                .dc_auth()
                .unwrap()
                .save_dc_auth(&DcAuth {
                    dc_id: other,
                    auth_key: AuthKey::new(key_bytes(s.wrapping_add(other as u8))),
                    ..Default::default()
                })
                .await
                .unwrap();
        }
        handles.push(handle);
    }
    handles
}

const CASES: [(usize, Option<&str>); 4] = [
    (1, None),
    (3, None),
    (1, Some("1234")),
    (3, Some("pass phrase ü")),
];

#[tokio::test]
async fn opentele_builds_folders_that_we_read_and_import() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (case, (n, passcode)) in CASES.into_iter().enumerate() {
        let store = MemoryAdapter::new();
        let handles = make_sessions(&store, n, 40 + case as u8).await;
        let mut accounts = Vec::new();
        for h in &handles {
            accounts.push(tdata::account_from_adapter(h.as_ref()).await.unwrap());
        }
        let spec = dir.path().join(format!("spec{case}.json"));
        std::fs::write(&spec, spec_json(&accounts, passcode).to_string()).unwrap();
        let folder = dir.path().join(format!("built{case}"));
        helper(
            &python,
            &["build", folder.to_str().unwrap(), spec.to_str().unwrap()],
        )
        .await;

        let read = tdata::read(&folder, passcode).unwrap();
        let got: Vec<Seen> = read.accounts.iter().map(seen_of_account).collect();
        let want: Vec<Seen> = accounts.iter().map(seen_of_account).collect();
        assert_eq!(got, want, "case {case}");
        assert_eq!(read.passcode, passcode.is_some());
        if passcode.is_some() {
            assert!(matches!(
                tdata::read(&folder, None),
                Err(Error::TdataPasscode { given: false, .. })
            ));
        }
        // Each account imported into a new store gives the session back.
        for (i, h) in handles.iter().enumerate() {
            let target = MemoryAdapter::new();
            tdata::import(&folder, passcode, Some(i as i32), &target)
                .await
                .unwrap();
            check_imported(&target, &read.accounts[i]).await;
            let original = h.load_session().await.unwrap().unwrap();
            let back = target.load_session().await.unwrap().unwrap();
            assert_eq!(
                (back.dc, back.user_id, back.auth_key),
                (original.dc, original.user_id, original.auth_key)
            );
            assert_eq!(
                h.dc_auth()
                    .unwrap()
                    .load_all_dc_auth()
                    .await
                    .unwrap()
                    .iter()
                    .map(|e| (e.dc_id, e.auth_key.clone()))
                    .collect::<Vec<_>>(),
                target
                    .dc_auth()
                    .unwrap()
                    .load_all_dc_auth()
                    .await
                    .unwrap()
                    .iter()
                    .map(|e| (e.dc_id, e.auth_key.clone()))
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[tokio::test]
async fn opentele_reads_the_folders_we_write() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (case, (n, passcode)) in CASES.into_iter().enumerate() {
        let store = MemoryAdapter::new();
        let handles = make_sessions(&store, n, 90 + case as u8).await;
        let refs: Vec<&dyn Adapter> = handles.iter().map(|h| h.as_ref()).collect();
        let folder = dir.path().join(format!("ours{case}"));
        tdata::export(&refs, &folder, passcode).await.unwrap();

        let mut args = vec!["read", folder.to_str().unwrap()];
        args.extend(passcode);
        let out = helper(&python, &args).await;
        let v: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
        let got: Vec<Seen> = v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(seen_of_json)
            .collect();
        let mut want = Vec::new();
        for h in &refs {
            want.push(seen_of_account(
                &tdata::account_from_adapter(*h).await.unwrap(),
            ));
        }
        assert_eq!(got, want, "case {case}");
        assert_eq!(
            v["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["index"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            (0..n as i64).collect::<Vec<_>>()
        );
        assert_eq!(v["active_index"], json!(0));
        // And our own reader agrees.
        let ours: Vec<Seen> = tdata::read(&folder, passcode)
            .unwrap()
            .accounts
            .iter()
            .map(seen_of_account)
            .collect();
        assert_eq!(ours, want);
    }
}

#[test]
fn keys_never_show_in_debug() {
    let account = TdataAccount {
        index: 0,
        user_id: 1,
        main_dc: 2,
        keys: vec![DcKey {
            dc_id: 2,
            auth_key: AuthKey::new(vec![0xab; 256]),
        }],
    };
    let shown = format!("{account:?}");
    assert!(
        shown.contains("AuthKey(256 bytes)") && !shown.contains("171"),
        "{shown}"
    );
}

/// A container with a valid checksum around `data`.
fn container(data: &[u8], version: u32) -> Vec<u8> {
    use md5::{Digest, Md5};
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

/// Every byte of both files of the committed one-account folder changed in
/// turn, with the checksum made valid again so the parser sees the damage:
/// each read is an error (never a panic) or, where the byte is padding,
/// the same account.
#[test]
fn damaged_content_with_a_valid_checksum_is_an_error_never_a_panic() {
    let want = tdata::read(data_dir().join("one"), None).unwrap().accounts;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("tdata");
    std::fs::create_dir(&folder).unwrap();
    for name in ["key_datas", "D877F783D5D3EF8Cs"] {
        let original = std::fs::read(data_dir().join("one").join(name)).unwrap();
        let data = &original[8..original.len() - 16];
        for pos in 0..data.len() {
            for other in ["key_datas", "D877F783D5D3EF8Cs"] {
                std::fs::copy(data_dir().join("one").join(other), folder.join(other)).unwrap();
            }
            let mut damaged = data.to_vec();
            damaged[pos] ^= 0x5a;
            std::fs::write(folder.join(name), container(&damaged, 3_004_000)).unwrap();
            match tdata::read(&folder, None) {
                Ok(t) => assert_eq!(t.accounts, want, "{name} byte {pos} read a different key"),
                Err(Error::Tdata { .. } | Error::TdataPasscode { .. }) => {}
                Err(other) => panic!("{name} byte {pos}: {other}"),
            }
        }
    }
}
