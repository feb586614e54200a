//! The case that a closed store answers every call with an error.

use super::fixtures::{full_peer, full_session};
use crate::{Adapter, DurableUpdate, Error};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long a call on a closed store may take before the case fails.
const BOUND: Duration = Duration::from_secs(5);

/// Awaits `call` for at most [`BOUND`] and asserts it is [`Error::Closed`].
async fn refused<T: std::fmt::Debug>(what: &str, call: impl Future<Output = crate::Result<T>>) {
    match tokio::time::timeout(BOUND, call).await {
        Err(_) => panic!("{what} on a closed store hung for {BOUND:?}"),
        Ok(Err(Error::Closed { .. })) => {}
        Ok(other) => panic!("{what} on a closed store: expected Error::Closed, got {other:?}"),
    }
}

/// After `close`, every call on the handle and on every other handle of the
/// same store returns [`Error::Closed`] at once: never data, a panic or a
/// hang. Closing again is `Ok(())`.
pub async fn closed_store_refuses_every_call(adapter: Arc<dyn Adapter>) {
    adapter.save_session(&full_session()).await.unwrap();
    adapter.save_peer(&full_peer(1)).await.unwrap();
    let other: Arc<dyn Adapter> =
        Arc::from(adapter.session(&format!("{}-other", adapter.session_name())));
    tokio::time::timeout(BOUND, adapter.close())
        .await
        .expect("close hung")
        .unwrap();
    for h in [&adapter, &other] {
        refused("load_session", h.load_session()).await;
        refused("save_session", h.save_session(&full_session())).await;
        refused("delete_session", h.delete_session()).await;
        refused("save_peer", h.save_peer(&full_peer(2))).await;
        refused("save_peers", h.save_peers(&[full_peer(3), full_peer(4)])).await;
        refused("get_peer", h.get_peer(1)).await;
        refused("get_peer_by_username", h.get_peer_by_username("user_1")).await;
        refused("get_peer_by_phone", h.get_peer_by_phone("15550000001")).await;
        refused("load_peers", h.load_peers()).await;
        refused("delete_peer", h.delete_peer(1)).await;
        refused("delete_peers", h.delete_peers(&[1, 2])).await;
        refused("reclaim_space", h.reclaim_space()).await;
        refused("session_names", h.session_names()).await;
        if let Some(c) = h.conversations() {
            refused("load_conversations", c.load_conversations()).await;
            refused(
                "delete_conversations_idle_since",
                c.delete_conversations_idle_since(1),
            )
            .await;
        }
        if let Some(d) = h.dc_auth() {
            refused("load_all_dc_auth", d.load_all_dc_auth()).await;
        }
        if let Some(u) = h.update_state() {
            refused("insert_dedup_key", u.insert_dedup_key("k", 1)).await;
            refused(
                "enqueue_update",
                u.enqueue_update(&DurableUpdate {
                    id: "u".into(),
                    ..DurableUpdate::default()
                }),
            )
            .await;
            refused("load_updates", u.load_updates(10)).await;
            refused("load_update_state", u.load_update_state()).await;
        }
        if let Some(l) = h.lease() {
            refused("load_lease", l.load_lease()).await;
        }
    }
    tokio::time::timeout(BOUND, adapter.close())
        .await
        .expect("second close hung")
        .unwrap();
}
