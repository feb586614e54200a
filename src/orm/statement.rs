//! Statement texts built by sea-query from the entity crate, once per
//! backend (or per row count), and reused with new values on every call.
//!
//! A statement is written with SeaORM's entity API or sea-query, with a
//! [`slot`] wherever a call binds a value; [`text`] renders it in the
//! backend's dialect (its identifier quotes, placeholders, upsert clause)
//! and keeps only the SQL. Constants written into a statement (`LIMIT 1`,
//! `attempts + 1`) stay literals: a bound `LIMIT` would be one more
//! parameter on every lookup. The table and column names come from the
//! entities alone; column lists are `Column::iter()` (the entity's field
//! order), so a column added to an entity is written and read without a
//! list to update here.

use sea_orm::sea_query::{
    DeleteStatement, Expr, Func, InsertStatement, MysqlQueryBuilder, OnConflict,
    PostgresQueryBuilder, Query, QueryBuilder, QueryStatementWriter, SqlWriter, SqliteQueryBuilder,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, DbBackend, EntityTrait, IntoActiveModel, Iterable,
    PrimaryKeyToColumn, QueryFilter, QueryTrait, Select, Value,
};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

/// The value that marks a place a call binds: rendered as the backend's
/// placeholder (`?` or `$n`). No statement holds a `char` constant, so
/// every other value is a constant and rendered as a literal. It is not
/// NULL, which sea-query would write as `IS NULL`.
pub(crate) fn slot() -> Value {
    Value::Char(Some('\0'))
}

/// A [`slot`] as an expression (for insert rows and `SET` clauses).
pub(crate) fn slot_expr() -> Expr {
    Expr::val(slot())
}

/// Collects a statement's text: slots become placeholders, numbered from 1
/// where the backend numbers them; other values are written as literals.
struct Template {
    sql: String,
    placeholder: &'static str,
    numbered: bool,
    slots: usize,
}

impl std::fmt::Write for Template {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.sql.write_str(s)
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sql)
    }
}

impl SqlWriter for Template {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, query_builder: &T) {
        if value == slot() {
            self.slots += 1;
            self.sql.push_str(self.placeholder);
            if self.numbered {
                let _ = write!(self.sql, "{}", self.slots);
            }
        } else {
            // A constant of the statement, never data of a call. Writing
            // into a String cannot fail.
            let _ = query_builder.write_value(&mut self.sql, &value);
        }
    }

    fn as_writer(&mut self) -> &mut dyn std::fmt::Write {
        self as _
    }
}

fn render(stmt: &impl QueryStatementWriter, builder: impl QueryBuilder) -> String {
    let (placeholder, numbered) = builder.placeholder();
    let mut out = Template {
        sql: String::with_capacity(256),
        placeholder,
        numbered,
        slots: 0,
    };
    stmt.build_collect_into(builder, &mut out);
    out.sql
}

/// The text of `stmt` in `backend`'s dialect, with a placeholder per slot.
pub(crate) fn text(backend: DbBackend, stmt: &impl QueryStatementWriter) -> String {
    match backend {
        DbBackend::MySql => render(stmt, MysqlQueryBuilder),
        DbBackend::Postgres => render(stmt, PostgresQueryBuilder),
        _ => render(stmt, SqliteQueryBuilder),
    }
}

/// `SELECT name(?, ...)` with `args` slots: a call of a database function
/// (the migration locks).
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn call(backend: DbBackend, name: &'static str, args: usize) -> String {
    let call = Func::cust(name).args(std::iter::repeat_n(slot_expr(), args));
    text(backend, Query::select().expr(call))
}

/// The primary-key columns of `E`, in key order.
pub(crate) fn primary_key<E: EntityTrait>() -> Vec<E::Column> {
    E::PrimaryKey::iter().map(|k| k.into_column()).collect()
}

