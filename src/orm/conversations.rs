//! [`ConversationStore`] on `mtgo_conversations`.

use super::OrmAdapter;
use super::sql::Dialect;
use crate::error::Result;
use crate::store::ConversationStore;
use crate::{Conversation, unix_now};
use async_trait::async_trait;
use mtgo_storage_entity::conversations;

const TABLE: &str = "mtgo_conversations";
const COLS: &[&str] = &[
    "session_name",
    "chat_id",
    "user_id",
    "name",
    "step",
    "data",
    "created_at",
    "updated_at",
];
const KEY: &[&str] = &["session_name", "chat_id", "user_id"];

pub(super) struct Sql {
    save: String,
    load: String,
    delete: String,
    load_all: String,
}

impl Sql {
    pub(super) fn new(d: Dialect) -> Self {
        Self {
            // `created_at` is written on insert only, so the first one stays.
            save: d.upsert(TABLE, COLS, KEY, &["name", "step", "data", "updated_at"], 1),
            load: d.select(TABLE, COLS, KEY),
            delete: d.delete(TABLE, KEY),
            load_all: d.select(TABLE, COLS, &KEY[..1]) + " ORDER BY chat_id, user_id",
        }
    }
}

fn decode(m: conversations::Model) -> Conversation {
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

#[async_trait]
impl ConversationStore for OrmAdapter {
    async fn save_conversation(&self, c: &Conversation) -> Result<()> {
        let now = unix_now();
        let values = vec![
            self.session_value(),
            c.chat_id.into(),
            c.user_id.into(),
            c.name.clone().into(),
            c.step.into(),
            c.data.clone().into(),
            now.into(),
            now.into(),
        ];
        self.exec(&self.inner.conversations.save, values).await?;
        Ok(())
    }

    async fn load_conversation(&self, chat_id: i64, user_id: i64) -> Result<Option<Conversation>> {
        Ok(self
            .one::<conversations::Model>(
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
            .all::<conversations::Model>(
                &self.inner.conversations.load_all,
                vec![self.session_value()],
            )
            .await?
            .into_iter()
            .map(decode)
            .collect())
    }

    async fn restore_conversation(&self, c: &Conversation) -> Result<()> {
        super::go_era::restore_conversation(self, c).await
    }
}
