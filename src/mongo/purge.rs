//! [`Adapter::purge_session`](crate::Adapter::purge_session): one
//! transaction deleting the session name's documents from every collection.

use super::MongoAdapter;
use super::documents::SESSION;
use super::indexes::Collections;
use crate::Result;
use bson::doc;
use mongodb::ClientSession;

impl MongoAdapter {
    async fn purge_once(
        &self,
        colls: &Collections,
        session: &mut ClientSession,
    ) -> mongodb::error::Result<()> {
        let filter = doc! { SESSION: &self.name };
        for coll in colls.all() {
            coll.delete_many(filter.clone())
                .session(&mut *session)
                .await?;
        }
        Ok(())
    }

    /// Deletes every document of the session name in one transaction,
    /// retried until the retry deadline while it meets write conflicts.
    pub(super) async fn purge(&self) -> Result<()> {
        let colls = self.colls()?;
        self.in_transaction(colls, |adapter, colls, session| {
            Box::pin(adapter.purge_once(colls, session))
        })
        .await
    }
}
