//! Peer lookups and the 10,000-peer batch on a SQLite file (WAL,
//! `synchronous=NORMAL`, a 16 MiB page cache; the same settings on every
//! side) holding 10,000 peers:
//!
//! * `lookup/*`: by id, username and phone, warm through `CachedAdapter`,
//!   cold through `OrmAdapter`, and the same queries with raw sqlx and with
//!   rusqlite prepared statements (each decodes the row into a `Peer`);
//! * `save_peers_10000/*`: the same 10,000-peer upsert (peer rows and their
//!   username rows, one transaction) through `OrmAdapter` (and through a
//!   `CachedAdapter` over it, to show what the cache adds), raw sqlx
//!   (multi-row statements of 1,000 rows) and rusqlite (one prepared
//!   statement per row, the fastest way SQLite takes them).
//!
//! Run: `cargo bench --bench peer_cache`. The README's table comes from it.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mtgo_storage::orm::sqlite::PAGE_CACHE_KIB;
use mtgo_storage::{CachedAdapter, Peer, PeerStore, PeerType, normalize_phone};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

mod common;

use common::{PEERS, peers};
const SESSION: &str = "bench";
/// Lookups cycle through this many different peers.
const KEYS: usize = 1_000;

const COLS: &str = "id, peer_type, access_hash, username, usernames, first_name, last_name, \
                    phone_number, is_bot, photo_id, language, last_updated";
const UPSERT_COLS: [&str; 14] = [
    "session_name",
    "id",
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

fn by_id_sql() -> String {
    format!("SELECT {COLS} FROM mtgo_peers WHERE session_name = ? AND id = ?")
}

fn by_username_sql() -> String {
    let cols: Vec<String> = COLS
        .split(", ")
        .map(|c| format!("p.{}", c.trim()))
        .collect();
    format!(
        "SELECT {} FROM mtgo_peer_usernames u JOIN mtgo_peers p \
         ON p.session_name = u.session_name AND p.id = u.peer_id \
         WHERE u.session_name = ? AND u.username_normalized = ? \
         ORDER BY p.last_updated DESC, p.id DESC LIMIT 1",
        cols.join(", ")
    )
}

fn by_phone_sql() -> String {
    format!(
        "SELECT {COLS} FROM mtgo_peers WHERE session_name = ? AND phone_normalized = ? \
         ORDER BY last_updated DESC, id DESC LIMIT 1"
    )
}

/// The peers the lookups cycle through (every tenth, with a phone).
fn sample(peers: &[Peer]) -> Vec<&Peer> {
    peers.iter().step_by(10).take(KEYS).collect()
}

fn usernames_json(p: &Peer) -> String {
    serde_json::to_string(&p.usernames).expect("json")
}

fn peer_type(n: i32) -> PeerType {
    PeerType::try_from(n).expect("peer type")
}

/// sqlx takes `&'static str` as audited SQL; the bench builds it once.
fn leak(sql: String) -> &'static str {
    Box::leak(sql.into_boxed_str())
}

// ---- raw sqlx -------------------------------------------------------------

async fn sqlx_pool(path: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .pragma("temp_store", "MEMORY")
        .pragma("cache_size", format!("-{PAGE_CACHE_KIB}"));
    SqlitePoolOptions::new()
        .max_connections(4)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .expect("sqlx pool")
}

fn sqlx_peer(row: &sqlx::sqlite::SqliteRow) -> Peer {
    Peer {
        id: row.get(0),
        peer_type: peer_type(row.get(1)),
        access_hash: row.get(2),
        username: row.get(3),
        usernames: serde_json::from_str(row.get::<&str, _>(4)).expect("usernames"),
        first_name: row.get(5),
        last_name: row.get(6),
        phone_number: row.get(7),
        is_bot: row.get(8),
        photo_id: row.get(9),
        language: row.get(10),
        last_updated: row.get(11),
        ..Peer::default()
    }
}

