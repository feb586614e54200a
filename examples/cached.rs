//! A `CachedAdapter` over a SQLite `OrmAdapter`: peers written through the
//! cache reach the database before the call returns; lookups of known peers
//! are answered from memory. Run: `cargo run --example cached`.

use mtgo_storage::{
    Adapter, AdapterStorage, CacheConfig, CachedAdapter, Peer, PeerStore, PeerType, Storage,
};
use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() -> mtgo_storage::Result<()> {
    let dir = std::env::temp_dir().join(format!("mtgo-cached-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = mtgo_storage::orm::sqlite::open(dir.join("client.db")).await?;

    // Seed the database as an earlier run would have left it.
    let peers: Vec<Peer> = (0..5_000i64)
        .map(|i| {
            let mut p = Peer::new(1_000 + i, PeerType::User, i * 31);
            p.username = format!("User_{i}");
            p.phone_number = format!("+1 555 {i:07}");
            p.last_updated = 1_795_000_000;
            p
        })
        .collect();
    db.save_peers(&peers).await?;

    // Up to 50,000 peers in memory; re-read entries older than 10 minutes
    // in case another process writes the same file.
    let config = CacheConfig::default()
        .max_peers(50_000)
        .time_to_live(Duration::from_secs(600));
    let cached = CachedAdapter::with_config(db, config);
    let loaded = cached.warm_up().await?;
    println!("warmed up with {loaded} peers");

    // Lookups of cached peers never touch the database.
    let start = Instant::now();
    for i in 0..5_000i64 {
        let by_name = cached.get_peer_by_username(&format!("@user_{i}")).await?;
        assert_eq!(by_name.map(|p| p.id), Some(1_000 + i));
    }
    println!("5,000 username lookups in {:?}", start.elapsed());

    // A write goes to SQLite first, then to the cache: the renamed peer
    // resolves by its new name, the old one no longer does.
    let mut renamed = peers[7].clone();
    renamed.username = "renamed_user".into();
    renamed.last_updated += 1;
    cached.save_peer(&renamed).await?;
    assert_eq!(cached.get_peer_by_username("user_7").await?, None);
    assert_eq!(
        cached.get_peer_by_username("Renamed_User").await?,
        Some(renamed.clone())
    );
    assert_eq!(cached.inner().get_peer(renamed.id).await?, Some(renamed));
    println!("{:?}", cached.stats());

    // The bridge takes it like any adapter.
    let storage = AdapterStorage::new(cached);
    storage.update_session(|s| s.dc = 2).await?;
    println!("session dc: {}", storage.dc_id().await?);

    storage.adapter().close().await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
