//! How a store reads a batch of peers: of repeated ids the last one wins,
//! and rows are written in ascending id order (a fixed lock order, so two
//! batches over the same peers cannot deadlock on a server).

use crate::Peer;

/// The last peer of each id in `peers`, in ascending id order.
pub(crate) fn last_per_id(peers: &[Peer]) -> Vec<&Peer> {
    let mut sorted: Vec<&Peer> = peers.iter().collect();
    // Stable: of equal ids, the later one stays later.
    sorted.sort_by_key(|p| p.id);
    let mut out: Vec<&Peer> = Vec::with_capacity(sorted.len());
    for p in sorted {
        match out.last_mut() {
            Some(last) if last.id == p.id => *last = p,
            _ => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::last_per_id;
    use crate::Peer;

    #[test]
    fn the_last_of_each_id_in_id_order() {
        let peer = |id, first_name: &str| Peer {
            id,
            first_name: first_name.into(),
            ..Peer::default()
        };
        let batch = [
            peer(3, "a"),
            peer(1, "b"),
            peer(3, "c"),
            peer(2, "d"),
            peer(1, "e"),
        ];
        let names: Vec<(i64, &str)> = last_per_id(&batch)
            .iter()
            .map(|p| (p.id, p.first_name.as_str()))
            .collect();
        assert_eq!(names, [(1, "e"), (2, "d"), (3, "c")]);
        assert!(last_per_id(&[]).is_empty());
    }
}