async fn sqlx_fetch(pool: &SqlitePool, sql: &'static str, key: impl Into<SqlxKey>) -> Option<Peer> {
    let q = sqlx::query(sql).bind(SESSION);
    let q = match key.into() {
        SqlxKey::Id(id) => q.bind(id),
        SqlxKey::Text(t) => q.bind(t),
    };
    q.fetch_optional(pool)
        .await
        .expect("sqlx query")
        .map(|r| sqlx_peer(&r))
}

enum SqlxKey {
    Id(i64),
    Text(String),
}
impl From<i64> for SqlxKey {
    fn from(v: i64) -> Self {
        SqlxKey::Id(v)
    }
}
impl From<String> for SqlxKey {
    fn from(v: String) -> Self {
        SqlxKey::Text(v)
    }
}

/// The batch as raw sqlx does it best: one transaction, multi-row upserts
/// of 1,000 peers, one delete of their usernames, multi-row inserts of the
/// new ones; statements built once per size.
async fn sqlx_save(
    pool: &SqlitePool,
    peers: &[Peer],
    upsert_1000: &'static str,
    delete_1000: &'static str,
    inserts: &HashMap<usize, &'static str>,
) {
    let mut tx = pool.begin().await.expect("begin");
    for chunk in peers.chunks(1_000) {
        assert_eq!(chunk.len(), 1_000, "the bench uses full chunks");
        let mut q = sqlx::query(upsert_1000);
        let mut names: Vec<(String, i64)> = Vec::new();
        for p in chunk {
            for n in p.normalized_usernames() {
                names.push((n, p.id));
            }
            q = q
                .bind(SESSION)
                .bind(p.id)
                .bind(p.peer_type.as_i32())
                .bind(p.access_hash)
                .bind(&p.username)
                .bind(usernames_json(p))
                .bind(&p.first_name)
                .bind(&p.last_name)
                .bind(&p.phone_number)
                .bind(normalize_phone(&p.phone_number))
                .bind(p.is_bot)
                .bind(p.photo_id)
                .bind(&p.language)
                .bind(p.last_updated);
        }
        q.execute(&mut *tx).await.expect("upsert");
        let mut q = sqlx::query(delete_1000).bind(SESSION);
        for p in chunk {
            q = q.bind(p.id);
        }
        q.execute(&mut *tx).await.expect("delete usernames");
        let mut q = sqlx::query(inserts[&names.len()]);
        for (n, id) in &names {
            q = q.bind(SESSION).bind(n).bind(*id);
        }
        q.execute(&mut *tx).await.expect("insert usernames");
    }
    tx.commit().await.expect("commit");
}

fn multi_row(prefix: &str, cols: usize, rows: usize, suffix: &str) -> String {
    let mut s = String::from(prefix);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('?');
        }
        s.push(')');
    }
    s.push_str(suffix);
    s
}

fn upsert_sql(rows: usize) -> String {
    let update: Vec<String> = UPSERT_COLS[2..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    multi_row(
        &format!(
            "INSERT INTO mtgo_peers ({}) VALUES ",
            UPSERT_COLS.join(", ")
        ),
        UPSERT_COLS.len(),
        rows,
        &format!(
            " ON CONFLICT (session_name, id) DO UPDATE SET {}",
            update.join(", ")
        ),
    )
}

fn delete_usernames_sql(n: usize) -> String {
    let ids: Vec<&str> = vec!["?"; n];
    format!(
        "DELETE FROM mtgo_peer_usernames WHERE session_name = ? AND peer_id IN ({})",
        ids.join(", ")
    )
}

fn insert_usernames_sql(rows: usize) -> String {
    multi_row(
        "INSERT INTO mtgo_peer_usernames (session_name, username_normalized, peer_id) VALUES ",
        3,
        rows,
        "",
    )
}

// ---- rusqlite -------------------------------------------------------------

fn rusqlite_conn(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("rusqlite open");
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; \
         PRAGMA temp_store=MEMORY; PRAGMA cache_size=-{PAGE_CACHE_KIB};"
    ))
    .expect("pragmas");
    conn
}