/// The columns of `E` that are not part of its primary key.
pub(crate) fn non_key_columns<E: EntityTrait>() -> Vec<E::Column> {
    let key: Vec<String> = primary_key::<E>()
        .iter()
        .map(|c| sea_orm::IdenStatic::as_str(c).to_owned())
        .collect();
    E::Column::iter()
        .filter(|c| !key.iter().any(|k| k == sea_orm::IdenStatic::as_str(c)))
        .collect()
}

/// `SELECT every column FROM e WHERE k1 = ? AND k2 = ? ...` for the
/// columns `key`, in `Column::iter()` order.
pub(crate) fn find_by<E: EntityTrait>(key: &[E::Column]) -> Select<E> {
    key.iter().fold(E::find(), |q, c| q.filter(c.eq(slot())))
}

/// [`find_by`] the whole primary key.
pub(crate) fn find_by_primary_key<E: EntityTrait>() -> Select<E> {
    find_by::<E>(&primary_key::<E>())
}

/// `DELETE FROM e WHERE k1 = ? AND k2 = ? ...` for the columns `key`.
pub(crate) fn delete_by<E: EntityTrait>(key: &[E::Column]) -> DeleteStatement {
    key.iter()
        .fold(E::delete_many(), |q, c| q.filter(c.eq(slot())))
        .into_query()
}

/// `INSERT INTO e (every column) VALUES (slots), ...` with `rows` rows.
pub(crate) fn insert<E: EntityTrait>(rows: usize) -> InsertStatement {
    let width = E::Column::iter().count();
    let mut insert = Query::insert();
    insert
        .into_table(E::default().table_ref())
        .columns(E::Column::iter());
    for _ in 0..rows {
        insert.values_panic(std::iter::repeat_n(slot_expr(), width));
    }
    insert
}

/// An insert of `rows` rows that replaces the columns `update` of a row
/// whose primary key exists.
pub(crate) fn upsert<E: EntityTrait>(rows: usize, update: &[E::Column]) -> InsertStatement {
    let mut insert = insert::<E>(rows);
    insert.on_conflict(
        OnConflict::columns(primary_key::<E>())
            .update_columns(update.iter().copied())
            .to_owned(),
    );
    insert
}

/// A one-row upsert replacing every non-key column.
pub(crate) fn upsert_all<E: EntityTrait>() -> InsertStatement {
    upsert::<E>(1, &non_key_columns::<E>())
}

/// A one-row insert that writes nothing when the primary key exists.
///
/// PostgreSQL and SQLite: `ON CONFLICT DO NOTHING`, 0 rows affected.
/// MySQL/MariaDB has no such clause that tells the two cases apart (the
/// `ON DUPLICATE KEY UPDATE k = k` polyfill reports a found row as
/// affected, and `INSERT IGNORE` also hides truncation), so there it is a
/// plain insert and the caller reads a unique violation
/// ([`is_unique_violation`]) as "already there".
pub(crate) fn insert_or_ignore<E: EntityTrait>(backend: DbBackend) -> InsertStatement {
    let mut insert = insert::<E>(1);
    if backend != DbBackend::MySql {
        insert.on_conflict(
            OnConflict::columns(primary_key::<E>())
                .do_nothing()
                .to_owned(),
        );
    }
    insert
}

/// Whether `e` is the unique violation of a plain insert
/// ([`insert_or_ignore`] on MySQL/MariaDB).
pub(crate) fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The values of `model` in `Column::iter()` order: the row an
/// [`insert`] of `E` binds.
pub(crate) fn row_values<E, M>(model: M) -> Vec<Value>
where
    E: EntityTrait,
    M: IntoActiveModel<E::ActiveModel>,
{
    let mut active = model.into_active_model();
    E::Column::iter()
        .map(|c| match active.take(c) {
            ActiveValue::Set(v) | ActiveValue::Unchanged(v) => v,
            // A model converts with every field present.
            ActiveValue::NotSet => Value::String(None),
        })
        .collect()
}

