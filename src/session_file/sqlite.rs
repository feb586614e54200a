//! SQLite plumbing shared by the Telethon and Pyrogram files: opening
//! read-only, reading cells by column name and as stored, creating new files.

use crate::error::{Error, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{Column, ConnectOptions, Connection, Row, TypeInfo, ValueRef};
use std::collections::HashMap;
use std::path::Path;

/// A [`Error::SessionFile`] for `path`.
pub(crate) fn file_error(
    path: &Path,
    reason: impl Into<String>,
    source: Option<crate::BoxError>,
) -> Error {
    Error::SessionFile {
        path: path.display().to_string(),
        reason: reason.into(),
        source,
    }
}

/// One SQLite value, as stored (SQLite's storage class, not the declared
/// column type).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    /// An integer, from INTEGER, a whole REAL or decimal TEXT.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Cell::Int(v) => Some(*v),
            Cell::Real(v) if v.is_finite() && v.fract() == 0.0 => Some(*v as i64),
            Cell::Real(v) if v.is_finite() => Some(v.trunc() as i64),
            Cell::Text(t) => t.trim().parse().ok(),
            _ => None,
        }
    }

    /// Text, from TEXT, or the decimal form of an INTEGER.
    pub(crate) fn as_text(&self) -> Option<String> {
        match self {
            Cell::Text(t) => Some(t.clone()),
            Cell::Int(v) => Some(v.to_string()),
            Cell::Blob(b) => String::from_utf8(b.clone()).ok(),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }
}

/// A row with its cells looked up by column name (case-insensitive).
pub(crate) struct NamedRow {
    cells: HashMap<String, Cell>,
}

impl NamedRow {
    pub(crate) fn from_row(row: &SqliteRow) -> std::result::Result<Self, sqlx::Error> {
        let mut cells = HashMap::new();
        for (i, col) in row.columns().iter().enumerate() {
            let raw = row.try_get_raw(i)?;
            let cell = if raw.is_null() {
                Cell::Null
            } else {
                match raw.type_info().name() {
                    "INTEGER" => Cell::Int(row.try_get_unchecked::<i64, _>(i)?),
                    "REAL" => Cell::Real(row.try_get_unchecked::<f64, _>(i)?),
                    "TEXT" => Cell::Text(row.try_get_unchecked::<String, _>(i)?),
                    _ => Cell::Blob(row.try_get_unchecked::<Vec<u8>, _>(i)?),
                }
            };
            cells.insert(col.name().to_ascii_lowercase(), cell);
        }
        Ok(Self { cells })
    }

    /// The cell of a column; `Null` when the column does not exist.
    pub(crate) fn get(&self, column: &str) -> &Cell {
        static NULL: Cell = Cell::Null;
        self.cells.get(column).unwrap_or(&NULL)
    }

    pub(crate) fn has(&self, column: &str) -> bool {
        self.cells.contains_key(column)
    }
}

/// An input file opened read-only and immutable: SQLite neither writes to it
/// nor creates journal files beside it.
pub(crate) struct Input {
    pub(crate) path: std::path::PathBuf,
    pub(crate) conn: SqliteConnection,
}

impl Input {
    /// Opens `path`.
    ///
    /// # Errors
    /// [`Error::SessionFile`] when the file is missing, not a regular file, or
    /// not an SQLite database.
    async fn open(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| {
            let reason = if e.kind() == std::io::ErrorKind::NotFound {
                "no such file"
            } else {
                "cannot be read"
            };
            file_error(path, reason, Some(Box::new(e)))
        })?;
        if !meta.is_file() {
            return Err(file_error(path, "not a regular file", None));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(true)
            .create_if_missing(false)
            .pragma("foreign_keys", "OFF")
            .disable_statement_logging();
        let conn = options.connect().await.map_err(|e| not_sqlite(path, e))?;
        let mut input = Self {
            path: path.to_owned(),
            conn,
        };
        // The first read tells whether this is an SQLite database at all.
        input.tables().await?;
        Ok(input)
    }

