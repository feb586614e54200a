//! MongoDB: open the adapter, save a session and a batch of peers, look a
//! peer up, and use a second account on the same connection pool.
//!
//! ```sh
//! cargo run --example mongodb --features mongodb -- mongodb://127.0.0.1:27017 mtgo_example
//! ```
//!
//! Any MongoDB 6.0+ replica set (a single node is enough) or a
//! MongoDB-wire-compatible server such as SecantusDB works.

use mtgo_storage::{Adapter, AuthKey, Peer, PeerStore, PeerType, Session, SessionStore, mongo};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let uri = args
        .next()
        .unwrap_or_else(|| "mongodb://127.0.0.1:27017".to_owned());
    let database = args.next().unwrap_or_else(|| "mtgo_example".to_owned());

    let store = mongo::open(&uri, &database).await?;
    let alice = store.with_session("alice");

    alice
        .save_session(&Session {
            dc: 2,
            addr: "149.154.167.51".into(),
            port: 443,
            auth_key: Some(AuthKey::new(vec![7u8; 256])),
            ..Session::default()
        })
        .await?;

    let peers: Vec<Peer> = (1..=1_000)
        .map(|i| {
            let mut p = Peer::new(i, PeerType::User, i * 31);
            p.username = format!("User_{i}");
            p
        })
        .collect();
    alice.save_peers(&peers).await?; // one transaction, one update command
    let found = alice.get_peer_by_username("@user_42").await?;
    println!("found {:?}", found.map(|p| p.id));
    println!("sessions: {:?}", store.session_names().await?);

    // Another account on the same client sees none of alice's data.
    let bob = store.session("bob");
    assert_eq!(bob.get_peer(42).await?, None);

    store.close().await?;
    Ok(())
}
