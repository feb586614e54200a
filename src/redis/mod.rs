//! [`RedisAdapter`]: sessions, peers, conversations, DC auth keys and update
//! state in Redis (the spec's `redis.Open`), with the `redis` crate's
//! [`ConnectionManager`] (it reconnects by itself after a server restart)
//! or a Redis Cluster connection.
//!
//! ```no_run
//! # async fn demo() -> mtgo_storage::Result<()> {
//! use mtgo_storage::{Adapter, PeerStore};
//! let store = mtgo_storage::redis::open("redis://127.0.0.1:6379").await?;
//! let alice = store.session("alice"); // same connection, other keys
//! assert_eq!(alice.get_peer(1).await?, None);
//! # Ok(()) }
//! ```
//!
//! # Key layout
//!
//! Every key of a session starts with `{prefix}:{<session>}:` (prefix
//! `mtgo` unless set with [`RedisAdapter::with_prefix`]). The session name
//! between braces is the key's *hash tag*: all keys of one session hash to
//! one Redis Cluster slot, so the multi-key scripts and transactions below
//! work on a cluster. In the tag, `%`, `{` and `}` of the name are written
//! `%25`, `%7B` and `%7D`, and the empty name is written `%`. Below, `S`
//! stands for `{prefix}:{<session>}`.
//!
//! | key | type | content |
//! |---|---|---|
//! | `S:session` | string | the [`Session`](crate::Session) as JSON (auth key and state base64) |
//! | `S:peers` | set | ids of every cached peer: the index `load_peers` reads (never SCAN/KEYS) |
//! | `S:peer:<id>` | hash | `d`: the [`Peer`](crate::Peer) as JSON; `ix`: JSON array of its index entries (`uname:<name>`, `phone:<digits>`); expires after the peer TTL |
//! | `S:uname:<normalized username>` | set | ids of the peers claiming it (main or additional username) |
//! | `S:phone:<normalized phone>` | set | ids of the peers with that number |
//! | `S:convs` | set | `<chat_id>:<user_id>` of every conversation |
//! | `S:conv:<chat_id>:<user_id>` | hash | `n` name, `s` step, `d` data (raw bytes), `c` created_at, `u` updated_at; expires after the conversation TTL |
//! | `S:dcauth` | hash | DC id → the [`DcAuth`](crate::DcAuth) as JSON |
//! | `S:state` | hash | `pts`, `qts`, `date`, `seq` |
//! | `S:chpts` | hash | channel id → pts |
//! | `S:dedup` | sorted set | dedup keys scored by the time seen: the index pruning and `load_dedup_keys` read |
//! | `S:dedup:<key>` | string | the time seen; expires after the dedup TTL |
//! | `S:updates` | sorted set | the durable queue's order: members `<sortable created_at>:<id>`, all scores 0, so byte order is (`created_at`, id) order |
//! | `S:upd:<id>` | hash | `p` payload (raw bytes), `c` created_at, `a` attempts, `e` last error, `o` its order member |
//! | `S:lease` | string | the lease holder's token, expiring with the lease (`SET NX PX`) |
//! | `S:tmpkeys` | hash | DC id → the temporary auth key as JSON (`k` base64, `e` expiry and `p` permanent key id as decimal strings) |
//! | `S:salts` | hash | DC id → the DC's server salts as a JSON array of `[valid_since, valid_until, salt]` decimal strings, by `valid_since` |
//! | `{prefix}:sessions` | set | every session name with a saved session |
//!
//! `{prefix}:sessions` is the one key outside a session's slot; only
//! `save_session`, `delete_session` and `session_names` touch it, with
//! single-key commands (saving adds the name first, deleting removes it
//! last, and `session_names` keeps only names whose `S:session` exists).
//!
//! # Atomicity and indexes
//!
//! A peer's username and phone index entries change in the same Lua script
//! as the peer: the script reads the peer's old entries from its `ix` field,
//! removes the peer's id from them and adds it to the new ones. `save_peers`
//! sends chunks of [`PEER_CHUNK`] peers, one script call per chunk, all in one
//! `MULTI`/`EXEC` transaction: one round trip per batch, and no client sees
//! part of a batch. The scripts carry the `#!lua` shebang, so a server out
//! of memory refuses them before they run, which aborts the whole
//! transaction (nothing written). Redis has no rollback: a script failing
//! half-way for another reason would leave the chunks before it written
//! (and the error is returned). The shebang needs Redis 7.0 or later (or
//! Valkey). Lookups resolve the set of ids of a name to the newest peer
//! (greatest `last_updated`, then id), as every backend does.
//!
//! # Restarts and dropped connections
//!
//! The [`ConnectionManager`] reconnects after a server restart or a network
//! failure; the adapter needs no rebuilding. A read that finds the
//! connection dropped is tried once more on the new connection, so it
//! succeeds as soon as the server is back. Writes are not retried (a write
//! whose reply was lost may have been applied): the first write after a
//! drop may return [`Error::Backend`], and later ones succeed. While the
//! server stays down, each call fails with [`Error::Backend`] after one
//! round of reconnect attempts ([`default_manager_config`]: about 3 s when
//! connections are refused).
//!
//! # Expiry
//!
//! Peers, conversations and dedup keys may expire
//! ([`RedisAdapter::with_peer_ttl`], [`RedisAdapter::with_conversation_ttl`],
//! [`RedisAdapter::with_dedup_ttl`]); each save restarts the peer's or
//! conversation's time. An index set (`S:peers`, `S:uname:*`, `S:phone:*`,
//! `S:convs`, `S:dedup`) lives as long as its longest-lived member: a set
//! holding a record that never expires never expires, and a set of expiring
//! records expires after the last of them, so nothing piles up. Until then
//! lookups and loads skip the ids of expired records and drop them from
//! the set. (A session written both with and without an expiry keeps sets
//! that once held a non-expiring record.) Dedup times and the durable queue's `created_at` are kept exactly,
//! but dedup pruning compares times as doubles (exact for |t| < 2^53).

