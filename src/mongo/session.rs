//! [`SessionStore`] on the `sessions` collection.

use super::MongoAdapter;
use super::documents::{SESSION, session_doc, session_from};
use crate::store::SessionStore;
use crate::{Result, Session};
use async_trait::async_trait;
use bson::doc;

#[crate::observe::observed]
#[async_trait]
impl SessionStore for MongoAdapter {
    async fn load_session(&self) -> Result<Option<Session>> {
        let found = self
            .colls()?
            .sessions
            .find_one(doc! { SESSION: &self.name })
            .await?;
        found.as_ref().map(session_from).transpose()
    }

    async fn save_session(&self, session: &Session) -> Result<()> {
        let coll = &self.colls()?.sessions;
        let replacement = session_doc(&self.name, session);
        self.retry_write("session_unique", || {
            coll.replace_one(doc! { SESSION: &self.name }, &replacement)
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    async fn delete_session(&self) -> Result<()> {
        self.colls()?
            .sessions
            .delete_one(doc! { SESSION: &self.name })
            .await?;
        Ok(())
    }
}