fn rusqlite_peer(row: &rusqlite::Row<'_>) -> rusqlite::Result<Peer> {
    Ok(Peer {
        id: row.get(0)?,
        peer_type: peer_type(row.get(1)?),
        access_hash: row.get(2)?,
        username: row.get(3)?,
        usernames: serde_json::from_str(&row.get::<_, String>(4)?).expect("usernames"),
        first_name: row.get(5)?,
        last_name: row.get(6)?,
        phone_number: row.get(7)?,
        is_bot: row.get(8)?,
        photo_id: row.get(9)?,
        language: row.get(10)?,
        last_updated: row.get(11)?,
        ..Peer::default()
    })
}

fn rusqlite_fetch(
    conn: &rusqlite::Connection,
    sql: &str,
    key: &dyn rusqlite::ToSql,
) -> Option<Peer> {
    use rusqlite::OptionalExtension;
    let mut stmt = conn.prepare_cached(sql).expect("prepare");
    stmt.query_row(rusqlite::params![SESSION, key], rusqlite_peer)
        .optional()
        .expect("query")
}

/// The batch as SQLite takes it fastest: one transaction, one prepared
/// statement per row.
fn rusqlite_save(conn: &mut rusqlite::Connection, peers: &[Peer]) {
    let upsert = upsert_sql(1);
    let tx = conn.transaction().expect("begin");
    {
        let mut up = tx.prepare_cached(&upsert).expect("prepare upsert");
        let mut del = tx
            .prepare_cached(
                "DELETE FROM mtgo_peer_usernames WHERE session_name = ? AND peer_id = ?",
            )
            .expect("prepare delete");
        let mut ins = tx
            .prepare_cached(&insert_usernames_sql(1))
            .expect("prepare insert");
        for p in peers {
            up.execute(rusqlite::params![
                SESSION,
                p.id,
                p.peer_type.as_i32(),
                p.access_hash,
                p.username,
                usernames_json(p),
                p.first_name,
                p.last_name,
                p.phone_number,
                normalize_phone(&p.phone_number),
                p.is_bot,
                p.photo_id,
                p.language,
                p.last_updated,
            ])
            .expect("upsert");
            del.execute(rusqlite::params![SESSION, p.id])
                .expect("delete");
            for n in p.normalized_usernames() {
                ins.execute(rusqlite::params![SESSION, n, p.id])
                    .expect("insert");
            }
        }
    }
    tx.commit().expect("commit");
}

