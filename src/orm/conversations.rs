//! [`ConversationStore`] on `mtgo_conversations`.

use super::OrmAdapter;
use super::statement::{
    delete_by, find_by, find_by_primary_key, primary_key, row_values, slot, text, upsert,
    upsert_all,
};
use crate::error::Result;
use crate::store::ConversationStore;
use crate::{Conversation, unix_now};
use async_trait::async_trait;
use mtgo_storage_entity::conversations::{Column, Entity, Model};
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QueryTrait, Statement,
};

/// The statements of this table, in one backend's dialect.
pub(super) struct Sql {
    save: String,
    /// An upsert of every column, times included (imports).
    restore: String,
    load: String,
    delete: String,
    load_all: String,
    /// The delete of the session's conversations idle since a time.
    delete_idle: String,
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        // `created_at` is written on insert only, so the first one stays.
        let update = [Column::Name, Column::Step, Column::Data, Column::UpdatedAt];
        Self {
            save: text(backend, &upsert::<Entity>(1, &update)),
            restore: text(backend, &upsert_all::<Entity>()),
            load: text(backend, &find_by_primary_key::<Entity>().into_query()),
            delete: text(backend, &delete_by::<Entity>(&primary_key::<Entity>())),
            load_all: text(
                backend,
                &find_by::<Entity>(&[Column::SessionName])
                    .order_by_asc(Column::ChatId)
                    .order_by_asc(Column::UserId)
                    .into_query(),
            ),
            delete_idle: text(
                backend,
                &Entity::delete_many()
                    .filter(Column::SessionName.eq(slot()))
                    .filter(Column::UpdatedAt.lt(slot()))
                    .into_query(),
            ),
        }
    }
}

fn decode(m: Model) -> Conversation {
    Conversation {
        chat_id: m.chat_id,
        user_id: m.user_id,
        name: m.name,
        step: m.step,
        data: m.data,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// The row of `c`, with the times it carries.
fn encode(session_name: &str, c: &Conversation) -> Model {
    Model {
        session_name: session_name.to_owned(),
        chat_id: c.chat_id,
        user_id: c.user_id,
        name: c.name.clone(),
        step: c.step,
        data: c.data.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

impl OrmAdapter {
    /// The upsert of `c` with its own timestamps.
    pub(super) fn restore_conversation_statement(&self, c: &Conversation) -> Statement {
        let values = row_values::<Entity, _>(encode(&self.name, c));
        self.stmt(&self.inner.conversations.restore, values)
    }
}

#[crate::observe::observed]
#[async_trait]
impl ConversationStore for OrmAdapter {
    async fn save_conversation(&self, c: &Conversation) -> Result<()> {
        crate::limits::check_conversation(c)?;
        let now = unix_now();
        let row = Model {
            created_at: now,
            updated_at: now,
            ..encode(&self.name, c)
        };
        let values = row_values::<Entity, _>(row);
        self.exec(&self.inner.conversations.save, values).await?;
        Ok(())
    }

    async fn load_conversation(&self, chat_id: i64, user_id: i64) -> Result<Option<Conversation>> {
        Ok(self
            .one::<Model>(
                &self.inner.conversations.load,
                vec![self.session_value(), chat_id.into(), user_id.into()],
            )
            .await?
            .map(decode))
    }

    async fn delete_conversation(&self, chat_id: i64, user_id: i64) -> Result<()> {
        self.exec(
            &self.inner.conversations.delete,
            vec![self.session_value(), chat_id.into(), user_id.into()],
        )
        .await?;
        Ok(())
    }

    async fn load_conversations(&self) -> Result<Vec<Conversation>> {
        Ok(self
            .all::<Model>(
                &self.inner.conversations.load_all,
                vec![self.session_value()],
            )
            .await?
            .into_iter()
            .map(decode)
            .collect())
    }

    async fn restore_conversation(&self, c: &Conversation) -> Result<()> {
        crate::limits::check_conversation(c)?;
        self.run(self.restore_conversation_statement(c)).await?;
        Ok(())
    }

    /// One `DELETE ... WHERE updated_at < ?`.
    async fn delete_conversations_idle_since(&self, before: i64) -> Result<u64> {
        Ok(self
            .exec(
                &self.inner.conversations.delete_idle,
                vec![self.session_value(), before.into()],
            )
            .await?
            .rows_affected())
    }
}
