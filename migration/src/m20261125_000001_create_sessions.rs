use crate::columns::{bigint, boolean, bytes, int, key, table, text};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoSessions {
    Table,
    SessionName,
    Dc,
    ApiId,
    ApiHash,
    TestMode,
    AuthKey,
    State,
    UserId,
    IsBot,
    FirstName,
    LastName,
    Username,
    Date,
    Addr,
    Port,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoSessions::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(int(Dc))
                    .col(int(ApiId))
                    .col(text(ApiHash))
                    .col(boolean(TestMode))
                    .col(bytes(manager, AuthKey, true))
                    .col(bytes(manager, State, false))
                    .col(bigint(UserId))
                    .col(boolean(IsBot))
                    .col(text(FirstName))
                    .col(text(LastName))
                    .col(text(Username))
                    .col(bigint(Date))
                    .col(text(Addr))
                    .col(int(Port))
                    .primary_key(Index::create().col(SessionName))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoSessions::Table).to_owned())
            .await
    }
}
