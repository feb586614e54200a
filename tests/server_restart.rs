//! Server crashes in the middle of a run of operations, on private servers
//! started by the test (PostgreSQL, MariaDB, Redis with its append-only
//! file, fsync always): while the server is down every call fails with
//! `Error::Backend` of that backend within a bounded time (no hang); once
//! it is back the same adapter (not reopened) succeeds again; and every
//! write that was acknowledged before, during or after the outage is
//! there.
#![cfg(feature = "testing")]
#![allow(dead_code, unused_imports)]

mod private_servers;
#[cfg(feature = "redis")]
mod redis_support;

use mtgo_storage::conformance::fixtures::{full_peer, full_session};
use mtgo_storage::conformance::unavailable;
use mtgo_storage::{Adapter, DurableUpdate, Error, UpdateState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// The longest any one call may take, during the outage included.
const CALL_BOUND: Duration = Duration::from_secs(10);
/// How long the server stays down.
const OUTAGE: Duration = Duration::from_secs(8);
/// How long after the server is back the adapter must work again.
const RECOVERY_BOUND: Duration = Duration::from_secs(20);
/// The connect (pool acquire) timeout the SQL adapters are opened with.
const SQL_TIMEOUT: Duration = Duration::from_secs(2);

/// A server the test can crash and start again.
trait Crashable: Send + 'static {
    fn crash(&mut self);
    fn start_again(&mut self) -> Result<(), String>;
}

impl Crashable for private_servers::PrivateServer {
    fn crash(&mut self) {
        self.kill();
    }
    fn start_again(&mut self) -> Result<(), String> {
        private_servers::PrivateServer::start_again(self).map_err(|e| e.to_string())
    }
}

#[cfg(feature = "redis")]
impl Crashable for redis_support::PrivateRedis {
    fn crash(&mut self) {
        self.kill();
    }
    fn start_again(&mut self) -> Result<(), String> {
        redis_support::PrivateRedis::start_again(self).map_err(|e| e.to_string())
    }
}

const UP: u8 = 0;
const DOWN: u8 = 1;
const BACK: u8 = 2;
/// Starting again: a call may already succeed.
const STARTING: u8 = 3;

fn durable(id: &str) -> DurableUpdate {
    DurableUpdate {
        id: id.into(),
        payload: id.bytes().chain(0..=255u8).collect(),
        created_at: 1,
        attempts: 0,
        last_error: None,
    }
}

/// Joins the thread holding the server when dropped, so that a failing
/// test still drops (tears down) the server.
struct JoinOnDrop<S>(Option<std::thread::JoinHandle<S>>);

