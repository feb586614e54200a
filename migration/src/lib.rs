//! Schema migrations of mtgo-storage.
pub use sea_orm_migration::prelude::*;

/// The migrator that creates the mtgo-storage schema.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![]
    }
}
