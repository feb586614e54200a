//! [`ReferenceStore`] on `mtgo_peer_references`: one row per (peer, chat,
//! message). A batch is one transaction of multi-row upserts; the deletes
//! of messages are one statement per chunk of message ids.

use super::OrmAdapter;
use super::peers::retry;
use super::statement::{StatementKind, delete_by, find_by, slot, text, upsert};
use crate::error::Result;
use crate::references::{PeerReference, ReferenceStore, needs_no_reference};
use crate::store::PeerStore;
use async_trait::async_trait;
use mtgo_storage_entity::peer_references::{Column, Entity, Model};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement, TransactionTrait, Value,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// References per upsert: 5 columns x 2,000 = 10,000 parameters.
const REFERENCE_CHUNK: usize = 2_000;
/// Message ids per delete.
const MESSAGE_CHUNK: usize = 2_000;

/// The statements of this table, in one backend's dialect; the batch
/// statements, one per row count, are built by [`upsert_references`] and
/// [`delete_messages`].
pub(super) struct Sql {
    latest: String,
    delete_chat: String,
    load_all: String,
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        Self {
            latest: text(
                backend,
                &find_by::<Entity>(&[Column::SessionName, Column::PeerId])
                    .order_by_desc(Column::SeenAt)
                    .order_by_desc(Column::ChatId)
                    .order_by_desc(Column::MessageId)
                    .limit(1)
                    .into_query(),
            ),
            delete_chat: text(
                backend,
                &delete_by::<Entity>(&[Column::SessionName, Column::ChatId]),
            ),
            load_all: text(
                backend,
                &find_by::<Entity>(&[Column::SessionName])
                    .order_by_asc(Column::PeerId)
                    .order_by_asc(Column::ChatId)
                    .order_by_asc(Column::MessageId)
                    .into_query(),
            ),
        }
    }
}

/// The upsert of `rows` references (a stored one gets the new `seen_at`).
fn upsert_references(backend: DbBackend, rows: usize) -> String {
    text(backend, &upsert::<Entity>(rows, &[Column::SeenAt]))
}

/// The delete of `rows` messages of one chat.
fn delete_messages(backend: DbBackend, rows: usize) -> String {
    text(
        backend,
        &Entity::delete_many()
            .filter(Column::SessionName.eq(slot()))
            .filter(Column::ChatId.eq(slot()))
            .filter(Column::MessageId.is_in(std::iter::repeat_n(slot(), rows)))
            .into_query(),
    )
}

fn decode(m: Model) -> PeerReference {
    PeerReference {
        peer_id: m.peer_id,
        chat_id: m.chat_id,
        message_id: m.message_id,
        seen_at: m.seen_at,
    }
}

/// The last reference of each key, in key order (a statement must not
/// upsert one row twice).
fn last_per_key(references: &[PeerReference]) -> Vec<PeerReference> {
    let mut last: HashMap<(i64, i64, i32), PeerReference> =
        HashMap::with_capacity(references.len());
    for r in references {
        last.insert((r.peer_id, r.chat_id, r.message_id), *r);
    }
    let mut out: Vec<PeerReference> = last.into_values().collect();
    out.sort_unstable_by_key(|r| (r.peer_id, r.chat_id, r.message_id));
    out
}

impl OrmAdapter {
    async fn save_references_once(
        &self,
        references: &[PeerReference],
    ) -> std::result::Result<(), DbErr> {
        let inner = &*self.inner;
        let backend = inner.backend;
        let txn = inner.db.begin().await?;
        for chunk in references.chunks(REFERENCE_CHUNK) {
            let n = chunk.len();
            let sql = inner.texts.get(StatementKind::UpsertReferences, n, || {
                upsert_references(backend, n)
            });
            // In the order of `Column::iter()`.
            let mut values: Vec<Value> = Vec::with_capacity(n * 5);
            for r in chunk {
                values.extend([
                    self.session_value(),
                    r.peer_id.into(),
                    r.chat_id.into(),
                    r.message_id.into(),
                    r.seen_at.into(),
                ]);
            }
            txn.execute_raw(Statement::from_sql_and_values(backend, &*sql, values))
                .await?;
        }
        txn.commit().await
    }

    async fn delete_messages_once(
        &self,
        chat_id: i64,
        message_ids: &[i32],
    ) -> std::result::Result<u64, DbErr> {
        let inner = &*self.inner;
        let backend = inner.backend;
        let txn = inner.db.begin().await?;
        let mut deleted = 0;
        for chunk in message_ids.chunks(MESSAGE_CHUNK) {
            let n = chunk.len();
            let sql = inner
                .texts
                .get(StatementKind::DeleteReferenceMessages, n, || {
                    delete_messages(backend, n)
                });
            let mut values: Vec<Value> = Vec::with_capacity(n + 2);
            values.extend([self.session_value(), chat_id.into()]);
            values.extend(chunk.iter().map(|id| Value::from(*id)));
            deleted += txn
                .execute_raw(Statement::from_sql_and_values(backend, &*sql, values))
                .await?
                .rows_affected();
        }
        txn.commit().await?;
        Ok(deleted)
    }
}

#[async_trait]
impl ReferenceStore for OrmAdapter {
    async fn save_references(&self, references: &[PeerReference]) -> Result<()> {
        if references.is_empty() {
            return Ok(());
        }
        let references = last_per_key(references);
        retry(|| self.save_references_once(&references))
            .await
            .map_err(|e| self.err(e))
    }

    async fn latest_reference(&self, peer_id: i64) -> Result<Option<PeerReference>> {
        if needs_no_reference(self.get_peer(peer_id).await?.as_ref()) {
            return Ok(None);
        }
        Ok(self
            .one::<Model>(
                &self.inner.references.latest,
                vec![self.session_value(), peer_id.into()],
            )
            .await?
            .map(decode))
    }

    async fn delete_message_references(&self, chat_id: i64, message_ids: &[i32]) -> Result<u64> {
        if message_ids.is_empty() {
            return Ok(0);
        }
        let mut ids = message_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let deleted = AtomicU64::new(0);
        retry(|| async {
            let n = self.delete_messages_once(chat_id, &ids).await?;
            deleted.store(n, Ordering::Relaxed);
            Ok(())
        })
        .await
        .map_err(|e| self.err(e))?;
        Ok(deleted.into_inner())
    }

    async fn delete_chat_references(&self, chat_id: i64) -> Result<u64> {
        Ok(self
            .exec(
                &self.inner.references.delete_chat,
                vec![self.session_value(), chat_id.into()],
            )
            .await?
            .rows_affected())
    }

    async fn load_references(&self) -> Result<Vec<PeerReference>> {
        Ok(self
            .all::<Model>(&self.inner.references.load_all, vec![self.session_value()])
            .await?
            .into_iter()
            .map(decode)
            .collect())
    }
}
