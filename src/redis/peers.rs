//! [`PeerStore`]: peers as hashes, with id, username and phone index sets
//! maintained by the Lua scripts of [`super::scripts`].

use super::scripts::{
    DELETE_PEER, DELETE_PEERS, DELETE_PEERS_SRC, LOAD_PEERS, LOOKUP, SAVE_GUARDED_PEERS,
    SAVE_GUARDED_PEERS_SRC, SAVE_PEERS, SAVE_PEERS_SRC,
};
use super::{BACKEND, PEER_CHUNK, RedisAdapter, corrupt_json, keys};
use crate::error::{Error, Result};
use crate::peer_batch::last_per_id;
use crate::store::PeerStore;
use crate::types::Peer;
use crate::{normalize_phone, normalize_username};
use ::redis::AsyncCommands;
use async_trait::async_trait;
use std::collections::HashMap;
use std::time::Duration;

/// The script arguments of one peer: id, JSON, JSON array of index
/// suffixes, their count, the suffixes.
fn push_peer_args(args: &mut Vec<Vec<u8>>, peer: &Peer) -> Result<()> {
    let mut suffixes: Vec<String> = peer
        .normalized_usernames()
        .iter()
        .map(|n| keys::username_suffix(n))
        .collect();
    let phone = peer.normalized_phone();
    if !phone.is_empty() {
        suffixes.push(keys::phone_suffix(&phone));
    }
    args.push(peer.id.to_string().into_bytes());
    args.push(serde_json::to_vec(peer)?);
    args.push(serde_json::to_vec(&suffixes)?);
    args.push(suffixes.len().to_string().into_bytes());
    args.extend(suffixes.into_iter().map(String::into_bytes));
    Ok(())
}

fn decode_peer(raw: &[u8]) -> Result<Peer> {
    serde_json::from_slice(raw).map_err(|e| corrupt_json("peer", &e))
}

/// Attempts of a batch holding min peers whose stored peers keep changing
/// under it.
const GUARDED_ATTEMPTS: u32 = 16;

