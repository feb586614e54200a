//! Encryption at rest (feature `encryption`): [`EncryptedAdapter`] wraps any
//! [`Adapter`](crate::Adapter) and seals every auth key it writes (the
//! session's and each DC's), and optionally conversation data and durable
//! update payloads, with XChaCha20-Poly1305 before the inner store sees them.
//!
//! One concept per file: `key` (an [`EncryptionKey`]: 32 bytes given by the
//! application, or derived from a passphrase), `kdf` (Argon2id and its
//! [`KdfParams`]), `keyring` (the key that seals and the keys that open, for
//! rotation), `field` (which field of which record a ciphertext belongs to:
//! the associated data), `envelope` (the stored bytes: version, key id, KDF
//! parameters and salt, nonce, ciphertext), `policy` (what a plaintext record
//! read through the wrapper does), `config` ([`EncryptionConfig`]) and
//! `adapter` (the `Adapter` implementation).

mod adapter;
mod config;
mod envelope;
mod field;
mod kdf;
mod key;
mod keyring;
mod policy;

pub use adapter::EncryptedAdapter;
pub use config::EncryptionConfig;
pub use envelope::{envelope_key_id, is_envelope};
pub use kdf::KdfParams;
pub use key::EncryptionKey;
pub use keyring::Keyring;
pub use policy::PlaintextPolicy;
