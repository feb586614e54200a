//! [`PlaintextPolicy`]: what reading a field that is not encrypted does.

/// What [`EncryptedAdapter`](super::EncryptedAdapter) does when it reads a
/// field stored in plaintext (written before encryption was turned on, or by
/// a plain adapter).
///
/// Writes through the wrapper always encrypt, so with
/// [`PlaintextPolicy::Accept`] a plaintext record is re-encrypted the next
/// time it is written (or at once by `mtgo-storage encrypt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PlaintextPolicy {
    /// A plaintext field is an [`Error::Decrypt`](crate::Error::Decrypt)
    /// ("stored in plaintext"): the store must hold only ciphertexts. The
    /// default.
    #[default]
    Refuse,
    /// A plaintext field is returned as stored; the next write of the record
    /// encrypts it. For turning encryption on over an existing store.
    Accept,
}
