//! Nothing acknowledged is lost when the writing process is killed.
//!
//! The writer is this test binary itself, started again as a child process
//! that runs only [`crash_writer_child`] (`MTGO_CRASH_WRITER` tells it what
//! to open): it opens a store, then loops over batch saves of
//! [`BATCH`] peers, single peer saves, session saves, durable queue
//! enqueues and deletes and dedup inserts, printing `BEGIN <op> <n>` before
//! each call and `ACK <op> <n>` after each acknowledgement. The test kills
//! it with SIGKILL after a random delay, [`KILLS`] times per backend, reopens
//! the store and checks that every acknowledged write is there, that no
//! batch is partly there, and (SQLite) that `PRAGMA integrity_check` is
//! `ok`. Each run writes under a session name of its own; the test prints
//! its figures (kills, acknowledged writes checked, losses). The MongoDB
//! run is ignored for now (see [`mongodb_survives_kills`]).

mod mongo_support;
mod purge_support;

use mtgo_storage::conformance::{reachable, service_url};
use mtgo_storage::{Adapter, DurableUpdate, Peer, PeerType, Session};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills per backend.
const KILLS: u32 = 100;
/// Peers per batch save.
const BATCH: i64 = 20;
/// Ids of batch peers start here (single saves use small ids).
const BATCH_BASE: i64 = 1_000_000;
/// The variable that makes this binary the writer.
const CHILD_ENV: &str = "MTGO_CRASH_WRITER";

/// What a child opens: `backend`, a URL or path, and for MongoDB a
/// database name, separated by `|`.
#[derive(Clone)]
struct Target {
    backend: &'static str,
    location: String,
    database: String,
}

impl Target {
    fn encode(&self, session: &str) -> String {
        format!(
            "{}|{}|{}|{}",
            self.backend, self.location, self.database, session
        )
    }

    async fn open(&self) -> Box<dyn Adapter> {
        match self.backend {
            "sqlite" => Box::new(
                mtgo_storage::orm::sqlite::open(&self.location)
                    .await
                    .expect("open sqlite"),
            ),
            "postgres" | "mysql" => Box::new(
                mtgo_storage::OrmAdapter::open(&self.location)
                    .await
                    .expect("open sql"),
            ),
            "redis" => Box::new(
                mtgo_storage::redis::open(&self.location)
                    .await
                    .expect("open redis"),
            ),
            "mongodb" => Box::new(
                mtgo_storage::mongo::open(&self.location, &self.database)
                    .await
                    .expect("open mongodb"),
            ),
            other => panic!("unknown backend {other}"),
        }
    }
}

fn batch(n: i64) -> Vec<Peer> {
    (0..BATCH)
        .map(|k| {
            let mut p = Peer::new(BATCH_BASE + n * 100 + k, PeerType::User, n);
            p.first_name = format!("batch {n}");
            p.username = format!("b{n}_{k}");
            p
        })
        .collect()
}

/// The writer: runs until killed (or 60 s, a bound should the parent die).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_writer_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return; // not started as a child: nothing to do
    };
    let mut parts = spec.splitn(4, '|');
    let backend = parts.next().unwrap();
    let target = Target {
        backend: match backend {
            "sqlite" => "sqlite",
            "postgres" => "postgres",
            "mysql" => "mysql",
            "redis" => "redis",
            _ => "mongodb",
        },
        location: parts.next().unwrap().to_owned(),
        database: parts.next().unwrap().to_owned(),
    };
    let session = parts.next().unwrap().to_owned();
    let store = target.open().await;
    let store = store.session(&session);
    let updates = store.update_state().expect("update state");
    let say = |line: String| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    say("READY 0 0".into());
    let end = Instant::now() + Duration::from_secs(60);
    let mut n: i64 = 0;
    while Instant::now() < end {
        let (op, result) = match n % 6 {
            0 => {
                say(format!("BEGIN B {n}"));
                ("B", store.save_peers(&batch(n)).await)
            }
            1 => {
                say(format!("BEGIN P {n}"));
                ("P", store.save_peer(&Peer::new(n, PeerType::User, n)).await)
            }
            2 => {
                say(format!("BEGIN S {n}"));
                let session = Session {
                    dc: 2,
                    user_id: n,
                    ..Session::default()
                };
                ("S", store.save_session(&session).await)
            }
            3 => {
                say(format!("BEGIN Q {n}"));
                let update = DurableUpdate {
                    id: format!("u{n}"),
                    payload: n.to_le_bytes().to_vec(),
                    created_at: n,
                    ..DurableUpdate::default()
                };
                ("Q", updates.enqueue_update(&update).await)
            }
            4 => {
                say(format!("BEGIN D {n}"));
                (
                    "D",
                    updates
                        .insert_dedup_key(&format!("d{n}"), n)
                        .await
                        .map(|_| ()),
                )
            }
            _ => {
                // Delete the update enqueued two rounds ago.
                let old = n - 14;
                say(format!("BEGIN X {old}"));
                ("X", updates.delete_update(&format!("u{old}")).await)
            }
        };
        match result {
            Ok(()) => say(format!("ACK {op} {}", if op == "X" { n - 14 } else { n })),
            Err(e) => panic!("{op} {n} failed: {e:?}"),
        }
        n += 1;
    }
}

