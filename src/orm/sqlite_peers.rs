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
//! order, with the SQL text of each chunk size built once by sea-query (the
//! `json_each` statements too), and the row's values written column by
//! column in the entity's order (`peers::write_peer`). Its statements
//! bypass SeaORM, so a metric callback set on the connection
//! (`DatabaseConnection::set_metric_callback`) does not see them.

use super::OrmAdapter;
use super::peers::{PEER_CHUNK, PeerRow, upsert_peers, write_peer};
use super::statement::{StatementKind, slot, slot_expr, text};
use crate::Peer;
use mtgo_storage_entity::peer_usernames::{self, Column as Username};
use sea_orm::sea_query::{Alias, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, DbBackend, DbErr, EntityName, EntityTrait, Iterable, QueryFilter, QueryTrait,
    RuntimeErr,
};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, AssertSqlSafe, Sqlite, SqlitePool};
use std::fmt::Write as _;
use std::sync::Arc;

/// The two username statements of the batch, built once per adapter.
pub(super) struct Sql {
    /// Deletes the usernames of the peers whose ids are in the JSON array
    /// bound second.
    delete_usernames: String,
    /// Inserts a username row per member of the JSON object bound second
    /// (`{"name": peer_id, ...}`).
    insert_usernames: String,
}

/// `SELECT <select> FROM json_each(?)`: the members of a bound JSON text.
fn json_members(select: &mut SelectStatement) -> &mut SelectStatement {
    select.from_function(Func::cust("json_each").arg(slot_expr()), Alias::new("j"))
}

impl Sql {
    pub(super) fn new() -> Self {
        let backend = DbBackend::Sqlite;
        let ids = json_members(Query::select().column(Alias::new("value"))).to_owned();
        let rows = json_members(
            Query::select()
                .expr(slot_expr())
                .column(Alias::new("key"))
                .column(Alias::new("value")),
        )
        .to_owned();
        let mut insert = Query::insert();
        insert
            .into_table(peer_usernames::Entity.table_ref())
            .columns(Username::iter());
        insert
            .select_from(rows)
            .unwrap_or_else(|e| unreachable!("the select has one value per username column: {e}"));
        Self {
            delete_usernames: text(
                backend,
                &peer_usernames::Entity::delete_many()
                    .filter(Username::SessionName.eq(slot()))
                    .filter(Username::PeerId.in_subquery(ids))
                    .into_query(),
            ),
            insert_usernames: text(backend, &insert),
        }
    }
}

/// The text values of one batch: empty strings (most last names and
/// languages) and empty username lists share one allocation each.
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
        match s {
            "" => Arc::clone(&self.empty),
            "[]" => Arc::clone(&self.no_usernames),
            _ => Arc::from(s),
        }
    }
}

/// A peer row bound straight to sqlx.
struct Bind<'a> {
    session: &'a Arc<str>,
    texts: &'a Texts,
    args: SqliteArguments,
    error: Option<sqlx::error::BoxDynError>,
}

impl Bind<'_> {
    fn add<T>(&mut self, value: T)
    where
        T: for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite>,
    {
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e);
        }
    }
}

impl PeerRow for Bind<'_> {
    fn session(&mut self) {
        self.add(Arc::clone(self.session));
    }
    fn int(&mut self, v: i32) {
        self.add(v);
    }
    fn big_int(&mut self, v: i64) {
        self.add(v);
    }
    fn boolean(&mut self, v: bool) {
        self.add(v);
    }
    fn opt_boolean(&mut self, v: Option<bool>) {
        self.add(v);
    }
    fn opt_int(&mut self, v: Option<i32>) {
        self.add(v);
    }
    fn text(&mut self, v: &str) {
        let v = self.texts.text(v);
        self.add(v);
    }
}

/// The arguments of one multi-row upsert, and each peer's normalized
/// usernames appended to `names`.
fn upsert_arguments(
    session: &Arc<str>,
    texts: &Texts,
    chunk: &[&Peer],
    names: &mut Vec<(String, i64)>,
) -> Result<SqliteArguments, DbErr> {
    let mut row = Bind {
        session,
        texts,
        args: SqliteArguments::default(),
        error: None,
    };
    let width = mtgo_storage_entity::peers::Column::iter().count();
    row.args.reserve(chunk.len() * width, 0);
    for p in chunk {
        for name in p.normalized_usernames() {
            names.push((name, p.id));
        }
        write_peer(p, &mut row);
    }
    if let Some(e) = row.error {
        return Err(DbErr::Custom(format!("binding a peer: {e}")));
    }
    debug_assert_eq!(Arguments::len(&row.args), chunk.len() * width);
    Ok(row.args)
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
        let session = &self.name;
        let texts = Texts::new();
        let mut names: Vec<(String, i64)> = Vec::new();
        let mut tx = pool.begin().await.map_err(sqlx_error_to_exec_err)?;

        for chunk in peers.chunks(PEER_CHUNK) {
            let n = chunk.len();
            let sql = inner.texts.get(StatementKind::UpsertPeers, n, || {
                upsert_peers(DbBackend::Sqlite, n)
            });
            let args = upsert_arguments(session, &texts, chunk, &mut names)?;
            sqlx::query_with::<Sqlite, _>(AssertSqlSafe(sql), args)
                .execute(&mut *tx)
                .await
                .map_err(sqlx_error_to_exec_err)?;
        }

        // Every username row of the batch: two statements, one JSON each.
        let sql = &inner.sqlite_peers;
        for (sql, json) in [
            (&sql.delete_usernames, ids_json(peers)),
            (&sql.insert_usernames, names_json(&names)),
        ] {
            let mut args = SqliteArguments::default();
            args.add(Arc::clone(session))
                .and_then(|()| args.add(json))
                .map_err(|e| DbErr::Custom(format!("binding usernames: {e}")))?;
            sqlx::query_with::<Sqlite, _>(AssertSqlSafe(sql.as_str()), args)
                .execute(&mut *tx)
                .await
                .map_err(sqlx_error_to_exec_err)?;
        }
        tx.commit().await.map_err(sqlx_error_to_exec_err)
    }
}
