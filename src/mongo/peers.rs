//! [`PeerStore`] on the `peers` collection, with the batched, transactional
//! `save_peers`.

use super::documents::{SESSION, peer_doc, peer_from};
use super::error::{
    BatchWriteError, Conflict, DUPLICATE_KEY, PeerWriteFailure, WRITE_CONFLICT, conflict_of,
    message_names_index,
};
use super::indexes::PEERS_UNIQUE;
use super::{BACKEND, MongoAdapter, Retry};
use crate::peer_batch::last_per_id;
use crate::store::PeerStore;
use crate::{BoxError, Error, Peer, Result, normalize_phone, normalize_username};
use async_trait::async_trait;
use bson::{Bson, Document, RawArrayBuf, RawDocumentBuf, doc};
use futures_util::TryStreamExt;
use mongodb::ClientSession;
use mongodb::error::UNKNOWN_TRANSACTION_COMMIT_RESULT;
use std::collections::HashMap;

/// Upserts per `update` command.
pub(crate) const CHUNK_PEERS: usize = 1_000;
/// Bytes of upserts per `update` command (under the 16 MiB command limit).
const CHUNK_BYTES: usize = 8 * 1024 * 1024;

/// One `update` command of a batch and the ids of its peers, in order.
struct Chunk {
    command: RawDocumentBuf,
    ids: Vec<i64>,
}

/// How running the chunks of a batch failed.
enum BatchFailure {
    /// The server refused some peers (write errors in a reply).
    Refused(Vec<PeerWriteFailure>),
    /// The command failed as a whole.
    Driver(mongodb::error::Error),
}

fn raw(doc: &Document) -> Result<RawDocumentBuf> {
    RawDocumentBuf::from_document(doc).map_err(|e| Error::backend(BACKEND, e))
}

impl MongoAdapter {
    /// Splits the upserts of a batch into `update` commands of at most
    /// [`CHUNK_PEERS`] statements and about [`CHUNK_BYTES`] bytes.
    fn chunks(&self, peers: &[&Peer]) -> Result<Vec<Chunk>> {
        let collection = self.colls()?.peers.name().to_owned();
        let finish = |updates: RawArrayBuf, ids: Vec<i64>| {
            let mut command = RawDocumentBuf::new();
            command.append("update", collection.as_str());
            command.append("updates", updates);
            command.append("ordered", true);
            Chunk { command, ids }
        };
        let mut out = Vec::with_capacity(peers.len().div_ceil(CHUNK_PEERS));
        let (mut updates, mut ids, mut bytes) = (RawArrayBuf::new(), Vec::new(), 0usize);
        for peer in peers {
            let statement = raw(&doc! {
                "q": { SESSION: &self.name, "id": peer.id },
                "u": peer_doc(&self.name, peer),
                "upsert": true,
            })?;
            let size = statement.as_bytes().len();
            if !ids.is_empty() && (ids.len() == CHUNK_PEERS || bytes + size > CHUNK_BYTES) {
                out.push(finish(
                    std::mem::take(&mut updates),
                    std::mem::take(&mut ids),
                ));
                bytes = 0;
            }
            updates.push(statement);
            ids.push(peer.id);
            bytes += size;
        }
        if !ids.is_empty() {
            out.push(finish(updates, ids));
        }
        Ok(out)
    }

    /// Runs every chunk inside the session's open transaction.
    async fn run_chunks(
        &self,
        session: &mut ClientSession,
        chunks: &[Chunk],
    ) -> std::result::Result<(), BatchFailure> {
        for chunk in chunks {
            let reply = self
                .inner
                .db
                .run_raw_command(chunk.command.clone())
                .session(&mut *session)
                .await
                .map_err(BatchFailure::Driver)?;
            let failures = write_errors(&reply, &chunk.ids);
            if !failures.is_empty() {
                return Err(BatchFailure::Refused(failures));
            }
        }
        Ok(())
    }

