//! [`Adapter::purge_session`](crate::Adapter::purge_session): one
//! transaction deleting the session name's documents from every collection.

use super::documents::SESSION;
use super::error::conflict_of;
use super::indexes::Collections;
use super::peers::commit;
use super::{MongoAdapter, Retry};
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
        let mut retry = Retry::start(self.retry_deadline);
        let mut session = self.client().start_session().await?;
        loop {
            session.start_transaction().await?;
            let outcome = match self.purge_once(colls, &mut session).await {
                Ok(()) => commit(&mut session).await,
                Err(e) => {
                    let _ = session.abort_transaction().await;
                    Err(e)
                }
            };
            let Err(e) = outcome else { return Ok(()) };
            // No unique index is written: only write conflicts are retried.
            let Some(conflict) = conflict_of(&e, "") else {
                return Err(e.into());
            };
            if !retry.backoff().await {
                return Err(retry.give_up(conflict, e));
            }
        }
    }
}
