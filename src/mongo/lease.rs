//! [`LeaseStore`] on the `session_leases` collection: one document per
//! session name, taken with `findOneAndUpdate` (upsert) whose filter only
//! matches a lease that is the holder's own or expired; the unique index on
//! the session name refuses a second document, which means "held".

use super::MongoAdapter;
use super::documents::{Reader, SESSION};
use super::error::is_duplicate_key;
use crate::error::Result;
use crate::lease::{self, Lease, LeaseStore, unix_now_ms};
use async_trait::async_trait;
use bson::doc;
use std::time::Duration;

#[crate::observe::observed]
#[async_trait]
impl LeaseStore for MongoAdapter {
    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool> {
        let ttl = lease::check(holder, ttl)?;
        let now = unix_now_ms();
        let coll = &self.colls()?.session_leases;
        let taken = coll
            .find_one_and_update(
                doc! {
                    SESSION: &self.name,
                    "$or": [{ "holder": holder }, { "expires_at_ms": { "$lte": now } }],
                },
                doc! { "$set": { "holder": holder, "expires_at_ms": now.saturating_add(ttl) } },
            )
            .upsert(true)
            .await;
        match taken {
            Ok(_) => Ok(true),
            // The filter did not match, so the upsert tried a second
            // document for the name: another holder's unexpired lease.
            Err(e) if is_duplicate_key(&e, None) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn renew_lease(&self, holder: &str, ttl: Duration) -> Result<bool> {
        let ttl = lease::check(holder, ttl)?;
        let now = unix_now_ms();
        let renewed = self
            .colls()?
            .session_leases
            .update_one(
                doc! { SESSION: &self.name, "holder": holder, "expires_at_ms": { "$gt": now } },
                doc! { "$set": { "expires_at_ms": now.saturating_add(ttl) } },
            )
            .await?;
        Ok(renewed.matched_count == 1)
    }

    async fn release_lease(&self, holder: &str) -> Result<()> {
        lease::check_holder(holder)?;
        self.colls()?
            .session_leases
            .delete_one(doc! { SESSION: &self.name, "holder": holder })
            .await?;
        Ok(())
    }

    async fn load_lease(&self) -> Result<Option<Lease>> {
        let found = self
            .colls()?
            .session_leases
            .find_one(doc! { SESSION: &self.name })
            .await?;
        let Some(found) = found else { return Ok(None) };
        let r = Reader::new(&found, "mongodb session_leases document");
        let lease = Lease {
            holder: r.string("holder")?,
            expires_at_ms: r.i64("expires_at_ms")?,
        };
        Ok((lease.expires_at_ms > unix_now_ms()).then_some(lease))
    }
}
