//! `mtgo-storage schema --dialect sqlite|postgres|mysql`: the DDL the
//! migrations create, for review, for applying by hand, and as the reference
//! schema of a custom adapter (the Go spec's SQLC schema).
//!
//! The statements are the migrations' own: every migration's `up` runs
//! against SeaORM's mock connection of the chosen dialect, which records the
//! SQL instead of executing it. The migrator's bookkeeping table
//! (`mtgo_seaql_migrations`) is not part of the output. The MySQL/MariaDB
//! dump sets the key columns' collation to MariaDB's `utf8mb4_nopad_bin`;
//! on MySQL 8 the migration uses `utf8mb4_0900_bin` instead.

use crate::output::CliError;
use mtgo_storage_migration::{MigrationTrait, Migrator, MigratorTrait, SchemaManager};
use sea_orm::{DatabaseBackend, MockDatabase, MockExecResult};
use std::collections::BTreeMap;

/// Arguments of `schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQL dialect to print.
    #[arg(long, value_enum)]
    dialect: Dialect,
}

/// A SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    #[value(alias = "postgresql")]
    Postgres,
    /// MySQL and MariaDB.
    #[value(alias = "mariadb")]
    Mysql,
}

impl Dialect {
    fn backend(self) -> DatabaseBackend {
        match self {
            Dialect::Sqlite => DatabaseBackend::Sqlite,
            Dialect::Postgres => DatabaseBackend::Postgres,
            Dialect::Mysql => DatabaseBackend::MySql,
        }
    }
}

/// The DDL statements of every migration, in order, without trailing `;`.
///
/// # Errors
/// A migration that fails on the recording connection (it would run a
/// query, which a schema dump cannot answer).
pub async fn statements(dialect: Dialect) -> Result<Vec<(String, Vec<String>)>, CliError> {
    let mut out = Vec::new();
    for migration in Migrator::migrations() {
        out.push((
            migration.name().to_owned(),
            record(dialect, migration.as_ref()).await?,
        ));
    }
    Ok(out)
}

async fn record(dialect: Dialect, migration: &dyn MigrationTrait) -> Result<Vec<String>, CliError> {
    let results = std::iter::repeat_with(|| MockExecResult {
        last_insert_id: 0,
        rows_affected: 0,
    })
    .take(256);
    // The one query a migration makes: which NO PAD binary collation a
    // MySQL-family server has (m20261203_200001). The dump answers
    // MariaDB's; MySQL 8 gets `utf8mb4_0900_bin` in its place.
    let collation = BTreeMap::from([(
        "COLLATION_NAME".to_owned(),
        sea_orm::Value::from("utf8mb4_nopad_bin"),
    )]);
    let db = MockDatabase::new(dialect.backend())
        .append_exec_results(results)
        .append_query_results([[collation]])
        .into_connection();
    {
        let manager = SchemaManager::new(&db);
        migration.up(&manager).await.map_err(|e| {
            CliError::with_context(format_args!("recording migration {}", migration.name()), &e)
        })?;
    }
    Ok(db
        .into_transaction_log()
        .iter()
        .flat_map(|t| t.statements().iter().map(|s| s.to_string()))
        .collect())
}

/// Runs `schema`.
///
/// # Errors
/// See [`statements`].
pub async fn run(args: Args) -> Result<(), CliError> {
    let dialect_name = match args.dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "MySQL/MariaDB",
    };
    let mut text = format!(
        "-- mtgo-storage schema for {dialect_name}, as created by the mtgo-storage-migration crate.\n\
         -- The migrator also keeps its own table, mtgo_seaql_migrations, which is not listed here.\n"
    );
    for (name, stmts) in statements(args.dialect).await? {
        text.push_str(&format!("\n-- {name}\n"));
        for stmt in stmts {
            text.push_str(stmt.trim_end_matches(';'));
            text.push_str(";\n");
        }
    }
    out!("{text}");
    Ok(())
}
