//! `OrmAdapter` on PostgreSQL: `orm::postgres::open(url)` connects (a pool
//! of a few connections) and applies the migrations.
//!
//! `cargo run --example postgres --features postgres`, with `DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`).

use mtgo_storage::{Adapter, Peer, PeerStore, PeerType, SessionStore, UpdateState};

#[tokio::main]
async fn main() -> mtgo_storage::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let store = mtgo_storage::orm::postgres::open(&url).await?;

    // Two accounts in one database: each handle is bound to a session name.
    for (name, dc) in [("example-alice", 2), ("example-bob", 4)] {
        let account = store.session(name);
        let mut session = account.load_session().await?.unwrap_or_default();
        session.dc = dc;
        account.save_session(&session).await?;
    }

    let alice = store.session("example-alice");
    let peers: Vec<Peer> = (1..=1_000i64)
        .map(|id| {
            let mut p = Peer::new(id, PeerType::User, id * 7);
            p.username = format!("Example_User_{id}");
            p
        })
        .collect();
    alice.save_peers(&peers).await?; // one transaction
    if let Some(updates) = alice.update_state() {
        updates
            .save_update_state(&UpdateState {
                pts: 100,
                qts: 0,
                date: 1_795_595_029,
                seq: 1,
            })
            .await?;
    }

    let names = store.session_names().await?;
    let ours: Vec<&String> = names.iter().filter(|n| n.starts_with("example-")).collect();
    println!("sessions: {ours:?} (of {} in the database)", names.len());
    println!(
        "@example_user_500 -> {:?}",
        alice
            .get_peer_by_username("@example_user_500")
            .await?
            .map(|p| p.id)
    );
    println!(
        "bob sees {} peers",
        store.session("example-bob").load_peers().await?.len()
    );
    store.close().await
}
