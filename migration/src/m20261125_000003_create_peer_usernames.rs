use crate::columns::{bigint, key, table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoPeerUsernames {
    Table,
    SessionName,
    UsernameNormalized,
    PeerId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoPeerUsernames::*;
        // The primary key (session, username, peer) serves lookups by
        // username; the index serves replacing and deleting a peer's names.
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(key(UsernameNormalized))
                    .col(bigint(PeerId))
                    .primary_key(
                        Index::create()
                            .col(SessionName)
                            .col(UsernameNormalized)
                            .col(PeerId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mtgo_peer_usernames_peer")
                    .table(Table)
                    .col(SessionName)
                    .col(PeerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoPeerUsernames::Table).to_owned())
            .await
    }
}
