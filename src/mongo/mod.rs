//! [`MongoAdapter`]: every store on MongoDB, with the official `mongodb`
//! driver (feature `mongodb`).
//!
//! ```no_run
//! # async fn run() -> mtgo_storage::Result<()> {
//! use mtgo_storage::{Adapter, PeerStore, mongo};
//! let store = mongo::open("mongodb://127.0.0.1:27017", "mtgo").await?;
//! let bob = store.session("bob"); // another account, same connection pool
//! assert_eq!(bob.get_peer(1).await?, None);
//! store.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! One collection per kind: `sessions`, `peers`, `conversations`, `dc_auth`,
//! `update_state`, `channel_state`, `update_dedup`, `durable_updates`,
//! `session_leases`, `temp_auth_keys` and `server_salts`.
//! Every document carries the session name in `session`, and each collection
//! has a compound unique index on (`session`, key); `peers` also has indexes
//! on (`session`, `username_keys`) and (`session`, `phone_key`). All of them
//! are created on open ([`open`], [`MongoAdapter::new`]); creating them again
//! is a no-op, so opening is idempotent. (The Go package creates the
//! conversations collection lazily on first use; here it is created on open
//! with the others, which an application cannot tell apart.)
//!
//! Documents are typed: ids, access hashes and times are `Int64`, auth keys,
//! state, conversation data and update payloads are BSON binary. Usernames
//! are matched exactly against their normalized forms
//! ([`crate::normalize_username`], stored in `username_keys`), phones against
//! [`crate::normalize_phone`] (`phone_key`): no regular expression, no
//! collation.
//!
//! # Writes
//!
//! `save_peers` of more than one peer is one multi-document transaction
//! holding `update` commands of up to 1,000 upserts each, so 10,000 peers take
//! about a dozen round trips and are written entirely or not at all. When
//! the server refuses peers, the error's source is a [`BatchWriteError`]
//! listing each refused peer with the server's code and message. Write
//! conflicts with concurrent writers are retried with a randomized backoff,
//! and so is the duplicate key error two writers inserting one new peer (or
//! session, conversation, ...) at once can meet: one value ends up stored and
//! the caller sees no error. Retrying stops at a deadline
//! ([`MongoAdapter::with_retry_deadline`], [`DEFAULT_RETRY_DEADLINE`] unless
//! set): a conflict that persists until then is [`crate::Error::Backend`]
//! whose source is a [`RetryDeadlineError`] naming the [`Conflict`]. Other
//! driver errors are [`crate::Error::Backend`] with the driver's
//! `mongodb::error::Error` as the source.
//!
//! # Server
//!
//! The adapter uses nothing beyond MongoDB 6.0: `find`, `distinct`,
//! `findAndModify`, `update`, `insert`, `delete`, `createIndexes` and
//! multi-document transactions. Transactions need a replica set (a single-node
//! one is enough) or a sharded cluster, as on any MongoDB server; only
//! multi-peer batches use them. It is tested against SecantusDB 0.7.0b3, a
//! MongoDB-wire-compatible server on WiredTiger (see `scripts/services/mongodb.sh`).

mod conversations;
mod dc_auth;
mod documents;
mod error;
mod indexes;
mod lease;
mod peers;
mod purge;
mod records;
mod references;
mod session;
mod temp_keys;
mod transaction;
mod update_state;

pub(crate) use documents::SESSION as SESSION_FIELD;
pub use error::{BatchWriteError, Conflict, PeerWriteFailure, RetryDeadlineError};
pub use mongodb::Database;

use crate::store::{Adapter, ConversationStore, DcAuthStore, UpdateStateStore};
use crate::{Error, Result};
use async_trait::async_trait;
use indexes::Collections;
use mongodb::Client;
use mongodb::options::ClientOptions;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub(crate) const BACKEND: &str = "mongodb";

