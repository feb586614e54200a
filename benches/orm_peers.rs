//! `OrmAdapter` beside a hand-written raw sqlx baseline doing the same work
//! on the same database in the same run, so results read as ratios:
//!
//! - `save_peers` of 10,000 peers (one transaction; per 1,000 peers one
//!   multi-row upsert, one delete of their usernames, one multi-row insert
//!   of the new ones);
//! - `get_peer` by id, `get_peer_by_username` (decoded into a `Peer`);
//! - saving the update state (one upsert).
//!
//! On a SQLite file (WAL, synchronous=NORMAL, temp_store=MEMORY, a 16 MiB
//! page cache, the same
//! pool settings on both sides) and, with the `postgres` feature, on the
//! PostgreSQL of `MTGO_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`; skipped loudly when
//! unreachable unless `MTGO_TEST_REQUIRE` names `postgres`), in a database
//! of the bench's own, created and dropped by it (its `VACUUM ANALYZE`
//! must not leave statistics in the tests' database).
//!
//! ```sh
//! cargo bench --features testing,postgres --bench orm_peers
//! ```

use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use mtgo_storage::conformance::fixtures::full_peer;
use mtgo_storage::{OrmAdapter, Peer, PeerStore, PeerType, UpdateState, UpdateStateStore};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const PEERS: i64 = 10_000;
const CHUNK: usize = 1_000;
const ORM_SESSION: &str = "bench-orm";
const RAW_SESSION: &str = "bench-raw";

const COLS: &str = "session_name, id, peer_type, access_hash, username, usernames, first_name, \
                    last_name, phone_number, phone_normalized, is_bot, photo_id, language, last_updated";
const UPDATE: &[&str] = &[
    "peer_type",
    "access_hash",
    "username",
    "usernames",
    "first_name",
    "last_name",
    "phone_number",
    "phone_normalized",
    "is_bot",
    "photo_id",
    "language",
    "last_updated",
];

fn peers() -> Vec<Peer> {
    (1..=PEERS).map(full_peer).collect()
}

/// Placeholder `n` (1-based) of the dialect.
fn ph(pg: bool, n: usize) -> String {
    if pg { format!("${n}") } else { "?".to_owned() }
}

/// The raw baseline's SQL, written by hand, built once per row count.
struct RawSql {
    pg: bool,
    cache: HashMap<(u8, usize), Arc<str>>,
    get: Arc<str>,
    by_username: Arc<str>,
    save_state: Arc<str>,
}

