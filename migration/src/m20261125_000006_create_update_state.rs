use crate::columns::{int, key, table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoUpdateState {
    Table,
    SessionName,
    Pts,
    Qts,
    Date,
    Seq,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoUpdateState::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(int(Pts))
                    .col(int(Qts))
                    .col(int(Date))
                    .col(int(Seq))
                    .primary_key(Index::create().col(SessionName))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoUpdateState::Table).to_owned())
            .await
    }
}