mod conversations;
mod dc_auth;
mod keys;
mod lease;
mod peers;
mod records;
mod references;
mod script_call;
mod scripts;
mod session;
mod temp_keys;
mod update_state;

pub use ::redis::Client;
pub use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
pub use ::redis::cluster::ClusterClient;
pub use ::redis::cluster_async::ClusterConnection;

use crate::error::{Error, Result};
use crate::store::{Adapter, ConversationStore, DcAuthStore, UpdateStateStore};
use ::redis::aio::ConnectionLike;
use ::redis::{Cmd, Pipeline, RedisError, RedisFuture, Value};
use async_trait::async_trait;
use keys::Keys;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const BACKEND: &str = "redis";

/// The key prefix used unless [`RedisAdapter::with_prefix`] sets another.
pub const DEFAULT_PREFIX: &str = "mtgo";

/// How many peers one script call of `save_peers` upserts.
pub const PEER_CHUNK: usize = 1_000;

impl From<RedisError> for Error {
    fn from(e: RedisError) -> Self {
        Error::backend(BACKEND, e)
    }
}

/// How long [`open`] and [`RedisAdapter::connect`] wait for a reply before
/// failing the call: 10 s, room for a `save_peers` of tens of thousands of
/// peers (the `redis` crate's own default is 500 ms).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times the connection manager of [`open`] and
/// [`RedisAdapter::connect`] tries to reconnect after the connection
/// dropped, before the waiting call fails (the `redis` crate's default is 6).
pub const RECONNECT_RETRIES: usize = 4;

/// The longest pause between two reconnect attempts (the `redis` crate's
/// default has none: its pauses double from 100 ms to 3.2 s).
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(1);

