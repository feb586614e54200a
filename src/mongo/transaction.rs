//! One multi-document transaction, retried from the start while it meets
//! write conflicts: for the writes that touch several collections.

use super::error::conflict_of;
use super::peers::commit;
use super::{MongoAdapter, Retry};
use crate::Result;
use futures_util::future::BoxFuture;
use mongodb::ClientSession;

/// The writes of one transaction: the adapter, its input, the session.
pub(super) type TransactionOp<I> = for<'s> fn(
    &'s MongoAdapter,
    &'s I,
    &'s mut ClientSession,
) -> BoxFuture<'s, mongodb::error::Result<()>>;

impl MongoAdapter {
    /// Runs `op(self, input, session)` in a transaction and commits it; on
    /// a write conflict (or another transient transaction error) aborts and
    /// runs it again, until the retry deadline. `op` writes no unique index
    /// that a concurrent writer could race on, so duplicate keys are not
    /// retried.
    pub(super) async fn in_transaction<I: ?Sized + Sync>(
        &self,
        input: &I,
        op: TransactionOp<I>,
    ) -> Result<()> {
        let mut retry = Retry::start(self.retry_deadline);
        let mut session = self.client().start_session().await?;
        loop {
            session.start_transaction().await?;
            let outcome = match op(self, input, &mut session).await {
                Ok(()) => commit(&mut session).await,
                Err(e) => {
                    let _ = session.abort_transaction().await;
                    Err(e)
                }
            };
            let Err(e) = outcome else { return Ok(()) };
            let Some(conflict) = conflict_of(&e, "") else {
                return Err(e.into());
            };
            if !retry.backoff().await {
                return Err(retry.give_up(conflict, e));
            }
        }
    }
}
