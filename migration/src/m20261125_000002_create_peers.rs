use crate::columns::{bigint, boolean, int, key, table, text};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoPeers {
    Table,
    SessionName,
    Id,
    PeerType,
    AccessHash,
    Username,
    Usernames,
    FirstName,
    LastName,
    PhoneNumber,
    PhoneNormalized,
    IsBot,
    PhotoId,
    Language,
    LastUpdated,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoPeers::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(bigint(Id))
                    .col(int(PeerType))
                    .col(bigint(AccessHash))
                    .col(text(Username))
                    .col(text(Usernames))
                    .col(text(FirstName))
                    .col(text(LastName))
                    .col(text(PhoneNumber))
                    .col(ColumnDef::new(PhoneNormalized).string_len(64).not_null())
                    .col(boolean(IsBot))
                    .col(bigint(PhotoId))
                    .col(text(Language))
                    .col(bigint(LastUpdated))
                    .primary_key(Index::create().col(SessionName).col(Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mtgo_peers_phone")
                    .table(Table)
                    .col(SessionName)
                    .col(PhoneNormalized)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoPeers::Table).to_owned())
            .await
    }
}
