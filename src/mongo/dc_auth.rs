//! [`DcAuthStore`] on the `dc_auth` collection.

use super::MongoAdapter;
use super::documents::{SESSION, dc_auth_doc, dc_auth_from};
use crate::store::DcAuthStore;
use crate::{DcAuth, Result};
use async_trait::async_trait;
use bson::doc;
use futures_util::TryStreamExt;

#[crate::observe::observed]
#[async_trait]
impl DcAuthStore for MongoAdapter {
    async fn save_dc_auth(&self, entry: &DcAuth) -> Result<()> {
        let coll = &self.colls()?.dc_auth;
        let replacement = dc_auth_doc(&self.name, entry);
        self.retry_write("session_dc_unique", || {
            coll.replace_one(
                doc! { SESSION: &self.name, "dc_id": entry.dc_id },
                &replacement,
            )
            .upsert(true)
            .into_future()
        })
        .await?;
        Ok(())
    }

    async fn load_dc_auth(&self, dc_id: i32) -> Result<Option<DcAuth>> {
        let found = self
            .colls()?
            .dc_auth
            .find_one(doc! { SESSION: &self.name, "dc_id": dc_id })
            .await?;
        found.as_ref().map(dc_auth_from).transpose()
    }

    async fn load_all_dc_auth(&self) -> Result<Vec<DcAuth>> {
        let docs: Vec<bson::Document> = self
            .colls()?
            .dc_auth
            .find(doc! { SESSION: &self.name })
            .sort(doc! { "dc_id": 1 })
            .await?
            .try_collect()
            .await?;
        docs.iter().map(dc_auth_from).collect()
    }
}
