//! [`PeerStore`] on `mtgo_peers` and `mtgo_peer_usernames`.
//!
//! `save_peers` is one transaction: per chunk of peers, one multi-row upsert
//! of the peers, one delete of their old usernames and multi-row inserts of
//! the new ones. Chunks stay under every database's bind-parameter limit
//! (SQLite 32,766; PostgreSQL and MySQL 65,535). Peers are written in
//! ascending id order so concurrent batches lock rows in one order. On a
//! SQLite pool made by SeaORM's sqlx driver the batch takes the path of
//! `sqlite_peers` instead.
//!
//! On PostgreSQL the lookups must keep their plan whatever the statistics
//! say: with autovacuum off (or between its runs), `ANALYZE` taken while a
//! session was small or absent makes the planner expect a handful of rows
//! for that session, and it then walks every peer of a big session joined
//! to every one of its usernames (minutes for 100,000 peers), or picks the
//! phone index for a lookup by id. So there the session name is compared
//! with `(SELECT $1)`, a value the planner cannot see (it estimates from
//! the number of distinct sessions instead of one session's frequency),
//! and a username is resolved in two single-table steps: the peer ids from
//! the primary key of `mtgo_peer_usernames`, then each peer by the primary
//! key of `mtgo_peers` (see [`OrmAdapter::peer_by_username_in_steps`]).

use super::statement::{
    StatementKind, delete_by, find_by, insert, non_key_columns, primary_key, slot, text,
};
use super::{OrmAdapter, is_transient};
use crate::error::{Error, Result};
use crate::peer_batch::last_per_id;
use crate::store::PeerStore;
use crate::{ChannelKind, Peer, PeerType, normalize_phone, normalize_username};
use async_trait::async_trait;
use mtgo_storage_entity::{peer_usernames, peers};
use sea_orm::sea_query::{Alias, Expr, Func, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IsolationLevel, Iterable,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement, TransactionTrait, Value,
};
use std::borrow::Cow;
use std::time::Duration;

/// Peers per upsert statement: 19 columns x 1,000 = 19,000 parameters.
pub(crate) const PEER_CHUNK: usize = 1_000;
/// Usernames per insert statement: 3 columns x 4,000 = 12,000 parameters.
const USERNAME_CHUNK: usize = 4_000;
/// Attempts of a batch that meets a deadlock or a busy database.
const MAX_ATTEMPTS: u32 = 8;
/// Reads of a username's peer ids before the stepwise lookup settles for
/// what it found (each retry follows a write that moved the name meanwhile).
const USERNAME_STEP_ATTEMPTS: u32 = 4;

/// The statements of `mtgo_peers` and `mtgo_peer_usernames`, in one
/// backend's dialect; the batch statements, one per chunk size, are built
/// by [`upsert_peers`], [`delete_usernames`] and [`insert_usernames`].
pub(super) struct Sql {
    get: String,
    by_username: String,
    /// PostgreSQL: the `mtgo_peer_usernames` rows of a username (the first
    /// step of [`OrmAdapter::peer_by_username_in_steps`]).
    username_rows: Option<String>,
    by_phone: String,
    load_all: String,
    delete_peer: String,
    delete_usernames: String,
}

