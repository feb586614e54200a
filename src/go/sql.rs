//! The Go package's SQL stores: the tables of its GORM adapter (MySQL,
//! MariaDB, PostgreSQL, SQLite; `mtgo_` or another `TablePrefix`) and of
//! its sqlc adapters (`sqlite`, `postgres`: tables `sessions`, `peers`, …).
//!
//! Statements are built with sea-query for the connection's database; the
//! reader only selects. A table the Go code never created (GORM's
//! `AutoMigrate` stops at the first table a database refuses, and its
//! errors are ignored) is read as empty.

use super::{GoPeer, GoSession, GoSessionRow, Sessions, bad_row, durable, fit};
use crate::error::{Error, Result};
use crate::types::{ChannelState, Conversation, UpdateState};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult};
use std::collections::HashSet;

/// Which Go adapter's tables a database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlLayout {
    /// The GORM adapter's tables (`session_id` in every one), named with
    /// its `TablePrefix` (`mtgo_` unless configured).
    Gorm {
        /// The table prefix (`mtgo_` by default).
        prefix: String,
    },
    /// The sqlc adapters' tables (`sessions`, `peers` and `conversations`
    /// without a session column; one account per database).
    Sqlc,
}

impl std::fmt::Display for SqlLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlLayout::Gorm { prefix } => write!(f, "GORM adapter tables {prefix}*"),
            SqlLayout::Sqlc => f.write_str("sqlc adapter tables"),
        }
    }
}

/// The kinds of table both layouts have, without the prefix.
const KINDS: [&str; 7] = [
    "sessions",
    "peers",
    "conversations",
    "update_state",
    "channel_update_state",
    "update_dedup",
    "durable_updates",
];

fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::MySql => "mysql",
        _ => "sqlite",
    }
}

fn db_err(db: &DatabaseConnection, e: sea_orm::DbErr) -> Error {
    Error::backend(backend_name(db), e)
}

/// Every table name of the connection's current schema (database).
async fn tables(db: &DatabaseConnection) -> Result<HashSet<String>> {
    let query = match db.get_database_backend() {
        DbBackend::Sqlite => Query::select()
            .column(Alias::new("name"))
            .from(Alias::new("sqlite_master"))
            .and_where(Expr::col(Alias::new("type")).eq("table"))
            .to_owned(),
        backend => {
            let current = if backend == DbBackend::Postgres {
                Func::cust(Alias::new("current_schema"))
            } else {
                Func::cust(Alias::new("DATABASE"))
            };
            Query::select()
                .column(Alias::new("table_name"))
                .from((Alias::new("information_schema"), Alias::new("tables")))
                .and_where(Expr::col(Alias::new("table_schema")).eq(current))
                .to_owned()
        }
    };
    let rows = db.query_all(&query).await.map_err(|e| db_err(db, e))?;
    rows.iter()
        .map(|r| {
            r.try_get_by_index::<String>(0)
                .or_else(|_| {
                    r.try_get_by_index::<Vec<u8>>(0)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                })
                .map_err(|e| db_err(db, e))
        })
        .collect()
}

/// Whether `table` has a column `column` (a select of it succeeds).
async fn has_column(db: &DatabaseConnection, table: &str, column: &str) -> bool {
    let probe = Query::select()
        .column(Alias::new(column))
        .from(Alias::new(table))
        .limit(1)
        .to_owned();
    db.query_one(&probe).await.is_ok()
}

/// Finds the Go tables in a database: with `prefix`, the GORM tables of
/// that prefix; otherwise GORM's default `mtgo_` tables (recognised by
/// their `session_id` column, which this crate's `mtgo_*` tables lack), or
/// else the sqlc tables. `None` if there are none.
///
/// # Errors
/// [`Error::InvalidInput`] when both layouts are present and no prefix
/// says which one to read; [`Error::Backend`] when the catalog cannot be
/// read.
pub async fn detect(db: &DatabaseConnection, prefix: Option<&str>) -> Result<Option<SqlLayout>> {
    let present = tables(db).await?;
    if let Some(prefix) = prefix {
        let any = KINDS
            .iter()
            .any(|k| present.contains(&format!("{prefix}{k}")));
        return Ok(any.then(|| SqlLayout::Gorm {
            prefix: prefix.to_owned(),
        }));
    }
    let mut gorm = false;
    for kind in KINDS {
        let table = format!("mtgo_{kind}");
        if present.contains(&table) && has_column(db, &table, "session_id").await {
            gorm = true;
            break;
        }
    }
    let sqlc = present.contains("sessions") || present.contains("peers");
    match (gorm, sqlc) {
        (true, true) => Err(Error::invalid(
            "Go store",
            "the database holds both the GORM adapter's mtgo_* tables and the sqlc adapter's \
             tables; say which to read (--table-prefix mtgo_ for GORM, --layout sqlc)",
        )),
        (true, false) => Ok(Some(SqlLayout::Gorm {
            prefix: "mtgo_".to_owned(),
        })),
        (false, true) => Ok(Some(SqlLayout::Sqlc)),
        (false, false) => Ok(None),
    }
}

