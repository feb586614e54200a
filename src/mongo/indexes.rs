//! The collections and their indexes, created idempotently on open.

use crate::Result;
use bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

use super::documents::SESSION;

/// Name of the unique (session, id) index of `peers`: a duplicate key error
/// on it is the race of two writers inserting one new peer, which a retry
/// resolves.
pub(crate) const PEERS_UNIQUE: &str = "session_id_unique";

/// One handle per collection (cheap clones of the database's client).
#[derive(Clone, Debug)]
pub(crate) struct Collections {
    pub(crate) sessions: Collection<Document>,
    pub(crate) peers: Collection<Document>,
    pub(crate) conversations: Collection<Document>,
    pub(crate) dc_auth: Collection<Document>,
    pub(crate) update_state: Collection<Document>,
    pub(crate) channel_state: Collection<Document>,
    pub(crate) update_dedup: Collection<Document>,
    pub(crate) durable_updates: Collection<Document>,
    pub(crate) session_leases: Collection<Document>,
    pub(crate) temp_auth_keys: Collection<Document>,
    pub(crate) server_salts: Collection<Document>,
    pub(crate) peer_references: Collection<Document>,
}

impl Collections {
    pub(crate) fn new(db: &Database) -> Self {
        Self {
            sessions: db.collection("sessions"),
            peers: db.collection("peers"),
            conversations: db.collection("conversations"),
            dc_auth: db.collection("dc_auth"),
            update_state: db.collection("update_state"),
            channel_state: db.collection("channel_state"),
            update_dedup: db.collection("update_dedup"),
            durable_updates: db.collection("durable_updates"),
            session_leases: db.collection("session_leases"),
            temp_auth_keys: db.collection("temp_auth_keys"),
            server_salts: db.collection("server_salts"),
            peer_references: db.collection("peer_references"),
        }
    }

    /// Every collection, in the order a purge deletes from them.
    pub(crate) fn all(&self) -> [&Collection<Document>; 12] {
        [
            &self.peer_references,
            &self.session_leases,
            &self.temp_auth_keys,
            &self.server_salts,
            &self.peers,
            &self.conversations,
            &self.dc_auth,
            &self.update_state,
            &self.channel_state,
            &self.update_dedup,
            &self.durable_updates,
            &self.sessions,
        ]
    }

    /// Creates every index (and so every collection). Creating an index that
    /// exists with the same keys and options is a no-op, so this runs on
    /// every open.
    pub(crate) async fn create_indexes(&self) -> Result<()> {
        self.refuse_go_documents().await?;
        unique(&self.sessions, "session_unique", doc! { SESSION: 1 }).await?;
        self.peers
            .create_indexes([
                unique_model(PEERS_UNIQUE, doc! { SESSION: 1, "id": 1 }),
                model(
                    "session_username_keys",
                    doc! { SESSION: 1, "username_keys": 1 },
                ),
                model("session_phone_key", doc! { SESSION: 1, "phone_key": 1 }),
            ])
            .await?;
        unique(
            &self.conversations,
            "session_chat_user_unique",
            doc! { SESSION: 1, "chat_id": 1, "user_id": 1 },
        )
        .await?;
        unique(
            &self.dc_auth,
            "session_dc_unique",
            doc! { SESSION: 1, "dc_id": 1 },
        )
        .await?;
        unique(&self.update_state, "session_unique", doc! { SESSION: 1 }).await?;
        unique(
            &self.channel_state,
            "session_channel_unique",
            doc! { SESSION: 1, "channel_id": 1 },
        )
        .await?;
        self.update_dedup
            .create_indexes([
                unique_model("session_key_unique", doc! { SESSION: 1, "key": 1 }),
                model("session_seen_at", doc! { SESSION: 1, "seen_at": 1 }),
            ])
            .await?;
        self.durable_updates
            .create_indexes([
                unique_model("session_id_unique", doc! { SESSION: 1, "id": 1 }),
                model(
                    "session_created_id",
                    doc! { SESSION: 1, "created_at": 1, "id": 1 },
                ),
            ])
            .await?;
        unique(&self.session_leases, "session_unique", doc! { SESSION: 1 }).await?;
        for coll in [&self.temp_auth_keys, &self.server_salts] {
            unique(coll, "session_dc_unique", doc! { SESSION: 1, "dc_id": 1 }).await?;
        }
        self.peer_references
            .create_indexes([
                unique_model(
                    super::references::REFERENCES_UNIQUE,
                    doc! { SESSION: 1, "peer_id": 1, "chat_id": 1, "message_id": 1 },
                ),
                model(
                    "session_chat_message",
                    doc! { SESSION: 1, "chat_id": 1, "message_id": 1 },
                ),
            ])
            .await?;
        Ok(())
    }
}

impl Collections {
    /// Refuses a database where our indexes were never created and a
    /// collection of ours holds the Go MongoDB adapter's documents (they
    /// have no session field): our unique indexes would fail over them, and
    /// reads would miss them.
    async fn refuse_go_documents(&self) -> Result<()> {
        let ours = self.peers.list_index_names().await.unwrap_or_default();
        if ours.iter().any(|n| n == PEERS_UNIQUE) {
            return Ok(());
        }
        for (name, coll) in [
            ("sessions", &self.sessions),
            ("peers", &self.peers),
            ("conversations", &self.conversations),
            ("update_state", &self.update_state),
            ("update_dedup", &self.update_dedup),
            ("durable_updates", &self.durable_updates),
        ] {
            let go = coll
                .find_one(doc! { SESSION: { "$exists": false } })
                .await?;
            if go.is_some() {
                return Err(crate::Error::GoStore {
                    found: format!(
                        "collection {name} of the Go MongoDB adapter (documents without a \
                         {SESSION:?} field)"
                    ),
                });
            }
        }
        Ok(())
    }
}

fn model(name: &str, keys: Document) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(IndexOptions::builder().name(name.to_owned()).build())
        .build()
}

fn unique_model(name: &str, keys: Document) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(
            IndexOptions::builder()
                .name(name.to_owned())
                .unique(true)
                .build(),
        )
        .build()
}

async fn unique(coll: &Collection<Document>, name: &str, keys: Document) -> Result<()> {
    coll.create_index(unique_model(name, keys)).await?;
    Ok(())
}
