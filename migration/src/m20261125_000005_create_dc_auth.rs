use crate::columns::{bigint, bytes, int, key, table, text};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoDcAuth {
    Table,
    SessionName,
    DcId,
    AuthKey,
    ServerSalt,
    Port,
    ServerAddr,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoDcAuth::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(int(DcId))
                    .col(bytes(manager, AuthKey, false))
                    .col(bigint(ServerSalt))
                    .col(int(Port))
                    .col(text(ServerAddr))
                    .primary_key(Index::create().col(SessionName).col(DcId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoDcAuth::Table).to_owned())
            .await
    }
}