    /// Names of the tables in the file, lower-cased.
    pub(crate) async fn tables(&mut self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| not_sqlite(&self.path, e))?;
        rows.iter()
            .map(|r| {
                r.try_get::<String, _>(0)
                    .map(|n| n.to_ascii_lowercase())
                    .map_err(|e| not_sqlite(&self.path, e))
            })
            .collect()
    }

    /// Opens the file at `path`, runs `read` on it and closes it, whatever
    /// `read` returned.
    ///
    /// # Errors
    /// As [`Input::open`], and what `read` returns.
    pub(crate) async fn with<T>(
        path: &Path,
        read: impl AsyncFnOnce(&mut Input) -> Result<T>,
    ) -> Result<T> {
        let mut input = Self::open(path).await?;
        let result = read(&mut input).await;
        input.close().await;
        result
    }

    /// The schema version in the first row of the `version` table (column
    /// `column`).
    ///
    /// # Errors
    /// [`Error::SessionFile`] when the table is empty or cannot be read.
    pub(crate) async fn schema_version(&mut self, column: &str) -> Result<i64> {
        self.rows("version")
            .await?
            .first()
            .and_then(|r| r.get(column).as_i64())
            .ok_or_else(|| file_error(&self.path, "the version table is empty", None))
    }

    /// Fails with [`Error::SessionFile`] ("not a {kind} session file") unless
    /// every table of `needed` exists.
    pub(crate) async fn require_tables(&mut self, kind: &str, needed: &[&str]) -> Result<()> {
        let tables = self.tables().await?;
        if needed.iter().all(|t| tables.iter().any(|n| n == t)) {
            return Ok(());
        }
        Err(file_error(
            &self.path,
            format!(
                "not a {kind} session file (it needs the tables {})",
                needed.join(", ")
            ),
            None,
        ))
    }

    /// Every row of a table (`SELECT *`), cells by column name.
    pub(crate) async fn rows(&mut self, table: &str) -> Result<Vec<NamedRow>> {
        let sql = format!("SELECT * FROM \"{table}\" ORDER BY rowid");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| {
                file_error(
                    &self.path,
                    format!("cannot read table {table}"),
                    Some(Box::new(e)),
                )
            })?;
        rows.iter()
            .map(|r| {
                NamedRow::from_row(r).map_err(|e| {
                    file_error(
                        &self.path,
                        format!("cannot read a row of {table}"),
                        Some(Box::new(e)),
                    )
                })
            })
            .collect()
    }

    async fn close(self) {
        let _ = self.conn.close().await;
    }
}

fn not_sqlite(path: &Path, e: sqlx::Error) -> Error {
    file_error(path, "not an SQLite database", Some(Box::new(e)))
}

/// Writes a new session file at `path`: creates it (see [`create`]), then
/// in one transaction runs the `schema` statements, records `version` in
/// the `version` table and lets `fill` write the rows. A file that could
/// not be written whole is removed.
///
/// # Errors
/// [`Error::SessionFile`] when the file exists or a statement fails.
pub(crate) async fn write_new(
    path: &Path,
    schema: &[&'static str],
    version: i64,
    fill: impl AsyncFnOnce(&mut SqliteConnection) -> std::result::Result<(), sqlx::Error>,
) -> Result<()> {
    let mut conn = create(path).await?;
    let result = async {
        let mut tx = conn.begin().await?;
        for ddl in schema {
            sqlx::query(*ddl).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO version VALUES (?)")
            .bind(version)
            .execute(&mut *tx)
            .await?;
        fill(&mut tx).await?;
        tx.commit().await
    }
    .await;
    let _ = conn.close().await;
    result.map_err(|e| {
        let _ = std::fs::remove_file(path);
        write_error(path, e)
    })
}

/// Creates a new, empty file readable by its owner only and opens it for
/// writing.
///
/// # Errors
/// [`Error::SessionFile`] when the file exists or cannot be created.
pub(crate) async fn create(path: &Path) -> Result<SqliteConnection> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    open.open(path).map_err(|e| {
        let reason = if e.kind() == std::io::ErrorKind::AlreadyExists {
            "already exists; choose a new path"
        } else {
            "cannot be created"
        };
        file_error(path, reason, Some(Box::new(e)))
    })?;
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .pragma("foreign_keys", "OFF")
        .disable_statement_logging()
        .connect()
        .await
        .map_err(|e| file_error(path, "cannot be opened for writing", Some(Box::new(e))))
}

/// Wraps a write error.
fn write_error(path: &Path, e: sqlx::Error) -> Error {
    file_error(path, "cannot be written", Some(Box::new(e)))
}
