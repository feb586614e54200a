//! Schema migrations of mtgo-storage.
//!
//! Frozen, timestamped migrations written with sea-query table builders (they
//! never import the entity crate), for SQLite, PostgreSQL and MySQL/MariaDB.
//! Every table is named `mtgo_*` and every primary key starts with
//! `session_name`.
//!
//! On MySQL and MariaDB the tables use `utf8mb4` with the binary collation
//! `utf8mb4_bin`, so keys and lookups compare exactly (the stores normalize
//! usernames and phones themselves) and never through a case- or
//! accent-insensitive collation; since `m20261203_200001`, the key columns
//! use a NO PAD binary collation (`utf8mb4_nopad_bin` on MariaDB,
//! `utf8mb4_0900_bin` on MySQL 8), so trailing spaces count too.
//!
//! As a library: `Migrator::up(&db, None).await` (see [`MigratorTrait`]).
//! As a binary: `mtgo-storage-migration up|down|status|fresh -u URL`
//! (`DATABASE_URL` is read when `-u` is absent).

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261125_000001_create_sessions;
mod m20261125_000002_create_peers;
mod m20261125_000003_create_peer_usernames;
mod m20261125_000004_create_conversations;
mod m20261125_000005_create_dc_auth;
mod m20261125_000006_create_update_state;
mod m20261125_000007_create_channel_state;
mod m20261125_000008_create_update_dedup;
mod m20261125_000009_create_durable_updates;
mod m20261202_000001_peer_unknowns;
mod m20261202_000002_dc_auth_ipv6;
mod m20261202_000003_create_session_leases;
mod m20261202_000004_create_temp_keys_and_salts;
mod m20261203_100001_peer_min;
mod m20261203_100002_create_peer_references;
mod m20261203_200001_nopad_key_collation;

/// The migrator that creates the mtgo-storage schema.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_sessions::Migration),
            Box::new(m20261125_000002_create_peers::Migration),
            Box::new(m20261125_000003_create_peer_usernames::Migration),
            Box::new(m20261125_000004_create_conversations::Migration),
            Box::new(m20261125_000005_create_dc_auth::Migration),
            Box::new(m20261125_000006_create_update_state::Migration),
            Box::new(m20261125_000007_create_channel_state::Migration),
            Box::new(m20261125_000008_create_update_dedup::Migration),
            Box::new(m20261125_000009_create_durable_updates::Migration),
            Box::new(m20261202_000001_peer_unknowns::Migration),
            Box::new(m20261202_000002_dc_auth_ipv6::Migration),
            Box::new(m20261202_000003_create_session_leases::Migration),
            Box::new(m20261202_000004_create_temp_keys_and_salts::Migration),
            Box::new(m20261203_100001_peer_min::Migration),
            Box::new(m20261203_100002_create_peer_references::Migration),
            Box::new(m20261203_200001_nopad_key_collation::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "mtgo_seaql_migrations".into_iden()
    }
}