/// The tables the Go GORM adapter creates under the names of ours (with
/// its default `mtgo_` prefix).
const GORM_TABLES: [&str; 6] = [
    "mtgo_sessions",
    "mtgo_peers",
    "mtgo_conversations",
    "mtgo_update_state",
    "mtgo_update_dedup",
    "mtgo_durable_updates",
];

/// Refuses a database where this crate's migrations never ran and a table
/// name of ours is taken by the Go GORM adapter's table (it has a
/// `session_id` column, ours `session_name`): migrating would fail with
/// "table exists", and using it would read the wrong columns.
/// [`crate::OrmAdapter::migrate`] and `mtgo-storage migrate up` call it
/// first. Only selects; changes nothing.
///
/// # Errors
/// [`Error::GoStore`] naming the table.
pub async fn refuse_go_tables(db: &impl ConnectionTrait) -> Result<()> {
    let ours = Query::select()
        .expr(Expr::val(1))
        .from(Alias::new("mtgo_seaql_migrations"))
        .limit(1)
        .to_owned();
    if db.query_one(&ours).await.is_ok() {
        // Our bookkeeping table is there: the tables are ours.
        return Ok(());
    }
    for table in GORM_TABLES {
        let probe = Query::select()
            .column(Alias::new("session_id"))
            .from(Alias::new(table))
            .limit(1)
            .to_owned();
        if db.query_one(&probe).await.is_ok() {
            return Err(Error::GoStore {
                found: format!("table {table} of the Go GORM adapter (column session_id)"),
            });
        }
    }
    Ok(())
}

/// One row being read: its table and key, for error messages.
struct Row<'a> {
    r: &'a QueryResult,
    table: &'a str,
    key: String,
}

impl Row<'_> {
    fn err(&self, column: &str, what: &str) -> Error {
        bad_row(
            &format!("table {}", self.table),
            &self.key,
            format_args!("column {column} does not hold {what}"),
        )
    }

    /// An integer column of any width (or a boolean); NULL is 0.
    fn int(&self, c: &str) -> Result<i64> {
        let r = self.r;
        if let Ok(v) = r.try_get::<Option<i64>>("", c) {
            return Ok(v.unwrap_or(0));
        }
        if let Ok(v) = r.try_get::<Option<i32>>("", c) {
            return Ok(v.map_or(0, i64::from));
        }
        if let Ok(v) = r.try_get::<Option<i16>>("", c) {
            return Ok(v.map_or(0, i64::from));
        }
        if let Ok(v) = r.try_get::<Option<i8>>("", c) {
            return Ok(v.map_or(0, i64::from));
        }
        if let Ok(v) = r.try_get::<Option<bool>>("", c) {
            return Ok(v.map_or(0, i64::from));
        }
        Err(self.err(c, "an integer"))
    }

    /// A boolean column, or an integer one (non-zero is true).
    fn bool(&self, c: &str) -> Result<bool> {
        if let Ok(v) = self.r.try_get::<Option<bool>>("", c) {
            return Ok(v.unwrap_or(false));
        }
        Ok(self.int(c)? != 0)
    }

    /// A text column; NULL is empty.
    fn text(&self, c: &str) -> Result<String> {
        if let Ok(v) = self.r.try_get::<Option<String>>("", c) {
            return Ok(v.unwrap_or_default());
        }
        match self.r.try_get::<Option<Vec<u8>>>("", c) {
            Ok(v) => {
                String::from_utf8(v.unwrap_or_default()).map_err(|_| self.err(c, "UTF-8 text"))
            }
            Err(_) => Err(self.err(c, "text")),
        }
    }

    /// A bytes column; NULL is empty.
    fn bytes(&self, c: &str) -> Result<Vec<u8>> {
        if let Ok(v) = self.r.try_get::<Option<Vec<u8>>>("", c) {
            return Ok(v.unwrap_or_default());
        }
        match self.r.try_get::<Option<String>>("", c) {
            Ok(v) => Ok(v.unwrap_or_default().into_bytes()),
            Err(_) => Err(self.err(c, "bytes")),
        }
    }
}

