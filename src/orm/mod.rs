//! [`OrmAdapter`]: one SeaORM adapter for SQLite, PostgreSQL and
//! MySQL/MariaDB (the spec's GORM adapter).
//!
//! The schema is the one of the `mtgo-storage-migration` crate (tables
//! `mtgo_*`, every primary key starting with the session name). Every
//! statement is built from the entities of `mtgo-storage-entity` with
//! SeaORM's query API and sea-query (`Entity::find().filter(..)`,
//! `Query::insert()` with `OnConflict`, `delete_many`, `update_many`), in
//! the connection's dialect, once per adapter (or per batch size); each call
//! binds new values to the same text, so the driver's prepared-statement
//! cache is reused. Rows decode into the entities' models. `save_peers` is
//! one transaction of multi-row upserts, chunked under every database's
//! bind-parameter limit. Each table's statements and conversions live in
//! one file of this module (`sessions.rs`, `peers.rs`, ...).
//!
//! ```no_run
//! # async fn run() -> mtgo_storage::Result<()> {
//! use mtgo_storage::{Adapter, PeerStore};
//! // A SQLite file (created 0600, WAL, synchronous=NORMAL, busy timeout):
//! let store = mtgo_storage::orm::sqlite::open("session.db").await?;
//! // or an application's own SeaORM connection (no migration unless asked):
//! // let store = mtgo_storage::orm::OrmAdapter::new(db);
//! // store.migrate().await?;
//! let alice = store.session("alice");
//! println!("{:?}", alice.get_peer_by_username("@durov").await?);
//! # Ok(()) }
//! ```

mod conversations;
mod dc_auth;
mod lease;
#[cfg(feature = "mysql")]
pub mod mysql;
mod peers;
#[cfg(feature = "postgres")]
pub mod postgres;
mod purge;
mod records;
mod references;
mod sessions;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_peers;
mod statement;
mod temp_keys;
mod update_state;

pub use mtgo_storage_entity as entity;
pub use mtgo_storage_migration::{Migrator, MigratorTrait};
pub use sea_orm::DatabaseConnection;

use crate::error::{Error, Result};
use crate::store::{Adapter, ConversationStore, DcAuthStore, UpdateStateStore};
use async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, ExecResult, FromQueryResult, QueryResult, Statement, Value,
};
use statement::TextsByCount;
use std::sync::Arc;

/// The SeaORM adapter: implements [`Adapter`] and every optional store on
/// any database SeaORM's sqlx drivers support (SQLite, PostgreSQL, MySQL,
/// MariaDB).
///
/// Cloning it, or calling [`Adapter::session`], gives another handle on
/// the same connection pool. Every row carries the handle's session name.
///
/// Keys are `VARCHAR(255)` columns: a session name, username, dedup key or
/// durable update id longer than 255 characters, or any text holding a NUL
/// character, is [`Error::InvalidInput`] on every database (and on every
/// other backend: see [`crate::limits`]).
#[derive(Clone)]
pub struct OrmAdapter {
    inner: Arc<Inner>,
    /// Shared, so the batch path binds it to every row without a copy.
    name: Arc<str>,
}

impl std::fmt::Debug for OrmAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrmAdapter")
            .field("backend", &self.inner.backend_name)
            .field("session", &self.name)
            .finish_non_exhaustive()
    }
}

struct Inner {
    db: DatabaseConnection,
    backend_name: &'static str,
    backend: DbBackend,
    sessions: sessions::Sql,
    peers: peers::Sql,
    #[cfg(feature = "sqlite")]
    sqlite_peers: sqlite_peers::Sql,
    conversations: conversations::Sql,
    dc_auth: dc_auth::Sql,
    update_state: update_state::Sql,
    lease: lease::Sql,
    temp_keys: temp_keys::Sql,
    references: references::Sql,
    purge: purge::Sql,
    /// Statements whose text depends on a row count or a limit.
    texts: TextsByCount,
    /// Set by [`Adapter::close`]: later calls are [`Error::Closed`].
    closed: std::sync::atomic::AtomicBool,
}

