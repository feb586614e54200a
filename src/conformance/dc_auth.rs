//! Cases for [`DcAuthStore`](crate::DcAuthStore).

use super::{fixtures::auth_key, store};
use crate::{Adapter, DcAuth};
use std::sync::Arc;

/// Entries are kept per DC: an absent DC is `None`, each DC reads back its
/// own entry, saving a DC again replaces it, and `load_all_dc_auth` lists
/// them by DC id.
pub async fn dc_auth_is_kept_per_dc(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.dc_auth(), "dc_auth");
    assert_eq!(store.load_dc_auth(2).await.unwrap(), None);
    assert!(store.load_all_dc_auth().await.unwrap().is_empty());
    let entry = |dc_id: i32, seed: u8| DcAuth {
        dc_id,
        auth_key: auth_key(seed),
        server_salt: i64::MIN + i64::from(seed),
        port: 443,
        server_addr: format!("149.154.167.{dc_id}"),
        ..DcAuth::default()
    };
    for (dc, seed) in [(4, 4), (1, 1), (203, 203)] {
        store.save_dc_auth(&entry(dc, seed)).await.unwrap();
    }
    assert_eq!(store.load_dc_auth(1).await.unwrap(), Some(entry(1, 1)));
    assert_eq!(store.load_dc_auth(2).await.unwrap(), None);
    let replaced = DcAuth {
        port: 80,
        server_addr: "2001:b28:f23d:f001::a".into(),
        ..entry(4, 40)
    };
    store.save_dc_auth(&replaced).await.unwrap();
    assert_eq!(store.load_dc_auth(4).await.unwrap(), Some(replaced.clone()));
    assert_eq!(
        store.load_all_dc_auth().await.unwrap(),
        vec![entry(1, 1), replaced, entry(203, 203)]
    );
}

/// A DC keeps its IPv6 address and port beside its IPv4 one, and a DC
/// without an auth key (an empty one) reads back without one.
pub async fn dc_auth_keeps_ipv6_and_missing_key(adapter: Arc<dyn Adapter>) {
    let store = store(adapter.dc_auth(), "dc_auth");
    let with_key = DcAuth {
        dc_id: 4,
        auth_key: auth_key(4),
        server_addr: "149.154.167.92".into(),
        port: 443,
        ipv6_addr: "2001:67c:4e8:f004::a".into(),
        ipv6_port: 8443,
        ..DcAuth::default()
    };
    let without_key = DcAuth {
        dc_id: 203,
        server_addr: "91.105.192.100".into(),
        port: 80,
        ipv6_addr: "fe80::1%2".into(),
        ipv6_port: 65535,
        ..DcAuth::default()
    };
    let old_style = DcAuth {
        dc_id: 1,
        auth_key: auth_key(1),
        server_addr: "149.154.175.53".into(),
        port: 443,
        ..DcAuth::default()
    };
    for e in [&with_key, &without_key, &old_style] {
        store.save_dc_auth(e).await.unwrap();
        assert_eq!(store.load_dc_auth(e.dc_id).await.unwrap().as_ref(), Some(e));
    }
    assert_eq!(
        store.load_all_dc_auth().await.unwrap(),
        vec![old_style, with_key, without_key]
    );
}