/// How long one connection attempt may take (the `redis` crate's default).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);

/// The connection-manager settings [`open`] and [`RedisAdapter::connect`]
/// use: [`RESPONSE_TIMEOUT`], [`CONNECTION_TIMEOUT`], and
/// [`RECONNECT_RETRIES`] attempts with pauses doubling from 100 ms up to
/// [`RECONNECT_MAX_DELAY`] (with jitter). While the server is down, a call
/// waits for that round of attempts and then fails with [`Error::Backend`]:
/// about 3 s when connections are refused (a stopped server), up to about
/// 8 s when every attempt times out; a read, tried once more after a
/// dropped connection, may wait two rounds. Pass your own
/// [`ConnectionManagerConfig`] to [`RedisAdapter::connect_with_config`] for
/// other bounds.
pub fn default_manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_connection_timeout(Some(CONNECTION_TIMEOUT))
        .set_number_of_retries(RECONNECT_RETRIES)
        .set_max_delay(RECONNECT_MAX_DELAY)
}

/// Connects to the Redis server at `url` (`redis://host:port/db`) and
/// returns an adapter on the session name [`crate::DEFAULT_SESSION_NAME`]
/// with the default prefix and no expiry. The spec's `redis.Open`.
///
/// # Errors
/// [`Error::Backend`] if the URL is invalid or the server cannot be reached.
pub async fn open(url: &str) -> Result<RedisAdapter> {
    RedisAdapter::connect(Client::open(url)?).await
}

/// The connection the adapter talks through: a reconnecting single-server
/// connection manager or a cluster connection.
#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

/// Settings shared by the handles of one adapter.
#[derive(Clone, Debug)]
struct Options {
    prefix: String,
    peer_ttl_ms: u64,
    conversation_ttl_ms: u64,
    dedup_ttl_ms: u64,
}

/// A Redis store implementing [`Adapter`] and every optional store
/// ([`ConversationStore`], [`DcAuthStore`], [`UpdateStateStore`]).
///
/// Handles made with [`Adapter::session`] or [`RedisAdapter::with_session`]
/// share the connection and the settings. The key layout is in the
/// [module docs](self). `Debug` shows the session, prefix and expiry times,
/// never a URL or a password.
#[derive(Clone)]
pub struct RedisAdapter {
    name: String,
    keys: Keys,
    options: Arc<Options>,
    conn: Conn,
    closed: Arc<AtomicBool>,
}

impl fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisAdapter")
            .field("session", &self.name)
            .field("prefix", &self.options.prefix)
            .field("peer_ttl_ms", &self.options.peer_ttl_ms)
            .field("conversation_ttl_ms", &self.options.conversation_ttl_ms)
            .field("dedup_ttl_ms", &self.options.dedup_ttl_ms)
            .field(
                "connection",
                &match self.conn {
                    Conn::Single(_) => "single",
                    Conn::Cluster(_) => "cluster",
                },
            )
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish()
    }
}

/// The longest expiry the adapter sets: 2^53 ms (about 285,000 years),
/// exact in a Lua number and far from overflowing Redis's clock arithmetic.
const MAX_TTL_MS: u64 = 1 << 53;

fn ttl_ms(ttl: Option<Duration>) -> u64 {
    // A zero or sub-millisecond expiry still expires: at least 1 ms.
    ttl.map_or(0, |d| {
        u64::try_from(d.as_millis())
            .unwrap_or(u64::MAX)
            .clamp(1, MAX_TTL_MS)
    })
}

