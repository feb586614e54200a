//! [`Adapter::save_session_records`](crate::Adapter::save_session_records):
//! each record's upsert, all in one transaction.

use super::MongoAdapter;
use super::conversations::restore_write;
use super::documents::{SESSION, dc_auth_doc, durable_doc, session_doc};
use super::indexes::Collections;
use super::temp_keys::temp_key_doc;
use crate::Result;
use crate::session_records::SessionRecords;
use bson::{Document, doc};
use mongodb::{ClientSession, Collection};

/// One record's upsert.
enum Write<'a> {
    /// `replace_one(filter, document)` with `upsert`.
    Replace(&'a Collection<Document>, Document, Document),
    /// `update_one(filter, update)` with `upsert`.
    Update(&'a Collection<Document>, Document, Document),
}

impl MongoAdapter {
    /// Each record's upsert, as the record's own store method writes it.
    fn records_writes<'a>(
        &self,
        colls: &'a Collections,
        records: &SessionRecords,
    ) -> Vec<Write<'a>> {
        let name = &self.name;
        let mut writes = Vec::with_capacity(records.len());
        if let Some(session) = &records.session {
            writes.push(Write::Replace(
                &colls.sessions,
                doc! { SESSION: name },
                session_doc(name, session),
            ));
        }
        for entry in &records.dc_auth {
            writes.push(Write::Replace(
                &colls.dc_auth,
                doc! { SESSION: name, "dc_id": entry.dc_id },
                dc_auth_doc(name, entry),
            ));
        }
        for key in &records.temp_auth_keys {
            writes.push(Write::Replace(
                &colls.temp_auth_keys,
                doc! { SESSION: name, "dc_id": key.dc_id },
                temp_key_doc(name, key),
            ));
        }
        for conversation in &records.conversations {
            let (filter, update) = restore_write(name, conversation);
            writes.push(Write::Update(&colls.conversations, filter, update));
        }
        for update in &records.durable_updates {
            writes.push(Write::Replace(
                &colls.durable_updates,
                doc! { SESSION: name, "id": &update.id },
                durable_doc(name, update),
            ));
        }
        writes
    }

    async fn save_records_once(
        writes: &[Write<'_>],
        session: &mut ClientSession,
    ) -> mongodb::error::Result<()> {
        for write in writes {
            match write {
                Write::Replace(coll, filter, document) => {
                    coll.replace_one(filter.clone(), document)
                        .upsert(true)
                        .session(&mut *session)
                        .await?;
                }
                Write::Update(coll, filter, update) => {
                    coll.update_one(filter.clone(), update.clone())
                        .upsert(true)
                        .session(&mut *session)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Writes every record in one transaction, retried until the retry
    /// deadline while it meets write conflicts.
    pub(super) async fn save_records(&self, records: &SessionRecords) -> Result<()> {
        let writes = self.records_writes(self.colls()?, records);
        if writes.is_empty() {
            return Ok(());
        }
        self.in_transaction(writes.as_slice(), |_, writes, session| {
            Box::pin(Self::save_records_once(writes, session))
        })
        .await
    }
}
