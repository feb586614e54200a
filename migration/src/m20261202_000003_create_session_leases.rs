//! `mtgo_session_leases`: which process holds a session name (one writer per
//! account), until when.

use crate::columns::{bigint, key, table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoSessionLeases {
    Table,
    SessionName,
    Holder,
    ExpiresAtMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoSessionLeases::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(key(Holder))
                    .col(bigint(ExpiresAtMs))
                    .primary_key(Index::create().col(SessionName))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoSessionLeases::Table).to_owned())
            .await
    }
}
