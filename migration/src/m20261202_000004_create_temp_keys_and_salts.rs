//! `mtgo_temp_auth_keys` (per DC, a temporary auth key with its expiry and
//! the id of the permanent key it is bound to) and `mtgo_server_salts` (per
//! DC, future server salts with their validity windows).

use crate::columns::{bigint, bytes, int, key, table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoTempAuthKeys {
    Table,
    SessionName,
    DcId,
    AuthKey,
    ExpiresAt,
    PermAuthKeyId,
}

#[derive(DeriveIden)]
enum MtgoServerSalts {
    Table,
    SessionName,
    DcId,
    ValidSince,
    ValidUntil,
    Salt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        {
            use MtgoTempAuthKeys::*;
            manager
                .create_table(
                    table(manager, Table)
                        .col(key(SessionName))
                        .col(int(DcId))
                        .col(bytes(manager, AuthKey, false))
                        .col(bigint(ExpiresAt))
                        .col(bigint(PermAuthKeyId))
                        .primary_key(Index::create().col(SessionName).col(DcId))
                        .to_owned(),
                )
                .await?;
        }
        use MtgoServerSalts::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(int(DcId))
                    .col(bigint(ValidSince))
                    .col(bigint(ValidUntil))
                    .col(bigint(Salt))
                    .primary_key(Index::create().col(SessionName).col(DcId).col(ValidSince))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoServerSalts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MtgoTempAuthKeys::Table).to_owned())
            .await
    }
}
