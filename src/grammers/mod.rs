//! grammers integration (feature `grammers`): any of our stores as the
//! session of [grammers](https://github.com/Lonami/grammers), the Rust MTProto
//! client.
//!
//! [`GrammersSession`] implements `grammers_session::Session` (0.11) over any
//! [`Adapter`](crate::Adapter), so a `grammers_client::Client` keeps its DCs,
//! auth keys, peers and update state in PostgreSQL, MySQL/MariaDB, SQLite,
//! MongoDB, Redis or memory. grammers-session is linked with its default
//! features off (no `sqlite-storage`), so it links beside SeaORM's SQLite.
//!
//! The `grammers_session` crate is re-exported so that the versions match.

pub use grammers_session;

mod convert;
mod session;

pub use session::GrammersSession;
#[cfg(feature = "sqlite")]
mod sqlite_file;
#[cfg(feature = "sqlite")]
pub use sqlite_file::{
    SQLITE_SCHEMA_VERSION, SQLITE_TABLES, SqliteFileReport, export_sqlite_file, import_sqlite_file,
    is_grammers_sqlite_file, read_sqlite_file, replace_sqlite_file, write_sqlite_file,
};
