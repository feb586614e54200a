//! A DC keeps its IPv6 address and port beside the IPv4 one (grammers'
//! `DcOption`). Rows written before read back with no IPv6 address.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoDcAuth {
    Table,
    Ipv6Addr,
    Ipv6Port,
}

fn columns() -> [ColumnDef; 2] {
    use MtgoDcAuth::*;
    [
        // An IPv6 address with a zone is at most 45 + 1 + 10 characters.
        ColumnDef::new(Ipv6Addr)
            .string_len(64)
            .not_null()
            .default("")
            .take(),
        ColumnDef::new(Ipv6Port)
            .integer()
            .not_null()
            .default(0)
            .take(),
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
                        .table(MtgoDcAuth::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [MtgoDcAuth::Ipv6Addr, MtgoDcAuth::Ipv6Port] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MtgoDcAuth::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
