//! The public conformance suite: the behaviour every [`Adapter`] shares.
//!
//! Each case is an `async fn(Arc<dyn Adapter>)` that panics on a violation.
//! [`conformance_tests!`](crate::conformance_tests) expands them into one
//! named `#[tokio::test]` per case for an adapter factory, so a case added
//! here runs against every backend, and against your own adapter too:
//!
//! ```ignore
//! // tests/my_adapter.rs (needs tokio with the "macros" and "rt-multi-thread" features)
//! async fn make(session: String) -> Option<MyAdapter> {
//!     Some(MyAdapter::open_for_tests(&session).await)
//! }
//! mtgo_storage::conformance_tests!(make);
//! // or, for an adapter without conversations, DC auth and update state:
//! // mtgo_storage::conformance_tests!(make, core);
//! ```
//!
//! The factory gets a session name unique to the case and the run (see
//! [`unique_session_name`]) and returns the adapter bound to it, or `None`
//! to skip the case when its service is unreachable (use [`unavailable`],
//! which fails instead when `MTGO_TEST_REQUIRE` names the service).

mod bridge;
mod closed;
mod conversations;
mod dc_auth;
mod env;
pub mod fixtures;
mod hostile;
mod isolation;
mod lease;
mod min_peers;
mod peers;
mod prune;
mod purge;
mod references;
mod session;
mod session_records;
mod temp_keys;
mod update_state;

pub use bridge::*;
pub use closed::*;
pub use conversations::*;
pub use dc_auth::*;
pub use env::{
    PROBE_TIMEOUT, is_required, reachable, service_url, unavailable, unique_session_name,
};
pub use hostile::*;
pub use isolation::*;
pub use lease::*;
pub use min_peers::*;
pub use peers::*;
pub use prune::*;
pub use purge::*;
pub use references::*;
pub use session::*;
pub use session_records::*;
pub use temp_keys::*;
pub use update_state::*;

use crate::Adapter;

/// The session names `adapter` lists that start with `base`, in the order
/// `session_names` gives them.
pub(crate) async fn session_names_from(adapter: &dyn Adapter, base: &str) -> Vec<String> {
    let names = adapter.session_names().await.expect("session_names");
    names.into_iter().filter(|n| n.starts_with(base)).collect()
}

/// The optional store, or a panic saying the adapter lacks it.
pub(crate) fn store<'a, S: ?Sized>(store: Option<&'a S>, what: &str) -> &'a S {
    store.unwrap_or_else(|| {
        panic!("the adapter has no {what} store; run `conformance_tests!(factory, core)` for adapters without optional stores")
    })
}

/// Turns a factory's adapter into the shared handle the cases take.
#[doc(hidden)]
pub fn __into_shared<A: Adapter + 'static>(adapter: A) -> std::sync::Arc<dyn Adapter> {
    std::sync::Arc::new(adapter)
}

/// Expands the conformance suite into one `#[tokio::test]` per case.
///
/// `conformance_tests!(factory)` runs every case, and fails if the adapter
/// lacks an optional store; `conformance_tests!(factory, core)` runs only the
/// session, peer, isolation and bridge cases. `factory` is any expression
/// callable as `factory(session_name: String)` returning a future of
/// `Option<A>` with `A: Adapter + 'static`; `None` skips the case.
///
/// The calling crate needs `tokio` with the `macros` and `rt-multi-thread`
/// features.
#[macro_export]
macro_rules! conformance_tests {
    (@cases $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let name = $crate::conformance::unique_session_name(stringify!($case));
                if let Some(adapter) = ($factory)(name).await {
                    $crate::conformance::$case($crate::conformance::__into_shared(adapter)).await;
                }
            }
        )*
    };
    ($factory:expr) => {
        $crate::conformance_tests!($factory, core);
        $crate::conformance_tests!(@cases $factory;
            conversation_absent_is_none,
            conversation_round_trips,
            conversation_created_at_kept_updated_at_moves,
            conversation_restore_keeps_times,
            conversations_idle_deleted_in_one_call,
            dc_auth_is_kept_per_dc,
            dc_auth_keeps_ipv6_and_missing_key,
            update_state_round_trips,
            channel_pts_one_and_all,
            channel_pts_deleted,
            dedup_insert_is_new_exactly_once,
            dedup_prune_removes_older_keys,
            dedup_keys_listed_sorted_with_times,
            dedup_keys_listed_per_session,
            dedup_keys_pruned_are_not_listed,
            durable_queue_order_and_limit,
            durable_queue_largest_limit_loads_all,
            durable_mark_failed_counts_attempts,
            purge_session_removes_everything,
            session_records_saved_together,
            lease_one_holder_renew_release,
            lease_taken_over_after_expiry,
            bridge_lease_guard_refuses_auth_key_writes,
            temp_keys_and_salts_round_trip,
            temp_keys_pruned_when_expired,
            values_beyond_the_limits_are_refused,
            closed_store_refuses_every_call,
            references_latest_and_deletes,
            full_peer_clears_the_reference_need,
            prune_removes_old_records_and_counts,
            dedup_keys_pruned_on_a_schedule,
        );
    };
    ($factory:expr, core) => {
        $crate::conformance_tests!(@cases $factory;
            load_session_absent_is_none,
            save_session_round_trips,
            save_session_replaces_every_field,
            delete_session_removes_it,
            session_names_lists_saved_sessions,
            close_twice_is_ok,
            peer_reads_absent_are_none,
            save_peer_round_trips_every_field,
            save_peer_replaces_every_field,
            peer_unknown_fields_round_trip,
            min_peer_over_full_keeps_hash_and_phone,
            full_peer_over_min_replaces_it,
            stale_username_is_returned_with_its_time,
            min_peers_in_a_batch_of_several_chunks,
            concurrent_min_and_full_saves_keep_the_full_hash,
            username_lookup_ignores_case_and_at,
            username_lookup_finds_additional_usernames,
            username_lookup_is_exact_after_normalizing,
            usernames_with_metacharacters_are_literal,
            username_moved_resolves_to_newest,
            phone_lookup_ignores_formatting,
            phone_change_moves_lookup,
            delete_peer_removes_it_everywhere,
            delete_peers_removes_many,
            save_peers_empty_batch_is_ok,
            save_peers_repeated_id_last_wins,
            save_peers_batch_of_10000_round_trips,
            concurrent_overlapping_peer_writes,
            sessions_are_isolated,
            session_names_are_opaque,
            names_and_keys_of_255_characters,
            hostile_session_names_are_isolated,
            hostile_peer_text_round_trips,
            bridge_setters_write_through,
            bridge_loads_session_once,
            bridge_update_session_writes_several_fields,
            bridge_exports_telethon_string,
            bridge_forwards_to_the_adapter,
            bridge_unsupported_without_store,
        );
    };
}