impl RedisAdapter {
    /// `save_peers` of a batch holding min peers: reads the stored peers of
    /// the min ids, merges each min peer over its stored one
    /// ([`Peer::merged_over`]), and writes the batch only if those stored
    /// peers are still what was read (`SAVE_GUARDED_PEERS_SRC`), else reads
    /// and merges again. The chunks go in one `MULTI`/`EXEC`, so the batch
    /// stays all or nothing.
    async fn save_guarded_peers(&self, peers: &[Peer]) -> Result<()> {
        let batch = last_per_id(peers);
        let min_ids: Vec<i64> = batch.iter().filter(|p| p.min).map(|p| p.id).collect();
        let ttl = self.options.peer_ttl_ms.to_string();
        let (ids_key, abort_key) = (self.keys.peer_ids(), self.keys.peer_save_abort());
        for attempt in 0..GUARDED_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(1 << attempt.min(6))).await;
            }
            let keys: Vec<String> = min_ids.iter().map(|id| self.keys.peer(*id)).collect();
            let keys = &keys;
            let stored: Vec<Option<Vec<u8>>> = self
                .read(|mut c| async move {
                    let mut pipe = ::redis::pipe();
                    for key in keys {
                        pipe.hget(key, "d");
                    }
                    pipe.query_async(&mut c).await
                })
                .await?;
            let mut expected: Vec<Vec<u8>> = Vec::with_capacity(2 * min_ids.len());
            let mut by_id: HashMap<i64, Peer> = HashMap::with_capacity(min_ids.len());
            for (id, raw) in min_ids.iter().zip(&stored) {
                expected.push(id.to_string().into_bytes());
                expected.push(raw.clone().unwrap_or_default());
                if let Some(raw) = raw {
                    by_id.insert(*id, decode_peer(raw)?);
                }
            }
            let merged: Vec<Peer> = batch
                .iter()
                .map(|p| p.merged_over(by_id.get(&p.id)))
                .collect();
            let chunk_count = merged.len().div_ceil(PEER_CHUNK);
            let mut chunks = Vec::with_capacity(chunk_count);
            for (n, chunk) in merged.chunks(PEER_CHUNK).enumerate() {
                let mut args: Vec<Vec<u8>> = Vec::with_capacity(4 + chunk.len() * 7);
                args.push(self.keys.base().as_bytes().to_vec());
                args.push(ttl.clone().into_bytes());
                let mut flags = String::new();
                if n == 0 {
                    flags.push('f');
                }
                if n + 1 == chunk_count {
                    flags.push('l');
                }
                args.push(flags.into_bytes());
                if n == 0 {
                    args.push((expected.len() / 2).to_string().into_bytes());
                    args.extend(expected.iter().cloned());
                } else {
                    args.push(b"0".to_vec());
                }
                for peer in chunk {
                    push_peer_args(&mut args, peer)?;
                }
                chunks.push(args);
            }
            let mut conn = self.conn()?;
            let results: Vec<i64> = if let [args] = chunks.as_slice() {
                let mut invocation = SAVE_GUARDED_PEERS.key(&ids_key);
                invocation.key(&abort_key);
                for a in args {
                    invocation.arg(a);
                }
                vec![invocation.invoke_async(&mut conn).await?]
            } else {
                let mut pipe = ::redis::pipe();
                pipe.atomic();
                for args in &chunks {
                    pipe.cmd("EVAL")
                        .arg(SAVE_GUARDED_PEERS_SRC)
                        .arg(2)
                        .arg(&ids_key)
                        .arg(&abort_key)
                        .arg(args);
                }
                pipe.query_async(&mut conn).await?
            };
            if results.iter().all(|r| *r == 0) {
                return Ok(());
            }
        }
        Err(Error::backend(
            BACKEND,
            format!(
                "save_peers: the stored peers of the batch's min peers kept changing \
                 during {GUARDED_ATTEMPTS} attempts"
            ),
        ))
    }

    /// The newest peer (greatest `last_updated`, then id) of an index set.
    async fn lookup(&self, suffix: String) -> Result<Option<Peer>> {
        let index_key = &format!("{}{suffix}", self.keys.base());
        let (base, suffix) = (self.keys.base(), &suffix);
        let found: Vec<Vec<u8>> = self
            .read(|mut c| async move {
                LOOKUP
                    .key(index_key)
                    .arg(base)
                    .arg(suffix)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        let mut best: Option<Peer> = None;
        for raw in found {
            let peer = decode_peer(&raw)?;
            if best.as_ref().is_none_or(|b| peer.is_newer_than(b)) {
                best = Some(peer);
            }
        }
        Ok(best)
    }
}

#[crate::observe::observed]
#[async_trait]
impl PeerStore for RedisAdapter {
    /// Upserts the peers in chunks of [`PEER_CHUNK`], one Lua script call per
    /// chunk, all chunks in one `MULTI`/`EXEC` transaction (one round trip).
    /// Each peer's old index entries are replaced in the same step.
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        crate::limits::check_peers(peers)?;
        if peers.is_empty() {
            return Ok(());
        }
        if peers.iter().any(|p| p.min) {
            return self.save_guarded_peers(peers).await;
        }
        let mut conn = self.conn()?;
        let ttl = self.options.peer_ttl_ms.to_string();
        let ids_key = self.keys.peer_ids();
        let mut chunks = Vec::with_capacity(peers.len().div_ceil(PEER_CHUNK));
        for chunk in peers.chunks(PEER_CHUNK) {
            let mut args: Vec<Vec<u8>> = Vec::with_capacity(2 + chunk.len() * 7);
            args.push(self.keys.base().as_bytes().to_vec());
            args.push(ttl.clone().into_bytes());
            for peer in chunk {
                push_peer_args(&mut args, peer)?;
            }
            chunks.push(args);
        }
        if let [args] = chunks.as_slice() {
            // One chunk: the script alone is atomic (EVALSHA, loaded once).
            let mut invocation = SAVE_PEERS.key(&ids_key);
            for a in args {
                invocation.arg(a);
            }
            let _: i64 = invocation.invoke_async(&mut conn).await?;
            return Ok(());
        }
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        for args in &chunks {
            pipe.cmd("EVAL")
                .arg(SAVE_PEERS_SRC)
                .arg(1)
                .arg(&ids_key)
                .arg(args)
                .ignore();
        }
        let _: () = pipe.query_async(&mut conn).await?;
        Ok(())
    }

    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
        let key = &self.keys.peer(id);
        let raw: Option<Vec<u8>> = self
            .read(|mut c| async move { c.hget(key, "d").await })
            .await?;
        raw.map(|r| decode_peer(&r)).transpose()
    }

    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
        crate::limits::check_key("username", &normalize_username(username))?;
        let name = normalize_username(username);
        if name.is_empty() {
            return Ok(None);
        }
        self.lookup(keys::username_suffix(&name)).await
    }

    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
        let digits = normalize_phone(phone);
        if digits.is_empty() {
            return Ok(None);
        }
        self.lookup(keys::phone_suffix(&digits)).await
    }

    /// Reads the id set and every peer in one script call (never SCAN).
    async fn load_peers(&self) -> Result<Vec<Peer>> {
        let (ids, base) = (&self.keys.peer_ids(), self.keys.base());
        let all: Vec<Vec<u8>> = self
            .read(|mut c| async move { LOAD_PEERS.key(ids).arg(base).invoke_async(&mut c).await })
            .await?;
        let mut peers = all
            .iter()
            .map(|raw| decode_peer(raw))
            .collect::<Result<Vec<Peer>>>()?;
        peers.sort_by_key(|p| p.id);
        Ok(peers)
    }

    async fn delete_peer(&self, id: i64) -> Result<()> {
        let mut conn = self.conn()?;
        let _: i64 = DELETE_PEER
            .key(self.keys.peer_ids())
            .arg(self.keys.base())
            .arg(id)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// One script call per chunk of [`PEER_CHUNK`] ids, each removing the
    /// peers with their index entries; several chunks go in one
    /// `MULTI`/`EXEC` (one round trip, all or nothing). Every key is under
    /// the session's hash tag: one cluster slot.
    async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn()?;
        let ids_key = self.keys.peer_ids();
        let base = self.keys.base();
        if ids.len() <= PEER_CHUNK {
            let mut invocation = DELETE_PEERS.key(&ids_key);
            invocation.arg(base);
            for id in ids {
                invocation.arg(id);
            }
            let _: i64 = invocation.invoke_async(&mut conn).await?;
            return Ok(());
        }
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        for chunk in ids.chunks(PEER_CHUNK) {
            pipe.cmd("EVAL")
                .arg(DELETE_PEERS_SRC)
                .arg(1)
                .arg(&ids_key)
                .arg(base)
                .arg(chunk)
                .ignore();
        }
        let _: () = pipe.query_async(&mut conn).await?;
        Ok(())
    }
}
