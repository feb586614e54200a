use crate::columns::{bigint, key, table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoUpdateDedup {
    Table,
    SessionName,
    DedupKey,
    SeenAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoUpdateDedup::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(key(DedupKey))
                    .col(bigint(SeenAt))
                    .primary_key(Index::create().col(SessionName).col(DedupKey))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mtgo_update_dedup_seen")
                    .table(Table)
                    .col(SessionName)
                    .col(SeenAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoUpdateDedup::Table).to_owned())
            .await
    }
}
