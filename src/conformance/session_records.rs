//! Cases for
//! [`Adapter::save_session_records`](crate::Adapter::save_session_records).

use super::fixtures::{auth_key, full_session, other_session};
use super::store;
use crate::{Adapter, Conversation, DcAuth, DurableUpdate, Session, SessionRecords, TempAuthKey};
use std::sync::Arc;

/// What the records of the cases read back as.
#[derive(Debug, PartialEq)]
struct Stored {
    session: Option<Session>,
    dc_auth: Vec<DcAuth>,
    temp_keys: Vec<Option<TempAuthKey>>,
    conversations: Vec<Conversation>,
    updates: Vec<DurableUpdate>,
}

async fn stored(a: &dyn Adapter) -> Stored {
    let temp = store(a.temp_keys(), "temp_keys");
    Stored {
        session: a.load_session().await.unwrap(),
        dc_auth: store(a.dc_auth(), "dc_auth")
            .load_all_dc_auth()
            .await
            .unwrap(),
        temp_keys: vec![
            temp.load_temp_auth_key(2).await.unwrap(),
            temp.load_temp_auth_key(4).await.unwrap(),
        ],
        conversations: store(a.conversations(), "conversations")
            .load_conversations()
            .await
            .unwrap(),
        updates: store(a.update_state(), "update_state")
            .load_updates(usize::MAX)
            .await
            .unwrap(),
    }
}

fn dc(dc_id: i32, seed: u8) -> DcAuth {
    DcAuth {
        dc_id,
        auth_key: auth_key(seed),
        server_salt: -i64::from(seed),
        port: 443,
        server_addr: "149.154.167.51".into(),
        ..DcAuth::default()
    }
}

fn records(seed: u8) -> SessionRecords {
    SessionRecords {
        session: Some(if seed.is_multiple_of(2) {
            full_session()
        } else {
            Session {
                auth_key: Some(auth_key(seed)),
                ..other_session()
            }
        }),
        dc_auth: vec![dc(2, seed), dc(4, seed.wrapping_add(1))],
        temp_auth_keys: vec![TempAuthKey {
            dc_id: 2,
            auth_key: auth_key(seed.wrapping_add(2)),
            expires_at: 2_000_000_000 + i64::from(seed),
            perm_auth_key_id: -7 - i64::from(seed),
        }],
        conversations: vec![Conversation {
            chat_id: -100_123,
            user_id: 42,
            name: "signup".into(),
            step: i32::from(seed),
            data: vec![seed, 0, 255],
            created_at: 1_700_000_000,
            updated_at: 1_700_000_100 + i64::from(seed),
        }],
        durable_updates: vec![
            DurableUpdate {
                id: "u-1".into(),
                payload: vec![seed; 4],
                created_at: 10,
                attempts: 2,
                last_error: Some("flood wait".into()),
            },
            DurableUpdate {
                id: "u-2".into(),
                payload: vec![0, seed],
                created_at: 11,
                ..DurableUpdate::default()
            },
        ],
    }
}

/// What `records` reads back as on the handle's session name.
fn expected(a: &dyn Adapter, records: &SessionRecords) -> Stored {
    Stored {
        session: records.session.clone().map(|mut s| {
            s.name = a.session_name().to_owned();
            s
        }),
        dc_auth: records.dc_auth.clone(),
        temp_keys: vec![records.temp_auth_keys.first().cloned(), None],
        conversations: records.conversations.clone(),
        updates: records.durable_updates.clone(),
    }
}

/// `save_session_records` writes every record as its own store method
/// would (the session under the handle's name, which is then listed;
/// conversations with their own times; durable updates in queue order),
/// a second set replaces the records with the same keys and leaves the
/// others, an empty set is `Ok(())` and changes nothing, and another session
/// name is untouched.
pub async fn session_records_saved_together(adapter: Arc<dyn Adapter>) {
    let a: &dyn Adapter = &*adapter;
    let other = adapter.session(&format!("{}-other", a.session_name()));
    other.save_session(&other_session()).await.unwrap();
    let other_before = stored(&*other).await;

    a.save_session_records(&SessionRecords::default())
        .await
        .unwrap();
    assert_eq!(a.load_session().await.unwrap(), None);

    let first = records(0);
    a.save_session_records(&first).await.unwrap();
    assert_eq!(stored(a).await, expected(a, &first));
    let names = a.session_names().await.unwrap();
    assert!(names.iter().any(|n| n == a.session_name()), "{names:?}");

    // A second set: the session, DC 2, the conversation and u-1 replaced;
    // DC 4, the temporary key and u-2 not listed, so kept.
    let mut second = records(1);
    second.dc_auth.truncate(1);
    second.temp_auth_keys.clear();
    second.durable_updates.truncate(1);
    a.save_session_records(&second).await.unwrap();
    let mut want = expected(a, &second);
    want.dc_auth.push(first.dc_auth[1].clone());
    want.temp_keys = vec![first.temp_auth_keys.first().cloned(), None];
    want.updates.push(first.durable_updates[1].clone());
    assert_eq!(stored(a).await, want);

    a.save_session_records(&SessionRecords::default())
        .await
        .unwrap();
    assert_eq!(stored(a).await, want);
    assert_eq!(stored(&*other).await, other_before);
}