/// Which statement of many row counts a cached text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum StatementKind {
    /// `save_peers`: the upsert of a chunk of peers.
    UpsertPeers,
    /// `save_peers`: the delete of a chunk's usernames.
    DeleteUsernames,
    /// `save_peers`: the insert of a chunk's usernames.
    InsertUsernames,
    /// `delete_peers`: the delete of a chunk of peers.
    DeletePeers,
    /// `load_updates`: the queue's first rows, up to a limit.
    LoadUpdates,
    /// `save_server_salts`: the insert of a DC's salts.
    InsertSalts,
    /// `save_references`: the upsert of a chunk of references.
    UpsertReferences,
    /// `delete_message_references`: the delete of a chunk of messages.
    DeleteReferenceMessages,
}

/// Statement texts by kind and row count (or limit), each built once.
#[derive(Debug, Default)]
pub(crate) struct TextsByCount(Mutex<HashMap<(StatementKind, usize), Arc<str>>>);

impl TextsByCount {
    /// The text for `(kind, n)`, built by `build` the first time.
    pub(crate) fn get(
        &self,
        kind: StatementKind,
        n: usize,
        build: impl FnOnce() -> String,
    ) -> Arc<str> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sql) = map.get(&(kind, n)) {
            return Arc::clone(sql);
        }
        let sql: Arc<str> = build().into();
        // Keep the cache small: full chunks repeat, odd tails rarely do.
        if map.len() > 64 {
            map.clear();
        }
        map.insert((kind, n), Arc::clone(&sql));
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mtgo_storage_entity::{peers, update_dedup};

    #[test]
    fn slots_become_numbered_or_plain_placeholders() {
        let select = peers::Entity::find()
            .filter(peers::Column::SessionName.eq(slot()))
            .filter(peers::Column::Id.eq(slot()))
            .into_query();
        let pg = text(DbBackend::Postgres, &select);
        assert!(
            pg.ends_with(r#"WHERE "mtgo_peers"."session_name" = $1 AND "mtgo_peers"."id" = $2"#),
            "{pg}"
        );
        let my = text(DbBackend::MySql, &select);
        assert!(
            my.ends_with("WHERE `mtgo_peers`.`session_name` = ? AND `mtgo_peers`.`id` = ?"),
            "{my}"
        );
    }

    #[test]
    fn upserts_use_each_backends_clause() {
        let pg = text(DbBackend::Postgres, &upsert_all::<peers::Entity>());
        assert!(pg.contains(r#"ON CONFLICT ("session_name", "id") DO UPDATE SET "peer_type" = "excluded"."peer_type""#), "{pg}");
        let width = peers::Column::iter().count();
        assert!(pg.contains(&format!("${width})")), "{pg}");
        let my = text(
            DbBackend::MySql,
            &upsert::<peers::Entity>(2, &[peers::Column::Username]),
        );
        assert!(
            my.ends_with("ON DUPLICATE KEY UPDATE `username` = VALUES(`username`)"),
            "{my}"
        );
        assert_eq!(my.matches('?').count(), 2 * width, "{my}");
        let sqlite = text(
            DbBackend::Sqlite,
            &insert_or_ignore::<update_dedup::Entity>(DbBackend::Sqlite),
        );
        assert!(sqlite.ends_with("DO NOTHING"), "{sqlite}");
        let my = text(
            DbBackend::MySql,
            &insert_or_ignore::<update_dedup::Entity>(DbBackend::MySql),
        );
        assert!(!my.contains("DUPLICATE") && !my.contains("IGNORE"), "{my}");
    }

    #[test]
    fn constants_stay_literals() {
        let select = peers::Entity::find()
            .filter(peers::Column::SessionName.eq(slot()))
            .limit(1)
            .into_query();
        let sql = text(DbBackend::Postgres, &select);
        assert!(sql.ends_with("= $1 LIMIT 1"), "{sql}");
    }

    #[test]
    fn non_key_columns_follow_the_entity() {
        let cols = non_key_columns::<peers::Entity>();
        assert_eq!(cols.len(), peers::Column::iter().count() - 2);
        assert_eq!(sea_orm::IdenStatic::as_str(&cols[0]), "peer_type");
    }

    use sea_orm::QuerySelect;
}
