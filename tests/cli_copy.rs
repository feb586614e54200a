//! `mtgo-storage copy`: every kind of data between SQLite files and through
//! each service backend (conversation times and dedup keys with their times
//! included), counts printed and checked on the target.

mod cli_support;

use cli_support::{
    DEDUP_KEYS, assert_same, fails, ok, open, purge, purge_everything, run, seed, service,
    session_name, sqlite_url,
};
use mtgo_storage::DedupKey;

#[tokio::test(flavor = "multi_thread")]
async fn copy_all_sessions_between_sqlite_files() {
    let (from, _d1) = sqlite_url();
    let (to, _d2) = sqlite_url();
    let src = open("sqlite", &from).await.unwrap();
    for name in ["alice", "bob"] {
        seed(src.session(name).as_ref()).await;
    }
    let r = run(&["copy", "--from", &from, "--to", &to, "--all"]);
    assert_eq!(r.code, 0, "copy failed: {}", r.stderr);
    assert!(
        r.stdout.contains(
            "copied sessions=2 peers=6 conversations=4 dc_auth=4 update_state=2 channel_pts=4 queued_updates=4 dedup_keys=4"
        ),
        "counts missing: {}",
        r.stdout
    );
    assert!(r.stdout.contains("verified on target"), "{}", r.stdout);
    // Not a terminal: plain progress lines instead of a bar.
    assert!(
        r.stderr.contains("copying session \"alice\"")
            && r.stderr.contains("copied session \"bob\""),
        "plain progress lines missing: {}",
        r.stderr
    );
    let dst = open("sqlite", &to).await.unwrap();
    assert_eq!(dst.session_names().await.unwrap(), vec!["alice", "bob"]);
    for name in ["alice", "bob"] {
        assert_same(src.session(name).as_ref(), dst.session(name).as_ref()).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_one_session_leaves_the_others() {
    let (from, _d1) = sqlite_url();
    let (to, _d2) = sqlite_url();
    let src = open("sqlite", &from).await.unwrap();
    seed(src.session("alice").as_ref()).await;
    seed(src.session("bob").as_ref()).await;
    let out = ok(&["copy", "--from", &from, "--to", &to, "--session", "bob"]);
    assert!(out.contains("copied sessions=1 peers=3 "), "{out}");
    let dst = open("sqlite", &to).await.unwrap();
    assert_eq!(dst.session_names().await.unwrap(), vec!["bob"]);
    assert!(dst.session("alice").load_peers().await.unwrap().is_empty());
    assert_same(src.session("bob").as_ref(), dst.session("bob").as_ref()).await;
}

/// The seeded conversation times and dedup times are what arrives, not
/// times the target sets when it writes.
#[tokio::test(flavor = "multi_thread")]
async fn copy_keeps_conversation_times_and_dedup_times() {
    let (from, _d1) = sqlite_url();
    let (to, _d2) = sqlite_url();
    let src = open("sqlite", &from).await.unwrap();
    seed(src.session("erin").as_ref()).await;
    ok(&["copy", "--from", &from, "--to", &to, "--session", "erin"]);
    let dst = open("sqlite", &to).await.unwrap().session("erin");
    let times: Vec<(i64, i64)> = dst
        .conversations()
        .unwrap()
        .load_conversations()
        .await
        .unwrap()
        .iter()
        .map(|c| (c.created_at, c.updated_at))
        .collect();
    assert_eq!(
        times,
        [
            (1_600_000_001, 1_650_000_002),
            (1_600_000_002, 1_650_000_005)
        ]
    );
    let keys: Vec<DedupKey> = DEDUP_KEYS
        .iter()
        .map(|&(key, seen_at)| DedupKey {
            key: key.into(),
            seen_at,
        })
        .collect();
    assert_eq!(
        dst.update_state().unwrap().load_dedup_keys().await.unwrap(),
        keys
    );
}

/// A dedup key the target already holds keeps the target's time (it is
/// recorded only if absent), and the read-back check says so.
#[tokio::test(flavor = "multi_thread")]
async fn copy_check_reports_a_dedup_time_the_target_kept() {
    let (from, _d1) = sqlite_url();
    let (to, _d2) = sqlite_url();
    let src = open("sqlite", &from).await.unwrap();
    seed(src.session("frank").as_ref()).await;
    let dst = open("sqlite", &to).await.unwrap().session("frank");
    let (key, _) = DEDUP_KEYS[0];
    assert!(
        dst.update_state()
            .unwrap()
            .insert_dedup_key(key, 5)
            .await
            .unwrap()
    );
    // Plain progress lines come first on standard error, then the error.
    let r = run(&["copy", "--from", &from, "--to", &to, "--session", "frank"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let last = r.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("mtgo-storage: error: checking session \"frank\"")
            && last
                .ends_with("the target has 1 of the 2 dedup keys with their original times copied"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_of_an_absent_session_is_an_error() {
    let (from, _d1) = sqlite_url();
    let (to, _d2) = sqlite_url();
    // An empty store: `copy --from` does not create one.
    open("sqlite", &from).await.expect("sqlite store");
    let line = fails(&["copy", "--from", &from, "--to", &to, "--session", "nobody"]);
    assert!(line.contains("nothing to copy"), "{line}");
    let line = fails(&["copy", "--from", &from, "--to", &to, "--all"]);
    assert!(line.contains("no saved session"), "{line}");
    let line = fails(&[
        "copy",
        "--from",
        &from,
        "--to",
        &to,
        "--all",
        "--session",
        "x",
    ]);
    assert!(
        line.contains("--session") || line.contains("--all"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_into_memory_checks_the_counts() {
    let (from, _d1) = sqlite_url();
    let src = open("sqlite", &from).await.unwrap();
    seed(src.session("carol").as_ref()).await;
    let out = ok(&[
        "copy",
        "--from",
        &from,
        "--to",
        "memory:",
        "--session",
        "carol",
    ]);
    assert!(out.contains("session carol: sessions=1 peers=3 conversations=2 dc_auth=2 update_state=1 channel_pts=2 queued_updates=2 dedup_keys=2"), "{out}");
    assert!(out.contains("verified on target: memory:"), "{out}");
}

/// sqlite → service → sqlite, with everything compared on the way.
async fn round_trip_through(service_name: &str) {
    let url = service(service_name);
    let Some(middle) = open(service_name, &url).await else {
        return;
    };
    let name = session_name(&format!("cli-copy-{service_name}"));
    let (from, _d1) = sqlite_url();
    let (back, _d2) = sqlite_url();
    let src = open("sqlite", &from).await.unwrap();
    seed(src.session(&name).as_ref()).await;

    let out = ok(&["copy", "--from", &from, "--to", &url, "--session", &name]);
    assert!(out.contains("copied sessions=1 peers=3 conversations=2 dc_auth=2 update_state=1 channel_pts=2 queued_updates=2 dedup_keys=2"), "{out}");
    assert_same(src.session(&name).as_ref(), middle.session(&name).as_ref()).await;

    let out = ok(&["copy", "--from", &url, "--to", &back, "--session", &name]);
    assert!(out.contains("copied sessions=1 peers=3 "), "{out}");
    let dst = open("sqlite", &back).await.unwrap();
    assert_same(src.session(&name).as_ref(), dst.session(&name).as_ref()).await;

    // Clean up what this test wrote to the shared service.
    purge(middle.session(&name).as_ref()).await;
    purge_everything(service_name, &url, &name).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_through_postgres() {
    round_trip_through("postgres").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_through_mysql() {
    round_trip_through("mysql").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_through_redis() {
    round_trip_through("redis").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_through_mongodb() {
    round_trip_through("mongodb").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_shows_a_progress_bar_on_a_terminal() {
    let (from, _d1) = sqlite_url();
    let (to, _d2) = sqlite_url();
    let src = open("sqlite", &from).await.unwrap();
    seed(src.session("dave").as_ref()).await;
    let bin = assert_cmd::cargo::cargo_bin("mtgo-storage");
    let command = format!(
        "{} copy --from {from} --to {to} --session dave",
        bin.display()
    );
    // `script` runs the command on a pseudo-terminal (util-linux).
    let out = match std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("\n*** SKIPPED: `script` (util-linux) is needed for a terminal: {e} ***\n");
            return;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("session dave [") && text.contains("15/15 items"),
        "no progress bar on a terminal: {text:?}"
    );
    assert!(
        !text.contains("copying session"),
        "plain lines on a terminal: {text:?}"
    );
    assert!(text.contains("copied sessions=1 peers=3 "), "{text:?}");
}
