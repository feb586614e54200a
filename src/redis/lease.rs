//! [`LeaseStore`]: one string key per session holding the holder's token,
//! set with `SET NX PX` and expiring with the lease (Redis's clock).

use super::RedisAdapter;
use super::scripts::{ACQUIRE_LEASE, LOAD_LEASE, RELEASE_LEASE, RENEW_LEASE};
use crate::error::Result;
use crate::lease::{self, Lease, LeaseStore, unix_now_ms};
use async_trait::async_trait;
use std::time::Duration;

#[crate::observe::observed]
#[async_trait]
impl LeaseStore for RedisAdapter {
    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool> {
        let ttl = lease::check(holder, ttl)?;
        let mut conn = self.conn()?;
        let got: i64 = ACQUIRE_LEASE
            .key(self.keys.lease())
            .arg(holder)
            .arg(ttl)
            .invoke_async(&mut conn)
            .await?;
        Ok(got == 1)
    }

    async fn renew_lease(&self, holder: &str, ttl: Duration) -> Result<bool> {
        let ttl = lease::check(holder, ttl)?;
        let mut conn = self.conn()?;
        let renewed: i64 = RENEW_LEASE
            .key(self.keys.lease())
            .arg(holder)
            .arg(ttl)
            .invoke_async(&mut conn)
            .await?;
        Ok(renewed == 1)
    }

    async fn release_lease(&self, holder: &str) -> Result<()> {
        lease::check_holder(holder)?;
        let mut conn = self.conn()?;
        let _: i64 = RELEASE_LEASE
            .key(self.keys.lease())
            .arg(holder)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    async fn load_lease(&self) -> Result<Option<Lease>> {
        let key = &self.keys.lease();
        let found: Option<(String, i64)> = self
            .read(|mut c| async move { LOAD_LEASE.key(key).invoke_async(&mut c).await })
            .await?;
        Ok(found
            .filter(|(_, left)| *left > 0)
            .map(|(holder, left)| Lease {
                holder,
                expires_at_ms: unix_now_ms().saturating_add(left),
            }))
    }
}