impl RedisAdapter {
    fn from_conn(conn: Conn) -> Self {
        let options = Options {
            prefix: DEFAULT_PREFIX.to_owned(),
            peer_ttl_ms: 0,
            conversation_ttl_ms: 0,
            dedup_ttl_ms: 0,
        };
        Self {
            name: crate::DEFAULT_SESSION_NAME.to_owned(),
            keys: Keys::new(&options.prefix, crate::DEFAULT_SESSION_NAME),
            options: Arc::new(options),
            conn,
            closed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// An adapter over an existing connection manager (clones of it share
    /// one multiplexed connection; mind its response timeout, see
    /// [`RedisAdapter::connect_with_config`]), on the session name
    /// [`crate::DEFAULT_SESSION_NAME`], with the default prefix and no
    /// expiry. Does no I/O.
    pub fn new(manager: ConnectionManager) -> Self {
        Self::from_conn(Conn::Single(manager))
    }

    /// Connects a [`ConnectionManager`] for `client` with
    /// [`default_manager_config`] and returns [`RedisAdapter::new`] over it.
    ///
    /// # Errors
    /// [`Error::Backend`] if the server cannot be reached.
    pub async fn connect(client: Client) -> Result<Self> {
        Self::connect_with_config(client, default_manager_config()).await
    }

    /// Like [`RedisAdapter::connect`] with your own reconnect and timeout
    /// settings. Keep the response timeout above the time your largest
    /// `save_peers` batch takes on the server.
    ///
    /// # Errors
    /// [`Error::Backend`] if the server cannot be reached.
    pub async fn connect_with_config(
        client: Client,
        config: ConnectionManagerConfig,
    ) -> Result<Self> {
        Ok(Self::new(
            ConnectionManager::new_with_config(client, config).await?,
        ))
    }

    /// An adapter over a Redis Cluster connection. All keys of a session
    /// share a hash tag, so each operation goes to one node. Does no I/O.
    pub fn cluster(connection: ClusterConnection) -> Self {
        Self::from_conn(Conn::Cluster(connection))
    }

    /// This adapter with key prefix `prefix` (default [`DEFAULT_PREFIX`]);
    /// handles made from it use it too. Two prefixes on one server are two
    /// separate stores.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if `prefix` contains `{` or `}` (they would
    /// break the session hash tag).
    pub fn with_prefix(mut self, prefix: &str) -> Result<Self> {
        if prefix.contains(['{', '}']) {
            return Err(Error::invalid(
                "redis key prefix",
                "it must not contain `{` or `}`",
            ));
        }
        Arc::make_mut(&mut self.options).prefix = prefix.to_owned();
        self.keys = Keys::new(prefix, &self.name);
        Ok(self)
    }

    /// This adapter with peers expiring `ttl` after their last save (`None`:
    /// never, the default). An expired peer is absent from every lookup.
    pub fn with_peer_ttl(mut self, ttl: Option<Duration>) -> Self {
        Arc::make_mut(&mut self.options).peer_ttl_ms = ttl_ms(ttl);
        self
    }

    /// This adapter with conversations expiring `ttl` after their last save
    /// (`None`: never, the default). A conversation saved after expiring
    /// gets a new `created_at`.
    pub fn with_conversation_ttl(mut self, ttl: Option<Duration>) -> Self {
        Arc::make_mut(&mut self.options).conversation_ttl_ms = ttl_ms(ttl);
        self
    }

    /// This adapter with dedup keys expiring `ttl` after they were recorded
    /// (`None`: never, the default; [`UpdateStateStore::prune_dedup_keys`]
    /// removes them). An expired key is new again.
    pub fn with_dedup_ttl(mut self, ttl: Option<Duration>) -> Self {
        Arc::make_mut(&mut self.options).dedup_ttl_ms = ttl_ms(ttl);
        self
    }

    /// A handle for another session name on the same connection, with the
    /// same prefix and expiry times.
    pub fn with_session(&self, name: &str) -> Self {
        Self {
            name: name.to_owned(),
            keys: Keys::new(&self.options.prefix, name),
            options: Arc::clone(&self.options),
            conn: self.conn.clone(),
            closed: Arc::clone(&self.closed),
        }
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.options.prefix
    }

    /// The common start of every key of this handle's session,
    /// `{prefix}:{<session>}:` (see the [module docs](self)).
    pub fn key_base(&self) -> &str {
        self.keys.base()
    }

    /// A connection to run commands on, or [`Error::Closed`], or
    /// [`Error::InvalidInput`] for a session name beyond
    /// [`crate::limits`].
    fn conn(&self) -> Result<Conn> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed { backend: BACKEND });
        }
        crate::limits::check_session_name(&self.name)?;
        Ok(self.conn.clone())
    }

    /// Runs a read. When the connection turns out to have dropped (a server
    /// restart, a network failure), the connection manager reconnects and
    /// the read is tried once more. A read that failed because reconnecting
    /// failed (refused or timed out: the server is still down) is not tried
    /// again, so it fails after one round of reconnect attempts. Writes are
    /// never retried: a write whose reply was lost may have been applied.
    async fn read<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: Fn(Conn) -> Fut,
        Fut: std::future::Future<Output = ::redis::RedisResult<T>>,
    {
        match op(self.conn()?).await {
            Err(e)
                if e.is_unrecoverable_error() && !e.is_connection_refusal() && !e.is_timeout() =>
            {
                tracing::debug!(error = %e, "redis connection dropped; trying the read again");
                Ok(op(self.conn()?).await?)
            }
            other => Ok(other?),
        }
    }

    fn is_cluster(&self) -> bool {
        matches!(self.conn, Conn::Cluster(_))
    }
}