impl<S> Drop for JoinOnDrop<S> {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

/// What one call did.
struct Outcome {
    ok: bool,
    took: Duration,
    started: u8,
    ended: u8,
}

/// Checks one call's result: an error must be `Error::Backend` of
/// `backend`, and no call may take longer than [`CALL_BOUND`].
fn check<T>(backend: &str, what: &str, result: &mtgo_storage::Result<T>, took: Duration) -> bool {
    assert!(
        took < CALL_BOUND,
        "{backend}: {what} took {took:?} (bound {CALL_BOUND:?})"
    );
    match result {
        Ok(_) => true,
        Err(Error::Backend { backend: b, .. }) if *b == backend => false,
        Err(e) => panic!("{backend}: {what} failed with an unexpected error kind: {e:?}"),
    }
}

/// Writes acknowledged data, then runs writes and reads in a loop while a
/// thread crashes `server`, keeps it down for [`OUTAGE`] and starts it
/// again; checks every call (kind, time), that calls made while the server
/// was down failed, that the adapter works again within
/// [`RECOVERY_BOUND`], and that every acknowledged write is there.
/// Returns the server (dropped by the caller: torn down).
async fn crash_in_a_run<S: Crashable>(store: &dyn Adapter, backend: &'static str, server: S) -> S {
    let updates = store.update_state().expect("update state store");
    let mut session = full_session();
    session.name = store.session_name().to_owned();

    // Acknowledged before the run: a session, a batch, queue, state.
    store.save_session(&full_session()).await.unwrap();
    let batch: Vec<_> = (1..=300).map(full_peer).collect();
    store.save_peers(&batch).await.unwrap();
    updates.enqueue_update(&durable("before")).await.unwrap();
    let state = UpdateState {
        pts: 100,
        qts: 7,
        date: 1_700_000_000,
        seq: 3,
    };
    updates.save_update_state(&state).await.unwrap();

    let phase = Arc::new(AtomicU8::new(UP));
    let back_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let mut crasher = JoinOnDrop(Some({
        let phase = Arc::clone(&phase);
        let back_at = Arc::clone(&back_at);
        let mut server = server;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(700));
            server.crash();
            phase.store(DOWN, Ordering::SeqCst);
            std::thread::sleep(OUTAGE);
            // Calls from here on may succeed.
            phase.store(STARTING, Ordering::SeqCst);
            server
                .start_again()
                .unwrap_or_else(|e| panic!("{backend}: start again: {e}"));
            *back_at.lock().unwrap() = Some(Instant::now());
            phase.store(BACK, Ordering::SeqCst);
            server
        })
    }));

    let mut acked_peers = Vec::new();
    let mut acked_updates = Vec::new();
    let mut outcomes = Vec::new();
    let mut successes_after = 0;
    let mut first_success_after: Option<Duration> = None;
    let started = Instant::now();
    let mut i: i64 = 10_000;
    while successes_after < 20 {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{backend}: the run did not finish within 90 s"
        );
        i += 1;
        // A write, and every fourth round a durable update and a read.
        let mut peer = full_peer(i);
        peer.username = format!("run_{i}");
        let before = phase.load(Ordering::SeqCst);
        let t = Instant::now();
        let result = store.save_peer(&peer).await;
        let took = t.elapsed();
        let ok = check(backend, "save_peer", &result, took);
        let after = phase.load(Ordering::SeqCst);
        if ok {
            acked_peers.push(peer);
        }
        outcomes.push(Outcome {
            ok,
            took,
            started: before,
            ended: after,
        });
        if i % 4 == 0 {
            let id = format!("run-{i}");
            let before = phase.load(Ordering::SeqCst);
            let t = Instant::now();
            let result = updates.enqueue_update(&durable(&id)).await;
            let took = t.elapsed();
            let ok = check(backend, "enqueue_update", &result, took);
            if ok {
                acked_updates.push(id);
            }
            outcomes.push(Outcome {
                ok,
                took,
                started: before,
                ended: phase.load(Ordering::SeqCst),
            });
            let before = phase.load(Ordering::SeqCst);
            let t = Instant::now();
            let result = store.load_session().await;
            let took = t.elapsed();
            let ok = check(backend, "load_session", &result, took);
            if let Ok(read) = result {
                assert_eq!(read.as_ref(), Some(&session), "{backend}: session read");
            }
            outcomes.push(Outcome {
                ok,
                took,
                started: before,
                ended: phase.load(Ordering::SeqCst),
            });
        }
        if before == BACK {
            if ok {
                successes_after += 1;
                if first_success_after.is_none() {
                    let back = back_at.lock().unwrap().expect("restart time");
                    first_success_after = Some(back.elapsed());
                }
            } else {
                // Later calls must succeed: count the streak only.
                successes_after = 0;
            }
            if let Some(back) = *back_at.lock().unwrap() {
                assert!(
                    successes_after > 0 || back.elapsed() < RECOVERY_BOUND,
                    "{backend}: still failing {:?} after the server came back",
                    back.elapsed()
                );
            }
        } else {
            // Keep the run at a moderate pace while the server is up.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let server = crasher
        .0
        .take()
        .expect("the crash thread")
        .join()
        .expect("the crash thread");

    // The calls that met the outage.
    let met = |p: u8| p == DOWN || p == STARTING;
    for o in outcomes.iter().filter(|o| met(o.started) || met(o.ended)) {
        eprintln!(
            "  {backend}: {} -> {} ok={} took {:?}",
            o.started, o.ended, o.ok, o.took
        );
    }
    let during: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.started == DOWN && o.ended == DOWN)
        .collect();
    assert!(
        !during.is_empty(),
        "{backend}: only {} calls fell inside the outage",
        during.len()
    );
    assert!(
        during.iter().all(|o| !o.ok),
        "{backend}: a call succeeded while the server was down"
    );
    let slowest = outcomes.iter().map(|o| o.took).max().unwrap_or_default();
    let failures_after = outcomes
        .iter()
        .filter(|o| o.started == BACK && !o.ok)
        .count();
    eprintln!(
        "{backend}: {} calls, {} during the outage (all failed), slowest call {slowest:?}, \
         first success {:?} after the restart, {failures_after} failed calls after it, \
         {} peers and {} updates acknowledged in the run",
        outcomes.len(),
        during.len(),
        first_success_after,
        acked_peers.len(),
        acked_updates.len()
    );

    // Nothing acknowledged is lost.
    assert_eq!(store.load_session().await.unwrap(), Some(session));
    for peer in batch.iter().chain(&acked_peers) {
        assert_eq!(
            store.get_peer(peer.id).await.unwrap().as_ref(),
            Some(peer),
            "{backend}: acknowledged peer {} lost",
            peer.id
        );
    }
    let last = acked_peers.last().expect("writes acknowledged in the run");
    assert_eq!(
        store
            .get_peer_by_username(&last.username)
            .await
            .unwrap()
            .as_ref(),
        Some(last)
    );
    let queued: Vec<String> = updates
        .load_updates(100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    for id in std::iter::once(&"before".to_owned()).chain(&acked_updates) {
        assert!(
            queued.contains(id),
            "{backend}: acknowledged durable update {id} lost"
        );
    }
    assert_eq!(updates.load_update_state().await.unwrap(), Some(state));
    server
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crash_in_a_run() {
    let server = match private_servers::PrivateServer::postgres() {
        Ok(s) => s,
        Err(e) => {
            return unavailable::<()>("postgres", &format!("private PostgreSQL: {e}"))
                .unwrap_or(());
        }
    };
    let adapter = mtgo_storage::orm::postgres::open_with_timeout(&server.url(), SQL_TIMEOUT)
        .await
        .expect("open the private PostgreSQL")
        .with_session("restart");
    let server = crash_in_a_run(&adapter, "postgres", server).await;
    drop(adapter);
    drop(server);
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_crash_in_a_run() {
    let server = match private_servers::PrivateServer::mariadb() {
        Ok(s) => s,
        Err(e) => {
            return unavailable::<()>("mysql", &format!("private MariaDB: {e}")).unwrap_or(());
        }
    };
    let adapter = mtgo_storage::orm::mysql::open_with_timeout(&server.url(), SQL_TIMEOUT)
        .await
        .expect("open the private MariaDB")
        .with_session("restart");
    let server = crash_in_a_run(&adapter, "mysql", server).await;
    drop(adapter);
    drop(server);
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_crash_in_a_run() {
    let Some(server) = redis_support::start_or_skip(&[]) else {
        return;
    };
    let adapter = mtgo_storage::redis::open(&server.url())
        .await
        .expect("open the private Redis")
        .with_session("restart");
    let server = crash_in_a_run(&adapter, "redis", server).await;
    drop(adapter);
    drop(server);
}
