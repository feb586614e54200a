//! Quickstart: save a session and some peers, read them back, and export the
//! session as a Telethon string session (key shortened for printing).
//!
//! `cargo run --example quickstart` (writes `quickstart.db`, a SQLite file
//! created readable by its owner only, in the current folder)

use mtgo_storage::{AdapterStorage, AuthKey, Peer, PeerStore, PeerType, Storage};

#[tokio::main]
async fn main() -> mtgo_storage::Result<()> {
    // A SQLite file (WAL, migrated on open); any other adapter works the same.
    let storage = AdapterStorage::new(mtgo_storage::orm::sqlite::open("quickstart.db").await?);

    // The session: one write for several fields.
    storage
        .update_session(|s| {
            s.dc = 2;
            s.addr = "149.154.167.51".into();
            s.port = 443;
            s.api_id = 12345;
            s.auth_key = Some(AuthKey::new((0..=255u8).collect::<Vec<u8>>()));
        })
        .await?;

    // Peers: one batch.
    let mut alice = Peer::new(123_456_789, PeerType::User, 1_234_567_890_123_456_789);
    alice.username = "Alice_Example".into();
    alice.phone_number = "+1 555 123 4567".into();
    let news = Peer::new(
        -1_001_234_567_890,
        PeerType::Channel,
        -3_141_592_653_589_793_238,
    );
    storage.adapter().save_peers(&[alice, news]).await?;

    // Read back.
    println!(
        "dc {} at {}:{}",
        storage.dc_id().await?,
        storage.server_address().await?,
        storage.port().await?
    );
    println!("auth key: {:?}", storage.auth_key().await?);
    let by_name = storage
        .adapter()
        .get_peer_by_username("@alice_example")
        .await?;
    let by_phone = storage.adapter().get_peer_by_phone("15551234567").await?;
    println!("by username: {:?}", by_name.map(|p| p.id));
    println!("by phone: {:?}", by_phone.map(|p| p.id));
    println!(
        "{} peers cached",
        storage.adapter().load_peers().await?.len()
    );

    // The string holds the whole auth key: print only its ends.
    let exported = storage.export_session_string().await?;
    println!(
        "session string: {}…{} ({} chars)",
        &exported[..12],
        &exported[exported.len() - 6..],
        exported.len()
    );
    Ok(())
}
