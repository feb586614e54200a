//! `mtgo-storage migrate up|down|status --url URL`: the migration crate on a
//! SQL database (SQLite, PostgreSQL, MySQL/MariaDB).

use crate::output::{CliError, redact_url};
use crate::url::Backend;
use mtgo_storage_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Arguments of `migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[arg(value_enum)]
    action: Action,
    /// The SQL database: sqlite://PATH, postgres://… or mysql://….
    #[arg(long, value_name = "URL")]
    url: String,
    /// How many migrations to apply (`up`, default: all pending) or revert
    /// (`down`, default: 1).
    #[arg(long, value_name = "N")]
    steps: Option<u32>,
}

/// A migration action.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Action {
    /// Apply pending migrations.
    Up,
    /// Revert applied migrations, newest first.
    Down,
    /// List every migration as applied or pending.
    Status,
}

/// Connects to a SQL backend URL with SeaORM (a SQLite file is created if
/// absent).
///
/// # Errors
/// A URL that is not a SQL database, or the connection error.
pub async fn connect(url: &str) -> Result<DatabaseConnection, CliError> {
    let backend = Backend::parse(url)?;
    let shown = redact_url(url);
    let conn_url = match &backend {
        Backend::Sqlite(path) => format!("sqlite://{path}?mode=rwc"),
        Backend::Postgres(u) | Backend::Mysql(u) => u.clone(),
        _ => {
            return Err(CliError::new(format!(
                "{shown} is not a SQL database: migrations apply to sqlite://, postgres:// and mysql:// URLs"
            )));
        }
    };
    let mut options = ConnectOptions::new(conn_url);
    options
        .sqlx_logging(false)
        .max_connections(2)
        .connect_timeout(crate::url::connect_timeout())
        .acquire_timeout(crate::url::connect_timeout());
    Database::connect(options)
        .await
        .map_err(|e| CliError::with_context(format_args!("cannot open {shown}"), &e))
}

/// Runs `migrate`.
///
/// # Errors
/// A URL that is not a SQL database, or the migrator's error.
pub async fn run(args: Args) -> Result<(), CliError> {
    let db = connect(&args.url).await?;
    let shown = redact_url(&args.url);
    let fail = |what: &str| {
        let what = format!("{what} on {shown}");
        move |e: sea_orm::DbErr| CliError::with_context(what, &e)
    };
    match args.action {
        Action::Up => {
            mtgo_storage::go::sql::refuse_go_tables(&db)
                .await
                .map_err(|e| CliError::with_context(format_args!("migrating {shown}"), &e))?;
            let before = pending(&db).await.map_err(fail("reading migrations"))?;
            Migrator::up(&db, args.steps)
                .await
                .map_err(fail("migrating up"))?;
            let after = pending(&db).await.map_err(fail("reading migrations"))?;
            outln!(
                "applied {} migration(s); {} pending",
                before.len() - after.len(),
                after.len()
            );
        }
        Action::Down => {
            let before = applied(&db).await.map_err(fail("reading migrations"))?;
            Migrator::down(&db, Some(args.steps.unwrap_or(1)))
                .await
                .map_err(fail("migrating down"))?;
            let after = applied(&db).await.map_err(fail("reading migrations"))?;
            outln!(
                "reverted {} migration(s); {} applied",
                before.len() - after.len(),
                after.len()
            );
        }
        Action::Status => {
            let all = Migrator::get_migration_with_status_read_only(&db)
                .await
                .map_err(fail("reading migrations"))?;
            for m in all {
                let status = m.status().to_string().to_ascii_lowercase();
                outln!("{status:<8} {}", m.name());
            }
        }
    }
    let _ = db.close().await;
    Ok(())
}

async fn pending(db: &DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
    Ok(Migrator::get_pending_migrations_read_only(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect())
}

async fn applied(db: &DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
    Ok(Migrator::get_applied_migrations_read_only(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect())
}