    /// Writes a batch of several peers in one transaction, retrying it until
    /// the retry deadline while it meets conflicts with concurrent writers.
    /// A retry still running its commands at the deadline is cut off there:
    /// dropping the session aborts its transaction, so nothing of it is
    /// written.
    async fn save_batch(&self, peers: &[&Peer]) -> Result<()> {
        // Min peers are merged over what the transaction reads (again on
        // each attempt); a batch without any is built once.
        let has_min = peers.iter().any(|p| p.min);
        let mut chunks = if has_min {
            Vec::new()
        } else {
            self.chunks(peers)?
        };
        let mut retry = Retry::start(self.retry_deadline);
        let mut session = self.client().start_session().await?;
        // The conflict of the previous attempt, reported if a retry is cut off.
        let mut last: Option<(Conflict, BoxError)> = None;
        loop {
            session.start_transaction().await?;
            if has_min {
                let merged = match self.merge_stored(&mut session, peers).await {
                    Ok(merged) => merged,
                    Err(e) => {
                        let _ = session.abort_transaction().await;
                        return Err(e);
                    }
                };
                match merged {
                    Ok(merged) => {
                        chunks = self.chunks(&merged.iter().collect::<Vec<_>>())?;
                    }
                    Err(e) => {
                        let _ = session.abort_transaction().await;
                        let Some(conflict) = conflict_of(&e, PEERS_UNIQUE) else {
                            return Err(e.into());
                        };
                        if !retry.backoff().await {
                            return Err(retry.give_up(conflict, e));
                        }
                        last = Some((conflict, e.into()));
                        continue;
                    }
                }
            }
            let run = self.run_chunks(&mut session, &chunks);
            let ran = match (retry.time_left(), last.take()) {
                (Some(left), Some((conflict, previous))) => {
                    match tokio::time::timeout(left, run).await {
                        Ok(ran) => ran,
                        Err(_) => return Err(retry.give_up(conflict, previous)),
                    }
                }
                _ => run.await,
            };
            let outcome = match ran {
                Ok(()) => commit(&mut session).await.map_err(BatchFailure::Driver),
                Err(failure) => {
                    // The server may have aborted already; nothing to add then.
                    let _ = session.abort_transaction().await;
                    Err(failure)
                }
            };
            match outcome {
                Ok(()) => return Ok(()),
                Err(BatchFailure::Driver(e)) => {
                    let Some(conflict) = conflict_of(&e, PEERS_UNIQUE) else {
                        return Err(e.into());
                    };
                    if !retry.backoff().await {
                        return Err(retry.give_up(conflict, e));
                    }
                    last = Some((conflict, e.into()));
                }
                Err(BatchFailure::Refused(failures)) => {
                    let refused = BatchWriteError {
                        batch_len: peers.len(),
                        failures,
                    };
                    let Some(conflict) = race_of(&refused.failures) else {
                        return Err(Error::backend(BACKEND, refused));
                    };
                    if !retry.backoff().await {
                        return Err(retry.give_up(conflict, refused));
                    }
                    last = Some((conflict, refused.into()));
                }
            }
        }
    }

    /// The batch with each min peer merged over the stored peer of its id
    /// ([`Peer::merged_over`]), read inside the session's transaction: a
    /// concurrent writer of those peers makes the commit fail with a write
    /// conflict, and the batch is read and merged again. The outer error is
    /// a stored document that does not decode; the inner one the driver's.
    async fn merge_stored(
        &self,
        session: &mut ClientSession,
        peers: &[&Peer],
    ) -> Result<std::result::Result<Vec<Peer>, mongodb::error::Error>> {
        let min_ids: Vec<i64> = peers.iter().filter(|p| p.min).map(|p| p.id).collect();
        let coll = &self.colls()?.peers;
        let mut found: Vec<Document> = Vec::with_capacity(min_ids.len());
        let read = async {
            let mut cursor = coll
                .find(doc! { SESSION: &self.name, "id": { "$in": &min_ids } })
                .session(&mut *session)
                .await?;
            while let Some(doc) = cursor.next(&mut *session).await.transpose()? {
                found.push(doc);
            }
            Ok::<(), mongodb::error::Error>(())
        };
        if let Err(e) = read.await {
            return Ok(Err(e));
        }
        let mut stored: HashMap<i64, Peer> = HashMap::with_capacity(found.len());
        for doc in &found {
            let peer = peer_from(doc)?;
            stored.insert(peer.id, peer);
        }
        Ok(Ok(peers
            .iter()
            .map(|p| p.merged_over(stored.get(&p.id)))
            .collect()))
    }

    async fn find_newest(&self, filter: Document) -> Result<Option<Peer>> {
        let found = self
            .colls()?
            .peers
            .find_one(filter)
            .sort(doc! { "last_updated": -1, "id": -1 })
            .await?;
        found.as_ref().map(peer_from).transpose()
    }
}

/// The conflict a retry resolves, when every refused write of a batch is
/// one: a write conflict, or a duplicate key on the (session, id) index (two
/// writers inserting the same new peer). `None` when any refusal is
/// something else.
fn race_of(failures: &[PeerWriteFailure]) -> Option<Conflict> {
    let mut conflict = None;
    for failure in failures {
        if failure.code == WRITE_CONFLICT {
            conflict = Some(Conflict::WriteConflict);
        } else if failure.code == DUPLICATE_KEY
            && message_names_index(&failure.message, PEERS_UNIQUE)
        {
            conflict.get_or_insert(Conflict::DuplicateKey {
                index: PEERS_UNIQUE,
            });
        } else {
            return None;
        }
    }
    conflict
}

/// Commits, retrying the commit itself while its result is unknown.
pub(super) async fn commit(session: &mut ClientSession) -> mongodb::error::Result<()> {
    let mut tries = 0;
    loop {
        match session.commit_transaction().await {
            Err(e) if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) && tries < 3 => {
                tries += 1;
            }
            other => return other,
        }
    }
}

