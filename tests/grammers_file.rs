//! grammers SQLite session files against grammers-session 0.11's own
//! `SqliteSession` (issue 13, point 5).
//!
//! The test program `tests/grammers-sqlite` (built by
//! `scripts/services/grammers.sh`, which sets `MTGO_GRAMMERS_SQLITE`) writes
//! files with the real `SqliteSession` and reads files back with it. Files it
//! wrote must read through [`read_sqlite_file`] as it reads them; files
//! [`write_sqlite_file`] wrote must read in it as its own do; and a file
//! imported into memory, SQLite, PostgreSQL and MariaDB
//! ([`import_sqlite_file`]) and exported again ([`export_sqlite_file`]) must
//! read in it as the original. Without the program the tests are skipped
//! loudly, or fail when `MTGO_TEST_REQUIRE` names `grammers`.

mod orm_support;
mod purge_support;

use mtgo_storage::conformance::{unavailable, unique_session_name};
use mtgo_storage::grammers::grammers_session::SessionData;
use mtgo_storage::grammers::grammers_session::types::{
    ChannelKind, ChannelState, DcOption, PeerAuth, PeerId, PeerInfo, UpdatesState,
};
use mtgo_storage::grammers::{
    export_sqlite_file, import_sqlite_file, read_sqlite_file, write_sqlite_file,
};
use mtgo_storage::{Adapter, MemoryAdapter};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The test program, or `None` (skipped) when it is not built.
fn program() -> Option<PathBuf> {
    match std::env::var("MTGO_GRAMMERS_SQLITE") {
        Ok(p) if Path::new(&p).is_file() => Some(PathBuf::from(p)),
        Ok(p) => unavailable(
            "grammers",
            &format!("MTGO_GRAMMERS_SQLITE={p} is not a file"),
        ),
        Err(_) => unavailable(
            "grammers",
            &"MTGO_GRAMMERS_SQLITE is not set (run scripts/services/grammers.sh's ensure_grammers)",
        ),
    }
}

fn key(seed: u8) -> [u8; 256] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(13).wrapping_add(seed))
}

fn dc(id: i32, ipv4: [u8; 4], ipv6: Ipv6Addr, scope: u32, auth_key: Option<[u8; 256]>) -> DcOption {
    DcOption {
        id,
        ipv4: SocketAddrV4::new(Ipv4Addr::from(ipv4), 443),
        ipv6: SocketAddrV6::new(ipv6, 8443, 0, scope),
        auth_key,
    }
}

/// Every DC with and without keys, IPv6 addresses (one with a scope id),
/// users in each bot/self combination, chats, channels of each kind (one in
/// the monoforum id range), an update state with channels.
fn full_data() -> SessionData {
    let mut data = SessionData {
        home_dc: 4,
        ..SessionData::default()
    };
    let v6 = |last: u16| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last);
    for o in [
        dc(1, [10, 1, 0, 1], v6(1), 0, Some(key(1))),
        dc(2, [10, 1, 0, 2], v6(2), 0, None),
        dc(3, [10, 1, 0, 3], Ipv6Addr::LOCALHOST, 0, Some(key(3))),
        dc(4, [10, 1, 0, 4], v6(4), 0, Some(key(4))),
        dc(203, [10, 1, 0, 203], v6(203), 2, Some(key(203))),
        dc(7, [127, 0, 0, 1], Ipv6Addr::UNSPECIFIED, 0, None),
    ] {
        data.dc_options.insert(o.id, o);
    }
    let mut peers = Vec::new();
    let flags = [None, Some(false), Some(true)];
    let mut id = 1000;
    for bot in flags {
        for is_self in flags {
            id += 1;
            peers.push(PeerInfo::User {
                id,
                auth: Some(PeerAuth::from_hash(-id * 7)),
                bot,
                is_self,
            });
        }
    }
    peers.push(PeerInfo::User {
        id: 0xff_ffff_ffff,
        auth: None,
        bot: Some(true),
        is_self: None,
    });
    peers.push(PeerInfo::Chat { id: 1 });
    peers.push(PeerInfo::Chat {
        id: 999_999_999_999,
    });
    let kinds = [
        None,
        Some(ChannelKind::Broadcast),
        Some(ChannelKind::Megagroup),
        Some(ChannelKind::Gigagroup),
        Some(ChannelKind::Community),
    ];
    for (i, kind) in kinds.into_iter().enumerate() {
        let id = 1_000_000 + i as i64;
        peers.push(PeerInfo::Channel {
            id,
            auth: Some(PeerAuth::from_hash(i64::MAX - i as i64)),
            kind,
        });
    }
    peers.push(PeerInfo::Channel {
        id: 1_002_147_483_649,
        auth: None,
        kind: Some(ChannelKind::Megagroup),
    });
    data.peer_infos = peers.into_iter().map(|p| (p.id(), p)).collect();
    data.updates_state = UpdatesState {
        pts: 51_000,
        qts: 12,
        date: 1_760_000_000,
        seq: 77,
        channels: vec![
            ChannelState {
                id: 1_000_000,
                pts: 5,
            },
            ChannelState {
                id: 1_000_003,
                pts: i32::MAX,
            },
        ],
    };
    data
}