/// A stored record that cannot be read back. The reason names the JSON
/// error's category and position only, never the stored bytes (they may hold
/// an auth key).
pub(crate) fn corrupt_json(what: &'static str, e: &serde_json::Error) -> Error {
    Error::Corrupt {
        what,
        reason: format!(
            "{:?} JSON error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ),
    }
}

/// Parses a number stored as text.
pub(crate) fn parse_num<T: std::str::FromStr>(what: &'static str, text: &[u8]) -> Result<T> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| Error::Corrupt {
            what,
            reason: "not a number of the expected range".into(),
        })
}

#[crate::observe::observed]
#[async_trait]
impl Adapter for RedisAdapter {
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
        self.list_session_names().await
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

    /// One script deleting every key of the session (walking its index
    /// sets: index sets that only list expired peers expire by themselves),
    /// then the name's member of the session name set, which lives in
    /// another cluster slot.
    async fn purge_session(&self) -> Result<()> {
        let mut conn = self.conn()?;
        let _: i64 = scripts::PURGE
            .key(self.keys.session())
            .arg(self.keys.base())
            .arg(self.keys.single_keys())
            .invoke_async(&mut conn)
            .await?;
        let _: () = ::redis::AsyncCommands::srem(
            &mut conn,
            keys::session_names(&self.options.prefix),
            &self.name,
        )
        .await?;
        Ok(())
    }

    async fn save_session_records(&self, records: &crate::SessionRecords) -> Result<()> {
        crate::limits::check_session_records(records)?;
        self.save_records(records).await
    }

    /// Nothing to do: Redis frees deleted keys itself.
    async fn reclaim_space(&self) -> Result<()> {
        self.conn().map(drop)
    }

    /// Marks the adapter and every handle sharing its connection closed:
    /// later operations return [`Error::Closed`]. The connection itself is
    /// released when the last handle is dropped. Closing twice is `Ok(())`.
    async fn close(&self) -> Result<()> {
        self.closed.store(true, Ordering::Release);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_ms_is_at_least_one_and_bounded() {
        assert_eq!(ttl_ms(None), 0);
        assert_eq!(ttl_ms(Some(Duration::ZERO)), 1);
        assert_eq!(ttl_ms(Some(Duration::from_micros(10))), 1);
        assert_eq!(ttl_ms(Some(Duration::from_secs(2))), 2_000);
        assert_eq!(ttl_ms(Some(Duration::MAX)), MAX_TTL_MS);
    }
}