/// `column = ?`, or on PostgreSQL `column = (SELECT $n)`: the session name
/// hidden from the planner (see the module docs).
fn session_is<C: ColumnTrait>(backend: DbBackend, column: C) -> sea_orm::Condition {
    let value = if backend == DbBackend::Postgres {
        Expr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .expr(super::statement::slot_expr())
                    .take()
                    .into(),
            ),
        )
    } else {
        super::statement::slot_expr()
    };
    sea_orm::Condition::all().add(sea_orm::sea_query::ExprTrait::eq(column.into_expr(), value))
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        use peer_usernames::Column as Username;
        use peers::Column as P;
        let newest_first = |q: sea_orm::Select<peers::Entity>| {
            q.order_by_desc(P::LastUpdated)
                .order_by_desc(P::Id)
                .limit(1)
                .into_query()
        };
        Self {
            get: text(
                backend,
                &peers::Entity::find()
                    .filter(session_is(backend, P::SessionName))
                    .filter(P::Id.eq(slot()))
                    .into_query(),
            ),
            by_username: text(
                backend,
                &newest_first(
                    peers::Entity::find()
                        .inner_join(peer_usernames::Entity)
                        .filter(Username::SessionName.eq(slot()))
                        .filter(Username::UsernameNormalized.eq(slot())),
                ),
            ),
            username_rows: (backend == DbBackend::Postgres).then(|| {
                text(
                    backend,
                    &peer_usernames::Entity::find()
                        .filter(session_is(backend, Username::SessionName))
                        .filter(Username::UsernameNormalized.eq(slot()))
                        .into_query(),
                )
            }),
            by_phone: text(
                backend,
                &newest_first(
                    peers::Entity::find()
                        .filter(session_is(backend, P::SessionName))
                        .filter(P::PhoneNormalized.eq(slot())),
                ),
            ),
            load_all: text(
                backend,
                &find_by::<peers::Entity>(&[P::SessionName])
                    .order_by_asc(P::Id)
                    .into_query(),
            ),
            delete_peer: text(
                backend,
                &delete_by::<peers::Entity>(&primary_key::<peers::Entity>()),
            ),
            delete_usernames: text(
                backend,
                &delete_by::<peer_usernames::Entity>(&[Username::SessionName, Username::PeerId]),
            ),
        }
    }
}

/// The columns a min peer saved over a stored full one does not replace
/// (what [`Peer::merged_over`] keeps), `is_min` last: MySQL assigns the
/// `ON DUPLICATE KEY UPDATE` list left to right, so every other assignment
/// must still read the stored `is_min`.
const KEPT_OVER_MIN: [peers::Column; 6] = [
    peers::Column::AccessHash,
    peers::Column::AccessHashKnown,
    peers::Column::PhoneNumber,
    peers::Column::PhoneNormalized,
    peers::Column::IsSelf,
    peers::Column::IsMin,
];

/// The upsert of `rows` peers: every column but the key is replaced, except
/// that a min peer over a stored full one keeps the stored
/// [`KEPT_OVER_MIN`] (`CASE WHEN <new is_min> AND NOT <stored is_min> THEN
/// <stored> ELSE <new> END`), as [`Peer::merged_over`] does.
pub(super) fn upsert_peers(backend: DbBackend, rows: usize) -> String {
    use sea_orm::IdenStatic;
    use sea_orm::sea_query::ExprTrait;
    let kept = |c: &peers::Column| KEPT_OVER_MIN.iter().any(|k| k.as_str() == c.as_str());
    let replaced: Vec<peers::Column> = non_key_columns::<peers::Entity>()
        .into_iter()
        .filter(|c| !kept(c))
        .collect();
    let mut stmt = insert::<peers::Entity>(rows);
    // The row the insert proposed: `excluded.c`, or `VALUES(c)` on MySQL.
    let new = |c: peers::Column| -> Expr {
        if backend == DbBackend::MySql {
            Func::cust("VALUES").arg(Expr::col(c)).into()
        } else {
            Expr::col((Alias::new("excluded"), c))
        }
    };
    let stored = |c: peers::Column| Expr::col((peers::Entity, c));
    let min_over_full = new(peers::Column::IsMin).and(stored(peers::Column::IsMin).not());
    let mut on_conflict = OnConflict::columns(primary_key::<peers::Entity>());
    on_conflict.update_columns(replaced);
    for c in KEPT_OVER_MIN {
        on_conflict.value(
            c,
            Expr::case(min_over_full.clone(), stored(c)).finally(new(c)),
        );
    }
    stmt.on_conflict(on_conflict);
    text(backend, &stmt)
}

/// The delete of the usernames of `rows` peers of one session.
fn delete_usernames(backend: DbBackend, rows: usize) -> String {
    use peer_usernames::Column as Username;
    text(
        backend,
        &peer_usernames::Entity::delete_many()
            .filter(Username::SessionName.eq(slot()))
            .filter(Username::PeerId.is_in(std::iter::repeat_n(slot(), rows)))
            .into_query(),
    )
}

/// The delete of `rows` peers of one session (their usernames go with
/// [`delete_usernames`]).
fn delete_peers(backend: DbBackend, rows: usize) -> String {
    use peers::Column as P;
    text(
        backend,
        &peers::Entity::delete_many()
            .filter(P::SessionName.eq(slot()))
            .filter(P::Id.is_in(std::iter::repeat_n(slot(), rows)))
            .into_query(),
    )
}