/// A small pseudo-random generator (xorshift), seeded by the clock.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Self(seed | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What one child said before it died.
#[derive(Default)]
struct Log {
    begun: BTreeSet<(String, i64)>,
    acked: BTreeSet<(String, i64)>,
}

/// Starts a writer, kills it after `delay` of writing, returns its log.
fn run_child(target: &Target, session: &str, delay: Duration) -> Log {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "crash_writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, target.encode(session))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the writer");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait for the store to be open and the first write acknowledged, then
    // let it write for `delay`.
    let mut lines = Vec::new();
    let ready_by = Instant::now() + Duration::from_secs(30);
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                // Start the clock at the first acknowledgement, so a slow
                // open does not eat the delay.
                let ready = line.contains("ACK ");
                lines.push(line);
                if ready {
                    break;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = child.try_wait() {
                    let mut err = String::new();
                    use std::io::Read;
                    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                    panic!("the writer exited before it was ready ({status}): {err}");
                }
                assert!(
                    Instant::now() < ready_by,
                    "the writer did not open the store"
                );
            }
            Err(_) => panic!("the writer closed its output before it was ready"),
        }
    }
    std::thread::sleep(delay);
    child.kill().expect("SIGKILL the writer"); // SIGKILL on Unix
    let status = child.wait().expect("reap the writer");
    assert!(!status.success(), "the writer ended by itself: {status}");
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    let mut log = Log::default();
    for line in lines {
        let mut words = line.rsplit(' ');
        let (Some(n), Some(op), Some(kind)) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<i64>() else { continue };
        match kind {
            "BEGIN" => {
                log.begun.insert((op.to_owned(), n));
            }
            "ACK" => {
                log.acked.insert((op.to_owned(), n));
            }
            _ => {}
        }
    }
    log
}

/// Checks one run's session against its log; returns the acknowledged
/// writes checked. Panics on a loss or a partial batch.
async fn check(store: &dyn Adapter, log: &Log) -> u64 {
    let acked = |op: &str| -> Vec<i64> {
        log.acked
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, n)| *n)
            .collect()
    };
    let begun = |op: &str, n: i64| log.begun.contains(&(op.to_owned(), n));
    let mut checked = 0u64;

    let peers = store.load_peers().await.unwrap();
    let mut batches: BTreeMap<i64, Vec<&Peer>> = BTreeMap::new();
    let mut singles = BTreeSet::new();
    for p in &peers {
        if p.id >= BATCH_BASE {
            batches
                .entry((p.id - BATCH_BASE) / 100)
                .or_default()
                .push(p);
        } else {
            singles.insert(p.id);
        }
    }
    for (n, found) in &batches {
        assert!(begun("B", *n), "batch {n} is there but was never begun");
        assert_eq!(found.len() as i64, BATCH, "batch {n} is partly there");
        assert!(found.iter().all(|p| p.access_hash == *n));
    }
    for n in acked("B") {
        assert!(batches.contains_key(&n), "acknowledged batch {n} lost");
        checked += 1;
    }
    for n in acked("P") {
        assert!(singles.contains(&n), "acknowledged peer {n} lost");
        checked += 1;
    }
    if let Some(last) = acked("S").into_iter().max() {
        let session = store.load_session().await.unwrap().expect("session lost");
        assert!(
            session.user_id >= last && begun("S", session.user_id),
            "session {} is older than acknowledged {last}",
            session.user_id
        );
        checked += 1;
    }
    let updates = store.update_state().unwrap();
    let queued: BTreeSet<String> = updates
        .load_updates(usize::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    for n in acked("Q") {
        if !begun("X", n) {
            assert!(
                queued.contains(&format!("u{n}")),
                "acknowledged update u{n} lost"
            );
            checked += 1;
        }
    }
    for n in acked("X") {
        assert!(
            !queued.contains(&format!("u{n}")),
            "acknowledged delete of u{n} undone"
        );
        checked += 1;
    }
    for n in acked("D") {
        assert!(
            updates.has_dedup_key(&format!("d{n}")).await.unwrap(),
            "acknowledged dedup key d{n} lost"
        );
        checked += 1;
    }
    checked
}

