//! `mtgo_durable_updates`: the durable retry queue of updates.

use sea_orm::entity::prelude::*;

/// One queued update.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mtgo_durable_updates")]
pub struct Model {
    /// The session name (first part of the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_name: String,
    /// Caller-chosen unique id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The serialized update.
    pub payload: Vec<u8>,
    /// When it was enqueued (orders the queue, then `id`).
    pub created_at: i64,
    /// Failed attempts so far.
    pub attempts: i64,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