/// Connects to `uri`, uses the database `database`, creates the collections'
/// indexes, and returns a handle on the session name
/// [`crate::DEFAULT_SESSION_NAME`]. The spec's `mongodb.Open(uri, db)`.
///
/// The adapter owns this client: [`Adapter::close`] shuts it down.
///
/// # Errors
/// [`Error::Backend`] when the URI is invalid, the server cannot be reached
/// (after the driver's server selection timeout, 30 s unless the URI sets
/// `serverSelectionTimeoutMS`) or creating the indexes fails.
pub async fn open(uri: &str, database: &str) -> Result<MongoAdapter> {
    let mut options = ClientOptions::parse(uri).await?;
    if options.app_name.is_none() {
        options.app_name = Some("mtgo-storage".to_owned());
    }
    let client = Client::with_options(options)?;
    MongoAdapter::build(client.database(database), true).await
}

/// Every store on one MongoDB database.
///
/// A handle is bound to one session name; [`Adapter::session`] and
/// [`MongoAdapter::with_session`] give handles for other names on the same
/// client and connection pool. See the [module docs](self) for the layout,
/// the typing of documents and the server requirements.
#[derive(Clone)]
pub struct MongoAdapter {
    name: String,
    retry_deadline: Duration,
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    colls: Collections,
    owns_client: bool,
    closed: AtomicBool,
}

impl fmt::Debug for MongoAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoAdapter")
            .field("session", &self.name)
            .field("database", &self.inner.db.name())
            .field("retry_deadline", &self.retry_deadline)
            .finish_non_exhaustive()
    }
}

impl MongoAdapter {
    /// An adapter on an application's existing database handle (and so its
    /// client and pool): creates the collections' indexes and returns a
    /// handle on the session name [`crate::DEFAULT_SESSION_NAME`].
    ///
    /// The client stays the application's: [`Adapter::close`] only stops
    /// this adapter's handles.
    ///
    /// # Errors
    /// [`Error::Backend`] when the server cannot be reached or creating the
    /// indexes fails.
    pub async fn new(db: Database) -> Result<Self> {
        Self::build(db, false).await
    }

    async fn build(db: Database, owns_client: bool) -> Result<Self> {
        let colls = Collections::new(&db);
        colls.create_indexes().await?;
        Ok(Self {
            name: crate::DEFAULT_SESSION_NAME.to_owned(),
            retry_deadline: DEFAULT_RETRY_DEADLINE,
            inner: Arc::new(Inner {
                db,
                colls,
                owns_client,
                closed: AtomicBool::new(false),
            }),
        })
    }

    /// A handle for another session name on the same client (with this
    /// handle's retry deadline).
    pub fn with_session(&self, name: &str) -> Self {
        Self {
            name: name.to_owned(),
            retry_deadline: self.retry_deadline,
            inner: Arc::clone(&self.inner),
        }
    }

    /// Sets how long a write keeps retrying conflicts with concurrent
    /// writers (write conflicts between transactions, and the duplicate key
    /// two writers inserting one new key meet) before it gives up:
    /// [`DEFAULT_RETRY_DEADLINE`] unless set. The clock starts when the
    /// write starts, and no retry begins after the deadline (one whose
    /// backoff would end past it is not made). A retried `save_peers` batch
    /// still running at the deadline is cut off there and rolled back; a
    /// retried single-document write in flight is let finish so that its
    /// outcome is known, so it returns at most one server round trip after
    /// the deadline. The first attempt is never cut off: the deadline bounds
    /// retrying, not a slow server. `Duration::ZERO` turns retrying off.
    /// Handles made from this one ([`MongoAdapter::with_session`],
    /// [`Adapter::session`]) keep the setting.
    ///
    /// A write that gives up is [`Error::Backend`] whose source is a
    /// [`RetryDeadlineError`] naming the conflict.
    ///
    /// ```no_run
    /// # async fn run() -> mtgo_storage::Result<()> {
    /// use std::time::Duration;
    /// let store = mtgo_storage::mongo::open("mongodb://127.0.0.1:27017", "mtgo")
    ///     .await?
    ///     .with_retry_deadline(Duration::from_secs(2));
    /// assert_eq!(store.retry_deadline(), Duration::from_secs(2));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_retry_deadline(mut self, deadline: Duration) -> Self {
        self.retry_deadline = deadline;
        self
    }

    /// How long a write keeps retrying conflicts (see
    /// [`MongoAdapter::with_retry_deadline`]).
    pub fn retry_deadline(&self) -> Duration {
        self.retry_deadline
    }

    /// The database the adapter writes to.
    pub fn database(&self) -> &Database {
        &self.inner.db
    }

    /// The collections, or [`Error::Closed`], or [`Error::InvalidInput`]
    /// for a session name beyond [`crate::limits`].
    fn colls(&self) -> Result<&Collections> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(Error::Closed { backend: BACKEND });
        }
        crate::limits::check_session_name(&self.name)?;
        Ok(&self.inner.colls)
    }

    fn client(&self) -> &Client {
        self.inner.db.client()
    }
}

