//! `mtgo-storage-migration`: applies, reverts and lists the mtgo-storage
//! migrations.
//!
//! ```text
//! mtgo-storage-migration up|down|status|fresh|refresh|reset -u URL
//! DATABASE_URL=URL mtgo-storage-migration status
//! ```
//!
//! A SQLite database file that does not exist yet is created readable by
//! its owner only (0600), since it will hold auth keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectOptions, Database};

#[tokio::main]
async fn main() {
    cli::run_cli_with_connection(
        mtgo_storage_migration::Migrator,
        |options: ConnectOptions| async move {
            if let Some(path) = sqlite_file(options.get_url()) {
                create_private(&path)
                    .map_err(|e| DbErr::Custom(format!("creating {path}: {e}")))?;
            }
            Database::connect(options).await
        },
    )
    .await;
}

/// The file of a `sqlite:` URL that may create it (`mode=rwc`), if any.
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite:")?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.strip_prefix("//").unwrap_or(path);
    let creates = query.split('&').any(|kv| kv == "mode=rwc");
    if !creates || path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(path.to_owned())
}

/// Creates `path` with mode 0600 unless it exists.
fn create_private(path: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
