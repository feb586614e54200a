//! [`PeerStore`] on `mtgo_peers` and `mtgo_peer_usernames`.
//!
//! `save_peers` is one transaction: per chunk of peers, one multi-row upsert
//! of the peers, one delete of their old usernames and multi-row inserts of
//! the new ones. Chunks stay under every database's bind-parameter limit
//! (SQLite 32,766; PostgreSQL and MySQL 65,535). Peers are written in
//! ascending id order so concurrent batches lock rows in one order. On a
//! SQLite pool made by SeaORM's sqlx driver the batch takes the path of
//! `sqlite_peers` instead.

use super::sql::{Bulk, Dialect};
use super::{OrmAdapter, is_transient};
use crate::error::{Error, Result};
use crate::store::PeerStore;
use crate::{Peer, PeerType, normalize_phone, normalize_username};
use async_trait::async_trait;
use mtgo_storage_entity::peers;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, IsolationLevel, Statement, TransactionTrait, Value,
};
use std::time::Duration;

pub(super) const TABLE: &str = "mtgo_peers";
pub(super) const COLS: &[&str] = &[
    "session_name",
    "id",
    "peer_type",
    "access_hash",
    "username",
    "usernames",
    "first_name",
    "last_name",
    "phone_number",
    "phone_normalized",
    "is_bot",
    "photo_id",
    "language",
    "last_updated",
];
pub(super) const KEY: &[&str] = &["session_name", "id"];
const USERNAMES: &str = "mtgo_peer_usernames";
const USERNAME_COLS: &[&str] = &["session_name", "username_normalized", "peer_id"];

/// Peers per upsert statement: 14 columns x 1,000 = 14,000 parameters.
pub(crate) const PEER_CHUNK: usize = 1_000;
/// Usernames per insert statement: 3 columns x 4,000 = 12,000 parameters.
const USERNAME_CHUNK: usize = 4_000;
/// Attempts of a batch that meets a deadlock or a busy database.
const MAX_ATTEMPTS: u32 = 8;

pub(super) struct Sql {
    get: String,
    by_username: String,
    by_phone: String,
    load_all: String,
    delete_peer: String,
    delete_usernames: String,
}

impl Sql {
    pub(super) fn new(d: Dialect) -> Self {
        let cols = COLS.join(", ");
        let p_cols = COLS
            .iter()
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        // LIMIT 1 is a literal: a bound LIMIT makes SQLite re-plan.
        let mut by_username = format!(
            "SELECT {p_cols} FROM {USERNAMES} u JOIN {TABLE} p \
             ON p.session_name = u.session_name AND p.id = u.peer_id \
             WHERE u.session_name = "
        );
        d.ph(&mut by_username, 1);
        by_username.push_str(" AND u.username_normalized = ");
        d.ph(&mut by_username, 2);
        by_username.push_str(" ORDER BY p.last_updated DESC, p.id DESC LIMIT 1");
        let by_phone = format!(
            "SELECT {cols} FROM {TABLE} WHERE {} ORDER BY last_updated DESC, id DESC LIMIT 1",
            d.eq_all(&["session_name", "phone_normalized"], 1)
        );
        Self {
            get: d.select(TABLE, COLS, KEY),
            by_username,
            by_phone,
            load_all: d.select(TABLE, COLS, &KEY[..1]) + " ORDER BY id",
            delete_peer: d.delete(TABLE, KEY),
            delete_usernames: d.delete(USERNAMES, &["session_name", "peer_id"]),
        }
    }
}

fn decode(m: peers::Model) -> Result<Peer> {
    let usernames: Vec<String> =
        serde_json::from_str(&m.usernames).map_err(|e| Error::Corrupt {
            what: "peer usernames",
            reason: e.to_string(),
        })?;
    Ok(Peer {
        id: m.id,
        peer_type: PeerType::try_from(m.peer_type)?,
        access_hash: m.access_hash,
        username: m.username,
        usernames,
        first_name: m.first_name,
        last_name: m.last_name,
        phone_number: m.phone_number,
        is_bot: m.is_bot,
        photo_id: m.photo_id,
        language: m.language,
        last_updated: m.last_updated,
    })
}