async fn crash(target: Target, sqlite_file: Option<&std::path::Path>) {
    let store = target.open().await;
    let mut rng = Rng::new();
    let mut checked = 0;
    let mut acked = 0;
    let started = Instant::now();
    for run in 0..KILLS {
        let session = format!("crash-{}-{}-{run}", target.backend, std::process::id());
        let delay = Duration::from_millis(5 + rng.below(120));
        let log = run_child(&target, &session, delay);
        acked += log.acked.len() as u64;
        let handle = store.session(&session);
        checked += check(&*handle, &log).await;
        if let Some(path) = sqlite_file {
            let c = rusqlite::Connection::open(path).unwrap();
            let verdict: String = c
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(verdict, "ok", "after kill {run}");
        }
        handle.purge_session().await.unwrap();
    }
    eprintln!(
        "crash {}: {KILLS} kills, {acked} acknowledgements, {checked} acknowledged writes checked, 0 lost ({:.1} s)",
        target.backend,
        started.elapsed().as_secs_f64()
    );
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_survives_kills() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let target = Target {
        backend: "sqlite",
        location: path.display().to_string(),
        database: String::new(),
    };
    crash(target, Some(&path)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_kills() {
    let url = service_url("postgres", "postgres://postgres@127.0.0.1:5432/test");
    if !reachable("postgres", &url).await {
        return;
    }
    let target = Target {
        backend: "postgres",
        location: url,
        database: String::new(),
    };
    crash(target, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_survives_kills() {
    let url = service_url("mysql", "mysql://root@127.0.0.1:3306/test");
    if !reachable("mysql", &url).await {
        return;
    }
    let target = Target {
        backend: "mysql",
        location: url,
        database: String::new(),
    };
    crash(target, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_survives_kills() {
    let url = service_url("redis", "redis://127.0.0.1:6379");
    if !reachable("redis", &url).await {
        return;
    }
    let target = Target {
        backend: "redis",
        location: url,
        database: String::new(),
    };
    crash(target, None).await;
}

/// Ignored: on the MongoDB-wire test server (SecantusDB 0.7), after a kill
/// the parent's next call waited without end (a writer killed inside a
/// multi-peer batch transaction seems to leave it open and blocking);
/// not yet diagnosed. Run with `--ignored` to reproduce.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "hangs on SecantusDB after a kill inside a transaction; see the doc comment"]
async fn mongodb_survives_kills() {
    let url = mongo_support::url();
    if !reachable("mongodb", &url).await {
        return;
    }
    let database = mongo_support::unique_db("crash");
    let target = Target {
        backend: "mongodb",
        location: url.clone(),
        database: database.clone(),
    };
    crash(target, None).await;
    if let Some(client) = mongo_support::client().await {
        let db = client.database(&database);
        let drop = db.drop();
        if !matches!(
            tokio::time::timeout(Duration::from_secs(30), drop).await,
            Ok(Ok(()))
        ) {
            eprintln!("could not drop the MongoDB database {database}");
        }
    }
}
