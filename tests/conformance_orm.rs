//! The conformance suite against `OrmAdapter` on SQLite (in memory and in a
//! file), PostgreSQL and MySQL/MariaDB. PostgreSQL and MariaDB cases skip
//! loudly when the server is unreachable, and fail when `MTGO_TEST_REQUIRE`
//! names `postgres` / `mysql`. On the shared PostgreSQL and MariaDB
//! databases each case's rows are deleted when it ends.

mod orm_support;
mod purge_support;

#[cfg(feature = "sqlite")]
mod sqlite_memory {
    use mtgo_storage::OrmAdapter;

    async fn factory(session: String) -> Option<OrmAdapter> {
        let adapter = mtgo_storage::orm::sqlite::memory()
            .await
            .expect("open in-memory sqlite");
        Some(adapter.with_session(&session))
    }

    mtgo_storage::conformance_tests!(factory);
}

#[cfg(feature = "sqlite")]
mod sqlite_file {
    use mtgo_storage::OrmAdapter;

    async fn factory(session: String) -> Option<OrmAdapter> {
        let (adapter, _path, dir) = super::orm_support::sqlite_file().await;
        // The file must outlive this function: keep the folder (under
        // cargo's target/tmp).
        let _ = dir.keep();
        Some(adapter.with_session(&session))
    }

    mtgo_storage::conformance_tests!(factory);
}

#[cfg(feature = "postgres")]
mod postgres {
    mtgo_storage::conformance_tests!(super::orm_support::postgres_purging);
}

#[cfg(feature = "mysql")]
mod mariadb {
    mtgo_storage::conformance_tests!(super::orm_support::mysql_purging);
}