/// How long a write keeps retrying conflicts with concurrent writers unless
/// [`MongoAdapter::with_retry_deadline`] says otherwise: 5 seconds.
pub const DEFAULT_RETRY_DEADLINE: Duration = Duration::from_secs(5);

/// The clock and attempt count of one write's retry loop.
struct Retry {
    started: Instant,
    deadline: Duration,
    attempts: u32,
}

impl Retry {
    /// Starts the clock; the first attempt is about to run.
    fn start(deadline: Duration) -> Self {
        Self {
            started: Instant::now(),
            deadline,
            attempts: 1,
        }
    }

    /// After an attempt met a conflict: sleeps a random time up to a cap
    /// that doubles from 2 ms to 256 ms (so competing writers spread out)
    /// and returns `true`, or returns `false` at once when the sleep would
    /// end at or past the deadline.
    async fn backoff(&mut self) -> bool {
        use std::hash::{BuildHasher, Hasher};
        let cap_ms = 2u64 << self.attempts.min(7);
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let pause = Duration::from_millis(1 + random % cap_ms);
        if self.started.elapsed() + pause >= self.deadline {
            return false;
        }
        tokio::time::sleep(pause).await;
        self.attempts += 1;
        true
    }

    /// The time left before the deadline, for a retry (`None` for the first
    /// attempt, which the deadline does not cut off).
    fn time_left(&self) -> Option<Duration> {
        (self.attempts > 1).then(|| self.deadline.saturating_sub(self.started.elapsed()))
    }

    /// The error of giving up on `conflict`, the last attempt's error being
    /// `source`.
    fn give_up(&self, conflict: Conflict, source: impl Into<crate::BoxError>) -> Error {
        Error::backend(
            BACKEND,
            RetryDeadlineError::new(
                conflict,
                self.attempts,
                self.started.elapsed(),
                self.deadline,
                source,
            ),
        )
    }
}

impl MongoAdapter {
    /// Runs a single-document write, retrying until the retry deadline while
    /// it meets a duplicate key error on the unique index `index` (two
    /// writers inserting the same new key: the retry finds the other's
    /// document and updates it) or a transient write conflict.
    async fn retry_write<T, F, Fut>(&self, index: &'static str, op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = mongodb::error::Result<T>>,
    {
        retry_write(Retry::start(self.retry_deadline), index, op).await
    }
}

/// [`MongoAdapter::retry_write`] with the retry loop given.
async fn retry_write<T, F, Fut>(mut retry: Retry, index: &'static str, mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = mongodb::error::Result<T>>,
{
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(e) => match error::conflict_of(&e, index) {
                None => return Err(e.into()),
                Some(conflict) => {
                    if !retry.backoff().await {
                        return Err(retry.give_up(conflict, e));
                    }
                }
            },
        }
    }
}

