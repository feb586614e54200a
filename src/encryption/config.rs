//! [`EncryptionConfig`]: the keyring and what is encrypted.

use super::keyring::Keyring;
use super::policy::PlaintextPolicy;

/// What an [`EncryptedAdapter`](super::EncryptedAdapter) encrypts, with
/// which keys, and how it treats plaintext records.
///
/// Auth keys (the session's and every DC's) are always encrypted;
/// conversation data and durable update payloads only when asked.
///
/// ```
/// use mtgo_storage::encryption::{EncryptionConfig, PlaintextPolicy};
/// use mtgo_storage::{EncryptionKey, Keyring};
/// let config = EncryptionConfig::new(Keyring::new(EncryptionKey::new("k1", [9u8; 32])?))
///     .plaintext(PlaintextPolicy::Accept)
///     .conversation_data(true)
///     .durable_payloads(true);
/// assert!(config.encrypts_conversation_data());
/// # Ok::<(), mtgo_storage::Error>(())
/// ```
#[derive(Debug)]
pub struct EncryptionConfig {
    pub(crate) keyring: Keyring,
    pub(crate) plaintext: PlaintextPolicy,
    pub(crate) conversation_data: bool,
    pub(crate) durable_payloads: bool,
}

impl EncryptionConfig {
    /// Auth keys encrypted with `keyring`'s primary key, plaintext refused,
    /// conversation data and durable payloads left as they are.
    pub fn new(keyring: Keyring) -> Self {
        Self {
            keyring,
            plaintext: PlaintextPolicy::default(),
            conversation_data: false,
            durable_payloads: false,
        }
    }

    /// What reading a plaintext field does.
    pub fn plaintext(mut self, policy: PlaintextPolicy) -> Self {
        self.plaintext = policy;
        self
    }

    /// Whether conversation data is encrypted too.
    pub fn conversation_data(mut self, on: bool) -> Self {
        self.conversation_data = on;
        self
    }

    /// Whether durable update payloads are encrypted too.
    pub fn durable_payloads(mut self, on: bool) -> Self {
        self.durable_payloads = on;
        self
    }

    /// The keyring.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The plaintext policy.
    pub fn plaintext_policy(&self) -> PlaintextPolicy {
        self.plaintext
    }

    /// Whether conversation data is encrypted.
    pub fn encrypts_conversation_data(&self) -> bool {
        self.conversation_data
    }

    /// Whether durable update payloads are encrypted.
    pub fn encrypts_durable_payloads(&self) -> bool {
        self.durable_payloads
    }
}