fn select(table: &str, columns: &[&str], order: &[&str]) -> SelectStatement {
    let mut q = Query::select();
    q.columns(columns.iter().map(|c| Alias::new(*c)))
        .from(Alias::new(table));
    for o in order {
        q.order_by(Alias::new(*o), Order::Asc);
    }
    q
}

/// Reads every session of the Go store in `layout`. Rows without a session
/// name (sqlc's `peers` and `conversations`, and any empty `session_id`)
/// are filed under `fallback`, the name the caller gives the account.
///
/// # Errors
/// [`Error::Corrupt`] naming the table and row that cannot be carried;
/// [`Error::Backend`] when a read fails (a Go table without a column the
/// Go code writes included).
pub async fn read(
    db: &DatabaseConnection,
    layout: &SqlLayout,
    fallback: &str,
) -> Result<Vec<GoSession>> {
    let present = tables(db).await?;
    let (prefix, gorm) = match layout {
        SqlLayout::Gorm { prefix } => (prefix.as_str(), true),
        SqlLayout::Sqlc => ("", false),
    };
    let name = |kind: &str| format!("{prefix}{kind}");
    let mut out = Sessions::new(fallback);
    let run = |q: SelectStatement| async move { db.query_all(&q).await.map_err(|e| db_err(db, e)) };

    // Sessions. sqlc's table has no key (each save may add a row); the Go
    // code loads the first row it reads, and so does this.
    let mut first_session: Option<String> = None;
    let table = name("sessions");
    if present.contains(&table) {
        let (dc, addr) = if gorm {
            ("dc", "addr")
        } else {
            ("dc_id", "server_address")
        };
        let cols = [
            "session_id",
            dc,
            "api_id",
            "api_hash",
            "test_mode",
            "auth_key",
            "state",
            "user_id",
            "is_bot",
            "first_name",
            "last_name",
            "username",
            "date",
            addr,
            "port",
        ];
        for r in run(select(&table, &cols, &[])).await? {
            let mut row = Row {
                r: &r,
                table: &table,
                key: String::new(),
            };
            let go_name = row.text("session_id")?;
            row.key = format!("session_id {go_name:?}");
            let s = out.get(&go_name);
            if s.session.is_some() {
                continue;
            }
            let rec = GoSessionRow {
                dc: row.int(dc)?,
                api_id: row.int("api_id")?,
                api_hash: row.text("api_hash")?,
                test_mode: row.bool("test_mode")?,
                auth_key: row.bytes("auth_key")?,
                state: row.bytes("state")?,
                user_id: row.int("user_id")?,
                is_bot: row.bool("is_bot")?,
                first_name: row.text("first_name")?,
                last_name: row.text("last_name")?,
                username: row.text("username")?,
                date: row.int("date")?,
                addr: row.text(addr)?,
                port: row.int("port")?,
            };
            let session_name = s.name.clone();
            first_session.get_or_insert_with(|| go_name.clone());
            s.session = Some(rec.convert(&session_name, &format!("table {table}"), &row.key)?);
        }
    }
    // sqlc keeps one account's peers and conversations: they belong to the
    // session the Go code loads (the first row), or to `fallback`.
    let account = first_session.unwrap_or_default();

    let table = name("peers");
    if present.contains(&table) {
        let mut cols = vec![
            "id",
            "type",
            "access_hash",
            "username",
            "usernames",
            "first_name",
            "last_name",
            "phone_number",
            "is_bot",
            "photo_id",
            "language",
            "last_updated",
        ];
        let order: &[&str] = if gorm { &["session_id", "id"] } else { &["id"] };
        if gorm {
            cols.insert(0, "session_id");
        }
        for r in run(select(&table, &cols, order)).await? {
            let mut row = Row {
                r: &r,
                table: &table,
                key: String::new(),
            };
            let go_name = if gorm {
                row.text("session_id")?
            } else {
                account.clone()
            };
            let id = row.int("id")?;
            row.key = if gorm {
                format!("session_id {go_name:?} id {id}")
            } else {
                format!("id {id}")
            };
            let peer = GoPeer {
                id,
                peer_type: row.int("type")?,
                access_hash: row.int("access_hash")?,
                username: row.text("username")?,
                usernames: row.text("usernames")?,
                first_name: row.text("first_name")?,
                last_name: row.text("last_name")?,
                phone_number: row.text("phone_number")?,
                is_bot: row.bool("is_bot")?,
                photo_id: row.int("photo_id")?,
                language: row.text("language")?,
                last_updated: row.int("last_updated")?,
            }
            .convert(&format!("table {table}"), &row.key)?;
            out.get(&go_name).peers.push(peer);
        }
    }

    let table = name("conversations");
    if present.contains(&table) {
        let mut cols = vec![
            "chat_id",
            "user_id",
            "name",
            "step",
            "data",
            "created_at",
            "updated_at",
        ];
        if gorm {
            cols.insert(0, "session_id");
        }
        for r in run(select(&table, &cols, &[])).await? {
            let mut row = Row {
                r: &r,
                table: &table,
                key: String::new(),
            };
            let go_name = if gorm {
                row.text("session_id")?
            } else {
                account.clone()
            };
            let (chat_id, user_id) = (row.int("chat_id")?, row.int("user_id")?);
            row.key = format!("session_id {go_name:?} chat_id {chat_id} user_id {user_id}");
            let conversation = Conversation {
                chat_id,
                user_id,
                name: row.text("name")?,
                step: fit(
                    row.int("step")?,
                    "step",
                    &format!("table {table}"),
                    &row.key,
                )?,
                data: row.bytes("data")?,
                created_at: row.int("created_at")?,
                updated_at: row.int("updated_at")?,
            };
            out.get(&go_name).conversations.push(conversation);
        }
    }

    let table = name("update_state");
    if present.contains(&table) {
        let cols = ["session_id", "pts", "qts", "date", "seq"];
        for r in run(select(&table, &cols, &[])).await? {
            let mut row = Row {
                r: &r,
                table: &table,
                key: String::new(),
            };
            let go_name = row.text("session_id")?;
            row.key = format!("session_id {go_name:?}");
            let place = format!("table {table}");
            let state = UpdateState {
                pts: fit(row.int("pts")?, "pts", &place, &row.key)?,
                qts: fit(row.int("qts")?, "qts", &place, &row.key)?,
                date: fit(row.int("date")?, "date", &place, &row.key)?,
                seq: fit(row.int("seq")?, "seq", &place, &row.key)?,
            };
            out.get(&go_name).update_state = Some(state);
        }
    }

    let table = name("channel_update_state");
    if present.contains(&table) {
        let cols = ["session_id", "channel_id", "pts"];
        for r in run(select(&table, &cols, &[])).await? {
            let mut row = Row {
                r: &r,
                table: &table,
                key: String::new(),
            };
            let go_name = row.text("session_id")?;
            let channel_id = row.int("channel_id")?;
            row.key = format!("session_id {go_name:?} channel_id {channel_id}");
            let pts = fit(row.int("pts")?, "pts", &format!("table {table}"), &row.key)?;
            out.get(&go_name)
                .channels
                .push(ChannelState { channel_id, pts });
        }
    }

    let table = name("update_dedup");
    if present.contains(&table) {
        let cols = ["session_id", "dedup_key", "created_at"];
        for r in run(select(&table, &cols, &[])).await? {
            let row = Row {
                r: &r,
                table: &table,
                key: String::new(),
            };
            let go_name = row.text("session_id")?;
            let key = row.text("dedup_key")?;
            let seen = row.int("created_at")?;
            out.get(&go_name).dedup_keys.push((key, seen));
        }
    }

    let table = name("durable_updates");
    if present.contains(&table) {
        let cols = [
            "session_id",
            "id",
            "payload",
            "attempts",
            "last_error",
            "created_at",
        ];
        for r in run(select(&table, &cols, &[])).await? {
            let mut row = Row {
                r: &r,
                table: &table,
                key: String::new(),
            };
            let go_name = row.text("session_id")?;
            let id = row.text("id")?;
            row.key = format!("session_id {go_name:?} id {id:?}");
            let update = durable(
                id,
                row.bytes("payload")?,
                row.int("attempts")?,
                row.text("last_error")?,
                row.int("created_at")?,
                &format!("table {table}"),
                &row.key,
            )?;
            out.get(&go_name).queue.push(update);
        }
    }
    Ok(out.finish())
}