// ---- the benchmark --------------------------------------------------------

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("peers.db");
    let all = peers();
    let keys = sample(&all);
    let ids: Vec<i64> = keys.iter().map(|p| p.id).collect();
    let names: Vec<String> = keys.iter().map(|p| p.username.to_lowercase()).collect();
    let queries: Vec<String> = keys.iter().map(|p| format!("@{}", p.username)).collect();
    let phones: Vec<String> = keys
        .iter()
        .map(|p| normalize_phone(&p.phone_number))
        .collect();
    assert!(phones.iter().all(|p| !p.is_empty()));

    let (orm, cached, pool) = rt.block_on(async {
        let orm = mtgo_storage::orm::sqlite::open(&path)
            .await
            .expect("open sqlite")
            .with_session(SESSION);
        orm.save_peers(&all).await.expect("seed");
        let cached = CachedAdapter::new(orm.with_session(SESSION));
        assert_eq!(cached.warm_up().await.expect("warm up"), PEERS as usize);
        (orm, cached, sqlx_pool(&path).await)
    });
    let mut conn = rusqlite_conn(&path);
    let (id_sql, name_sql, phone_sql) = (
        leak(by_id_sql()),
        leak(by_username_sql()),
        leak(by_phone_sql()),
    );

    // Every way of reading gives the same peers.
    rt.block_on(async {
        for (i, p) in keys.iter().enumerate().take(20) {
            let want = Some((*p).clone());
            assert_eq!(cached.get_peer(p.id).await.unwrap(), want);
            assert_eq!(
                cached.get_peer_by_username(&queries[i]).await.unwrap(),
                want
            );
            assert_eq!(
                cached.get_peer_by_phone(&p.phone_number).await.unwrap(),
                want
            );
            assert_eq!(orm.get_peer_by_username(&queries[i]).await.unwrap(), want);
            assert_eq!(sqlx_fetch(&pool, name_sql, names[i].clone()).await, want);
            assert_eq!(rusqlite_fetch(&conn, phone_sql, &phones[i]), want);
        }
    });
    let warm_misses = cached.stats().misses;

    let mut g = c.benchmark_group("lookup");
    g.measurement_time(Duration::from_secs(4));
    g.warm_up_time(Duration::from_secs(1));
    macro_rules! cycle {
        ($v:expr) => {{
            let mut i = 0usize;
            move || {
                i = (i + 1) % KEYS;
                i
            }
        }};
    }
    // Warm: through the cache.
    {
        let mut next = cycle!(());
        g.bench_function("get_peer/cached_warm", |b| {
            b.to_async(&rt).iter(|| {
                let i = next();
                let cached = &cached;
                let id = ids[i];
                async move { black_box(cached.get_peer(id).await.unwrap()) }
            })
        });
        let mut next = cycle!(());
        g.bench_function("get_peer_by_username/cached_warm", |b| {
            b.to_async(&rt).iter(|| {
                let q = &queries[next()];
                let cached = &cached;
                async move { black_box(cached.get_peer_by_username(q).await.unwrap()) }
            })
        });
        let mut next = cycle!(());
        g.bench_function("get_peer_by_phone/cached_warm", |b| {
            b.to_async(&rt).iter(|| {
                let q = &keys[next()].phone_number;
                let cached = &cached;
                async move { black_box(cached.get_peer_by_phone(q).await.unwrap()) }
            })
        });
    }
    // Cold: straight through the OrmAdapter.
    {
        let mut next = cycle!(());
        g.bench_function("get_peer/orm", |b| {
            b.to_async(&rt).iter(|| {
                let id = ids[next()];
                let orm = &orm;
                async move { black_box(orm.get_peer(id).await.unwrap()) }
            })
        });
        let mut next = cycle!(());
        g.bench_function("get_peer_by_username/orm", |b| {
            b.to_async(&rt).iter(|| {
                let q = &queries[next()];
                let orm = &orm;
                async move { black_box(orm.get_peer_by_username(q).await.unwrap()) }
            })
        });
        let mut next = cycle!(());
        g.bench_function("get_peer_by_phone/orm", |b| {
            b.to_async(&rt).iter(|| {
                let q = &keys[next()].phone_number;
                let orm = &orm;
                async move { black_box(orm.get_peer_by_phone(q).await.unwrap()) }
            })
        });
    }
    // Raw sqlx.
    {
        let mut next = cycle!(());
        g.bench_function("get_peer/raw_sqlx", |b| {
            b.to_async(&rt).iter(|| {
                let id = ids[next()];
                let (pool, sql) = (&pool, id_sql);
                async move { black_box(sqlx_fetch(pool, sql, id).await) }
            })
        });
        let mut next = cycle!(());
        g.bench_function("get_peer_by_username/raw_sqlx", |b| {
            b.to_async(&rt).iter(|| {
                // The caller normalizes, as the adapters do.
                let q = mtgo_storage::normalize_username(&queries[next()]);
                let (pool, sql) = (&pool, name_sql);
                async move { black_box(sqlx_fetch(pool, sql, q).await) }
            })
        });
        let mut next = cycle!(());
        g.bench_function("get_peer_by_phone/raw_sqlx", |b| {
            b.to_async(&rt).iter(|| {
                let q = normalize_phone(&keys[next()].phone_number);
                let (pool, sql) = (&pool, phone_sql);
                async move { black_box(sqlx_fetch(pool, sql, q).await) }
            })
        });
    }
    // rusqlite, prepared statements.
    {
        let mut next = cycle!(());
        g.bench_function("get_peer/rusqlite", |b| {
            b.iter(|| black_box(rusqlite_fetch(&conn, id_sql, &ids[next()])))
        });
        let mut next = cycle!(());
        g.bench_function("get_peer_by_username/rusqlite", |b| {
            b.iter(|| {
                let q = mtgo_storage::normalize_username(&queries[next()]);
                black_box(rusqlite_fetch(&conn, name_sql, &q))
            })
        });
        let mut next = cycle!(());
        g.bench_function("get_peer_by_phone/rusqlite", |b| {
            b.iter(|| {
                let q = normalize_phone(&keys[next()].phone_number);
                black_box(rusqlite_fetch(&conn, phone_sql, &q))
            })
        });
    }
    g.finish();
    assert_eq!(
        cached.stats().misses,
        warm_misses,
        "every warm lookup was served from memory"
    );

    // The 10,000-peer batch (an upsert of existing peers, as a client
    // refreshing its cache does), each in one transaction.
    let mut g = c.benchmark_group("save_peers_10000");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    g.warm_up_time(Duration::from_secs(2));
    g.bench_function("orm", |b| {
        b.to_async(&rt)
            .iter(|| async { orm.save_peers(&all).await.unwrap() })
    });
    // The same through the cache: the write-through bookkeeping on top.
    g.bench_function("cached_orm", |b| {
        b.to_async(&rt)
            .iter(|| async { cached.save_peers(&all).await.unwrap() })
    });
    let upsert_1000 = leak(upsert_sql(1_000));
    let delete_1000 = leak(delete_usernames_sql(1_000));
    let inserts: HashMap<usize, &'static str> = all
        .chunks(1_000)
        .map(|c| c.iter().map(|p| p.normalized_usernames().len()).sum())
        .map(|n: usize| (n, leak(insert_usernames_sql(n))))
        .collect();
    g.bench_function("raw_sqlx", |b| {
        b.to_async(&rt)
            .iter(|| sqlx_save(&pool, &all, upsert_1000, delete_1000, &inserts))
    });
    g.bench_function("rusqlite", |b| {
        b.iter_batched(
            || (),
            |()| rusqlite_save(&mut conn, &all),
            BatchSize::PerIteration,
        )
    });
    g.finish();

    // The batches wrote the same values: every way still reads them.
    rt.block_on(async {
        let p = keys[3];
        assert_eq!(orm.get_peer(p.id).await.unwrap().as_ref(), Some(p));
        assert_eq!(orm.load_peers().await.unwrap().len(), PEERS as usize);
    });
}

