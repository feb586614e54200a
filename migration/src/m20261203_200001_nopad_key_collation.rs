//! On MySQL and MariaDB, the key columns (session names, normalized
//! usernames, dedup keys, durable update ids, lease holders) compare with a
//! NO PAD binary collation, so keys that differ only by trailing spaces are
//! different keys, as they are on SQLite, PostgreSQL, Redis and MongoDB.
//!
//! `utf8mb4_bin` (the tables' collation since the first migration) is PAD
//! SPACE on MariaDB and on MySQL 8: `'bob'` and `'bob '` compare equal, so
//! the sessions `bob` and `bob ` were one session. This migration changes
//! the key columns to `utf8mb4_nopad_bin` on MariaDB (10.2 and later) and to
//! `utf8mb4_0900_bin` on MySQL (8.0 and later), whichever the server has
//! (MariaDB's name first), and fails with a message naming both when it has
//! neither (MySQL 5.7). Both are binary and NO PAD: byte-for-byte equality,
//! ordering by code point. Other text columns keep `utf8mb4_bin`: nothing
//! looks them up.
//!
//! Nothing changes on SQLite and PostgreSQL, which never pad. Rows written
//! before keep their values: a NO PAD collation tells more keys apart than
//! a PAD SPACE one, so no primary key can collide.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The NO PAD binary collations, in the order they are tried.
const NO_PAD: [&str; 2] = ["utf8mb4_nopad_bin", "utf8mb4_0900_bin"];

/// The collation of the tables before this migration.
const PAD_SPACE: &str = "utf8mb4_bin";

/// Every key column: `(table, columns)`, each `VARCHAR(255) NOT NULL`.
const KEY_COLUMNS: [(&str, &[&str]); 13] = [
    ("mtgo_sessions", &["session_name"]),
    ("mtgo_peers", &["session_name"]),
    (
        "mtgo_peer_usernames",
        &["session_name", "username_normalized"],
    ),
    ("mtgo_conversations", &["session_name"]),
    ("mtgo_dc_auth", &["session_name"]),
    ("mtgo_update_state", &["session_name"]),
    ("mtgo_channel_state", &["session_name"]),
    ("mtgo_update_dedup", &["session_name", "dedup_key"]),
    ("mtgo_durable_updates", &["session_name", "id"]),
    ("mtgo_session_leases", &["session_name", "holder"]),
    ("mtgo_temp_auth_keys", &["session_name"]),
    ("mtgo_server_salts", &["session_name"]),
    ("mtgo_peer_references", &["session_name"]),
];

/// The first collation of [`NO_PAD`] the server has.
async fn no_pad_collation(manager: &SchemaManager<'_>) -> Result<&'static str, DbErr> {
    let name = Alias::new("COLLATION_NAME");
    let query = Query::select()
        .column(name.clone())
        .from((Alias::new("information_schema"), Alias::new("COLLATIONS")))
        .and_where(Expr::col(name).is_in(NO_PAD))
        .to_owned();
    let (sql, values) = query.build(MysqlQueryBuilder);
    let rows = manager
        .get_connection()
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            sql,
            values,
        ))
        .await?;
    let found: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect::<Result<_, _>>()?;
    NO_PAD
        .into_iter()
        .find(|c| found.iter().any(|f| f == c))
        .ok_or_else(|| {
            DbErr::Migration(format!(
                "the server has neither {} (MariaDB 10.2+) nor {} (MySQL 8.0+): \
                 key columns need a NO PAD binary collation",
                NO_PAD[0], NO_PAD[1]
            ))
        })
}

/// Sets the collation of every key column to `collation`, one statement
/// per table.
async fn collate_keys(manager: &SchemaManager<'_>, collation: &str) -> Result<(), DbErr> {
    for (table, columns) in KEY_COLUMNS {
        let mut alter = Table::alter();
        alter.table(Alias::new(table));
        for column in columns {
            alter.modify_column(
                ColumnDef::new(Alias::new(*column))
                    .string_len(255)
                    .not_null()
                    .extra(format!("COLLATE {collation}")),
            );
        }
        manager.alter_table(alter).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::MySql {
            return Ok(());
        }
        let collation = no_pad_collation(manager).await?;
        collate_keys(manager, collation).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::MySql {
            return Ok(());
        }
        // Fails with a duplicate key if two keys differ only by trailing
        // spaces, rather than merging them.
        collate_keys(manager, PAD_SPACE).await
    }
}
