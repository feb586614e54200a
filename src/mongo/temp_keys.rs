//! [`TempKeyStore`] on the `temp_auth_keys` collection (one document per
//! DC) and `server_salts` (one document per DC holding its salt list, so a
//! list is replaced in one write).

use super::MongoAdapter;
use super::documents::{Reader, SESSION, binary};
use crate::AuthKey;
use crate::error::{Error, Result};
use crate::temp_keys::{ServerSalt, TempAuthKey, TempKeyStore};
use async_trait::async_trait;
use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;

/// The document of a temporary auth key.
pub(super) fn temp_key_doc(session: &str, key: &TempAuthKey) -> Document {
    doc! {
        SESSION: session,
        "dc_id": key.dc_id,
        "auth_key": binary(key.auth_key.as_bytes()),
        "expires_at": key.expires_at,
        "perm_auth_key_id": key.perm_auth_key_id,
    }
}

fn salts_from(doc: &Document) -> Result<Vec<ServerSalt>> {
    let list = doc.get_array("salts").map_err(|_| Error::Corrupt {
        what: "mongodb server_salts document",
        reason: "salts is not an array".into(),
    })?;
    list.iter()
        .map(|s| {
            let Bson::Document(s) = s else {
                return Err(Error::Corrupt {
                    what: "mongodb server_salts document",
                    reason: "a salt is not a document".into(),
                });
            };
            let r = Reader::new(s, "mongodb server salt");
            Ok(ServerSalt {
                valid_since: r.i64("valid_since")?,
                valid_until: r.i64("valid_until")?,
                salt: r.i64("salt")?,
            })
        })
        .collect()
}

fn salts_bson(salts: &[ServerSalt]) -> Vec<Document> {
    salts
        .iter()
        .map(|s| {
            doc! { "valid_since": s.valid_since, "valid_until": s.valid_until, "salt": s.salt }
        })
        .collect()
}

#[async_trait]
impl TempKeyStore for MongoAdapter {
    async fn save_temp_auth_key(&self, key: &TempAuthKey) -> Result<()> {
        let coll = &self.colls()?.temp_auth_keys;
        let replacement = temp_key_doc(&self.name, key);
        self.retry_write("session_dc_unique", || {
            coll.replace_one(
                doc! { SESSION: &self.name, "dc_id": key.dc_id },
                &replacement,
            )
            .upsert(true)
            .into_future()
        })
        .await?;
        Ok(())
    }

    async fn load_temp_auth_key(&self, dc_id: i32) -> Result<Option<TempAuthKey>> {
        let found = self
            .colls()?
            .temp_auth_keys
            .find_one(doc! { SESSION: &self.name, "dc_id": dc_id })
            .await?;
        let Some(found) = found else { return Ok(None) };
        let r = Reader::new(&found, "mongodb temp_auth_keys document");
        Ok(Some(TempAuthKey {
            dc_id,
            auth_key: AuthKey::new(r.bytes("auth_key")?),
            expires_at: r.i64("expires_at")?,
            perm_auth_key_id: r.i64("perm_auth_key_id")?,
        }))
    }

    async fn delete_temp_auth_key(&self, dc_id: i32) -> Result<()> {
        self.colls()?
            .temp_auth_keys
            .delete_one(doc! { SESSION: &self.name, "dc_id": dc_id })
            .await?;
        Ok(())
    }

    async fn save_server_salts(&self, dc_id: i32, salts: &[ServerSalt]) -> Result<()> {
        let coll = &self.colls()?.server_salts;
        let filter = doc! { SESSION: &self.name, "dc_id": dc_id };
        let sorted = ServerSalt::unique_by_start(salts);
        if sorted.is_empty() {
            coll.delete_one(filter).await?;
            return Ok(());
        }
        let replacement = doc! {
            SESSION: &self.name,
            "dc_id": dc_id,
            "salts": salts_bson(&sorted),
        };
        self.retry_write("session_dc_unique", || {
            coll.replace_one(filter.clone(), &replacement)
                .upsert(true)
                .into_future()
        })
        .await?;
        Ok(())
    }

    async fn load_server_salts(&self, dc_id: i32) -> Result<Vec<ServerSalt>> {
        let found = self
            .colls()?
            .server_salts
            .find_one(doc! { SESSION: &self.name, "dc_id": dc_id })
            .await?;
        found
            .as_ref()
            .map(salts_from)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    async fn prune_temp_keys(&self, now: i64) -> Result<u64> {
        let colls = self.colls()?;
        let keys = colls
            .temp_auth_keys
            .delete_many(doc! { SESSION: &self.name, "expires_at": { "$lte": now } })
            .await?;
        let mut n = keys.deleted_count;
        let docs: Vec<Document> = colls
            .server_salts
            .find(doc! { SESSION: &self.name, "salts.valid_until": { "$lte": now } })
            .await?
            .try_collect()
            .await?;
        for d in docs {
            let all = salts_from(&d)?;
            let kept: Vec<ServerSalt> = all
                .iter()
                .copied()
                .filter(|s| s.valid_until > now)
                .collect();
            let dc_id = d.get_i32("dc_id").map_err(|_| Error::Corrupt {
                what: "mongodb server_salts document",
                reason: "dc_id is not an int32".into(),
            })?;
            // Only if the list is still the one read (a concurrent save wins).
            let filter = doc! { SESSION: &self.name, "dc_id": dc_id, "salts": salts_bson(&all) };
            let changed = if kept.is_empty() {
                colls.server_salts.delete_one(filter).await?.deleted_count
            } else {
                colls
                    .server_salts
                    .update_one(filter, doc! { "$set": { "salts": salts_bson(&kept) } })
                    .await?
                    .modified_count
            };
            if changed == 1 {
                n += (all.len() - kept.len()) as u64;
            }
        }
        Ok(n)
    }
}