/// Nothing but the defaults: what a new `SqliteSession` holds.
fn empty_data() -> SessionData {
    SessionData::default()
}

fn peer_json(p: &PeerInfo) -> Value {
    let auth = |a: &Option<PeerAuth>| a.map(PeerAuth::hash);
    match p {
        PeerInfo::User {
            id,
            auth: a,
            bot,
            is_self,
        } => json!({"User": {"id": id, "auth": auth(a), "bot": bot, "is_self": is_self}}),
        PeerInfo::Chat { id } => json!({"Chat": {"id": id}}),
        PeerInfo::Channel { id, auth: a, kind } => {
            let kind = kind.map(|k| match k {
                ChannelKind::Broadcast => "Broadcast",
                ChannelKind::Megagroup => "Megagroup",
                ChannelKind::Gigagroup => "Gigagroup",
                ChannelKind::Community => "Community",
            });
            json!({"Channel": {"id": id, "auth": auth(a), "kind": kind}})
        }
    }
}

fn dc_json(o: &DcOption) -> Value {
    json!({
        "id": o.id,
        "ipv4": o.ipv4.to_string(),
        "ipv6": o.ipv6.to_string(),
        "auth_key": o.auth_key.map(hex::encode),
    })
}

/// The test program's JSON for `data` (its `write` input): grammers' own
/// serde form, lists sorted.
fn data_json(data: &SessionData) -> Value {
    let mut dcs: Vec<&DcOption> = data.dc_options.values().collect();
    dcs.sort_by_key(|o| o.id);
    let mut peers: Vec<(i64, &PeerInfo)> = data
        .peer_infos
        .iter()
        .map(|(id, p)| (dialog(*id), p))
        .collect();
    peers.sort_by_key(|(id, _)| *id);
    let mut channels: Vec<&ChannelState> = data.updates_state.channels.iter().collect();
    channels.sort_by_key(|c| c.id);
    let s = &data.updates_state;
    json!({
        "home_dc": data.home_dc,
        "dc_options": dcs.into_iter().map(dc_json).collect::<Vec<_>>(),
        "peer_infos": peers.into_iter().map(|(_, p)| peer_json(p)).collect::<Vec<_>>(),
        "updates_state": {
            "pts": s.pts, "qts": s.qts, "date": s.date, "seq": s.seq,
            "channels": channels.into_iter().map(|c| json!({"id": c.id, "pts": c.pts})).collect::<Vec<_>>(),
        },
    })
}

fn dialog(id: PeerId) -> i64 {
    id.bot_api_dialog_id().expect("not the self-user marker")
}

/// What `read` prints for a file, made comparable with [`data_json`]: peers
/// sorted by dialog id, channels by id, `self_user` split off.
fn view(mut read: Value) -> (Value, Value) {
    let self_user = read
        .as_object_mut()
        .and_then(|o| o.remove("self_user"))
        .unwrap_or(Value::Null);
    let key = |p: &Value| -> i64 {
        let (kind, body) = p.as_object().unwrap().iter().next().unwrap();
        let id = body["id"].as_i64().unwrap();
        match kind.as_str() {
            "User" => id,
            "Chat" => -id,
            _ => -(1_000_000_000_000 + id),
        }
    };
    if let Some(peers) = read["peer_infos"].as_array_mut() {
        peers.sort_by_key(key);
    }
    if let Some(channels) = read["updates_state"]["channels"].as_array_mut() {
        channels.sort_by_key(|c| c["id"].as_i64());
    }
    (read, self_user)
}

