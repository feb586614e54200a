//! `mtgo-storage peers`: lookups by id, username and phone, and listing, on
//! SQLite and on every service backend.

mod cli_support;

use cli_support::{
    fails, ok, open, purge, purge_everything, seed, service, session_name, sqlite_url,
};
use serde_json::Value;

fn peer_json(args: &[&str]) -> Value {
    let out = ok(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Every lookup against a store seeded with [`seed`] under `name`.
fn check_lookups(url: &str, name: &str) {
    let base = ["peers", "--from", url, "--session", name, "--json"];
    let by = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        peer_json(&args)
    };
    let p = by(&["--id", "101"]);
    assert_eq!(p["id"], 101);
    assert_eq!(p["access_hash"], 9001);
    assert_eq!(p["username"], "Alice_Example");
    // Case, a leading @ and additional usernames.
    assert_eq!(by(&["--username", "@ALICE_EXAMPLE"])["id"], 101);
    assert_eq!(by(&["--username", "alice_collectible"])["id"], 101);
    // Phone formatting is ignored.
    assert_eq!(by(&["--phone", "+1 (555) 0100"])["id"], 101);
    assert_eq!(by(&["--phone", "15550100"])["id"], 101);
    let channel = by(&["--id", "-1000000303"]);
    assert_eq!(channel["type"], 2);
    assert_eq!(channel["access_hash"], -77);

    let all = by(&[]);
    let ids: Vec<i64> = all
        .as_array()
        .expect("a listing is an array")
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![-1_000_000_303, -202, 101]);

    let text = ok(&[
        "peers",
        "--from",
        url,
        "--session",
        name,
        "--username",
        "news_channel",
    ]);
    assert!(text.lines().next().unwrap().starts_with("id "), "{text}");
    assert!(
        text.contains("-1000000303") && text.contains("@news_channel"),
        "{text}"
    );

    let line = fails(&["peers", "--from", url, "--session", name, "--id", "999"]);
    assert!(line.contains("no cached peer with id 999"), "{line}");
    let line = fails(&[
        "peers",
        "--from",
        url,
        "--session",
        name,
        "--username",
        "nobody_here",
    ]);
    assert!(line.contains("nobody_here"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn peers_on_sqlite() {
    let (url, _dir) = sqlite_url();
    let store = open("sqlite", &url).await.unwrap();
    seed(store.session("alice").as_ref()).await;
    check_lookups(&url, "alice");
    // Another session of the same file sees none of them.
    let out = ok(&["peers", "--from", &url, "--session", "bob", "--json"]);
    assert_eq!(out.trim(), "[]");
    // Only one filter at a time.
    let line = fails(&["peers", "--from", &url, "--id", "1", "--phone", "1"]);
    assert!(line.contains("cannot be used with"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn peers_on_every_service() {
    for service_name in ["postgres", "mysql", "redis", "mongodb"] {
        let url = service(service_name);
        let Some(store) = open(service_name, &url).await else {
            continue;
        };
        let name = session_name(&format!("cli-peers-{service_name}"));
        let handle = store.session(&name);
        seed(handle.as_ref()).await;
        check_lookups(&url, &name);
        purge(handle.as_ref()).await;
        purge_everything(service_name, &url, &name).await;
    }
}
