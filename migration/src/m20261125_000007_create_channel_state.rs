use crate::columns::{bigint, int, key, table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoChannelState {
    Table,
    SessionName,
    ChannelId,
    Pts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoChannelState::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(bigint(ChannelId))
                    .col(int(Pts))
                    .primary_key(Index::create().col(SessionName).col(ChannelId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoChannelState::Table).to_owned())
            .await
    }
}
