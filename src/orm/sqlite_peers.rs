//! `save_peers` on a SQLite pool made by SeaORM's sqlx driver, bound
//! through sqlx itself.
//!
//! On SQLite the batch costs per bound parameter and per statement (each
//! statement is a round trip to sqlx's worker thread), so this path:
//! * binds each row's values to sqlx directly, without SeaORM's `Value`s,
//!   which the SeaORM driver copies once more before binding: the session
//!   name is one shared `Arc<str>`, and each text is one allocation;
//! * replaces the usernames of the whole batch by two statements, each with
//!   one JSON text that `json_each` expands (SQLite's JSON keeps 64-bit
//!   integers and UTF-8 text exactly). The peers themselves stay multi-row
//!   upserts: pulling 13 columns out of JSON rows costs SQLite more than
//!   binding them.
//!
//! Like the generic path it is one transaction, written in ascending id
//! order, with the SQL text of each chunk size built once. Its statements
//! bypass SeaORM, so a metric callback set on the connection
//! (`DatabaseConnection::set_metric_callback`) does not see them.

use super::OrmAdapter;
use super::peers::{COLS, KEY, PEER_CHUNK, TABLE, usernames_json};
use super::sql::Bulk;
use crate::{Peer, normalize_phone};
use sea_orm::{DbErr, RuntimeErr};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, AssertSqlSafe, Sqlite, SqlitePool};
use std::fmt::Write as _;
use std::sync::Arc;

/// Deletes the usernames of the peers whose ids are in the JSON array `?2`.
const DELETE_USERNAMES: &str = "DELETE FROM mtgo_peer_usernames WHERE session_name = ?1 \
     AND peer_id IN (SELECT value FROM json_each(?2))";
/// Inserts a username row per member of the JSON object `?2`
/// (`{"name": peer_id, ...}`).
const INSERT_USERNAMES: &str = "INSERT INTO mtgo_peer_usernames \
     (session_name, username_normalized, peer_id) SELECT ?1, key, value FROM json_each(?2)";

/// The text values of one batch: empty strings (most last names and
/// languages) share one allocation.
struct Texts {
    empty: Arc<str>,
    no_usernames: Arc<str>,
}

impl Texts {
    fn new() -> Self {
        Self {
            empty: Arc::from(""),
            no_usernames: Arc::from("[]"),
        }
    }

    fn text(&self, s: &str) -> Arc<str> {
        if s.is_empty() {
            Arc::clone(&self.empty)
        } else {
            Arc::from(s)
        }
    }

    fn usernames(&self, usernames: &[String]) -> Arc<str> {
        if usernames.is_empty() {
            Arc::clone(&self.no_usernames)
        } else {
            Arc::from(usernames_json(usernames))
        }
    }
}

/// The arguments of one multi-row upsert (`COLS` per peer), and the
/// peer's normalized usernames appended to `names`.
fn upsert_arguments(
    session: &Arc<str>,
    texts: &Texts,
    chunk: &[&Peer],
    names: &mut Vec<(String, i64)>,
) -> Result<SqliteArguments, DbErr> {
    let mut args = SqliteArguments::default();
    args.reserve(chunk.len() * COLS.len(), 0);
    let bind = |e: sqlx::error::BoxDynError| DbErr::Custom(format!("binding a peer: {e}"));
    for p in chunk {
        for name in p.normalized_usernames() {
            names.push((name, p.id));
        }
        // In the order of `COLS`.
        args.add(Arc::clone(session)).map_err(bind)?;
        args.add(p.id).map_err(bind)?;
        args.add(p.peer_type.as_i32()).map_err(bind)?;
        args.add(p.access_hash).map_err(bind)?;
        args.add(texts.text(&p.username)).map_err(bind)?;
        args.add(texts.usernames(&p.usernames)).map_err(bind)?;
        args.add(texts.text(&p.first_name)).map_err(bind)?;
        args.add(texts.text(&p.last_name)).map_err(bind)?;
        args.add(texts.text(&p.phone_number)).map_err(bind)?;
        args.add(texts.text(&normalize_phone(&p.phone_number)))
            .map_err(bind)?;
        args.add(p.is_bot).map_err(bind)?;
        args.add(p.photo_id).map_err(bind)?;
        args.add(texts.text(&p.language)).map_err(bind)?;
        args.add(p.last_updated).map_err(bind)?;
    }
    debug_assert_eq!(Arguments::len(&args), chunk.len() * COLS.len());
    Ok(args)
}

/// `[id, ...]`: the ids of a batch as JSON.
fn ids_json(peers: &[&Peer]) -> String {
    let mut out = String::with_capacity(2 + peers.len() * 21);
    out.push('[');
    for (i, p) in peers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", p.id);
    }
    out.push(']');
    out
}

/// `{"username": id, ...}` as JSON: `json_each` gives each member as
/// `key` and `value` without parsing a row of its own. A name claimed by
/// several peers repeats as a key; SQLite keeps every repeated member.
fn names_json(names: &[(String, i64)]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(2 + names.len() * 40);
    out.push(b'{');
    for (i, (name, id)) in names.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, name);
        let _ = std::io::Write::write_fmt(&mut out, format_args!(":{id}"));
    }
    out.push(b'}');
    // serde_json writes valid UTF-8, the rest is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// A sqlx error as SeaORM reports a failed statement, so the retry of
/// busy databases and the error messages stay the same on every path.
fn sqlx_error_to_exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

impl OrmAdapter {
    /// One attempt at the batch `peers` (ascending ids, one per id) on
    /// `pool`, in one transaction.
    pub(super) async fn save_peers_sqlite(
        &self,
        pool: &SqlitePool,
        peers: &[&Peer],
    ) -> Result<(), DbErr> {
        let inner = &*self.inner;
        let d = inner.dialect;
        let session = &self.name;
        let texts = Texts::new();
        let mut names: Vec<(String, i64)> = Vec::new();
        let mut tx = pool.begin().await.map_err(sqlx_error_to_exec_err)?;

        for chunk in peers.chunks(PEER_CHUNK) {
            let n = chunk.len();
            let sql = inner.bulk.get(Bulk::UpsertPeers, n, || {
                d.upsert(TABLE, COLS, KEY, &COLS[2..], n)
            });
            let args = upsert_arguments(session, &texts, chunk, &mut names)?;
            sqlx::query_with::<Sqlite, _>(AssertSqlSafe(sql), args)
                .execute(&mut *tx)
                .await
                .map_err(sqlx_error_to_exec_err)?;
        }

        // Every username row of the batch: two statements, one JSON each.
        for (sql, json) in [
            (DELETE_USERNAMES, ids_json(peers)),
            (INSERT_USERNAMES, names_json(&names)),
        ] {
            let mut args = SqliteArguments::default();
            args.add(Arc::clone(session))
                .and_then(|()| args.add(json))
                .map_err(|e| DbErr::Custom(format!("binding usernames: {e}")))?;
            sqlx::query_with::<Sqlite, _>(sql, args)
                .execute(&mut *tx)
                .await
                .map_err(sqlx_error_to_exec_err)?;
        }
        tx.commit().await.map_err(sqlx_error_to_exec_err)
    }
}