/// The write errors of an `update` reply, with the peer id of each.
fn write_errors(reply: &Document, ids: &[i64]) -> Vec<PeerWriteFailure> {
    let Ok(errors) = reply.get_array("writeErrors") else {
        return Vec::new();
    };
    errors
        .iter()
        .filter_map(Bson::as_document)
        .map(|e| {
            let index = match e.get("index") {
                Some(Bson::Int32(i)) => usize::try_from(*i).ok(),
                Some(Bson::Int64(i)) => usize::try_from(*i).ok(),
                _ => None,
            };
            PeerWriteFailure {
                // An index outside the chunk would be a server bug; 0 then.
                peer_id: index.and_then(|i| ids.get(i)).copied().unwrap_or(0),
                code: match e.get("code") {
                    Some(Bson::Int32(c)) => *c,
                    Some(Bson::Int64(c)) => i32::try_from(*c).unwrap_or(i32::MAX),
                    _ => 0,
                },
                message: e.get_str("errmsg").unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

#[crate::observe::observed]
#[async_trait]
impl PeerStore for MongoAdapter {
    /// One upsert, retried when it races another writer of the same new peer.
    async fn save_peer(&self, peer: &Peer) -> Result<()> {
        crate::limits::check_peer(peer)?;
        if peer.min {
            // Merged over the stored peer inside a transaction.
            return self.save_batch(&[peer]).await;
        }
        let coll = &self.colls()?.peers;
        let replacement = peer_doc(&self.name, peer);
        self.retry_write(PEERS_UNIQUE, || {
            coll.replace_one(doc! { SESSION: &self.name, "id": peer.id }, &replacement)
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    /// One document: a plain upsert. More: one transaction of `update`
    /// commands of up to 1,000 upserts each (see the [module docs](super)).
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        crate::limits::check_peers(peers)?;
        let batch = last_per_id(peers);
        match batch.as_slice() {
            [] => Ok(()),
            [one] => self.save_peer(one).await,
            _ => self.save_batch(&batch).await,
        }
    }

    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
        let found = self
            .colls()?
            .peers
            .find_one(doc! { SESSION: &self.name, "id": id })
            .await?;
        found.as_ref().map(peer_from).transpose()
    }

    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
        crate::limits::check_key("username", &normalize_username(username))?;
        let key = normalize_username(username);
        if key.is_empty() {
            return Ok(None);
        }
        self.find_newest(doc! { SESSION: &self.name, "username_keys": key })
            .await
    }

    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
        let key = normalize_phone(phone);
        if key.is_empty() {
            return Ok(None);
        }
        self.find_newest(doc! { SESSION: &self.name, "phone_key": key })
            .await
    }

    async fn load_peers(&self) -> Result<Vec<Peer>> {
        let docs: Vec<Document> = self
            .colls()?
            .peers
            .find(doc! { SESSION: &self.name })
            .sort(doc! { "id": 1 })
            .await?
            .try_collect()
            .await?;
        docs.iter().map(peer_from).collect()
    }

    async fn delete_peer(&self, id: i64) -> Result<()> {
        self.colls()?
            .peers
            .delete_one(doc! { SESSION: &self.name, "id": id })
            .await?;
        Ok(())
    }

    /// One `deleteMany` with `$in` per chunk of 10,000 ids (a
    /// peer's usernames and phone live in its document).
    async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
        let coll = &self.colls()?.peers;
        for chunk in ids.chunks(DELETE_CHUNK) {
            coll.delete_many(doc! { SESSION: &self.name, "id": { "$in": chunk.to_vec() } })
                .await?;
        }
        Ok(())
    }
}

/// Ids per `deleteMany` of `delete_peers` (about 140 KB of filter).
const DELETE_CHUNK: usize = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_errors_name_the_peer() {
        let reply = doc! {
            "ok": 1.0,
            "writeErrors": [{ "index": 1, "code": 11000, "errmsg": "E11000 index: other dup key" }],
        };
        let failures = write_errors(&reply, &[10, 20, 30]);
        assert_eq!(
            failures,
            vec![PeerWriteFailure {
                peer_id: 20,
                code: 11000,
                message: "E11000 index: other dup key".into()
            }]
        );
        assert_eq!(race_of(&failures), None);
        let race = |code: i32, message: &str| PeerWriteFailure {
            peer_id: 1,
            code,
            message: message.into(),
        };
        let dup = race(11000, "E11000 index: session_id_unique dup key");
        assert_eq!(
            race_of(std::slice::from_ref(&dup)),
            Some(Conflict::DuplicateKey {
                index: PEERS_UNIQUE
            })
        );
        assert_eq!(
            race_of(&[dup.clone(), race(112, "WriteConflict")]),
            Some(Conflict::WriteConflict)
        );
        assert_eq!(race_of(&[dup, failures[0].clone()]), None);
        assert!(write_errors(&doc! { "ok": 1.0, "n": 3 }, &[1]).is_empty());
    }
}
