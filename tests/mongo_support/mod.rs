//! Shared by the MongoDB test binaries: the server URL, and opening an
//! adapter or a client that skips (or fails, when required) if the server
//! is unreachable.
#![allow(dead_code)]

use super::purge_support::{Cleanup, Purging};
use mtgo_storage::conformance::{reachable, service_url, unavailable};
use mtgo_storage::mongo::{self, MongoAdapter};
use mtgo_storage::{BoxError, Error};
use std::time::Duration;

/// The default test server: what `scripts/services/mongodb.sh` starts.
pub const DEFAULT_URL: &str = "mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=5000";

/// `MTGO_TEST_MONGODB_URL`, or [`DEFAULT_URL`].
pub fn url() -> String {
    service_url("mongodb", DEFAULT_URL)
}

/// A database name no other test or run uses.
pub fn unique_db(case: &str) -> String {
    let name = mtgo_storage::conformance::unique_session_name(case);
    // Database names must be short and free of `.`, `/`, `$` and spaces.
    let mut db: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    db.truncate(60);
    db
}

/// Whether an open error means the server could not be reached.
pub fn is_unreachable(e: &Error) -> bool {
    let Some(source) = std::error::Error::source(e) else {
        return false;
    };
    match source.downcast_ref::<mongodb::error::Error>() {
        Some(driver) => matches!(
            *driver.kind,
            mongodb::error::ErrorKind::ServerSelection { .. }
                | mongodb::error::ErrorKind::Io(_)
                | mongodb::error::ErrorKind::ConnectionPoolCleared { .. }
        ),
        None => false,
    }
}

/// `mongo::open` on the test server, bound to `session`; `None` (after a
/// loud message, once per test binary: see [`reachable`]) if the server is
/// unreachable and not required.
pub async fn open(db: &str, session: &str) -> Option<MongoAdapter> {
    let url = url();
    if !reachable("mongodb", &url).await {
        return None;
    }
    match mongo::open(&url, db).await {
        Ok(adapter) => Some(adapter.with_session(session)),
        Err(e) if is_unreachable(&e) => unavailable("mongodb", &chain(&e)),
        Err(e) => panic!("opening the MongoDB adapter failed: {}", chain(&e)),
    }
}

/// The retry deadline of the conformance suite's adapters. The suite's
/// `concurrent_overlapping_peer_writes` has 32 writers collide on the same
/// 50 peers; on the test server (SecantusDB, one Python process) the 64
/// batches that follow take about 30 s of server time alone and over 100 s
/// while the suite's other cases run at once on two cores, so with the
/// default deadline the writers last in line give up. What that case checks
/// is that collisions are retried to a correct result; `mongo_adapter`'s
/// `a_conflict_that_never_clears_stops_at_the_retry_deadline` checks the
/// deadline itself.
pub const CONFORMANCE_RETRY_DEADLINE: Duration = Duration::from_secs(300);

/// The conformance factory: a fresh client per case (each case has its own
/// runtime) on a database of the case's own, with
/// [`CONFORMANCE_RETRY_DEADLINE`]. The database is dropped when the case
/// ends (dropping it is much faster on the test server than deleting the
/// case's documents from a shared one).
pub async fn adapter(session: String) -> Option<Purging<MongoAdapter>> {
    let db = unique_db(&session);
    let adapter = open(&db, &session)
        .await?
        .with_retry_deadline(CONFORMANCE_RETRY_DEADLINE);
    Some(Purging::new(adapter, drop_db_later(db)))
}

/// A clean-up that drops the database `db` of the test server. Failures are
/// reported, never panicked on.
pub fn drop_db_later(db: String) -> Cleanup {
    Box::new(move |rt| {
        rt.block_on(async move {
            let client = match mongodb::Client::with_uri_str(url()).await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("test clean-up: no MongoDB client: {e}");
                    return;
                }
            };
            if let Err(e) = client.database(&db).drop().await {
                eprintln!("test clean-up: dropping database {db}: {e}");
            }
            client.shutdown().immediate(true).await;
        })
    })
}

/// A raw driver client on the test server, checked with a ping; `None` as
/// for [`open`].
pub async fn client_with(mut options: mongodb::options::ClientOptions) -> Option<mongodb::Client> {
    if !reachable("mongodb", &url()).await {
        return None;
    }
    options.server_selection_timeout = options
        .server_selection_timeout
        .or(Some(Duration::from_secs(5)));
    let client = mongodb::Client::with_options(options).expect("client options");
    match client
        .database("admin")
        .run_command(bson::doc! { "ping": 1 })
        .await
    {
        Ok(_) => Some(client),
        Err(e) => unavailable("mongodb", &e),
    }
}

/// [`client_with`] the options of [`url`].
pub async fn client() -> Option<mongodb::Client> {
    let options = mongodb::options::ClientOptions::parse(url())
        .await
        .expect("MTGO_TEST_MONGODB_URL parses");
    client_with(options).await
}

/// An error and its sources, for messages.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}

/// Boxes for `?` in tests.
pub type TestResult = Result<(), BoxError>;
