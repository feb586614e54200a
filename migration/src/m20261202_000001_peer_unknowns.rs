//! Peers keep "unknown" apart from `false` and 0 (grammers' `PeerInfo`):
//! whether the access hash and the bot flag are known, whether the user is
//! the logged-in account, and the kind of a channel.
//!
//! Rows written before read back unchanged: the two `*_known` columns default
//! to true, the two nullable ones to NULL (unknown).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoPeers {
    Table,
    AccessHashKnown,
    IsBotKnown,
    IsSelf,
    ChannelKind,
}

fn columns() -> [ColumnDef; 4] {
    use MtgoPeers::*;
    [
        ColumnDef::new(AccessHashKnown)
            .boolean()
            .not_null()
            .default(true)
            .take(),
        ColumnDef::new(IsBotKnown)
            .boolean()
            .not_null()
            .default(true)
            .take(),
        ColumnDef::new(IsSelf).boolean().null().take(),
        ColumnDef::new(ChannelKind).integer().null().take(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for mut column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(MtgoPeers::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            MtgoPeers::AccessHashKnown,
            MtgoPeers::IsBotKnown,
            MtgoPeers::IsSelf,
            MtgoPeers::ChannelKind,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MtgoPeers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
