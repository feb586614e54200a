//! [`Adapter::save_session_records`](crate::Adapter::save_session_records):
//! the upsert of each record, all in one transaction.

use super::OrmAdapter;
use super::peers::retry;
use crate::error::Result;
use crate::session_records::SessionRecords;
use sea_orm::{ConnectionTrait, DbErr, Statement, TransactionTrait};

impl OrmAdapter {
    /// Each record's upsert, as the record's own store method runs it.
    fn records_statements(&self, records: &SessionRecords) -> Result<Vec<Statement>> {
        let mut statements = Vec::with_capacity(records.len());
        if let Some(session) = &records.session {
            statements.push(self.save_session_statement(session));
        }
        for entry in &records.dc_auth {
            statements.push(self.save_dc_auth_statement(entry));
        }
        for key in &records.temp_auth_keys {
            statements.push(self.save_temp_auth_key_statement(key));
        }
        for conversation in &records.conversations {
            statements.push(self.restore_conversation_statement(conversation));
        }
        for update in &records.durable_updates {
            statements.push(self.enqueue_update_statement(update)?);
        }
        Ok(statements)
    }

    async fn save_records_once(&self, statements: &[Statement]) -> std::result::Result<(), DbErr> {
        let txn = self.inner.db.begin().await?;
        for statement in statements {
            txn.execute_raw(statement.clone()).await?;
        }
        txn.commit().await
    }

    /// Writes every record in one transaction (retried on a deadlock or a
    /// busy database); invalid input is refused before anything is sent.
    pub(super) async fn save_records(&self, records: &SessionRecords) -> Result<()> {
        let statements = self.records_statements(records)?;
        if statements.is_empty() {
            return Ok(());
        }
        retry(|| self.save_records_once(&statements))
            .await
            .map_err(|e| self.err(e))
    }
}
