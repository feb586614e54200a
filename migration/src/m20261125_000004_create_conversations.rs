use crate::columns::{bigint, bytes, int, key, table, text};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoConversations {
    Table,
    SessionName,
    ChatId,
    UserId,
    Name,
    Step,
    Data,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoConversations::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(bigint(ChatId))
                    .col(bigint(UserId))
                    .col(text(Name))
                    .col(int(Step))
                    .col(bytes(manager, Data, false))
                    .col(bigint(CreatedAt))
                    .col(bigint(UpdatedAt))
                    .primary_key(Index::create().col(SessionName).col(ChatId).col(UserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoConversations::Table).to_owned())
            .await
    }
}
