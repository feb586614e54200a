//! [`ConversationStore`] on the `conversations` collection.

use super::MongoAdapter;
use super::documents::{SESSION, binary, conversation_from};
use crate::store::ConversationStore;
use crate::{Conversation, Result, unix_now};
use async_trait::async_trait;
use bson::{Document, doc};
use futures_util::TryStreamExt;

/// The filter selecting the stored copy of `conversation`.
fn conversation_filter(session: &str, conversation: &Conversation) -> Document {
    doc! {
        SESSION: session,
        "chat_id": conversation.chat_id,
        "user_id": conversation.user_id,
    }
}

/// The filter and upsert update of `restore_conversation`: the conversation
/// with its own timestamps.
pub(super) fn restore_write(session: &str, conversation: &Conversation) -> (Document, Document) {
    let filter = conversation_filter(session, conversation);
    let update = doc! {
        "$set": {
            "name": &conversation.name,
            "step": conversation.step,
            "data": binary(&conversation.data),
            "created_at": conversation.created_at,
            "updated_at": conversation.updated_at,
        },
    };
    (filter, update)
}

#[crate::observe::observed]
#[async_trait]
impl ConversationStore for MongoAdapter {
    /// One upsert: `created_at` is set only when the document is inserted
    /// (`$setOnInsert`), `updated_at` on every save.
    async fn save_conversation(&self, conversation: &Conversation) -> Result<()> {
        crate::limits::check_conversation(conversation)?;
        let coll = &self.colls()?.conversations;
        let now = unix_now();
        let filter = conversation_filter(&self.name, conversation);
        let update = doc! {
            "$set": {
                "name": &conversation.name,
                "step": conversation.step,
                "data": binary(&conversation.data),
                "updated_at": now,
            },
            "$setOnInsert": { "created_at": now },
        };
        self.retry_write("session_chat_user_unique", || {
            coll.update_one(filter.clone(), update.clone())
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    /// One upsert replacing every field, both times included.
    async fn restore_conversation(&self, conversation: &Conversation) -> Result<()> {
        crate::limits::check_conversation(conversation)?;
        let coll = &self.colls()?.conversations;
        let (filter, update) = restore_write(&self.name, conversation);
        self.retry_write("session_chat_user_unique", || {
            coll.update_one(filter.clone(), update.clone())
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    async fn load_conversation(&self, chat_id: i64, user_id: i64) -> Result<Option<Conversation>> {
        let found = self
            .colls()?
            .conversations
            .find_one(doc! { SESSION: &self.name, "chat_id": chat_id, "user_id": user_id })
            .await?;
        found.as_ref().map(conversation_from).transpose()
    }

    async fn delete_conversation(&self, chat_id: i64, user_id: i64) -> Result<()> {
        self.colls()?
            .conversations
            .delete_one(doc! { SESSION: &self.name, "chat_id": chat_id, "user_id": user_id })
            .await?;
        Ok(())
    }

    async fn load_conversations(&self) -> Result<Vec<Conversation>> {
        let docs: Vec<bson::Document> = self
            .colls()?
            .conversations
            .find(doc! { SESSION: &self.name })
            .sort(doc! { "chat_id": 1, "user_id": 1 })
            .await?
            .try_collect()
            .await?;
        docs.iter().map(conversation_from).collect()
    }

    /// One `deleteMany` on `updated_at`.
    async fn delete_conversations_idle_since(&self, before: i64) -> Result<u64> {
        let deleted = self
            .colls()?
            .conversations
            .delete_many(doc! { SESSION: &self.name, "updated_at": { "$lt": before } })
            .await?;
        Ok(deleted.deleted_count)
    }
}
