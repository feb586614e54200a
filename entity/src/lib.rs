//! SeaORM entities of the mtgo-storage schema: one module per table.
//!
//! Every table is named `mtgo_*` and every primary key starts with
//! `session_name`, so many accounts share one database without seeing each
//! other's rows. The schema itself is created by the frozen migrations of
//! the `mtgo-storage-migration` crate, never from these entities.
//!
//! Lookup columns hold normalized values (see `mtgo_storage::normalize_username`
//! and `normalize_phone`): `peer_usernames.username_normalized` and
//! `peers.phone_normalized`.

pub mod channel_state;
pub mod conversations;
pub mod dc_auth;
pub mod durable_updates;
pub mod peer_references;
pub mod peer_usernames;
pub mod peers;
pub mod server_salts;
pub mod session_leases;
pub mod sessions;
pub mod temp_auth_keys;
pub mod update_dedup;
pub mod update_state;

/// Every entity, for `use mtgo_storage_entity::prelude::*`.
pub mod prelude {
    pub use crate::channel_state::Entity as ChannelState;
    pub use crate::conversations::Entity as Conversations;
    pub use crate::dc_auth::Entity as DcAuth;
    pub use crate::durable_updates::Entity as DurableUpdates;
    pub use crate::peer_references::Entity as PeerReferences;
    pub use crate::peer_usernames::Entity as PeerUsernames;
    pub use crate::peers::Entity as Peers;
    pub use crate::server_salts::Entity as ServerSalts;
    pub use crate::session_leases::Entity as SessionLeases;
    pub use crate::sessions::Entity as Sessions;
    pub use crate::temp_auth_keys::Entity as TempAuthKeys;
    pub use crate::update_dedup::Entity as UpdateDedup;
    pub use crate::update_state::Entity as UpdateState;
}