async fn run(program: &Path, args: &[&str], stdin: Option<String>) -> String {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.unwrap();
    }
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "grammers-sqlite {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Writes `data` with the real `SqliteSession` (`SessionData::import_to`).
async fn grammers_write(program: &Path, path: &Path, data: &SessionData) {
    let path = path.to_str().unwrap();
    run(program, &["write", path], Some(data_json(data).to_string())).await;
}

/// Reads a file with the real `SqliteSession`, asking for the DCs and peers
/// `data` names; returns ([`view`] of the data, the self user).
async fn grammers_read(program: &Path, path: &Path, data: &SessionData) -> (Value, Value) {
    let mut args = vec!["read".to_owned(), path.to_str().unwrap().to_owned()];
    for id in data.dc_options.keys() {
        args.extend(["--dc".to_owned(), id.to_string()]);
    }
    for id in data.peer_infos.keys() {
        args.extend(["--peer".to_owned(), dialog(*id).to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(program, &args, None).await;
    view(serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("read printed {out:?}: {e}")))
}

/// The self user grammers finds in `data` (the lowest dialog id whose
/// `is_self` is `Some(true)`), as JSON.
fn self_user(data: &SessionData) -> Value {
    data.peer_infos
        .iter()
        .filter(|(_, p)| {
            matches!(
                p,
                PeerInfo::User {
                    is_self: Some(true),
                    ..
                }
            )
        })
        .min_by_key(|(id, _)| dialog(**id))
        .map_or(Value::Null, |(_, p)| peer_json(p))
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir")
}

/// A file written by the real `SqliteSession` reads through
/// `read_sqlite_file` as `SqliteSession` itself reads it.
async fn grammers_file_reads_as_grammers_reads_it(data: SessionData) {
    let Some(program) = program() else { return };
    let dir = temp_dir();
    let path = dir.path().join("grammers.session");
    grammers_write(&program, &path, &data).await;
    let before = std::fs::read(&path).unwrap();
    let ours = read_sqlite_file(&path).await.unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "reading changed the file"
    );
    let (theirs, their_self) = grammers_read(&program, &path, &data).await;
    assert_eq!(data_json(&ours), theirs);
    assert_eq!(self_user(&ours), their_self);
    // Every DC, peer and channel came back (lossy only where the file is).
    assert_eq!(ours.dc_options.len(), data.dc_options.len());
    assert_eq!(ours.peer_infos.len(), data.peer_infos.len());
    assert_eq!(
        ours.updates_state.channels.len(),
        data.updates_state.channels.len()
    );
}

#[tokio::test]
async fn a_full_grammers_file_reads_as_grammers_reads_it() {
    grammers_file_reads_as_grammers_reads_it(full_data()).await;
}

#[tokio::test]
async fn an_empty_grammers_file_reads_as_grammers_reads_it() {
    grammers_file_reads_as_grammers_reads_it(empty_data()).await;
}

#[tokio::test]
async fn a_new_grammers_file_without_rows_reads_as_the_defaults() {
    let Some(program) = program() else { return };
    let dir = temp_dir();
    let path = dir.path().join("new.session");
    // `read` opens (and so creates) the file: tables, no rows.
    let (theirs, _) = grammers_read(&program, &path, &empty_data()).await;
    let ours = read_sqlite_file(&path).await.unwrap();
    assert_eq!(data_json(&ours), theirs);
    assert_eq!(data_json(&ours), data_json(&empty_data()));
}

/// A file `write_sqlite_file` wrote reads in the real `SqliteSession` as the
/// file it wrote itself from the same data.
async fn our_file_reads_in_grammers_as_its_own(data: SessionData) {
    let Some(program) = program() else { return };
    let dir = temp_dir();
    let ours = dir.path().join("ours.session");
    let theirs = dir.path().join("theirs.session");
    write_sqlite_file(&ours, &data).await.unwrap();
    grammers_write(&program, &theirs, &data).await;
    let from_ours = grammers_read(&program, &ours, &data).await;
    let from_theirs = grammers_read(&program, &theirs, &data).await;
    assert_eq!(from_ours, from_theirs);
    assert_eq!(
        data_json(&read_sqlite_file(&ours).await.unwrap()),
        from_ours.0
    );
}

#[tokio::test]
async fn a_full_file_we_write_reads_in_grammers_as_its_own() {
    our_file_reads_in_grammers_as_its_own(full_data()).await;
}

#[tokio::test]
async fn an_empty_file_we_write_reads_in_grammers_as_its_own() {
    our_file_reads_in_grammers_as_its_own(empty_data()).await;
}

#[tokio::test]
async fn grammers_keeps_using_a_file_we_wrote() {
    // The real SqliteSession opens our file without migrating it and writes
    // on into it: a second `write` adds to what we wrote.
    let Some(program) = program() else { return };
    let dir = temp_dir();
    let path = dir.path().join("ours.session");
    write_sqlite_file(&path, &full_data()).await.unwrap();
    let mut more = empty_data();
    let extra = PeerInfo::Chat { id: 4242 };
    more.peer_infos.insert(extra.id(), extra);
    more.home_dc = 4;
    grammers_write(&program, &path, &more).await;
    let back = read_sqlite_file(&path).await.unwrap();
    assert_eq!(back.peer_infos.len(), full_data().peer_infos.len() + 1);
    assert!(back.peer_infos.contains_key(&PeerId::chat(4242).unwrap()));
}

/// A grammers file imported into `store` and exported again reads in the
/// real `SqliteSession` as the original.
async fn round_trip_through<A: Adapter + 'static>(program: &Path, store: A, what: &str) {
    let store = Arc::new(store);
    let dir = temp_dir();
    let original = dir.path().join("original.session");
    let exported = dir.path().join("exported.session");
    let data = full_data();
    grammers_write(program, &original, &data).await;
    let imported = import_sqlite_file(&original, Arc::clone(&store))
        .await
        .unwrap_or_else(|e| panic!("importing into {what}: {e:?}"));
    assert_eq!(imported.peers, data.peer_infos.len(), "{what}");
    let exported_report = export_sqlite_file(Arc::clone(&store), &exported)
        .await
        .unwrap_or_else(|e| panic!("exporting from {what}: {e:?}"));
    assert_eq!(exported_report, imported, "{what}");
    assert_eq!(
        grammers_read(program, &exported, &data).await,
        grammers_read(program, &original, &data).await,
        "{what}: the exported file reads differently in grammers"
    );
    let ids = |d: &SessionData| {
        d.peer_infos
            .keys()
            .map(|id| dialog(*id))
            .collect::<BTreeSet<_>>()
    };
    let back = read_sqlite_file(&exported).await.unwrap();
    assert_eq!(ids(&back), ids(&data), "{what}");
}

#[tokio::test]
async fn a_grammers_file_round_trips_through_memory() {
    let Some(program) = program() else { return };
    round_trip_through(&program, MemoryAdapter::new(), "memory").await;
}

#[tokio::test]
async fn a_grammers_file_round_trips_through_sqlite() {
    let Some(program) = program() else { return };
    let (store, _path, _dir) = orm_support::sqlite_file().await;
    round_trip_through(&program, store, "sqlite").await;
}

#[tokio::test]
async fn a_grammers_file_round_trips_through_postgres() {
    let Some(program) = program() else { return };
    let name = unique_session_name("grammers-file");
    let Some(store) = orm_support::postgres_purging(name).await else {
        return;
    };
    round_trip_through(&program, store, "postgres").await;
}

#[tokio::test]
async fn a_grammers_file_round_trips_through_mysql() {
    let Some(program) = program() else { return };
    let name = unique_session_name("grammers-file");
    let Some(store) = orm_support::mysql_purging(name).await else {
        return;
    };
    round_trip_through(&program, store, "mysql").await;
}
