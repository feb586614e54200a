//! [`AuthKey`]: an MTProto authorization key that never shows its bytes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// An MTProto authorization key (normally 256 bytes).
///
/// Anyone holding these bytes can act as the account, so the key never shows
/// them by accident: `Debug` prints only the length (`AuthKey(256 bytes)`),
/// and there is no `Display`. The bytes are overwritten with zeros when the
/// key is dropped ([`zeroize`]), so a freed key does not linger in memory.
/// Read the bytes on purpose with [`AuthKey::as_bytes`]. In JSON the key is
/// a standard base64 string, as Go's `encoding/json` writes a `[]byte`.
///
/// ```
/// use mtgo_storage::AuthKey;
/// let key = AuthKey::new(vec![7u8; 256]);
/// assert_eq!(format!("{key:?}"), "AuthKey(256 bytes)");
/// assert_eq!(key.len(), 256);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct AuthKey(Vec<u8>);

impl AuthKey {
    /// The size of a complete MTProto authorization key, in bytes.
    pub const LEN: usize = 256;

    /// Wraps raw key bytes. Any length is accepted; formats that need exactly
    /// [`AuthKey::LEN`] bytes check it when they encode.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The raw key bytes. Treat them as a password.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the key and returns its bytes. The caller owns them now and
    /// with them the duty to zero them (see [`zeroize::Zeroizing`]).
    pub fn into_bytes(mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }

    /// The key length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the key has no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for AuthKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for AuthKey {}

impl fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthKey({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for AuthKey {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for AuthKey {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl Serialize for AuthKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::types::base64_bytes::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for AuthKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::types::base64_bytes::deserialize(deserializer).map(Self)
    }
}
