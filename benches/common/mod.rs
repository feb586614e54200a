//! What the SQLite peer benches share: the peers they write.

use mtgo_storage::{Peer, PeerType};

/// How many peers the benches write.
pub const PEERS: i64 = 10_000;

/// 10,000 peers with realistic values: a username each, a second username
/// for one in ten, a phone for one in two.
pub fn peers() -> Vec<Peer> {
    (0..PEERS)
        .map(|i| {
            let mut p = Peer::new(
                1_000_000_000 + i * 7,
                [PeerType::User, PeerType::Chat, PeerType::Channel][(i % 3) as usize],
                i.wrapping_mul(0x5DEE_CE66D),
            );
            p.username = format!("User_Name_{i:05}");
            if i % 10 == 0 {
                p.usernames = vec![format!("extra_{i:05}")];
            }
            p.first_name = format!("First {i}");
            p.last_name = "Lastname".into();
            if i % 2 == 0 {
                p.phone_number = format!("+1 555 {i:07}");
            }
            p.is_bot = i % 17 == 0;
            p.photo_id = i * 31;
            p.language = "en".into();
            p.last_updated = 1_795_000_000 + i;
            p
        })
        .collect()
}
