//! [`LeaseStore`]: one holder at a time per session name, so two processes
//! never use one auth key at once (Telegram answers `AUTH_KEY_DUPLICATED`).

use crate::error::{Error, Result};
use async_trait::async_trait;
use std::time::Duration;

/// The lease of a session name: who holds it and until when.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lease {
    /// The holder's token, as given to [`LeaseStore::acquire_lease`].
    pub holder: String,
    /// When the lease ends unless renewed, in Unix milliseconds. On Redis it
    /// is computed from the key's remaining time to live and this process's
    /// clock.
    pub expires_at_ms: i64,
}

/// The longest holder token, in characters (a key column on SQL databases).
pub const MAX_HOLDER_LEN: usize = 255;

/// A lease on the handle's session name: at most one holder at a time, for a
/// time to live, renewed by its holder and taken over by another only once
/// it has expired.
///
/// A holder is any non-empty token up to [`MAX_HOLDER_LEN`] characters
/// unique to one process (a random id, `hostname:pid:start time`). On the
/// SQL databases and MongoDB, expiry compares the caller's clock with the
/// stored end: the clocks of competing processes must agree to well within
/// the time to live. Redis expires the key with its own clock.
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes the lease for `holder` for `ttl` from now, when nobody holds it,
    /// its holder's time ran out, or `holder` holds it already (then it is
    /// renewed). Returns `true` if `holder` holds the lease now, `false` if
    /// another holder does. Of concurrent callers at most one gets `true`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty or too long holder or a time to
    /// live under a millisecond; [`Error::Backend`] when the store fails.
    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool>;

    /// Extends `holder`'s lease to `ttl` from now. Returns `false` (and
    /// changes nothing) if `holder` does not hold an unexpired lease: it
    /// expired, or another holder took it over.
    ///
    /// # Errors
    /// As [`LeaseStore::acquire_lease`].
    async fn renew_lease(&self, holder: &str, ttl: Duration) -> Result<bool>;

    /// Gives the lease up if `holder` holds it, so another holder can take
    /// it at once; otherwise changes nothing. Releasing what one does not
    /// hold is `Ok(())`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty or too long holder;
    /// [`Error::Backend`] when the store fails.
    async fn release_lease(&self, holder: &str) -> Result<()>;

    /// The current lease, or `Ok(None)` if nobody holds an unexpired one.
    ///
    /// # Errors
    /// [`Error::Backend`] when the store fails; [`Error::Corrupt`] when the
    /// stored lease cannot be read back.
    async fn load_lease(&self) -> Result<Option<Lease>>;
}

/// Unix time now, in milliseconds.
pub fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Checks a holder token.
pub(crate) fn check_holder(holder: &str) -> Result<()> {
    if holder.is_empty() {
        return Err(Error::invalid("lease holder", "it is empty"));
    }
    if holder.chars().count() > MAX_HOLDER_LEN {
        return Err(Error::invalid(
            "lease holder",
            format!("it is longer than {MAX_HOLDER_LEN} characters"),
        ));
    }
    crate::limits::check_text("lease holder", holder)
}

/// Checks a holder and a time to live; returns the time to live in
/// milliseconds (at least 1, at most a century).
pub(crate) fn check(holder: &str, ttl: Duration) -> Result<i64> {
    check_holder(holder)?;
    let ms = ttl.as_millis();
    if ms == 0 {
        return Err(Error::invalid(
            "lease time to live",
            "it is shorter than a millisecond",
        ));
    }
    const CENTURY_MS: u128 = 100 * 365 * 24 * 3600 * 1000;
    Ok(ms.min(CENTURY_MS) as i64)
}
