//! [`UpdateStateStore`] on the `update_state`, `channel_state`,
//! `update_dedup` and `durable_updates` collections.

use super::MongoAdapter;
use super::documents::{
    Reader, SESSION, durable_doc, durable_from, update_state_doc, update_state_from,
};
use super::error::is_duplicate_key;
use crate::store::UpdateStateStore;
use crate::{ChannelState, DurableUpdate, Error, Result, UpdateState};
use async_trait::async_trait;
use bson::doc;
use futures_util::TryStreamExt;
use mongodb::options::ReturnDocument;

#[crate::observe::observed]
#[async_trait]
impl UpdateStateStore for MongoAdapter {
    async fn save_update_state(&self, state: &UpdateState) -> Result<()> {
        let coll = &self.colls()?.update_state;
        let replacement = update_state_doc(&self.name, state);
        self.retry_write("session_unique", || {
            coll.replace_one(doc! { SESSION: &self.name }, &replacement)
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    async fn load_update_state(&self) -> Result<Option<UpdateState>> {
        let found = self
            .colls()?
            .update_state
            .find_one(doc! { SESSION: &self.name })
            .await?;
        found.as_ref().map(update_state_from).transpose()
    }

    async fn save_channel_pts(&self, channel_id: i64, pts: i32) -> Result<()> {
        let coll = &self.colls()?.channel_state;
        let replacement = doc! { SESSION: &self.name, "channel_id": channel_id, "pts": pts };
        self.retry_write("session_channel_unique", || {
            coll.replace_one(
                doc! { SESSION: &self.name, "channel_id": channel_id },
                &replacement,
            )
            .upsert(true)
            .into_future()
        })
        .await?;
        Ok(())
    }

    async fn delete_channel_pts(&self, channel_id: i64) -> Result<()> {
        self.colls()?
            .channel_state
            .delete_one(doc! { SESSION: &self.name, "channel_id": channel_id })
            .await?;
        Ok(())
    }

    async fn load_channel_pts(&self, channel_id: i64) -> Result<Option<i32>> {
        let found = self
            .colls()?
            .channel_state
            .find_one(doc! { SESSION: &self.name, "channel_id": channel_id })
            .await?;
        found
            .as_ref()
            .map(|d| Reader::new(d, "mongodb channel_state document").i32("pts"))
            .transpose()
    }

    async fn load_all_channel_pts(&self) -> Result<Vec<ChannelState>> {
        let docs: Vec<bson::Document> = self
            .colls()?
            .channel_state
            .find(doc! { SESSION: &self.name })
            .sort(doc! { "channel_id": 1 })
            .await?
            .try_collect()
            .await?;
        docs.iter()
            .map(|d| {
                let r = Reader::new(d, "mongodb channel_state document");
                Ok(ChannelState {
                    channel_id: r.i64("channel_id")?,
                    pts: r.i32("pts")?,
                })
            })
            .collect()
    }

    /// An insert: the unique (session, key) index lets exactly one of
    /// concurrent callers in; the others meet a duplicate key and get
    /// `false`.
    async fn insert_dedup_key(&self, key: &str, seen_at: i64) -> Result<bool> {
        let result = self
            .colls()?
            .update_dedup
            .insert_one(doc! { SESSION: &self.name, "key": key, "seen_at": seen_at })
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_duplicate_key(&e, Some("session_key_unique")) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn has_dedup_key(&self, key: &str) -> Result<bool> {
        let n = self
            .colls()?
            .update_dedup
            .count_documents(doc! { SESSION: &self.name, "key": key })
            .limit(1)
            .await?;
        Ok(n > 0)
    }

    async fn prune_dedup_keys(&self, older_than: i64) -> Result<u64> {
        let result = self
            .colls()?
            .update_dedup
            .delete_many(doc! { SESSION: &self.name, "seen_at": { "$lt": older_than } })
            .await?;
        Ok(result.deleted_count)
    }

    /// Sorted again after the server's sort: MongoDB compares strings by
    /// their UTF-8 bytes unless a collation says otherwise, as `str` does,
    /// but a collection created with a default collation would not.
    async fn load_dedup_keys(&self) -> Result<Vec<crate::DedupKey>> {
        let docs: Vec<bson::Document> = self
            .colls()?
            .update_dedup
            .find(doc! { SESSION: &self.name })
            .sort(doc! { "key": 1 })
            .await?
            .try_collect()
            .await?;
        let mut keys = docs
            .iter()
            .map(|d| {
                let r = Reader::new(d, "mongodb update_dedup document");
                Ok(crate::DedupKey {
                    key: r.string("key")?,
                    seen_at: r.i64("seen_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(keys)
    }

    async fn enqueue_update(&self, update: &DurableUpdate) -> Result<()> {
        let coll = &self.colls()?.durable_updates;
        let replacement = durable_doc(&self.name, update);
        self.retry_write("session_id_unique", || {
            coll.replace_one(doc! { SESSION: &self.name, "id": &update.id }, &replacement)
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    async fn load_updates(&self, limit: usize) -> Result<Vec<DurableUpdate>> {
        if limit == 0 {
            // A limit of 0 means "no limit" to MongoDB.
            return Ok(Vec::new());
        }
        let docs: Vec<bson::Document> = self
            .colls()?
            .durable_updates
            .find(doc! { SESSION: &self.name })
            .sort(doc! { "created_at": 1, "id": 1 })
            .limit(i64::try_from(limit).unwrap_or(i64::MAX))
            .await?
            .try_collect()
            .await?;
        docs.iter().map(durable_from).collect()
    }

    async fn delete_update(&self, id: &str) -> Result<()> {
        self.colls()?
            .durable_updates
            .delete_one(doc! { SESSION: &self.name, "id": id })
            .await?;
        Ok(())
    }

    async fn mark_update_failed(&self, id: &str, error: &str) -> Result<u32> {
        let updated = self
            .colls()?
            .durable_updates
            .find_one_and_update(
                doc! { SESSION: &self.name, "id": id },
                doc! { "$inc": { "attempts": 1i64 }, "$set": { "last_error": error } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        match updated {
            Some(d) => Ok(durable_from(&d)?.attempts),
            None => Err(Error::NotFound {
                what: format!("durable update {id:?}"),
            }),
        }
    }
}
