//! `mtgo-storage prune --older-than AGE [--dry-run]`: counts, and with no
//! dry run removes, the peers, conversations and dedup keys of one session
//! older than the age; a dry run removes nothing; a bad age is refused.

mod cli_support;

use cli_support::{fails, ok, open, seed, sqlite_url};

#[tokio::test(flavor = "multi_thread")]
async fn prune_on_sqlite() {
    let (url, _dir) = sqlite_url();
    let store = open("sqlite", &url).await.unwrap();
    let alice = store.session("alice");
    seed(alice.as_ref()).await;
    let args = [
        "prune",
        "--from",
        &url,
        "--session",
        "alice",
        "--older-than",
        "30d",
    ];

    let out = ok(&[&args[..], &["--dry-run"]].concat());
    assert!(
        out.contains("would remove 3 peers, 2 conversations, 1 dedup keys"),
        "{out}"
    );
    assert_eq!(alice.load_peers().await.unwrap().len(), 3);

    let out = ok(&args);
    assert!(
        out.contains("removed 3 peers, 2 conversations, 1 dedup keys"),
        "{out}"
    );
    assert!(alice.load_peers().await.unwrap().is_empty());
    let conversations = alice.conversations().unwrap();
    assert!(conversations.load_conversations().await.unwrap().is_empty());
    // The session itself stays.
    assert!(alice.load_session().await.unwrap().is_some());

    let line = fails(&["prune", "--from", &url, "--older-than", "30"]);
    assert!(line.contains("unit"), "{line}");
}