/// Serializes migrations started from one process, so adapters opened at
/// the same time do not race creating the tables.
static MIGRATE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The PostgreSQL advisory lock (`pg_advisory_lock`) that
/// [`OrmAdapter::migrate`] holds on its own connection while migrating, so
/// processes starting at the same time migrate one after the other.
pub const PG_MIGRATION_LOCK: i64 = 0x6d74_676f_5f6d_6967; // "mtgo_mig"

/// The MySQL/MariaDB named lock (`GET_LOCK`) [`OrmAdapter::migrate`] holds
/// while migrating, waiting for it up to [`MIGRATION_LOCK_WAIT_SECS`].
pub const MYSQL_MIGRATION_LOCK: &str = "mtgo_storage_migrate";

/// How long `migrate` waits for another process's MySQL migration lock.
pub const MIGRATION_LOCK_WAIT_SECS: u32 = 300;

/// How long [`postgres::open`] and [`mysql::open`] (and [`OrmAdapter::open`]
/// with their URLs) wait for the first connection before they fail with
/// [`Error::Backend`]; `open_with_timeout` sets another bound.
pub const DEFAULT_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Awaits `connecting` for at most `timeout`: [`Error::Backend`] of
/// `backend` saying so when it takes longer.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn within<T>(
    backend: &'static str,
    timeout: std::time::Duration,
    connecting: impl std::future::Future<Output = T>,
) -> Result<T> {
    tokio::time::timeout(timeout, connecting)
        .await
        .map_err(|_| {
            Error::backend(
                backend,
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection to the server within {timeout:?}"),
                ),
            )
        })
}

/// A dedicated connection holding the database-wide migration lock; closing
/// it releases the lock.
enum SchemaLock {
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlConnection),
}

impl SchemaLock {
    async fn release(self) {
        #[allow(unused_imports)]
        use sqlx::Connection;
        // Closing the session releases the lock; a failure to close drops
        // the socket, which releases it too.
        let _ = match self {
            #[cfg(feature = "postgres")]
            SchemaLock::Postgres(c) => c.close().await,
            #[cfg(feature = "mysql")]
            SchemaLock::MySql(c) => c.close().await,
        };
    }
}

impl OrmAdapter {
    /// An adapter over an application's existing SeaORM connection, bound
    /// to the session name [`crate::DEFAULT_SESSION_NAME`]. It does not
    /// touch the schema: call [`OrmAdapter::migrate`] (or run the
    /// `mtgo-storage-migration` CLI) once if the tables may be missing.
    ///
    /// Works with any connection SeaORM's sqlx drivers make (SQLite,
    /// PostgreSQL, MySQL, MariaDB). The connection's settings are kept as
    /// they are: a SQLite connection made elsewhere gets neither WAL nor a
    /// busy timeout from here (use [`sqlite::open`] for those). On SQLite,
    /// `save_peers` runs its statements on the connection's sqlx pool
    /// directly (binding through SeaORM costs a third more), so a SeaORM
    /// metric callback does not see them.
    pub fn new(db: DatabaseConnection) -> Self {
        let backend = db.get_database_backend();
        let backend_name = match backend {
            DbBackend::Postgres => "postgres",
            DbBackend::MySql => "mysql",
            _ => "sqlite",
        };
        Self {
            inner: Arc::new(Inner {
                db,
                backend_name,
                backend,
                sessions: sessions::Sql::new(backend),
                peers: peers::Sql::new(backend),
                #[cfg(feature = "sqlite")]
                sqlite_peers: sqlite_peers::Sql::new(),
                conversations: conversations::Sql::new(backend),
                dc_auth: dc_auth::Sql::new(backend),
                update_state: update_state::Sql::new(backend),
                lease: lease::Sql::new(backend),
                temp_keys: temp_keys::Sql::new(backend),
                references: references::Sql::new(backend),
                purge: purge::Sql::new(backend),
                texts: TextsByCount::default(),
                closed: std::sync::atomic::AtomicBool::new(false),
            }),
            name: Arc::from(crate::DEFAULT_SESSION_NAME),
        }
    }