/// A fixed pseudo-random permutation of `0..n` (xorshift, Fisher-Yates).
fn shuffled(n: usize, mut seed: u64) -> Vec<usize> {
    let mut out: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    out
}

/// ../shared/PERFORMANCE.md's workload: a new store, the cache warmed up at
/// start (on the empty store), 10,000 users stored in one batch through it,
/// then 10,000 id lookups in a shuffled order and 1,000 random usernames,
/// each looked up for the first time. `first_lookups/*` times the 11,000
/// lookups (throughput: lookups per second) through `CachedAdapter` (a new
/// session each iteration, so every username lookup is its first, and the
/// cache learned every peer from the write) beside `OrmAdapter`, raw sqlx
/// and rusqlite reading the same 10,000 peers from the same file.
fn first_lookups(c: &mut Criterion) {
    use criterion::Throughput;
    use mtgo_storage::Adapter;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("workload.db");
    let all = peers();
    let order = shuffled(all.len(), 0x9E37_79B9_7F4A_7C15);
    let ids: Vec<i64> = order.iter().map(|&i| all[i].id).collect();
    let names: Vec<String> = shuffled(all.len(), 0xD1B5_4A32_D192_ED03)
        .into_iter()
        .take(1_000)
        .map(|i| all[i].username.clone())
        .collect();
    let lookups = (ids.len() + names.len()) as u64;
    let orm = rt.block_on(async {
        let orm = mtgo_storage::orm::sqlite::open(&path)
            .await
            .expect("open sqlite")
            .with_session(SESSION);
        orm.save_peers(&all).await.expect("seed");
        orm
    });
    let pool = rt.block_on(sqlx_pool(&path));
    let conn = rusqlite_conn(&path);
    let (id_sql, name_sql) = (leak(by_id_sql()), leak(by_username_sql()));

    let mut g = c.benchmark_group("first_lookups");
    g.throughput(Throughput::Elements(lookups));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(3));
    g.warm_up_time(Duration::from_millis(500));
    let mut round = 0u64;
    g.bench_function("cached_orm", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (orm, all, ids, names) = (&orm, &all, &ids, &names);
            round += 1;
            let base = round * 1_000_000;
            async move {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    // Untimed: a new session, warmed up empty, and the
                    // batch written through the cache.
                    let session = format!("workload-{}", base + i);
                    let cached = CachedAdapter::new(orm.with_session(&session));
                    assert_eq!(cached.warm_up().await.unwrap(), 0);
                    cached.save_peers(all).await.unwrap();
                    let started = std::time::Instant::now();
                    for &id in ids {
                        black_box(cached.get_peer(id).await.unwrap());
                    }
                    for name in names {
                        black_box(cached.get_peer_by_username(name).await.unwrap());
                    }
                    total += started.elapsed();
                    let stats = cached.stats();
                    assert_eq!(stats.misses, 0, "every lookup from memory: {stats:?}");
                    cached.purge_session().await.unwrap();
                }
                total
            }
        })
    });
    g.bench_function("orm", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (orm, ids, names) = (&orm, &ids, &names);
            async move {
                let started = std::time::Instant::now();
                for _ in 0..iters {
                    for &id in ids {
                        black_box(orm.get_peer(id).await.unwrap());
                    }
                    for name in names {
                        black_box(orm.get_peer_by_username(name).await.unwrap());
                    }
                }
                started.elapsed()
            }
        })
    });
    g.bench_function("raw_sqlx", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (pool, ids, names) = (&pool, &ids, &names);
            async move {
                let started = std::time::Instant::now();
                for _ in 0..iters {
                    for &id in ids {
                        black_box(sqlx_fetch(pool, id_sql, id).await);
                    }
                    for name in names {
                        let key = mtgo_storage::normalize_username(name);
                        black_box(sqlx_fetch(pool, name_sql, key).await);
                    }
                }
                started.elapsed()
            }
        })
    });
    g.bench_function("rusqlite", |b| {
        b.iter_custom(|iters| {
            let started = std::time::Instant::now();
            for _ in 0..iters {
                for id in &ids {
                    black_box(rusqlite_fetch(&conn, id_sql, id));
                }
                for name in &names {
                    let key = mtgo_storage::normalize_username(name);
                    black_box(rusqlite_fetch(&conn, name_sql, &key));
                }
            }
            started.elapsed()
        })
    });
    g.finish();
}

