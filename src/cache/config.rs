//! [`CacheConfig`]: how big a [`super::CachedAdapter`]'s cache is and how long
//! its entries live.

use std::time::Duration;

/// Settings of a [`super::CachedAdapter`].
///
/// The defaults hold up to 100,000 peers per session name with no
/// time-to-live (entries stay until evicted or overwritten through the
/// cache). Set a time-to-live when other processes write the same store; see
/// [`super::CachedAdapter`] for what that bounds.
///
/// ```
/// use std::time::Duration;
/// let config = mtgo_storage::CacheConfig::default()
///     .max_peers(10_000)
///     .time_to_live(Duration::from_secs(60));
/// assert_eq!(config.peer_capacity(), 10_000);
/// assert_eq!(config.ttl(), Some(Duration::from_secs(60)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    max_peers: u64,
    time_to_live: Option<Duration>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_peers: 100_000,
            time_to_live: None,
        }
    }
}

impl CacheConfig {
    /// The largest number of peers kept per session name (and, separately,
    /// of username and of phone index entries). When it is reached, the
    /// cache evicts the entries least likely to be used again (moka's
    /// TinyLFU policy); an evicted peer is read from the inner adapter again
    /// on its next lookup. Zero keeps nothing: every lookup reads the inner
    /// adapter.
    pub fn max_peers(mut self, max_peers: u64) -> Self {
        self.max_peers = max_peers;
        self
    }

    /// Re-read every entry from the inner adapter once it is older than
    /// `ttl` (counted from when it was cached). Bounds how long a change made
    /// by another process (or by writes that bypass this cache) can go
    /// unseen.
    pub fn time_to_live(mut self, ttl: Duration) -> Self {
        self.time_to_live = Some(ttl);
        self
    }

    /// The configured capacity (see [`CacheConfig::max_peers`]).
    pub fn peer_capacity(&self) -> u64 {
        self.max_peers
    }

    /// The configured time-to-live, if any.
    pub fn ttl(&self) -> Option<Duration> {
        self.time_to_live
    }
}
