//! Cases for [`LeaseStore`](crate::LeaseStore).

use super::store;
use crate::{Adapter, Error, unix_now_ms};
use std::sync::Arc;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

/// One holder at a time: a second holder is refused (and cannot renew or
/// release the lease), the holder acquires again and renews, releasing lets
/// another holder take it at once, and each session name has its own
/// lease. Bad holders and times to live are `InvalidInput`.
pub async fn lease_one_holder_renew_release(adapter: Arc<dyn Adapter>) {
    let lease = store(adapter.lease(), "lease");
    assert_eq!(lease.load_lease().await.unwrap(), None);
    let before = unix_now_ms();
    assert!(lease.acquire_lease("proc-a", LONG).await.unwrap());
    let held = lease.load_lease().await.unwrap().expect("a lease");
    assert_eq!(held.holder, "proc-a");
    let end = held.expires_at_ms - before;
    assert!((29_000..=31_000).contains(&end), "expires in {end} ms");

    assert!(!lease.acquire_lease("proc-b", LONG).await.unwrap());
    assert!(!lease.renew_lease("proc-b", LONG).await.unwrap());
    lease.release_lease("proc-b").await.unwrap();
    assert_eq!(lease.load_lease().await.unwrap().unwrap().holder, "proc-a");

    assert!(lease.acquire_lease("proc-a", LONG).await.unwrap());
    assert!(
        lease
            .renew_lease("proc-a", Duration::from_secs(60))
            .await
            .unwrap()
    );
    let renewed = lease.load_lease().await.unwrap().unwrap();
    assert!(renewed.expires_at_ms >= held.expires_at_ms + 25_000);

    let other = adapter.session(&format!("{}-other", adapter.session_name()));
    let other_lease = store(other.lease(), "lease");
    assert!(other_lease.acquire_lease("proc-b", LONG).await.unwrap());

    lease.release_lease("proc-a").await.unwrap();
    assert_eq!(lease.load_lease().await.unwrap(), None);
    assert!(!lease.renew_lease("proc-a", LONG).await.unwrap());
    assert!(lease.acquire_lease("proc-b", LONG).await.unwrap());
    assert_eq!(lease.load_lease().await.unwrap().unwrap().holder, "proc-b");
    assert_eq!(
        other_lease.load_lease().await.unwrap().unwrap().holder,
        "proc-b"
    );

    for (holder, ttl) in [
        ("", LONG),
        ("x", Duration::from_micros(999)),
        (&*"h".repeat(256), LONG),
    ] {
        let e = lease.acquire_lease(holder, ttl).await.unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    }
    lease.release_lease("proc-b").await.unwrap();
    other_lease.release_lease("proc-b").await.unwrap();
}

/// A holder that stops renewing (a killed process) loses the lease after its
/// time to live: until then another holder is refused, afterwards it takes
/// the lease over, and the old holder can no longer renew it.
pub async fn lease_taken_over_after_expiry(adapter: Arc<dyn Adapter>) {
    let lease = store(adapter.lease(), "lease");
    let ttl = Duration::from_millis(300);
    assert!(lease.acquire_lease("old", ttl).await.unwrap());
    assert!(!lease.acquire_lease("new", LONG).await.unwrap());
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(lease.load_lease().await.unwrap(), None);
    assert!(!lease.renew_lease("old", LONG).await.unwrap());
    assert!(lease.acquire_lease("new", LONG).await.unwrap());
    assert!(!lease.renew_lease("old", LONG).await.unwrap());
    assert!(!lease.acquire_lease("old", LONG).await.unwrap());
    assert_eq!(lease.load_lease().await.unwrap().unwrap().holder, "new");
    lease.release_lease("new").await.unwrap();
}

/// A bridge with a lease holder set refuses to write an auth key (of the
/// session or of a DC) unless that holder holds the lease, and writes other
/// fields regardless; the refusal names the holders, never the key.
pub async fn bridge_lease_guard_refuses_auth_key_writes(adapter: Arc<dyn Adapter>) {
    use crate::{AdapterStorage, DcAuth, DcAuthStore, Storage};
    let lease = store(adapter.lease(), "lease");
    let storage = AdapterStorage::new(Arc::clone(&adapter)).with_lease_holder("me");
    let key = super::fixtures::auth_key(9);
    storage.set_dc_id(2).await.unwrap();

    let e = storage.set_auth_key(Some(key.clone())).await.unwrap_err();
    assert!(matches!(e, Error::LeaseNotHeld { .. }), "{e:?}");
    assert!(e.to_string().contains("nobody holds it"), "{e}");
    assert_eq!(
        adapter.load_session().await.unwrap().unwrap().auth_key,
        None
    );
    assert_eq!(storage.auth_key().await.unwrap(), None);

    assert!(lease.acquire_lease("someone-else", LONG).await.unwrap());
    let e = storage.set_auth_key(Some(key.clone())).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(text.contains("someone-else"), "{text}");
    assert!(!text.contains("9, 9, 9"), "{text}");
    let dc = DcAuth {
        dc_id: 4,
        auth_key: key.clone(),
        ..DcAuth::default()
    };
    let e = storage.save_dc_auth(&dc).await.unwrap_err();
    assert!(matches!(e, Error::LeaseNotHeld { .. }), "{e:?}");
    lease.release_lease("someone-else").await.unwrap();

    assert!(lease.acquire_lease("me", LONG).await.unwrap());
    storage.set_auth_key(Some(key.clone())).await.unwrap();
    storage.save_dc_auth(&dc).await.unwrap();
    assert_eq!(
        adapter.load_session().await.unwrap().unwrap().auth_key,
        Some(key)
    );
    lease.release_lease("me").await.unwrap();
    // Fields other than the auth key need no lease.
    storage.set_port(443).await.unwrap();
}
