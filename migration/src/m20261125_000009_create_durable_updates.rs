use crate::columns::{bigint, bytes, key, table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoDurableUpdates {
    Table,
    SessionName,
    Id,
    Payload,
    CreatedAt,
    Attempts,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoDurableUpdates::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(key(Id))
                    .col(bytes(manager, Payload, false))
                    .col(bigint(CreatedAt))
                    .col(bigint(Attempts))
                    .col(ColumnDef::new(LastError).text().null())
                    .primary_key(Index::create().col(SessionName).col(Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mtgo_durable_updates_order")
                    .table(Table)
                    .col(SessionName)
                    .col(CreatedAt)
                    .col(Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoDurableUpdates::Table).to_owned())
            .await
    }
}
