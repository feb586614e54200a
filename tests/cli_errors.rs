//! Errors are one line on standard error with a non-zero exit code and no
//! backtrace; passwords in URLs and auth keys never appear in any output
//! unless `--show-key` asks for the key.

mod cli_support;

use cli_support::{auth_key_hex, bin, fails, ok, open, run, seed, sqlite_url};

#[test]
fn a_password_in_a_url_is_masked() {
    // Nothing listens on port 1: the connection fails and the error names the URL.
    for url in [
        "postgres://mtgo:S3cretPassw0rd@127.0.0.1:1/db",
        "mysql://mtgo:S3cretPassw0rd@127.0.0.1:1/db",
        "redis://:S3cretPassw0rd@127.0.0.1:1/0",
        "mongodb://mtgo:S3cretPassw0rd@127.0.0.1:1/db?serverSelectionTimeoutMS=500",
    ] {
        let line = fails(&[
            "peers",
            "--from",
            url,
            "--id",
            "1",
            "--connect-timeout",
            "2",
        ]);
        assert!(!line.contains("S3cretPassw0rd"), "password leaked: {line}");
        assert!(
            line.contains(":***@127.0.0.1:1"),
            "URL not shown masked: {line}"
        );
        let r = run(&[
            "copy",
            "--connect-timeout",
            "2",
            "--from",
            "memory:",
            "--to",
            url,
        ]);
        assert!(!r.stderr.contains("S3cretPassw0rd") && !r.stdout.contains("S3cretPassw0rd"));
    }
    // A percent-encoded password is masked in both spellings.
    let line = fails(&[
        "migrate",
        "status",
        "--url",
        "postgres://u:p%40ssw0rd@127.0.0.1:1/x",
        "--connect-timeout",
        "2",
    ]);
    assert!(
        !line.contains("p%40ssw0rd") && !line.contains("p@ssw0rd"),
        "{line}"
    );
}

#[test]
fn usage_errors_are_one_line_with_exit_code_2() {
    for args in [
        &["frobnicate"][..],
        &[][..],
        &["copy", "--from", "memory:"][..],
        &["schema"][..],
        &["peers", "--from", "memory:", "--id", "abc"][..],
    ] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        fails(args);
    }
    // Help and version are not errors.
    let out = ok(&["--help"]);
    for sub in [
        "info", "convert", "import", "export", "copy", "migrate", "peers", "schema",
    ] {
        assert!(out.contains(sub), "--help lacks {sub}: {out}");
    }
    assert!(ok(&["--version"]).starts_with("mtgo-storage "));
}

#[test]
fn bad_urls_and_inputs_are_one_line() {
    let line = fails(&["peers", "--from", "ftp://example.org/x"]);
    assert!(
        line.contains("unknown backend URL") && line.contains("sqlite://PATH"),
        "{line}"
    );
    let line = fails(&["peers", "--from", "mongodb://127.0.0.1:27017"]);
    assert!(line.contains("database name"), "{line}");
    let line = fails(&["info", "definitely not a session"]);
    assert!(line.contains("session string"), "{line}");
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("junk.bin");
    std::fs::write(&binary, [0xff_u8, 0xfe, 0x00, 0x01]).unwrap();
    let line = fails(&["info", binary.to_str().unwrap()]);
    assert!(line.contains("neither a session string"), "{line}");
    // An SQLite file that is not a session file.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    let line = fails(&["info", other.to_str().unwrap()]);
    assert!(
        line.contains("not a Telethon or Pyrogram session file"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_commands_do_not_create_a_sqlite_file() {
    let (url, dir) = sqlite_url();
    let file = dir.path().join("store.db");
    for args in [
        &["peers", "--from", &url, "--id", "1"][..],
        &["export", "--from", &url, "--to", "telethon"],
        &["copy", "--from", &url, "--to", "memory:"],
    ] {
        let line = fails(args);
        assert!(line.contains("no such file"), "{args:?}: {line}");
        assert!(!file.exists(), "{args:?} created {}", file.display());
    }
    // Once the store exists, the same commands read it.
    seed(open("sqlite", &url).await.unwrap().as_ref()).await;
    ok(&["peers", "--from", &url]);
    ok(&["copy", "--from", &url, "--to", "memory:"]);
}

#[test]
fn a_broken_session_string_is_not_echoed() {
    // A Telethon string cut short: it still holds most of a key.
    let mut s = String::from(
        "1ApWapzMBuwABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5_gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp-goaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2-v8DBwsPExcbHyMnKy8zNzs_Q0dLT1NXW19jZ2tvc3d7f4OHi4-Tl5ufo6err7O3u7_Dx8vP09fb3-Pn6-_z9_v8=",
    );
    s.truncate(300);
    for args in [&["info", &s][..], &["convert", &s, "--to", "pyrogram"][..]] {
        let line = fails(args);
        assert!(!line.contains(&s[40..80]), "the string was echoed: {line}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_command_prints_an_auth_key_without_show_key() {
    let (url, _dir) = sqlite_url();
    let store = open("sqlite", &url).await.unwrap();
    seed(store.as_ref()).await;
    let key = auth_key_hex();
    let key_b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g";
    let (to, _d2) = sqlite_url();
    for args in [
        &["peers", "--from", &url][..],
        &["peers", "--from", &url, "--json"][..],
        &["copy", "--from", &url, "--to", &to][..],
        &["copy", "--from", &url, "--to", &to, "--all"][..],
    ] {
        let r = run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        for text in [&r.stdout, &r.stderr] {
            assert!(
                !text.contains(&key[..64]) && !text.contains(key_b64),
                "{args:?}: {text}"
            );
        }
    }
    // The key is only printed on request.
    let telethon = ok(&["export", "--from", &url, "--to", "telethon"]);
    let info = ok(&["info", telethon.trim(), "--json"]);
    assert!(!info.contains(&key[..64]), "{info}");
    let shown = ok(&["info", telethon.trim(), "--json", "--show-key"]);
    assert!(shown.contains(&key), "{shown}");
}

#[test]
fn no_backtrace_even_when_asked_for() {
    let out = bin()
        .env("RUST_BACKTRACE", "full")
        .args(["peers", "--from", "sqlite:///nonexistent-dir/x/y.db"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        !stderr.contains("backtrace") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // `mtgo-storage schema … | head -1`: the reader goes away early.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mtgo-storage"))
        .args(["schema", "--dialect", "postgres"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert!(out.status.success(), "{:?}", out.status);
}