impl RawSql {
    fn new(pg: bool) -> Self {
        let p = |n| ph(pg, n);
        let pcols = COLS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            pg,
            cache: HashMap::new(),
            get: format!(
                "SELECT {COLS} FROM mtgo_peers WHERE session_name = {} AND id = {}",
                p(1),
                p(2)
            )
            .into(),
            by_username: format!(
                "SELECT {pcols} FROM mtgo_peer_usernames u JOIN mtgo_peers p \
                 ON p.session_name = u.session_name AND p.id = u.peer_id \
                 WHERE u.session_name = {} AND u.username_normalized = {} \
                 ORDER BY p.last_updated DESC, p.id DESC LIMIT 1",
                p(1),
                p(2)
            )
            .into(),
            save_state: format!(
                "INSERT INTO mtgo_update_state (session_name, pts, qts, date, seq) \
                 VALUES ({}, {}, {}, {}, {}) ON CONFLICT (session_name) DO UPDATE SET \
                 pts = excluded.pts, qts = excluded.qts, date = excluded.date, seq = excluded.seq",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            )
            .into(),
        }
    }

    fn values(&self, rows: usize, cols: usize) -> String {
        let mut n = 0;
        (0..rows)
            .map(|_| {
                let row = (0..cols)
                    .map(|_| {
                        n += 1;
                        ph(self.pg, n)
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("({row})")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn upsert_peers(&mut self, rows: usize) -> Arc<str> {
        if !self.cache.contains_key(&(0, rows)) {
            let set = UPDATE
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO mtgo_peers ({COLS}) VALUES {} ON CONFLICT (session_name, id) DO UPDATE SET {set}",
                self.values(rows, 14)
            );
            self.cache.insert((0, rows), sql.into());
        }
        Arc::clone(&self.cache[&(0, rows)])
    }

    fn delete_usernames(&mut self, rows: usize) -> Arc<str> {
        if !self.cache.contains_key(&(1, rows)) {
            let ids = (0..rows)
                .map(|i| ph(self.pg, i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "DELETE FROM mtgo_peer_usernames WHERE session_name = {} AND peer_id IN ({ids})",
                ph(self.pg, 1)
            );
            self.cache.insert((1, rows), sql.into());
        }
        Arc::clone(&self.cache[&(1, rows)])
    }

    fn insert_usernames(&mut self, rows: usize) -> Arc<str> {
        if !self.cache.contains_key(&(2, rows)) {
            let sql = format!(
                "INSERT INTO mtgo_peer_usernames (session_name, username_normalized, peer_id) VALUES {}",
                self.values(rows, 3)
            );
            self.cache.insert((2, rows), sql.into());
        }
        Arc::clone(&self.cache[&(2, rows)])
    }
}

/// The raw sqlx baseline for one database type, written once as a macro
/// (sqlx's query builders are typed by database).
macro_rules! raw_baseline {
    ($module:ident, $db:ty, $pool:ty, $pg:expr, $settle:expr) => {
        mod $module {
            use super::*;
            use sqlx::{AssertSqlSafe, Row};

            pub struct Raw {
                pub pool: $pool,
                pub sql: std::sync::Mutex<RawSql>,
            }

            impl Raw {
                pub fn new(pool: $pool) -> Self {
                    Self {
                        pool,
                        sql: std::sync::Mutex::new(RawSql::new($pg)),
                    }
                }

                pub async fn save_peers(&self, peers: &[Peer]) {
                    let mut sorted: Vec<&Peer> = peers.iter().collect();
                    sorted.sort_by_key(|p| p.id);
                    let mut tx = self.pool.begin().await.unwrap();
                    for chunk in sorted.chunks(CHUNK) {
                        let (upsert, delete) = {
                            let mut sql = self.sql.lock().unwrap();
                            (
                                sql.upsert_peers(chunk.len()),
                                sql.delete_usernames(chunk.len()),
                            )
                        };
                        let mut q = sqlx::query::<$db>(AssertSqlSafe(upsert));
                        let mut names: Vec<(String, i64)> = Vec::new();
                        for p in chunk {
                            for n in p.normalized_usernames() {
                                names.push((n, p.id));
                            }
                            q = q
                                .bind(RAW_SESSION)
                                .bind(p.id)
                                .bind(p.peer_type.as_i32())
                                .bind(p.access_hash)
                                .bind(p.username.clone())
                                .bind(serde_json::to_string(&p.usernames).unwrap())
                                .bind(p.first_name.clone())
                                .bind(p.last_name.clone())
                                .bind(p.phone_number.clone())
                                .bind(p.normalized_phone())
                                .bind(p.is_bot)
                                .bind(p.photo_id)
                                .bind(p.language.clone())
                                .bind(p.last_updated);
                        }
                        q.execute(&mut *tx).await.unwrap();
                        let mut q = sqlx::query::<$db>(AssertSqlSafe(delete)).bind(RAW_SESSION);
                        for p in chunk {
                            q = q.bind(p.id);
                        }
                        q.execute(&mut *tx).await.unwrap();
                        let insert = self.sql.lock().unwrap().insert_usernames(names.len());
                        let mut q = sqlx::query::<$db>(AssertSqlSafe(insert));
                        for (n, id) in names {
                            q = q.bind(RAW_SESSION).bind(n).bind(id);
                        }
                        q.execute(&mut *tx).await.unwrap();
                    }
                    tx.commit().await.unwrap();
                }

                fn decode(row: &<$db as sqlx::Database>::Row) -> Peer {
                    let usernames: String = row.get(5);
                    Peer {
                        id: row.get(1),
                        peer_type: PeerType::try_from(row.get::<i32, _>(2)).unwrap(),
                        access_hash: row.get(3),
                        username: row.get(4),
                        usernames: serde_json::from_str(&usernames).unwrap(),
                        first_name: row.get(6),
                        last_name: row.get(7),
                        phone_number: row.get(8),
                        is_bot: row.get(10),
                        photo_id: row.get(11),
                        language: row.get(12),
                        last_updated: row.get(13),
                        ..Peer::default()
                    }
                }

                pub async fn get_peer(&self, id: i64) -> Option<Peer> {
                    let sql = self.sql.lock().unwrap().get.clone();
                    sqlx::query::<$db>(AssertSqlSafe(sql))
                        .bind(RAW_SESSION)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .unwrap()
                        .map(|r| Self::decode(&r))
                }

                pub async fn get_peer_by_username(&self, username: &str) -> Option<Peer> {
                    let sql = self.sql.lock().unwrap().by_username.clone();
                    sqlx::query::<$db>(AssertSqlSafe(sql))
                        .bind(RAW_SESSION)
                        .bind(mtgo_storage::normalize_username(username))
                        .fetch_optional(&self.pool)
                        .await
                        .unwrap()
                        .map(|r| Self::decode(&r))
                }

                /// Settles the database between measurements (outside them):
                /// checkpoints the WAL or vacuums the updated tables, so the
                /// second side of a pair does not pay for the first one's
                /// dead rows.
                pub async fn settle(&self) {
                    for sql in $settle {
                        sqlx::raw_sql(sql).execute(&self.pool).await.unwrap();
                    }
                }

                pub async fn save_update_state(&self, s: &UpdateState) {
                    let sql = self.sql.lock().unwrap().save_state.clone();
                    sqlx::query::<$db>(AssertSqlSafe(sql))
                        .bind(RAW_SESSION)
                        .bind(s.pts)
                        .bind(s.qts)
                        .bind(s.date)
                        .bind(s.seq)
                        .execute(&self.pool)
                        .await
                        .unwrap();
                }
            }
        }
    };
}

raw_baseline!(
    raw_sqlite,
    sqlx::Sqlite,
    sqlx::SqlitePool,
    false,
    ["PRAGMA wal_checkpoint(TRUNCATE)"]
);
#[cfg(feature = "postgres")]
raw_baseline!(
    raw_postgres,
    sqlx::Postgres,
    sqlx::PgPool,
    true,
    [
        "VACUUM ANALYZE mtgo_peers",
        "VACUUM ANALYZE mtgo_peer_usernames"
    ]
);

fn configure(g: &mut BenchmarkGroup<'_, WallTime>, batch: bool) {
    if batch {
        g.sample_size(10).measurement_time(Duration::from_secs(8));
    } else {
        g.sample_size(30).measurement_time(Duration::from_secs(3));
    }
    g.warm_up_time(Duration::from_millis(500));
}

/// The four operations, ORM beside raw, on one database.
macro_rules! bench_pair {
    ($c:expr, $rt:expr, $name:expr, $orm:expr, $raw:expr) => {{
        let (c, rt, orm, raw): (&mut Criterion, &Runtime, &OrmAdapter, _) = ($c, $rt, $orm, $raw);
        let peers = peers();
        // Both sides start from the same stored rows.
        rt.block_on(async {
            orm.save_peers(&peers).await.unwrap();
            raw.save_peers(&peers).await;
        });
        assert_eq!(
            rt.block_on(orm.get_peer(5_000)).unwrap(),
            rt.block_on(raw.get_peer(5_000))
        );

        // Each measured batch of one side follows an unmeasured batch of the
        // other, so both sides meet the same database state (dead rows,
        // checkpoints, autovacuum) whichever runs first.
        let batch: &[Peer] = &peers;
        let mut g = c.benchmark_group(format!("{}/save_peers_10000", $name));
        configure(&mut g, true);
        rt.block_on(raw.settle());
        g.bench_function("orm", |b| {
            b.to_async(rt).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    raw.save_peers(batch).await;
                    let started = Instant::now();
                    orm.save_peers(batch).await.unwrap();
                    total += started.elapsed();
                }
                total
            })
        });
        rt.block_on(raw.settle());
        g.bench_function("raw_sqlx", |b| {
            b.to_async(rt).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    orm.save_peers(batch).await.unwrap();
                    let started = Instant::now();
                    raw.save_peers(batch).await;
                    total += started.elapsed();
                }
                total
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("{}/get_peer", $name));
        configure(&mut g, false);
        let mut i = 0i64;
        g.bench_function("orm", |b| {
            b.to_async(rt).iter(|| {
                i = i % PEERS + 1;
                let id = i;
                async move { orm.get_peer(id).await.unwrap().unwrap() }
            })
        });
        g.bench_function("raw_sqlx", |b| {
            b.to_async(rt).iter(|| {
                i = i % PEERS + 1;
                let id = i;
                async move { raw.get_peer(id).await.unwrap() }
            })
        });
        g.finish();

        let names: Vec<String> = peers.iter().map(|p| p.usernames[1].clone()).collect();
        let mut g = c.benchmark_group(format!("{}/get_peer_by_username", $name));
        configure(&mut g, false);
        let mut i = 0usize;
        g.bench_function("orm", |b| {
            b.to_async(rt).iter(|| {
                i = (i + 1) % names.len();
                let name = &names[i];
                async move { orm.get_peer_by_username(name).await.unwrap().unwrap() }
            })
        });
        g.bench_function("raw_sqlx", |b| {
            b.to_async(rt).iter(|| {
                i = (i + 1) % names.len();
                let name = &names[i];
                async move { raw.get_peer_by_username(name).await.unwrap() }
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("{}/save_update_state", $name));
        configure(&mut g, false);
        let updates = orm.update_state_store();
        let mut pts = 0;
        g.bench_function("orm", |b| {
            b.to_async(rt).iter(|| {
                pts += 1;
                let s = UpdateState {
                    pts,
                    qts: 1,
                    date: 2,
                    seq: 3,
                };
                async move { updates.save_update_state(&s).await.unwrap() }
            })
        });
        g.bench_function("raw_sqlx", |b| {
            b.to_async(rt).iter(|| {
                pts += 1;
                let s = UpdateState {
                    pts,
                    qts: 1,
                    date: 2,
                    seq: 3,
                };
                async move { raw.save_update_state(&s).await }
            })
        });
        g.finish();
    }};
}

trait UpdateStateOf {
    fn update_state_store(&self) -> &dyn UpdateStateStore;
}

impl UpdateStateOf for OrmAdapter {
    fn update_state_store(&self) -> &dyn UpdateStateStore {
        self
    }
}

fn sqlite(c: &mut Criterion) {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let orm = rt
        .block_on(mtgo_storage::orm::sqlite::open(&path))
        .unwrap()
        .with_session(ORM_SESSION);
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(mtgo_storage::orm::sqlite::BUSY_TIMEOUT)
        .pragma("temp_store", "MEMORY")
        .pragma(
            "cache_size",
            format!("-{}", mtgo_storage::orm::sqlite::PAGE_CACHE_KIB),
        );
    let pool = rt
        .block_on(
            SqlitePoolOptions::new()
                .max_connections(mtgo_storage::orm::sqlite::POOL_SIZE)
                .min_connections(1)
                .test_before_acquire(false)
                .connect_with(options),
        )
        .unwrap();
    let raw = raw_sqlite::Raw::new(pool);
    bench_pair!(c, &rt, "sqlite", &orm, &raw);
}

#[cfg(feature = "postgres")]
fn postgres(c: &mut Criterion) {
    use mtgo_storage::Adapter;
    use mtgo_storage::conformance::{service_url, unavailable};
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sqlx::{ConnectOptions, Connection};
    use std::str::FromStr;
    let rt = Runtime::new().unwrap();
    let admin = service_url("postgres", "postgres://postgres@127.0.0.1:5432/test");
    // A database of the bench's own: `settle` runs `VACUUM ANALYZE`, whose
    // statistics must never reach the tests' shared database (with
    // autovacuum off they would outlive the run and mislead the planner
    // about every session written later).
    let name = format!("mtgo_orm_bench_{}", std::process::id());
    let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
    let url = format!(
        "{}/{name}{}{query}",
        &base[..base.rfind('/').unwrap_or(base.len())],
        if query.is_empty() { "" } else { "?" }
    );
    let create = async {
        let mut c = sqlx::PgConnection::connect(&admin).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE); CREATE DATABASE {name}"
        )))
        .execute(&mut c)
        .await?;
        Ok::<_, sqlx::Error>(c)
    };
    let mut admin_conn = match rt.block_on(create) {
        Ok(c) => c,
        Err(e) => {
            let _: Option<()> = unavailable("postgres", &e);
            return;
        }
    };
    let orm = rt
        .block_on(mtgo_storage::orm::postgres::open(&url))
        .unwrap()
        .with_session(ORM_SESSION);
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .disable_statement_logging();
    let pool = rt
        .block_on(
            PgPoolOptions::new()
                .max_connections(mtgo_storage::orm::postgres::POOL_SIZE)
                .min_connections(1)
                .test_before_acquire(false)
                .connect_with(options),
        )
        .unwrap();
    let raw = raw_postgres::Raw::new(pool.clone());
    bench_pair!(c, &rt, "postgres", &orm, &raw);
    rt.block_on(async {
        orm.close().await.unwrap();
        pool.close().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut admin_conn)
        .await
        .unwrap();
    });
}

#[cfg(not(feature = "postgres"))]
fn postgres(_: &mut Criterion) {
    eprintln!("orm_peers: the postgres feature is off; PostgreSQL not benchmarked");
}

criterion_group!(benches, sqlite, postgres);
criterion_main!(benches);