/// The insert of `rows` username rows.
fn insert_usernames(backend: DbBackend, rows: usize) -> String {
    text(backend, &insert::<peer_usernames::Entity>(rows))
}

/// Takes the values of one peer row, column by column.
pub(super) trait PeerRow {
    /// The session name of the handle.
    fn session(&mut self);
    /// A 32-bit integer column.
    fn int(&mut self, v: i32);
    /// A 64-bit integer column.
    fn big_int(&mut self, v: i64);
    /// A boolean column.
    fn boolean(&mut self, v: bool);
    /// A nullable boolean column.
    fn opt_boolean(&mut self, v: Option<bool>);
    /// A nullable 32-bit integer column.
    fn opt_int(&mut self, v: Option<i32>);
    /// A text column.
    fn text(&mut self, v: &str);
}

/// Writes `p` as the row of `mtgo_peers`, in `Column::iter()` order (the
/// order of the statements' columns).
pub(super) fn write_peer(p: &Peer, out: &mut impl PeerRow) {
    use peers::Column as C;
    for column in C::iter() {
        match column {
            C::SessionName => out.session(),
            C::Id => out.big_int(p.id),
            C::PeerType => out.int(p.peer_type.as_i32()),
            C::AccessHash => out.big_int(p.access_hash),
            C::Username => out.text(&p.username),
            C::Usernames => out.text(&usernames_json(&p.usernames)),
            C::FirstName => out.text(&p.first_name),
            C::LastName => out.text(&p.last_name),
            C::PhoneNumber => out.text(&p.phone_number),
            C::PhoneNormalized => out.text(&normalize_phone(&p.phone_number)),
            C::IsBot => out.boolean(p.is_bot),
            C::PhotoId => out.big_int(p.photo_id),
            C::Language => out.text(&p.language),
            C::LastUpdated => out.big_int(p.last_updated),
            C::AccessHashKnown => out.boolean(p.access_hash_known),
            C::IsBotKnown => out.boolean(p.is_bot_known),
            C::IsSelf => out.opt_boolean(p.is_self),
            C::ChannelKind => out.opt_int(p.channel_kind.map(ChannelKind::as_i32)),
            C::IsMin => out.boolean(p.min),
        }
    }
}

/// A peer row as SeaORM values.
struct Values<'a> {
    session: &'a Value,
    out: Vec<Value>,
}

impl PeerRow for Values<'_> {
    fn session(&mut self) {
        self.out.push(self.session.clone());
    }
    fn int(&mut self, v: i32) {
        self.out.push(v.into());
    }
    fn big_int(&mut self, v: i64) {
        self.out.push(v.into());
    }
    fn boolean(&mut self, v: bool) {
        self.out.push(v.into());
    }
    fn opt_boolean(&mut self, v: Option<bool>) {
        self.out.push(v.into());
    }
    fn opt_int(&mut self, v: Option<i32>) {
        self.out.push(v.into());
    }
    fn text(&mut self, v: &str) {
        self.out.push(v.into());
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
        access_hash_known: m.access_hash_known,
        is_bot_known: m.is_bot_known,
        is_self: m.is_self,
        channel_kind: m.channel_kind.map(ChannelKind::try_from).transpose()?,
        min: m.is_min,
    })
}

