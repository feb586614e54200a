//! Cases for [`SessionStore`](crate::SessionStore) and session names.

use super::fixtures::{full_session, other_session};
use crate::Adapter;
use std::sync::Arc;

/// A store with nothing saved loads `None`, and deleting the absent session
/// is `Ok`.
pub async fn load_session_absent_is_none(adapter: Arc<dyn Adapter>) {
    assert_eq!(adapter.load_session().await.unwrap(), None);
    adapter.delete_session().await.unwrap();
    assert_eq!(adapter.load_session().await.unwrap(), None);
}

/// Every field saved is loaded back, and the name is the handle's.
pub async fn save_session_round_trips(adapter: Arc<dyn Adapter>) {
    let session = full_session();
    adapter.save_session(&session).await.unwrap();
    let loaded = adapter
        .load_session()
        .await
        .unwrap()
        .expect("saved session");
    assert_eq!(loaded.name, adapter.session_name());
    assert_eq!(
        loaded,
        crate::Session {
            name: adapter.session_name().to_owned(),
            ..session
        }
    );
}

/// Saving again replaces every field, including clearing the auth key and
/// the state.
pub async fn save_session_replaces_every_field(adapter: Arc<dyn Adapter>) {
    adapter.save_session(&full_session()).await.unwrap();
    let other = other_session();
    adapter.save_session(&other).await.unwrap();
    let loaded = adapter
        .load_session()
        .await
        .unwrap()
        .expect("saved session");
    assert_eq!(
        loaded,
        crate::Session {
            name: adapter.session_name().to_owned(),
            ..other
        }
    );
}

/// Deleting the session removes it; saving afterwards works again.
pub async fn delete_session_removes_it(adapter: Arc<dyn Adapter>) {
    adapter.save_session(&full_session()).await.unwrap();
    adapter.delete_session().await.unwrap();
    assert_eq!(adapter.load_session().await.unwrap(), None);
    adapter.save_session(&other_session()).await.unwrap();
    assert_eq!(adapter.load_session().await.unwrap().map(|s| s.dc), Some(4));
}

/// `session_names` lists every name with a saved session, sorted.
pub async fn session_names_lists_saved_sessions(adapter: Arc<dyn Adapter>) {
    let base = adapter.session_name().to_owned();
    let b = adapter.session(&format!("{base}-b"));
    let a = adapter.session(&format!("{base}-a"));
    let no_session = adapter.session(&format!("{base}-c"));
    b.save_session(&full_session()).await.unwrap();
    a.save_session(&other_session()).await.unwrap();
    no_session
        .save_peer(&crate::Peer::new(1, crate::PeerType::User, 1))
        .await
        .unwrap();
    let names: Vec<String> = super::session_names_from(&*adapter, &base).await;
    assert_eq!(names, vec![format!("{base}-a"), format!("{base}-b")]);
}

/// Closing the store twice is `Ok(())` (the second close does nothing).
pub async fn close_twice_is_ok(adapter: Arc<dyn Adapter>) {
    adapter.save_session(&full_session()).await.unwrap();
    adapter.close().await.unwrap();
    adapter.close().await.unwrap();
}