    /// Connects to `url` and applies the pending migrations.
    ///
    /// `sqlite:` URLs go through [`sqlite::open_url`] (WAL, busy timeout,
    /// owner-only file), `postgres://`/`postgresql://` through
    /// [`postgres::open`], `mysql://`/`mariadb://` through [`mysql::open`];
    /// each needs its cargo feature.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a URL of a database whose feature is off
    /// or that is not supported; [`Error::Backend`] when connecting or
    /// migrating fails.
    pub async fn open(url: &str) -> Result<Self> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            #[cfg(feature = "sqlite")]
            "sqlite" => sqlite::open_url(url).await,
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => postgres::open(url).await,
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => mysql::open(url).await,
            other => Err(Error::invalid(
                "database url",
                format!(
                    "scheme {other:?} is not supported (enabled: {})",
                    enabled_schemes()
                ),
            )),
        }
    }

    /// Connects to `url` as [`OrmAdapter::open`] does, without creating or
    /// changing anything: a SQLite file must exist, and every database must
    /// already be at the current schema ([`OrmAdapter::check_schema`]). For
    /// tools that only read.
    ///
    /// # Errors
    /// [`Error::SchemaNotCurrent`] when migrations are missing;
    /// [`Error::Io`] when a SQLite file does not exist; otherwise as
    /// [`OrmAdapter::open`].
    pub async fn open_existing(url: &str) -> Result<Self> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            #[cfg(feature = "sqlite")]
            "sqlite" => sqlite::open_existing_url(url).await,
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => postgres::open_existing(url).await,
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => mysql::open_existing(url).await,
            other => Err(Error::invalid(
                "database url",
                format!(
                    "scheme {other:?} is not supported (enabled: {})",
                    enabled_schemes()
                ),
            )),
        }
    }

    /// Checks, changing nothing, that every migration of [`Migrator`] is
    /// applied to the database (it reads the `mtgo_seaql_migrations` table,
    /// and never creates it).
    ///
    /// # Errors
    /// [`Error::SchemaNotCurrent`] naming the missing migrations (all of
    /// them in a database that has none of our tables) or a migration
    /// applied by a newer version of this crate; [`Error::Backend`] when the
    /// database cannot be read.
    pub async fn check_schema(&self) -> Result<()> {
        let statuses = Migrator::get_migration_with_status_read_only(&self.inner.db)
            .await
            .map_err(|e| match e {
                // A migration recorded in the database that this crate
                // does not know: the database is newer than the crate.
                DbErr::Custom(reason) => Error::SchemaNotCurrent {
                    backend: self.inner.backend_name,
                    reason,
                },
                e => self.err(e),
            })?;
        let pending: Vec<String> = statuses
            .iter()
            .filter(|m| m.status() == mtgo_storage_migration::MigrationStatus::Pending)
            .map(|m| m.name().to_owned())
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let reason = if pending.len() == statuses.len() {
            // The Go package's tables where ours would be: say so, rather
            // than asking for a migration that would refuse them.
            crate::go::sql::refuse_go_tables(&self.inner.db).await?;
            "none of its migrations are applied".to_owned()
        } else {
            format!("migrations not applied: {}", pending.join(", "))
        };
        Err(Error::SchemaNotCurrent {
            backend: self.inner.backend_name,
            reason,
        })
    }

    /// Applies the pending migrations of [`Migrator`] (creating the
    /// `mtgo_*` tables and the `mtgo_seaql_migrations` bookkeeping table).
    /// Applying them when none is pending is `Ok(())`. Migrations started
    /// at the same time wait for each other: within a process, and across
    /// processes on PostgreSQL ([`PG_MIGRATION_LOCK`]) and MySQL/MariaDB
    /// ([`MYSQL_MIGRATION_LOCK`]), each lock held on a connection of its own.
    ///
    /// # Errors
    /// [`Error::GoStore`] when the database holds the Go GORM adapter's
    /// tables under our names (nothing is changed);
    /// [`Error::Backend`] when a migration fails or the lock cannot be
    /// taken.
    pub async fn migrate(&self) -> Result<()> {
        crate::go::sql::refuse_go_tables(&self.inner.db).await?;
        let _guard = MIGRATE_LOCK.lock().await;
        let lock = self.lock_schema().await?;
        let result = Migrator::up(&self.inner.db, None)
            .await
            .map_err(|e| self.err(e));
        if let Some(lock) = lock {
            lock.release().await;
        }
        result
    }

    /// Takes the database-wide migration lock on a dedicated connection
    /// (PostgreSQL advisory lock, MySQL named lock); `None` on SQLite, whose
    /// own write lock serializes the migrations' writes.
    async fn lock_schema(&self) -> Result<Option<SchemaLock>> {
        #[allow(unused_imports)]
        use sea_orm::DatabaseConnectionType as Kind;
        #[allow(unused_imports)]
        use sqlx::ConnectOptions;
        #[allow(unused_variables)]
        let err = |e: sqlx::Error| Error::backend(self.inner.backend_name, e);
        match &self.inner.db.inner {
            #[cfg(feature = "postgres")]
            Kind::SqlxPostgresPoolConnection(_) => {
                let pool = self.inner.db.get_postgres_connection_pool();
                let mut conn = pool.connect_options().connect().await.map_err(err)?;
                let lock = statement::call(DbBackend::Postgres, "pg_advisory_lock", 1);
                sqlx::query(sqlx::AssertSqlSafe(lock))
                    .bind(PG_MIGRATION_LOCK)
                    .execute(&mut conn)
                    .await
                    .map_err(err)?;
                Ok(Some(SchemaLock::Postgres(conn)))
            }
            #[cfg(feature = "mysql")]
            Kind::SqlxMySqlPoolConnection(_) => {
                use sqlx::Row;
                let pool = self.inner.db.get_mysql_connection_pool();
                let mut conn = pool.connect_options().connect().await.map_err(err)?;
                let lock = statement::call(DbBackend::MySql, "GET_LOCK", 2);
                let got: Option<i64> = sqlx::query(sqlx::AssertSqlSafe(lock))
                    .bind(MYSQL_MIGRATION_LOCK)
                    .bind(MIGRATION_LOCK_WAIT_SECS)
                    .fetch_one(&mut conn)
                    .await
                    .map_err(err)?
                    .try_get(0)
                    .map_err(err)?;
                if got != Some(1) {
                    return Err(Error::backend(
                        self.inner.backend_name,
                        format!(
                            "another process held the migration lock {MYSQL_MIGRATION_LOCK:?} \
                             for {MIGRATION_LOCK_WAIT_SECS} s"
                        ),
                    ));
                }
                Ok(Some(SchemaLock::MySql(conn)))
            }
            _ => Ok(None),
        }
    }

    /// A handle for another session name on the same connection pool.
    pub fn with_session(&self, name: &str) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            name: Arc::from(name),
        }
    }

    /// The SeaORM connection (for the application's own queries).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    fn err(&self, e: DbErr) -> Error {
        Error::backend(self.inner.backend_name, e)
    }

    /// `Ok` while the adapter is open and its session name is within
    /// [`crate::limits`]; [`Error::Closed`] after [`Adapter::close`]. Every
    /// statement goes through it before it reaches the database.
    fn ready(&self) -> Result<()> {
        if self.inner.closed.load(std::sync::atomic::Ordering::Acquire) {
            return Err(Error::Closed {
                backend: self.inner.backend_name,
            });
        }
        crate::limits::check_session_name(&self.name)
    }

    fn stmt(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.inner.backend, sql, values)
    }

    async fn exec(&self, sql: &str, values: Vec<Value>) -> Result<ExecResult> {
        self.run(self.stmt(sql, values)).await
    }

    async fn run(&self, statement: Statement) -> Result<ExecResult> {
        self.ready()?;
        self.inner
            .db
            .execute_raw(statement)
            .await
            .map_err(|e| self.err(e))
    }

    async fn one<M: FromQueryResult>(&self, sql: &str, values: Vec<Value>) -> Result<Option<M>> {
        self.ready()?;
        M::find_by_statement(self.stmt(sql, values))
            .one(&self.inner.db)
            .await
            .map_err(|e| self.err(e))
    }

    async fn all<M: FromQueryResult>(&self, sql: &str, values: Vec<Value>) -> Result<Vec<M>> {
        self.ready()?;
        M::find_by_statement(self.stmt(sql, values))
            .all(&self.inner.db)
            .await
            .map_err(|e| self.err(e))
    }

    async fn rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
        self.ready()?;
        self.inner
            .db
            .query_all_raw(self.stmt(sql, values))
            .await
            .map_err(|e| self.err(e))
    }

    fn session_value(&self) -> Value {
        self.name.to_string().into()
    }

    /// The sqlx pool under a SQLite connection made by SeaORM's sqlx
    /// driver; `None` for any other connection.
    #[cfg(feature = "sqlite")]
    fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.inner.db.inner {
            sea_orm::DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
                Some(self.inner.db.get_sqlite_connection_pool())
            }
            _ => None,
        }
    }
}