impl OrmAdapter {
    async fn save_peers_once(&self, peers: &[&Peer]) -> std::result::Result<(), DbErr> {
        let inner = &*self.inner;
        let backend = inner.backend;
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
        let width = peers::Column::iter().count();
        let mut names: Vec<(String, i64)> = Vec::new();
        for chunk in peers.chunks(PEER_CHUNK) {
            let n = chunk.len();
            let sql = inner
                .texts
                .get(StatementKind::UpsertPeers, n, || upsert_peers(backend, n));
            let mut row = Values {
                session: &session,
                out: Vec::with_capacity(n * width),
            };
            names.clear();
            for p in chunk {
                for name in p.normalized_usernames() {
                    names.push((name, p.id));
                }
                write_peer(p, &mut row);
            }
            txn.execute_raw(Statement::from_sql_and_values(backend, &*sql, row.out))
                .await?;

            // The peer rows are locked now: replace their usernames.
            let sql = inner.texts.get(StatementKind::DeleteUsernames, n, || {
                delete_usernames(backend, n)
            });
            let mut values: Vec<Value> = Vec::with_capacity(n + 1);
            values.push(session.clone());
            values.extend(chunk.iter().map(|p| Value::from(p.id)));
            txn.execute_raw(Statement::from_sql_and_values(backend, &*sql, values))
                .await?;

            for part in names.chunks(USERNAME_CHUNK) {
                let rows = part.len();
                let sql = inner.texts.get(StatementKind::InsertUsernames, rows, || {
                    insert_usernames(backend, rows)
                });
                // In the order of `peer_usernames::Column::iter()`.
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

    /// PostgreSQL's username lookup, in steps whose plans cannot flip: the
    /// peer ids claiming `key` from the primary key of
    /// `mtgo_peer_usernames`, then each of those peers by the primary key of
    /// `mtgo_peers`; the newest (`last_updated`, then id) wins. A peer that
    /// is gone or no longer claims `key` by the second step was moved by a
    /// write in between: the ids are read again (a few times, then the
    /// peers found are the answer).
    async fn peer_by_username_in_steps(&self, rows_sql: &str, key: String) -> Result<Option<Peer>> {
        let mut attempt = 1;
        loop {
            let rows = self
                .all::<peer_usernames::Model>(
                    rows_sql,
                    vec![self.session_value(), key.clone().into()],
                )
                .await?;
            let mut best: Option<Peer> = None;
            let mut moved = false;
            for row in rows {
                match self.get_peer(row.peer_id).await? {
                    Some(p) if p.normalized_usernames().contains(&key) => {
                        if best.as_ref().is_none_or(|b| p.is_newer_than(b)) {
                            best = Some(p);
                        }
                    }
                    _ => moved = true,
                }
            }
            if !moved || attempt == USERNAME_STEP_ATTEMPTS {
                return Ok(best);
            }
            attempt += 1;
        }
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

    /// `delete_peers` in one transaction: per chunk of [`PEER_CHUNK`] ids,
    /// one delete of the peers and one of their usernames.
    async fn delete_peers_once(&self, ids: &[i64]) -> std::result::Result<(), DbErr> {
        let inner = &*self.inner;
        let backend = inner.backend;
        let txn = inner.db.begin().await?;
        let session = self.session_value();
        for chunk in ids.chunks(PEER_CHUNK) {
            let n = chunk.len();
            let mut values: Vec<Value> = Vec::with_capacity(n + 1);
            values.push(session.clone());
            values.extend(chunk.iter().map(|id| Value::from(*id)));
            let sql = inner
                .texts
                .get(StatementKind::DeletePeers, n, || delete_peers(backend, n));
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                &*sql,
                values.clone(),
            ))
            .await?;
            let sql = inner.texts.get(StatementKind::DeleteUsernames, n, || {
                delete_usernames(backend, n)
            });
            txn.execute_raw(Statement::from_sql_and_values(backend, &*sql, values))
                .await?;
        }
        txn.commit().await
    }
}

/// The additional usernames as the JSON array the `usernames` column holds.
fn usernames_json(usernames: &[String]) -> Cow<'static, str> {
    if usernames.is_empty() {
        return Cow::Borrowed("[]");
    }
    // Serializing strings cannot fail.
    Cow::Owned(serde_json::to_string(usernames).unwrap_or_else(|_| "[]".to_owned()))
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

#[crate::observe::observed]
#[async_trait]
impl PeerStore for OrmAdapter {
    async fn save_peers(&self, peers: &[Peer]) -> Result<()> {
        self.ready()?;
        crate::limits::check_peers(peers)?;
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
        crate::limits::check_key("username", &normalize_username(username))?;
        let key = normalize_username(username);
        if key.is_empty() {
            return Ok(None);
        }
        if let Some(rows_sql) = &self.inner.peers.username_rows {
            return self.peer_by_username_in_steps(rows_sql, key).await;
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
        self.ready()?;
        retry(|| self.delete_peer_once(id))
            .await
            .map_err(|e| self.err(e))
    }

    /// One transaction; ids sorted and deduplicated first, so concurrent
    /// calls lock rows in one order.
    async fn delete_peers(&self, ids: &[i64]) -> Result<()> {
        self.ready()?;
        if ids.is_empty() {
            return Ok(());
        }
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        retry(|| self.delete_peers_once(&ids))
            .await
            .map_err(|e| self.err(e))
    }
}
