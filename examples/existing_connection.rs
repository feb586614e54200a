//! An application that already holds a SeaORM `DatabaseConnection` gives it
//! to `OrmAdapter::new`; the adapter shares the pool with the application's
//! own queries and touches the schema only when asked (`migrate()`, or the
//! `mtgo-storage-migration` CLI).
//!
//! `cargo run --example existing_connection` (SQLite in memory), or with
//! `DATABASE_URL` set to any database SeaORM supports (and its feature on).

use mtgo_storage::orm::OrmAdapter;
use mtgo_storage::{Adapter, Peer, PeerStore, PeerType, SessionStore};
use sea_orm::{ConnectionTrait, Database};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_owned());

    // The application's own connection and its own table.
    let db = Database::connect(&url).await?;
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS app_notes (id BIGINT PRIMARY KEY, body TEXT)",
    )
    .await?;

    // The storage on the same pool; create the mtgo_* tables once.
    let store = OrmAdapter::new(db.clone());
    store.migrate().await?;

    let mut session = store.load_session().await?.unwrap_or_default();
    session.dc = 2;
    session.addr = "149.154.167.51".into();
    session.port = 443;
    store.save_session(&session).await?;

    let mut channel = Peer::new(-1_001_234_567_890, PeerType::Channel, 77);
    channel.username = "RustNews".into();
    store.save_peers(&[channel]).await?;

    // The application keeps using its connection as before.
    db.execute_unprepared("DELETE FROM app_notes").await?;
    db.execute_unprepared("INSERT INTO app_notes (id, body) VALUES (1, 'hello')")
        .await?;

    println!("backend: {}", store.backend_name());
    println!("sessions: {:?}", store.session_names().await?);
    println!(
        "@rustnews -> {:?}",
        store.get_peer_by_username("@rustnews").await?.map(|p| p.id)
    );
    Ok(())
}
