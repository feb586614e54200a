//! `mtgo-storage prune --older-than AGE [--dry-run]`: counts, and with no
//! dry run removes, the peers, conversations and dedup keys of one session
//! older than the age; a dry run removes nothing; a bad age is refused.

mod cli_support;

use cli_support::{fails, ok, open, seed, sqlite_url};
use mtgo_storage::Adapter;

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

/// `count` peers last seen in 2020 (ids from 1,000,000 on, apart from the
/// peers of `seed`), each with three usernames and a phone.
fn old_peers(count: i64) -> Vec<mtgo_storage::Peer> {
    (1_000_000..1_000_000 + count)
        .map(|id| mtgo_storage::Peer {
            username: format!("old_user_{id}"),
            usernames: vec![format!("old_extra_{id}_a"), format!("old_extra_{id}_b")],
            first_name: format!("Someone seen long ago, number {id}"),
            last_name: "with a long enough last name".into(),
            phone_number: format!("+1 555 {id:07}"),
            last_updated: 1_600_000_000,
            ..mtgo_storage::Peer::new(id, mtgo_storage::PeerType::User, id * 31)
        })
        .collect()
}

/// The size of the SQLite file and its WAL, if any.
fn size_on_disk(path: &std::path::Path) -> u64 {
    let wal = path.with_extension("db-wal");
    let len = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    len(path) + len(&wal)
}

/// `PRAGMA auto_vacuum` of the file (0 none, 2 incremental).
fn auto_vacuum(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
        .unwrap()
}

/// Saves 20,000 old peers through the library, closes it, prunes them with
/// the CLI, and returns the file sizes before and after.
async fn prune_20000_old_peers(path: &std::path::Path) -> (u64, u64) {
    let store = mtgo_storage::orm::sqlite::open(path).await.unwrap();
    let alice = store.session("alice");
    seed(alice.as_ref()).await;
    alice.save_peers(&old_peers(20_000)).await.unwrap();
    store.close().await.unwrap();
    let before = size_on_disk(path);
    let url = format!("sqlite://{}", path.display());
    let out = ok(&[
        "prune",
        "--from",
        &url,
        "--session",
        "alice",
        "--older-than",
        "30d",
    ]);
    assert!(out.contains("removed 20003 peers"), "{out}");
    (before, size_on_disk(path))
}

/// A new SQLite file is created with `auto_vacuum=INCREMENTAL`, and
/// `prune` gives the pages of the removed peers back: the file shrinks to
/// less than half.
#[tokio::test(flavor = "multi_thread")]
async fn prune_shrinks_a_new_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let (before, after) = prune_20000_old_peers(&path).await;
    assert_eq!(auto_vacuum(&path), 2);
    assert!(
        before > 2_000_000 && after < before / 2,
        "{before} bytes before the prune, {after} after"
    );
}

/// A file created before the crate set `auto_vacuum` (here: made with
/// `auto_vacuum=NONE` and a table, then migrated by the library) is
/// converted to incremental by the first prune, and shrinks too.
#[tokio::test(flavor = "multi_thread")]
async fn prune_shrinks_an_sqlite_file_without_auto_vacuum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA auto_vacuum = NONE; CREATE TABLE app_notes (note TEXT);")
            .unwrap();
    }
    let store = mtgo_storage::orm::sqlite::open(&path).await.unwrap();
    store.close().await.unwrap();
    assert_eq!(
        auto_vacuum(&path),
        0,
        "the file was meant to have no auto_vacuum"
    );

    let (before, after) = prune_20000_old_peers(&path).await;
    assert_eq!(auto_vacuum(&path), 2);
    assert!(
        before > 2_000_000 && after < before / 2,
        "{before} bytes before the prune, {after} after"
    );
}
