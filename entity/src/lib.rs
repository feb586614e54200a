//! SeaORM entities of the mtgo-storage schema: one module per table.
