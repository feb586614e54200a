//! `mtgo-storage purge`: refuses without `--yes` when standard input is not
//! a terminal (nothing removed), asks on a terminal, and with it removes everything of one
//! session name and nothing of another, on SQLite and every service
//! backend.

mod cli_support;

use cli_support::{fails, ok, open, purge_everything, seed, service, session_name, sqlite_url};
use mtgo_storage::Adapter;

/// Seeds two names, purges one through the CLI, checks both.
async fn check_purge(store: &dyn Adapter, url: &str, name: &str) {
    let other = format!("{name}-other");
    seed(store.session(name).as_ref()).await;
    seed(store.session(&other).as_ref()).await;

    let line = fails(&["purge", "--from", url, "--session", name]);
    assert!(line.contains("--yes"), "{line}");
    assert!(store.session(name).load_session().await.unwrap().is_some());

    let out = ok(&["purge", "--from", url, "--session", name, "--yes"]);
    assert!(out.contains("purged session"), "{out}");
    let gone = store.session(name);
    assert_eq!(gone.load_session().await.unwrap(), None);
    assert!(gone.load_peers().await.unwrap().is_empty());
    assert!(
        gone.dc_auth()
            .unwrap()
            .load_all_dc_auth()
            .await
            .unwrap()
            .is_empty()
    );
    let kept = store.session(&other);
    assert!(kept.load_session().await.unwrap().is_some());
    assert_eq!(kept.load_peers().await.unwrap().len(), 3);
    assert_eq!(
        kept.dc_auth()
            .unwrap()
            .load_all_dc_auth()
            .await
            .unwrap()
            .len(),
        2
    );
    kept.purge_session().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_on_sqlite() {
    let (url, _dir) = sqlite_url();
    let store = open("sqlite", &url).await.unwrap();
    check_purge(store.as_ref(), &url, "alice").await;
    // The session name is required, and a missing file is not created.
    let line = fails(&["purge", "--from", &url, "--yes"]);
    assert!(line.contains("required arguments"), "{line}");
    let missing = format!("{url}.missing");
    let line = fails(&["purge", "--from", &missing, "--session", "a", "--yes"]);
    assert!(line.contains("no such file"), "{line}");
}

/// Runs `purge` on a terminal (through `script`, which gives it one) with
/// `answer` typed; returns the exit code and what the terminal showed.
fn on_terminal(url: &str, session: &str, answer: &str) -> (i32, String) {
    use std::io::Write;
    let bin = assert_cmd::cargo::cargo_bin("mtgo-storage");
    let command = format!("{} purge --from {url} --session {session}", bin.display());
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run script");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// On a terminal, `purge` asks; anything but yes removes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn purge_asks_on_a_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "*** SKIPPED purge_asks_on_a_terminal: `script` (util-linux) is not installed ***"
        );
        return;
    }
    let (url, _dir) = sqlite_url();
    let store = open("sqlite", &url).await.unwrap();
    seed(store.session("alice").as_ref()).await;
    let (code, shown) = on_terminal(&url, "alice", "n\n");
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains("[y/N]") && shown.contains("cancelled"),
        "{shown}"
    );
    assert!(
        store
            .session("alice")
            .load_session()
            .await
            .unwrap()
            .is_some()
    );
    let (code, shown) = on_terminal(&url, "alice", "y\n");
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("purged session"), "{shown}");
    assert_eq!(store.session("alice").load_session().await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_on_every_service() {
    for service_name in ["postgres", "mysql", "redis", "mongodb"] {
        let url = service(service_name);
        let Some(store) = open(service_name, &url).await else {
            continue;
        };
        let name = session_name(&format!("cli-purge-{service_name}"));
        check_purge(store.as_ref(), &url, &name).await;
        purge_everything(service_name, &url, &name).await;
    }
}
