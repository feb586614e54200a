//! What the `OrmAdapter` needs for imports of stores the Go package wrote:
//! writing a conversation with its original times.
//!
//! Statements are built with sea-query from the entities; nothing here is
//! SQL text.

use super::OrmAdapter;
use crate::Conversation;
use crate::error::Result;
use mtgo_storage_entity::conversations;
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};

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
