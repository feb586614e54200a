//! Column and table helpers shared by the migrations (frozen with them).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Length of key strings (session names, usernames, ids, dedup keys).
pub(crate) const KEY_LEN: u32 = 255;

/// A new `CREATE TABLE` with the options of the backend: on MySQL/MariaDB
/// InnoDB, `utf8mb4` and the binary collation.
pub(crate) fn table(manager: &SchemaManager, name: impl IntoIden) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name);
    if manager.get_database_backend() == DbBackend::MySql {
        t.engine("InnoDB")
            .character_set("utf8mb4")
            .collate("utf8mb4_bin");
    }
    t
}

/// A `VARCHAR(255) NOT NULL` key column.
pub(crate) fn key(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string_len(KEY_LEN).not_null().take()
}

/// A `TEXT NOT NULL` column.
pub(crate) fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

/// A `BIGINT NOT NULL` column.
pub(crate) fn bigint(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

/// An `INTEGER NOT NULL` column.
pub(crate) fn int(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().take()
}

/// A `BOOLEAN NOT NULL` column.
pub(crate) fn boolean(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().take()
}

/// A binary column: `BLOB` on SQLite, `BYTEA` on PostgreSQL, `LONGBLOB` on
/// MySQL/MariaDB. Nullable only if `nullable`.
pub(crate) fn bytes(manager: &SchemaManager, name: impl IntoIden, nullable: bool) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    if manager.get_database_backend() == DbBackend::MySql {
        c.custom("longblob");
    } else {
        c.blob();
    }
    if nullable {
        c.null();
    } else {
        c.not_null();
    }
    c.take()
}