fn enabled_schemes() -> String {
    let schemes: &[&str] = &[
        #[cfg(feature = "sqlite")]
        "sqlite",
        #[cfg(feature = "postgres")]
        "postgres",
        #[cfg(feature = "mysql")]
        "mysql",
    ];
    if schemes.is_empty() {
        "none".to_owned()
    } else {
        schemes.join(", ")
    }
}

/// Whether a failed transaction may succeed when run again: a deadlock or
/// serialization failure (PostgreSQL, MySQL/MariaDB) or a busy/locked
/// database (SQLite).
pub(crate) fn is_transient(e: &DbErr) -> bool {
    #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
    {
        let _ = e;
        false
    }
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    {
        use sea_orm::RuntimeErr;
        let (DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e))) = e
        else {
            return false;
        };
        let Some(db) = e.as_database_error() else {
            return false;
        };
        let code = db.code().unwrap_or_default();
        match code.as_ref() {
            // PostgreSQL deadlock / serialization; MySQL deadlock (SQLSTATE).
            "40P01" | "40001" => true,
            // MySQL lock wait timeout (SQLSTATE HY000, error 1205) and deadlock.
            "HY000" => {
                let msg = db.message();
                msg.contains("Lock wait timeout") || msg.contains("Deadlock")
            }
            // SQLite BUSY (5) and LOCKED (6), with their extended codes.
            other => other
                .parse::<i32>()
                .is_ok_and(|c| matches!(c & 0xff, 5 | 6)),
        }
    }
}

