//! Placeholder for the lead's `mtgo_storage::grammers` (issue 13), replaced
//! when main's version is merged in: only the contract this branch needs.

use crate::{Adapter, Error, Result};

pub use grammers_session;

#[cfg(feature = "sqlite")]
mod sqlite_file;
#[cfg(feature = "sqlite")]
pub use sqlite_file::{
    SQLITE_SCHEMA_VERSION, SQLITE_TABLES, SqliteFileReport, export_sqlite_file, import_sqlite_file,
    is_grammers_sqlite_file, read_sqlite_file, replace_sqlite_file, write_sqlite_file,
};

/// Placeholder of the grammers session over an adapter.
pub struct GrammersSession<A: Adapter + 'static = Box<dyn Adapter>> {
    adapter: A,
}

impl<A: Adapter + 'static> GrammersSession<A> {
    /// Placeholder.
    ///
    /// # Errors
    /// Never.
    pub async fn open(adapter: A) -> Result<Self> {
        Ok(Self { adapter })
    }

    /// Placeholder.
    pub fn adapter(&self) -> &A {
        &self.adapter
    }

    /// Placeholder.
    ///
    /// # Errors
    /// Always.
    pub async fn session_data(&self) -> Result<grammers_session::SessionData> {
        Err(Error::unsupported("session_data", "placeholder"))
    }

    /// Placeholder.
    ///
    /// # Errors
    /// Always.
    pub async fn import_session_data(&self, _data: &grammers_session::SessionData) -> Result<()> {
        Err(Error::unsupported("import_session_data", "placeholder"))
    }
}
