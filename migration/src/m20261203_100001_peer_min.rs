//! Peers record whether they were seen only as a Telegram `min` constructor
//! (`is_min`): a min peer saved over a full one keeps the full peer's access
//! hash and phone.
//!
//! Rows written before read back unchanged: the column defaults to false
//! (a full peer), which is what every peer stored before it was.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoPeers {
    Table,
    IsMin,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MtgoPeers::Table)
                    .add_column(
                        ColumnDef::new(MtgoPeers::IsMin)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MtgoPeers::Table)
                    .drop_column(MtgoPeers::IsMin)
                    .to_owned(),
            )
            .await
    }
}
