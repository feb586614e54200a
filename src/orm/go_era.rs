//! What the `OrmAdapter` needs for stores the Go package wrote: refusing to
//! migrate over the Go GORM adapter's tables, and writing a conversation
//! with its original times (imports).
//!
//! Statements are built with sea-query from the entities; nothing here is
//! SQL text.

use super::OrmAdapter;
use crate::Conversation;
use crate::error::{Error, Result};
use mtgo_storage_entity::conversations;
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

/// The tables the Go GORM adapter (`github.com/mtgo-labs/storage/gorm`)
/// creates that carry the names of ours, each with its `session_id` column.
pub(crate) const GORM_TABLES: &[&str] = &[
    "mtgo_sessions",
    "mtgo_peers",
    "mtgo_conversations",
    "mtgo_update_state",
    "mtgo_update_dedup",
    "mtgo_durable_updates",
];

/// Refuses a database where our migrations have never run and a table of
/// ours is taken by the Go GORM adapter's (it has a `session_id` column,
/// ours `session_name`): migrating would fail with "table exists", and
/// reading it would read the wrong columns.
///
/// # Errors
/// [`Error::GoStore`] naming the table; nothing is changed.
pub(crate) async fn refuse_go_tables(db: &impl ConnectionTrait) -> Result<()> {
    let ours = Query::select()
        .expr(Expr::val(1))
        .from(Alias::new("mtgo_seaql_migrations"))
        .limit(1)
        .to_owned();
    if db.query_one(&ours).await.is_ok() {
        // Our bookkeeping is there: the tables are ours.
        return Ok(());
    }
    for table in GORM_TABLES {
        let probe = Query::select()
            .column(Alias::new("session_id"))
            .from(Alias::new(*table))
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

/// Upserts a conversation with every column as given (`created_at` and
/// `updated_at` included).
pub(super) async fn restore_conversation(a: &OrmAdapter, c: &Conversation) -> Result<()> {
    use conversations::Column;
    let row = conversations::ActiveModel {
        session_name: Set(a.name.to_string()),
        chat_id: Set(c.chat_id),
        user_id: Set(c.user_id),
        name: Set(c.name.clone()),
        step: Set(c.step),
        data: Set(c.data.clone()),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
    };
    conversations::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::SessionName, Column::ChatId, Column::UserId])
                .update_columns([
                    Column::Name,
                    Column::Step,
                    Column::Data,
                    Column::CreatedAt,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&a.inner.db)
        .await
        .map_err(|e| a.err(e))?;
    Ok(())
}
