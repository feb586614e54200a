//! `mtgo_peer_references`: where a peer was seen (a message of a chat), so
//! a min peer can be addressed through that message. Keyed by (session
//! name, peer id, chat id, message id), with an index on (session name,
//! chat id, message id) for the deletes of messages and chats.

use crate::columns::{bigint, int, key, table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MtgoPeerReferences {
    Table,
    SessionName,
    PeerId,
    ChatId,
    MessageId,
    SeenAt,
}

const BY_MESSAGE: &str = "mtgo_peer_references_by_message";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MtgoPeerReferences::*;
        manager
            .create_table(
                table(manager, Table)
                    .col(key(SessionName))
                    .col(bigint(PeerId))
                    .col(bigint(ChatId))
                    .col(int(MessageId))
                    .col(bigint(SeenAt))
                    .primary_key(
                        Index::create()
                            .col(SessionName)
                            .col(PeerId)
                            .col(ChatId)
                            .col(MessageId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_MESSAGE)
                    .table(Table)
                    .col(SessionName)
                    .col(ChatId)
                    .col(MessageId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MtgoPeerReferences::Table).to_owned())
            .await
    }
}