/// Converts a stored `i32` back to a port.
fn port(value: i32, what: &'static str) -> Result<u16> {
    u16::try_from(value).map_err(|_| Error::Corrupt {
        what,
        reason: format!("port {value} is out of range"),
    })
}

#[crate::observe::observed]
#[async_trait]
impl Adapter for OrmAdapter {
    fn backend_name(&self) -> &'static str {
        self.inner.backend_name
    }

    fn session_name(&self) -> &str {
        &self.name
    }

    fn session(&self, name: &str) -> Box<dyn Adapter> {
        Box::new(self.with_session(name))
    }

    async fn session_names(&self) -> Result<Vec<String>> {
        let rows = self
            .rows(&self.inner.sessions.session_names, Vec::new())
            .await?;
        let mut names = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        // Byte order whatever the database's collation.
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

    /// SQLite: an incremental vacuum (see `sqlite::reclaim`); an
    /// in-memory SQLite database, PostgreSQL and MariaDB: nothing.
    async fn reclaim_space(&self) -> Result<()> {
        self.ready()?;
        #[cfg(feature = "sqlite")]
        if let Some(pool) = self.sqlite_pool() {
            return sqlite::reclaim(pool).await;
        }
        Ok(())
    }

    /// Closes the connection pool; later calls on any handle sharing it
    /// are [`Error::Closed`].
    async fn close(&self) -> Result<()> {
        self.inner
            .closed
            .store(true, std::sync::atomic::Ordering::Release);
        self.inner.db.close_by_ref().await.map_err(|e| self.err(e))
    }
}
