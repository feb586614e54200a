//! Bounded growth: [`prune`] removes peers not seen for a while,
//! conversations left idle and old dedup keys from any [`Adapter`], and
//! [`spawn_dedup_pruning`] prunes dedup keys on a schedule.
//!
//! Built on the store traits only (one implementation for every backend):
//! it reads the peers of the session to pick the old ones, deletes them in
//! one [`delete_peers`](crate::PeerStore::delete_peers) call, deletes idle
//! conversations with
//! [`delete_conversations_idle_since`](crate::ConversationStore::delete_conversations_idle_since),
//! and then gives the freed space back
//! ([`reclaim_space`](Adapter::reclaim_space): on SQLite an incremental
//! vacuum, so the file shrinks). A maintenance task for a quiet moment,
//! not a hot path.

use crate::error::Result;
use crate::store::Adapter;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// What [`prune`] removes; `None` leaves that kind alone. Times are Unix
/// seconds, compared with what the client stored (`Peer::last_updated`,
/// `Conversation::updated_at`, a dedup key's `seen_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrunePolicy {
    /// Peers whose `last_updated` is before this, except the logged-in user
    /// (the session's `user_id`, or a peer with `is_self` true) and peers
    /// that have a reference message stored (a min peer still reachable
    /// through it).
    pub peers_not_seen_since: Option<i64>,
    /// Conversations whose `updated_at` is before this.
    pub conversations_idle_since: Option<i64>,
    /// Dedup keys whose `seen_at` is before this.
    pub dedup_keys_older_than: Option<i64>,
}

impl PrunePolicy {
    /// The same cut-off for all three: everything not touched since
    /// `older_than`.
    pub fn everything_before(older_than: i64) -> Self {
        Self {
            peers_not_seen_since: Some(older_than),
            conversations_idle_since: Some(older_than),
            dedup_keys_older_than: Some(older_than),
        }
    }
}

/// How many records [`prune`] removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PruneCounts {
    /// Peers.
    pub peers: u64,
    /// Conversations.
    pub conversations: u64,
    /// Dedup keys.
    pub dedup_keys: u64,
}

/// Removes what `policy` names from the handle's session and returns the
/// counts; with `dry_run` it only counts. An adapter without a
/// conversation or update-state store is skipped for those kinds (counted
/// 0); peers with references are kept only when the adapter has a
/// reference store to ask. When something was removed, it ends with
/// [`Adapter::reclaim_space`] (on SQLite an incremental vacuum of the whole
/// file, so the file shrinks; nothing on the other backends).
///
/// # Errors
/// [`crate::Error::Backend`] when the store fails, reclaiming space
/// included (what was deleted before stays deleted);
/// [`crate::Error::Unsupported`] in a dry run over a store that cannot
/// list its dedup keys.
pub async fn prune(
    adapter: &dyn Adapter,
    policy: &PrunePolicy,
    dry_run: bool,
) -> Result<PruneCounts> {
    let mut counts = PruneCounts::default();
    if let Some(before) = policy.peers_not_seen_since {
        let self_id = adapter.load_session().await?.map_or(0, |s| s.user_id);
        let referenced: HashSet<i64> = match adapter.references() {
            Some(refs) => refs
                .load_references()
                .await?
                .into_iter()
                .map(|r| r.peer_id)
                .collect(),
            None => HashSet::new(),
        };
        let old: Vec<i64> = adapter
            .load_peers()
            .await?
            .iter()
            .filter(|peer| {
                let keep = peer.last_updated >= before
                    || peer.is_self == Some(true)
                    || (self_id != 0 && peer.id == self_id)
                    || referenced.contains(&peer.id);
                !keep
            })
            .map(|peer| peer.id)
            .collect();
        if !dry_run {
            adapter.delete_peers(&old).await?;
        }
        counts.peers = old.len() as u64;
    }
    if let (Some(before), Some(store)) = (policy.conversations_idle_since, adapter.conversations())
    {
        counts.conversations = if dry_run {
            store
                .load_conversations()
                .await?
                .iter()
                .filter(|c| c.updated_at < before)
                .count() as u64
        } else {
            store.delete_conversations_idle_since(before).await?
        };
    }
    if let (Some(before), Some(store)) = (policy.dedup_keys_older_than, adapter.update_state()) {
        counts.dedup_keys = if dry_run {
            store
                .load_dedup_keys()
                .await?
                .iter()
                .filter(|k| k.seen_at < before)
                .count() as u64
        } else {
            store.prune_dedup_keys(before).await?
        };
    }
    if !dry_run && counts != PruneCounts::default() {
        adapter.reclaim_space().await?;
    }
    Ok(counts)
}

/// Prunes the handle's dedup keys older than `keep_for` every `every`, in a
/// task on the current Tokio runtime, until the returned handle is aborted
/// (or dropped with the runtime). A failed round is skipped (the next one
/// tries again); `keep_for` is measured with this process's clock against
/// the `seen_at` the client stored (Unix seconds).
///
/// # Panics
/// Outside a Tokio runtime (as `tokio::spawn`).
pub fn spawn_dedup_pruning(
    adapter: Arc<dyn Adapter>,
    every: Duration,
    keep_for: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every.max(Duration::from_millis(1)));
        loop {
            ticker.tick().await;
            let before = crate::unix_now().saturating_sub(keep_for.as_secs() as i64);
            if let Some(store) = adapter.update_state() {
                let _ = store.prune_dedup_keys(before).await;
            }
        }
    })
}
