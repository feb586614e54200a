//! SQL text for the three dialects, built once per adapter (or per batch
//! size) so the driver's prepared-statement cache is reused.

use sea_orm::DbBackend;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

/// Writes statements for one backend: placeholders (`?` or `$n`) and the
/// upsert / insert-or-ignore clauses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dialect(pub(crate) DbBackend);

impl Dialect {
    fn is_mysql(self) -> bool {
        self.0 == DbBackend::MySql
    }

    /// Appends placeholder number `n` (1-based).
    pub(crate) fn ph(self, out: &mut String, n: usize) {
        if self.0 == DbBackend::Postgres {
            let _ = write!(out, "${n}");
        } else {
            out.push('?');
        }
    }

    /// `a = ? AND b = ?`, numbering from `first`.
    pub(crate) fn eq_all(self, cols: &[&str], first: usize) -> String {
        let mut out = String::new();
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            out.push_str(c);
            out.push_str(" = ");
            self.ph(&mut out, first + i);
        }
        out
    }

    /// `INSERT INTO table (cols) VALUES (...), (...)` with `rows` rows.
    pub(crate) fn insert(self, table: &str, cols: &[&str], rows: usize) -> String {
        let mut out = String::with_capacity(64 + rows * cols.len() * 7);
        out.push_str("INSERT INTO ");
        out.push_str(table);
        out.push_str(" (");
        out.push_str(&cols.join(", "));
        out.push_str(") VALUES ");
        let mut n = 1;
        for r in 0..rows {
            if r > 0 {
                out.push_str(", ");
            }
            out.push('(');
            for c in 0..cols.len() {
                if c > 0 {
                    out.push_str(", ");
                }
                self.ph(&mut out, n);
                n += 1;
            }
            out.push(')');
        }
        out
    }

    /// A multi-row insert that replaces the columns `update` of a row whose
    /// key `key` already exists.
    pub(crate) fn upsert(
        self,
        table: &str,
        cols: &[&str],
        key: &[&str],
        update: &[&str],
        rows: usize,
    ) -> String {
        let mut out = self.insert(table, cols, rows);
        if self.is_mysql() {
            // `VALUES(col)`: MariaDB's form; MySQL 8.0.20+ still accepts it
            // (with a deprecation warning), MariaDB lacks the `AS new` alias.
            out.push_str(" ON DUPLICATE KEY UPDATE ");
            for (i, c) in update.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{c} = VALUES({c})");
            }
        } else {
            let _ = write!(out, " ON CONFLICT ({}) DO UPDATE SET ", key.join(", "));
            for (i, c) in update.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{c} = excluded.{c}");
            }
        }
        out
    }

    /// An upsert replacing every non-key column.
    pub(crate) fn upsert_all(self, table: &str, cols: &[&str], key: &[&str]) -> String {
        let update: Vec<&str> = cols.iter().copied().filter(|c| !key.contains(c)).collect();
        self.upsert(table, cols, key, &update, 1)
    }

    /// A one-row insert that does nothing when the key exists (affects 0 rows).
    pub(crate) fn insert_ignore(self, table: &str, cols: &[&str]) -> String {
        let insert = self.insert(table, cols, 1);
        if self.is_mysql() {
            insert.replacen("INSERT INTO", "INSERT IGNORE INTO", 1)
        } else {
            insert + " ON CONFLICT DO NOTHING"
        }
    }

    /// `SELECT cols FROM table WHERE key = ? AND ...`.
    pub(crate) fn select(self, table: &str, cols: &[&str], key: &[&str]) -> String {
        format!(
            "SELECT {} FROM {table} WHERE {}",
            cols.join(", "),
            self.eq_all(key, 1)
        )
    }

    /// `DELETE FROM table WHERE key = ? AND ...`.
    pub(crate) fn delete(self, table: &str, key: &[&str]) -> String {
        format!("DELETE FROM {table} WHERE {}", self.eq_all(key, 1))
    }

    /// `DELETE FROM table WHERE a = ? AND b IN (?, ...)` with `n` values.
    pub(crate) fn delete_in(self, table: &str, eq: &str, col: &str, n: usize) -> String {
        let mut out = format!("DELETE FROM {table} WHERE {eq} = ");
        self.ph(&mut out, 1);
        let _ = write!(out, " AND {col} IN (");
        for i in 0..n {
            if i > 0 {
                out.push_str(", ");
            }
            self.ph(&mut out, i + 2);
        }
        out.push(')');
        out
    }
}

/// Which batch statement a cached SQL text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Bulk {
    UpsertPeers,
    DeleteUsernames,
    InsertUsernames,
}

/// Batch statements by kind and row count, built once.
#[derive(Debug, Default)]
pub(crate) struct BulkCache(Mutex<HashMap<(Bulk, usize), Arc<str>>>);

impl BulkCache {
    pub(crate) fn get(&self, kind: Bulk, rows: usize, build: impl FnOnce() -> String) -> Arc<str> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sql) = map.get(&(kind, rows)) {
            return Arc::clone(sql);
        }
        let sql: Arc<str> = build().into();
        // Keep the cache small: full chunks repeat, odd tails rarely do.
        if map.len() > 64 {
            map.clear();
        }
        map.insert((kind, rows), Arc::clone(&sql));
        sql
    }
}
