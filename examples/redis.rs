//! The Redis adapter: open, use a session handle, save and look up peers,
//! keep conversation state with an expiry.
//!
//! ```text
//! cargo run --example redis --features redis -- redis://127.0.0.1:6379
//! ```

use mtgo_storage::redis::RedisAdapter;
use mtgo_storage::{Adapter, Conversation, Peer, PeerType};
use std::time::Duration;

#[tokio::main]
async fn main() -> mtgo_storage::Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    // One connection for every account of the process; keys start with
    // `mtgo-example:{<session>}:`.
    let store: RedisAdapter = mtgo_storage::redis::open(&url)
        .await?
        .with_prefix("mtgo-example")?
        .with_conversation_ttl(Some(Duration::from_secs(3600)));
    let bot = store.session("example-bot");
    println!(
        "keys of this session start with {:?}",
        store.with_session("example-bot").key_base()
    );

    let mut alice = Peer::new(1001, PeerType::User, -42);
    alice.username = "Alice".into();
    alice.phone_number = "+1 555 0100".into();
    let mut news = Peer::new(-1002, PeerType::Channel, 7);
    news.username = "news".into();
    news.usernames = vec!["news_backup".into()];
    bot.save_peers(&[alice, news]).await?;

    println!(
        "@ALICE   -> {:?}",
        bot.get_peer_by_username("@ALICE").await?.map(|p| p.id)
    );
    println!(
        "15550100 -> {:?}",
        bot.get_peer_by_phone("15550100").await?.map(|p| p.id)
    );
    println!(
        "news_backup -> {:?}",
        bot.get_peer_by_username("news_backup").await?.map(|p| p.id)
    );

    let conversations = bot
        .conversations()
        .expect("the Redis adapter has conversations");
    conversations
        .save_conversation(&Conversation {
            chat_id: 1001,
            user_id: 1001,
            name: "signup".into(),
            step: 2,
            data: br#"{"email":"alice@example.com"}"#.to_vec(),
            ..Conversation::default()
        })
        .await?;
    let conv = conversations.load_conversation(1001, 1001).await?;
    println!("conversation step: {:?}", conv.map(|c| c.step));

    bot.delete_peer(1001).await?;
    bot.delete_peer(-1002).await?;
    conversations.delete_conversation(1001, 1001).await?;
    bot.close().await
}
