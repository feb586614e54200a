//! [`Keyring`]: the key that seals new writes and every key that may open
//! what is stored, so keys rotate without rewriting everything at once.

use super::key::EncryptionKey;
use crate::error::{Error, Result};
use std::fmt;

/// The primary key, which seals every write, and older keys, which only
/// open records sealed with them (each ciphertext names its key's id).
///
/// To rotate: make the new key primary and keep the old one with
/// [`Keyring::with_key`]; records are re-sealed with the new key as they are
/// written (or all at once with `mtgo-storage rekey`); then drop the old key.
///
/// ```
/// use mtgo_storage::{EncryptionKey, Keyring};
/// let ring = Keyring::new(EncryptionKey::new("new", [2u8; 32])?)
///     .with_key(EncryptionKey::new("old", [1u8; 32])?)?;
/// assert_eq!(ring.primary().id(), "new");
/// assert_eq!(ring.ids().collect::<Vec<_>>(), ["new", "old"]);
/// let twice = Keyring::new(EncryptionKey::new("a", [1u8; 32])?)
///     .with_key(EncryptionKey::new("a", [2u8; 32])?);
/// assert!(twice.is_err()); // ids are unique
/// # Ok::<(), mtgo_storage::Error>(())
/// ```
pub struct Keyring {
    /// The primary key first.
    keys: Vec<EncryptionKey>,
}

impl Keyring {
    /// A keyring whose primary (sealing) key is `primary`.
    pub fn new(primary: EncryptionKey) -> Self {
        Self {
            keys: vec![primary],
        }
    }

    /// Adds a key that opens records but seals nothing.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when a key with the same id is already there.
    pub fn with_key(mut self, key: EncryptionKey) -> Result<Self> {
        if self.get(key.id()).is_some() {
            return Err(Error::invalid(
                "keyring",
                format!("two keys have the id {:?}", key.id()),
            ));
        }
        self.keys.push(key);
        Ok(self)
    }

    /// The key that seals every write.
    pub fn primary(&self) -> &EncryptionKey {
        &self.keys[0]
    }

    /// The key with this id, if the keyring has it.
    pub fn get(&self, id: &str) -> Option<&EncryptionKey> {
        self.keys.iter().find(|k| k.id() == id)
    }

    /// Every key id, the primary first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(EncryptionKey::id)
    }
}

/// Its keys zero themselves when dropped.
impl zeroize::ZeroizeOnDrop for Keyring {}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("primary", &self.primary().id())
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish()
    }
}