/// The last peer of each id, in ascending id order.
fn last_per_id(peers: &[Peer]) -> Vec<&Peer> {
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

impl OrmAdapter {
    async fn save_peers_once(&self, peers: &[&Peer]) -> std::result::Result<(), DbErr> {
        let inner = &*self.inner;
        let d = inner.dialect;
        let backend = d.0;
        let txn = if backend == DbBackend::MySql {
            // No gap locks: concurrent overlapping batches do not deadlock
            // on ranges they do not touch.
            inner
                .db
                .begin_with_config(Some(IsolationLevel::ReadCommitted), None)
                .await?
        } else {
            inner.db.begin().await?
        };
        let session: Value = self.session_value();
        let mut names: Vec<(String, i64)> = Vec::new();
        for chunk in peers.chunks(PEER_CHUNK) {
            let n = chunk.len();
            let sql = inner.bulk.get(Bulk::UpsertPeers, n, || {
                d.upsert(TABLE, COLS, KEY, &COLS[2..], n)
            });
            let mut values: Vec<Value> = Vec::with_capacity(n * COLS.len());
            names.clear();
            for p in chunk {
                for name in p.normalized_usernames() {
                    names.push((name, p.id));
                }
                values.extend([
                    session.clone(),
                    p.id.into(),
                    p.peer_type.as_i32().into(),
                    p.access_hash.into(),
                    p.username.clone().into(),
                    usernames_json(&p.usernames).into(),
                    p.first_name.clone().into(),
                    p.last_name.clone().into(),
                    p.phone_number.clone().into(),
                    normalize_phone(&p.phone_number).into(),
                    p.is_bot.into(),
                    p.photo_id.into(),
                    p.language.clone().into(),
                    p.last_updated.into(),
                ]);
            }
            txn.execute_raw(Statement::from_sql_and_values(backend, &*sql, values))
                .await?;

            // The peer rows are locked now: replace their usernames.
            let sql = inner.bulk.get(Bulk::DeleteUsernames, n, || {
                d.delete_in(USERNAMES, "session_name", "peer_id", n)
            });
            let mut values: Vec<Value> = Vec::with_capacity(n + 1);
            values.push(session.clone());
            values.extend(chunk.iter().map(|p| Value::from(p.id)));
            txn.execute_raw(Statement::from_sql_and_values(backend, &*sql, values))
                .await?;

            for part in names.chunks(USERNAME_CHUNK) {
                let rows = part.len();
                let sql = inner.bulk.get(Bulk::InsertUsernames, rows, || {
                    d.insert(USERNAMES, USERNAME_COLS, rows)
                });
                let mut values: Vec<Value> = Vec::with_capacity(rows * 3);
                for (name, id) in part {
                    values.extend([session.clone(), name.clone().into(), (*id).into()]);
                }
                txn.execute_raw(Statement::from_sql_and_values(backend, &*sql, values))
                    .await?;
            }
        }
        txn.commit().await
    }

    async fn delete_peer_once(&self, id: i64) -> std::result::Result<(), DbErr> {
        let inner = &*self.inner;
        let txn = inner.db.begin().await?;
        let values = vec![self.session_value(), id.into()];
        txn.execute_raw(self.stmt(&inner.peers.delete_peer, values.clone()))
            .await?;
        txn.execute_raw(self.stmt(&inner.peers.delete_usernames, values))
            .await?;
        txn.commit().await
    }
}

pub(super) fn usernames_json(usernames: &[String]) -> String {
    if usernames.is_empty() {
        return "[]".to_owned();
    }
    serde_json::to_string(usernames).unwrap_or_else(|_| "[]".to_owned())
}

/// Runs `op` again while it fails with a deadlock or a busy database.
pub(super) async fn retry<F, Fut>(mut op: F) -> std::result::Result<(), DbErr>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<(), DbErr>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(e) if attempt < MAX_ATTEMPTS && is_transient(&e) => {
                tokio::time::sleep(Duration::from_millis(5 << attempt.min(6))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[async_trait]
impl PeerStore for OrmAdapter {
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        if peers.is_empty() {
            return Ok(());
        }
        let peers = last_per_id(peers);
        #[cfg(feature = "sqlite")]
        if let Some(pool) = self.sqlite_pool() {
            return retry(|| self.save_peers_sqlite(pool, &peers))
                .await
                .map_err(|e| self.err(e));
        }
        retry(|| self.save_peers_once(&peers))
            .await
            .map_err(|e| self.err(e))
    }

    async fn get_peer(&self, id: i64) -> Result<Option<Peer>> {
        self.one::<peers::Model>(&self.inner.peers.get, vec![self.session_value(), id.into()])
            .await?
            .map(decode)
            .transpose()
    }

    async fn get_peer_by_username(&self, username: &str) -> Result<Option<Peer>> {
        let key = normalize_username(username);
        if key.is_empty() {
            return Ok(None);
        }
        self.one::<peers::Model>(
            &self.inner.peers.by_username,
            vec![self.session_value(), key.into()],
        )
        .await?
        .map(decode)
        .transpose()
    }

    async fn get_peer_by_phone(&self, phone: &str) -> Result<Option<Peer>> {
        let key = normalize_phone(phone);
        if key.is_empty() {
            return Ok(None);
        }
        self.one::<peers::Model>(
            &self.inner.peers.by_phone,
            vec![self.session_value(), key.into()],
        )
        .await?
        .map(decode)
        .transpose()
    }

    async fn load_peers(&self) -> Result<Vec<Peer>> {
        self.all::<peers::Model>(&self.inner.peers.load_all, vec![self.session_value()])
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn delete_peer(&self, id: i64) -> Result<()> {
        retry(|| self.delete_peer_once(id))
            .await
            .map_err(|e| self.err(e))
    }
}