#[crate::observe::observed]
#[async_trait]
impl Adapter for MongoAdapter {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }

    fn session_name(&self) -> &str {
        &self.name
    }

    fn session(&self, name: &str) -> Box<dyn Adapter> {
        Box::new(self.with_session(name))
    }

    async fn session_names(&self) -> Result<Vec<String>> {
        let values = self
            .colls()?
            .sessions
            .distinct(documents::SESSION, bson::Document::new())
            .await?;
        let mut names = values
            .into_iter()
            .map(|v| match v {
                bson::Bson::String(s) => Ok(s),
                other => Err(Error::Corrupt {
                    what: "mongodb session document",
                    reason: format!(
                        "field `session` is {:?}, not a string",
                        other.element_type()
                    ),
                }),
            })
            .collect::<Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }

    fn conversations(&self) -> Option<&dyn ConversationStore> {
        Some(self)
    }

    fn dc_auth(&self) -> Option<&dyn DcAuthStore> {
        Some(self)
    }

    fn update_state(&self) -> Option<&dyn UpdateStateStore> {
        Some(self)
    }

    fn lease(&self) -> Option<&dyn crate::LeaseStore> {
        Some(self)
    }

    fn temp_keys(&self) -> Option<&dyn crate::TempKeyStore> {
        Some(self)
    }

    fn references(&self) -> Option<&dyn crate::ReferenceStore> {
        Some(self)
    }

    async fn purge_session(&self) -> Result<()> {
        self.purge().await
    }

    async fn save_session_records(&self, records: &crate::SessionRecords) -> Result<()> {
        crate::limits::check_session_records(records)?;
        self.save_records(records).await
    }

    /// Nothing to do: the server reuses the space of deleted documents.
    async fn reclaim_space(&self) -> Result<()> {
        self.colls().map(drop)
    }

    /// Marks every handle of this adapter closed (later calls are
    /// [`Error::Closed`]); if [`open`] made the client, shuts it down too.
    async fn close(&self) -> Result<()> {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        if self.inner.owns_client {
            self.client().clone().shutdown().immediate(true).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::error::{ErrorKind, WriteError, WriteFailure};
    use std::sync::atomic::AtomicU32;

    /// A duplicate key write error as a server reports it (the shape of a
    /// `writeErrors` entry).
    fn duplicate_key(index: &str) -> mongodb::error::Error {
        let write: WriteError = bson::from_document(bson::doc! {
            "code": 11000,
            "errmsg": format!("E11000 duplicate key error collection: db.peers index: {index} dup key: {{ session: \"a\", id: 1 }}"),
        })
        .expect("a write error document");
        ErrorKind::Write(WriteFailure::WriteError(write)).into()
    }

    #[tokio::test]
    async fn retry_write_retries_a_duplicate_key_on_its_index() {
        let calls = AtomicU32::new(0);
        let out = retry_write(
            Retry::start(DEFAULT_RETRY_DEADLINE),
            "session_id_unique",
            || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(duplicate_key("session_id_unique")),
                    _ => Ok(7),
                }
            },
        )
        .await;
        assert_eq!(out.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn retry_write_reports_a_duplicate_key_on_another_index() {
        let calls = AtomicU32::new(0);
        let out: Result<()> = retry_write(
            Retry::start(DEFAULT_RETRY_DEADLINE),
            "session_id_unique",
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(duplicate_key("app_unique_name"))
            },
        )
        .await;
        let err = out.unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let source = std::error::Error::source(&err).expect("a source");
        assert!(source.downcast_ref::<mongodb::error::Error>().is_some());
    }

    #[tokio::test]
    async fn retry_write_gives_up_at_the_deadline_naming_the_conflict() {
        let calls = AtomicU32::new(0);
        let deadline = Duration::from_millis(300);
        let started = Instant::now();
        let out: Result<()> = retry_write(Retry::start(deadline), "session_id_unique", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(duplicate_key("session_id_unique"))
        })
        .await;
        let took = started.elapsed();
        assert!(took < deadline, "took {took:?}");
        let err = out.unwrap_err();
        let Error::Backend { backend, source } = &err else {
            panic!("not a backend error: {err:?}");
        };
        assert_eq!(*backend, BACKEND);
        let gave_up = source
            .downcast_ref::<RetryDeadlineError>()
            .expect("a RetryDeadlineError");
        assert_eq!(
            gave_up.conflict,
            Conflict::DuplicateKey {
                index: "session_id_unique"
            }
        );
        assert_eq!(gave_up.attempts, calls.load(Ordering::SeqCst));
        assert!(gave_up.attempts > 1, "{gave_up}");
        assert!(
            gave_up
                .to_string()
                .contains("duplicate key on the unique index session_id_unique")
        );
        let last = std::error::Error::source(gave_up).expect("the last conflict");
        assert!(last.downcast_ref::<mongodb::error::Error>().is_some());

        // A zero deadline: one attempt, no retry.
        calls.store(0, Ordering::SeqCst);
        let out: Result<()> = retry_write(
            Retry::start(Duration::ZERO),
            "session_id_unique",
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(duplicate_key("session_id_unique"))
            },
        )
        .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
