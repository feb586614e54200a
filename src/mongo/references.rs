//! [`ReferenceStore`] on the `peer_references` collection: one document per
//! (peer, chat, message), unique on (session, peer id, chat id, message id),
//! with an index on (session, chat id, message id) for the deletes.

use super::documents::{Reader, SESSION, peer_from};
use super::error::conflict_of;
use super::peers::commit;
use super::{MongoAdapter, Retry};
use crate::error::Result;
use crate::references::{PeerReference, ReferenceStore, needs_no_reference};
use async_trait::async_trait;
use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::ClientSession;
use std::collections::HashMap;

/// Name of the unique index of `peer_references`.
pub(crate) const REFERENCES_UNIQUE: &str = "session_peer_chat_message_unique";

fn reference_from(doc: &Document) -> Result<PeerReference> {
    let r = Reader::new(doc, "mongodb peer_references document");
    Ok(PeerReference {
        peer_id: r.i64("peer_id")?,
        chat_id: r.i64("chat_id")?,
        message_id: r.i32("message_id")?,
        seen_at: r.i64("seen_at")?,
    })
}

impl MongoAdapter {
    async fn save_references_once(
        &self,
        references: &[PeerReference],
        session: &mut ClientSession,
    ) -> mongodb::error::Result<()> {
        let Ok(colls) = self.colls() else {
            return Ok(());
        };
        for r in references {
            colls
                .peer_references
                .update_one(
                    doc! {
                        SESSION: &self.name,
                        "peer_id": r.peer_id,
                        "chat_id": r.chat_id,
                        "message_id": r.message_id,
                    },
                    doc! { "$set": { "seen_at": r.seen_at } },
                )
                .upsert(true)
                .session(&mut *session)
                .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl ReferenceStore for MongoAdapter {
    /// One transaction of upserts, retried until the retry deadline while
    /// it meets write conflicts or a concurrent insert of one reference.
    async fn save_references(&self, references: &[PeerReference]) -> Result<()> {
        if references.is_empty() {
            return Ok(());
        }
        self.colls()?;
        let mut last: HashMap<(i64, i64, i32), PeerReference> = HashMap::new();
        for r in references {
            last.insert((r.peer_id, r.chat_id, r.message_id), *r);
        }
        let mut batch: Vec<PeerReference> = last.into_values().collect();
        batch.sort_unstable_by_key(|r| (r.peer_id, r.chat_id, r.message_id));
        let mut retry = Retry::start(self.retry_deadline);
        let mut session = self.client().start_session().await?;
        loop {
            session.start_transaction().await?;
            let outcome = match self.save_references_once(&batch, &mut session).await {
                Ok(()) => commit(&mut session).await,
                Err(e) => {
                    let _ = session.abort_transaction().await;
                    Err(e)
                }
            };
            let Err(e) = outcome else { return Ok(()) };
            let Some(conflict) = conflict_of(&e, REFERENCES_UNIQUE) else {
                return Err(e.into());
            };
            if !retry.backoff().await {
                return Err(retry.give_up(conflict, e));
            }
        }
    }

    async fn latest_reference(&self, peer_id: i64) -> Result<Option<PeerReference>> {
        let colls = self.colls()?;
        let peer = colls
            .peers
            .find_one(doc! { SESSION: &self.name, "id": peer_id })
            .await?;
        let peer = peer.as_ref().map(peer_from).transpose()?;
        if needs_no_reference(peer.as_ref()) {
            return Ok(None);
        }
        let found = colls
            .peer_references
            .find_one(doc! { SESSION: &self.name, "peer_id": peer_id })
            .sort(doc! { "seen_at": -1, "chat_id": -1, "message_id": -1 })
            .await?;
        found.as_ref().map(reference_from).transpose()
    }

    async fn delete_message_references(&self, chat_id: i64, message_ids: &[i32]) -> Result<u64> {
        if message_ids.is_empty() {
            return Ok(0);
        }
        let deleted = self
            .colls()?
            .peer_references
            .delete_many(doc! {
                SESSION: &self.name,
                "chat_id": chat_id,
                "message_id": { "$in": message_ids },
            })
            .await?;
        Ok(deleted.deleted_count)
    }

    async fn delete_chat_references(&self, chat_id: i64) -> Result<u64> {
        let deleted = self
            .colls()?
            .peer_references
            .delete_many(doc! { SESSION: &self.name, "chat_id": chat_id })
            .await?;
        Ok(deleted.deleted_count)
    }

    async fn load_references(&self) -> Result<Vec<PeerReference>> {
        let docs: Vec<Document> = self
            .colls()?
            .peer_references
            .find(doc! { SESSION: &self.name })
            .sort(doc! { "peer_id": 1, "chat_id": 1, "message_id": 1 })
            .await?
            .try_collect()
            .await?;
        docs.iter().map(reference_from).collect()
    }
}
