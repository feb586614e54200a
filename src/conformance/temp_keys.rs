//! Cases for [`TempKeyStore`](crate::TempKeyStore).

use super::{fixtures::auth_key, store};
use crate::{Adapter, ServerSalt, TempAuthKey};
use std::sync::Arc;

fn temp_key(dc_id: i32, seed: u8, expires_at: i64) -> TempAuthKey {
    TempAuthKey {
        dc_id,
        auth_key: auth_key(seed),
        expires_at,
        perm_auth_key_id: i64::MIN + i64::from(seed),
    }
}

fn salt(valid_since: i64, salt: i64) -> ServerSalt {
    ServerSalt {
        valid_since,
        valid_until: valid_since + 1800,
        salt,
    }
}

/// Temporary keys are kept per DC (saving again replaces, deleting removes),
/// salt lists per DC (saving replaces the whole list, read back by
/// `valid_since`; an empty list removes them), another session name sees
/// none of them, and the key never shows in `Debug`.
pub async fn temp_keys_and_salts_round_trip(adapter: Arc<dyn Adapter>) {
    let s = store(adapter.temp_keys(), "temp_keys");
    assert_eq!(s.load_temp_auth_key(2).await.unwrap(), None);
    assert!(s.load_server_salts(2).await.unwrap().is_empty());
    s.save_temp_auth_key(&temp_key(2, 2, 1_800_000_000))
        .await
        .unwrap();
    s.save_temp_auth_key(&temp_key(4, 4, i64::MAX))
        .await
        .unwrap();
    assert_eq!(
        s.load_temp_auth_key(2).await.unwrap(),
        Some(temp_key(2, 2, 1_800_000_000))
    );
    s.save_temp_auth_key(&temp_key(2, 22, 1_900_000_000))
        .await
        .unwrap();
    let replaced = s.load_temp_auth_key(2).await.unwrap().unwrap();
    assert_eq!(replaced, temp_key(2, 22, 1_900_000_000));
    let shown = format!("{replaced:?}");
    assert!(shown.contains("AuthKey(256 bytes)"), "{shown}");
    s.delete_temp_auth_key(2).await.unwrap();
    s.delete_temp_auth_key(2).await.unwrap();
    assert_eq!(s.load_temp_auth_key(2).await.unwrap(), None);
    assert_eq!(
        s.load_temp_auth_key(4).await.unwrap(),
        Some(temp_key(4, 4, i64::MAX))
    );

    let salts = [salt(3_600, -1), salt(0, i64::MIN), salt(1_800, i64::MAX)];
    s.save_server_salts(2, &salts).await.unwrap();
    s.save_server_salts(4, &[salt(7, 7)]).await.unwrap();
    assert_eq!(
        s.load_server_salts(2).await.unwrap(),
        vec![salts[1], salts[2], salts[0]]
    );
    s.save_server_salts(2, &[salt(5, 1), salt(5, 2)])
        .await
        .unwrap();
    assert_eq!(s.load_server_salts(2).await.unwrap(), vec![salt(5, 2)]);
    s.save_server_salts(2, &[]).await.unwrap();
    assert!(s.load_server_salts(2).await.unwrap().is_empty());
    assert_eq!(s.load_server_salts(4).await.unwrap(), vec![salt(7, 7)]);

    let other = adapter.session(&format!("{}-other", adapter.session_name()));
    let o = store(other.temp_keys(), "temp_keys");
    assert_eq!(o.load_temp_auth_key(4).await.unwrap(), None);
    assert!(o.load_server_salts(4).await.unwrap().is_empty());
}

/// `prune_temp_keys(now)` drops temporary keys with `expires_at <= now` and
/// salts with `valid_until <= now` of every DC, counts them, and keeps the
/// rest (and other session names' entries).
pub async fn temp_keys_pruned_when_expired(adapter: Arc<dyn Adapter>) {
    let s = store(adapter.temp_keys(), "temp_keys");
    let other = adapter.session(&format!("{}-other", adapter.session_name()));
    let o = store(other.temp_keys(), "temp_keys");
    let now = 1_700_000_000;
    s.save_temp_auth_key(&temp_key(1, 1, now - 1))
        .await
        .unwrap();
    s.save_temp_auth_key(&temp_key(2, 2, now)).await.unwrap();
    s.save_temp_auth_key(&temp_key(3, 3, now + 1))
        .await
        .unwrap();
    o.save_temp_auth_key(&temp_key(1, 1, now - 1))
        .await
        .unwrap();
    // Windows ending before, at and after `now`.
    let list = [
        salt(now - 3_600, 1),
        salt(now - 1_800, 2),
        salt(now - 1_000, 3),
    ];
    s.save_server_salts(1, &list).await.unwrap();
    s.save_server_salts(2, &[salt(now - 1_800, 4)])
        .await
        .unwrap();
    o.save_server_salts(1, &list).await.unwrap();

    assert_eq!(s.prune_temp_keys(now).await.unwrap(), 2 + 3);
    assert_eq!(s.load_temp_auth_key(1).await.unwrap(), None);
    assert_eq!(s.load_temp_auth_key(2).await.unwrap(), None);
    assert!(s.load_temp_auth_key(3).await.unwrap().is_some());
    assert_eq!(s.load_server_salts(1).await.unwrap(), vec![list[2]]);
    assert!(s.load_server_salts(2).await.unwrap().is_empty());
    assert_eq!(s.prune_temp_keys(now).await.unwrap(), 0);
    assert!(o.load_temp_auth_key(1).await.unwrap().is_some());
    assert_eq!(o.load_server_salts(1).await.unwrap().len(), 3);
}