/// Writing 10,000 new peers (a session that had none) through the cache
/// beside the same batch straight through `OrmAdapter`: each iteration
/// writes into a new session (the cache over it warmed up empty first, so
/// it is complete), untimed set-up and clean-up around the batch.
fn save_new_peers(c: &mut Criterion) {
    use mtgo_storage::Adapter;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.db");
    let all = peers();
    let orm = rt.block_on(async {
        mtgo_storage::orm::sqlite::open(&path)
            .await
            .expect("open sqlite")
    });
    let mut g = c.benchmark_group("save_new_peers_10000");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.warm_up_time(Duration::from_millis(500));
    let mut round = 0u64;
    for through_cache in [false, true] {
        let name = if through_cache { "cached_orm" } else { "orm" };
        g.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let (orm, all) = (&orm, &all);
                round += 1;
                let base = round * 1_000_000;
                async move {
                    let mut total = Duration::ZERO;
                    for i in 0..iters {
                        let inner = orm.with_session(&format!("new-{}", base + i));
                        let started;
                        if through_cache {
                            let cached = CachedAdapter::new(inner.clone());
                            cached.warm_up().await.unwrap();
                            started = std::time::Instant::now();
                            cached.save_peers(all).await.unwrap();
                            total += started.elapsed();
                        } else {
                            started = std::time::Instant::now();
                            inner.save_peers(all).await.unwrap();
                            total += started.elapsed();
                        }
                        inner.purge_session().await.unwrap();
                    }
                    total
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench, first_lookups, save_new_peers);
criterion_main!(benches);
