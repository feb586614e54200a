//! [`EncryptionKey`]: a named 32-byte key, given by the application or
//! derived from a passphrase, zeroed when dropped.

use super::kdf::{KdfParams, SALT_LEN};
use crate::error::{Error, Result};
use std::fmt;
use std::sync::Mutex;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// How many derived keys of other salts a passphrase key remembers.
const DERIVED_CACHE: usize = 16;

/// A key that seals and opens stored fields, with the id each ciphertext
/// names so that keys can rotate (see [`Keyring`](super::Keyring)).
///
/// Either 32 bytes the application gives ([`EncryptionKey::new`],
/// [`EncryptionKey::from_slice`]) or a passphrase stretched with Argon2id
/// ([`EncryptionKey::from_passphrase`]): a passphrase key gets a random salt,
/// and every ciphertext it makes carries that salt and the [`KdfParams`], so
/// records made with other salts or parameters open with the same
/// passphrase.
///
/// The key material (and the passphrase) is zeroed when the key is dropped;
/// `Debug` shows the id and the kind, never the material.
///
/// ```
/// use mtgo_storage::EncryptionKey;
/// let key = EncryptionKey::new("2026-12", [7u8; 32])?;
/// assert_eq!(key.id(), "2026-12");
/// assert_eq!(format!("{key:?}"), r#"EncryptionKey { id: "2026-12", kind: "raw" }"#);
/// assert!(EncryptionKey::from_slice("short", &[1u8; 16]).is_err());
/// # Ok::<(), mtgo_storage::Error>(())
/// ```
pub struct EncryptionKey {
    id: String,
    material: Material,
}

/// Key material lives on the heap, behind a box, so moving a key moves a
/// pointer and leaves no copy of the bytes behind.
pub(crate) enum Material {
    Raw(Secret),
    Passphrase(Box<PassphraseKey>),
}

/// 32 key bytes on the heap, zeroed when dropped.
pub(crate) type Secret = Box<Zeroizing<[u8; 32]>>;

/// A zeroed [`Secret`] to fill in place.
pub(crate) fn empty_secret() -> Secret {
    Box::new(Zeroizing::new([0u8; 32]))
}

/// A [`Secret`] holding a copy of `bytes`, copied straight into the heap.
pub(crate) fn secret_from(bytes: &[u8; 32]) -> Secret {
    let mut secret = empty_secret();
    secret.copy_from_slice(bytes);
    secret
}

/// A passphrase, the salt and parameters it seals with, the key derived from
/// them, and keys derived for other salts met while opening.
pub(crate) struct PassphraseKey {
    passphrase: Zeroizing<Vec<u8>>,
    params: KdfParams,
    salt: [u8; SALT_LEN],
    key: Secret,
    derived: Mutex<Vec<(KdfParams, [u8; SALT_LEN], Secret)>>,
}

impl EncryptionKey {
    /// A key of 32 bytes named `id`. The array passed in is zeroed once
    /// copied; copies the compiler made on the way (the array is passed by
    /// value) are beyond reach, so prefer [`EncryptionKey::from_slice`] with
    /// bytes the caller keeps in a [`zeroize::Zeroizing`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `id` is empty or longer than 255 bytes.
    pub fn new(id: impl Into<String>, mut bytes: [u8; 32]) -> Result<Self> {
        let key = secret_from(&bytes);
        bytes.zeroize();
        Ok(Self {
            id: check_id(id.into())?,
            material: Material::Raw(key),
        })
    }

    /// A key from a slice that must be 32 bytes long.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the slice is not 32 bytes, or the id is
    /// empty or longer than 255 bytes.
    pub fn from_slice(id: impl Into<String>, bytes: &[u8]) -> Result<Self> {
        let mut key = empty_secret();
        if bytes.len() != key.len() {
            return Err(Error::invalid(
                "encryption key",
                format!("needs 32 bytes, got {}", bytes.len()),
            ));
        }
        key.copy_from_slice(bytes);
        Ok(Self {
            id: check_id(id.into())?,
            material: Material::Raw(key),
        })
    }

    /// A random key from the operating system's generator.
    ///
    /// # Errors
    /// [`Error::Io`] when the generator fails; [`Error::InvalidInput`] for a
    /// bad id as [`EncryptionKey::new`].
    pub fn generate(id: impl Into<String>) -> Result<Self> {
        let mut key = empty_secret();
        fill_random(key.as_mut_slice())?;
        Ok(Self {
            id: check_id(id.into())?,
            material: Material::Raw(key),
        })
    }

    /// A key derived from `passphrase` with Argon2id, `params` and a new
    /// random salt. The derivation runs now (it takes what `params` costs);
    /// the passphrase is kept, zeroed on drop, to open records sealed with
    /// other salts or parameters.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty passphrase or a bad id;
    /// [`Error::Io`] when the random generator fails.
    pub fn from_passphrase(
        id: impl Into<String>,
        passphrase: &[u8],
        params: KdfParams,
    ) -> Result<Self> {
        let id = check_id(id.into())?;
        if passphrase.is_empty() {
            return Err(Error::invalid("passphrase", "is empty"));
        }
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt)?;
        let key = params
            .derive(passphrase, &salt)
            .map_err(|reason| Error::invalid("passphrase key", reason))?;
        Ok(Self {
            id,
            material: Material::Passphrase(Box::new(PassphraseKey {
                passphrase: Zeroizing::new(passphrase.to_vec()),
                params,
                salt,
                key,
                derived: Mutex::new(Vec::new()),
            })),
        })
    }

    /// The id written into every ciphertext this key makes.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the key was derived from a passphrase.
    pub fn is_passphrase(&self) -> bool {
        matches!(self.material, Material::Passphrase(_))
    }

    pub(crate) fn material(&self) -> &Material {
        &self.material
    }
}

impl PassphraseKey {
    /// The parameters and salt this key seals with, and the key itself.
    pub(crate) fn sealing(&self) -> (&KdfParams, &[u8; SALT_LEN], &[u8; 32]) {
        (&self.params, &self.salt, &self.key)
    }

    /// The key for `params` and `salt`: the sealing key, a remembered one, or
    /// a new derivation (remembered afterwards).
    pub(crate) fn opening(
        &self,
        params: &KdfParams,
        salt: &[u8; SALT_LEN],
    ) -> std::result::Result<Secret, String> {
        if *params == self.params && *salt == self.salt {
            return Ok(secret_from(&self.key));
        }
        {
            let derived = self.derived.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, _, key)) = derived.iter().find(|(p, s, _)| p == params && s == salt) {
                return Ok(secret_from(key));
            }
        }
        let key = params.derive(&self.passphrase, salt)?;
        let mut derived = self.derived.lock().unwrap_or_else(|e| e.into_inner());
        if derived.len() >= DERIVED_CACHE {
            derived.remove(0);
        }
        derived.push((*params, *salt, secret_from(&key)));
        Ok(key)
    }
}

/// A copy of the key (its material copied straight into new heap memory;
/// a passphrase key's remembered derivations are not copied). Each copy is
/// zeroed when dropped.
impl Clone for EncryptionKey {
    fn clone(&self) -> Self {
        let material = match &self.material {
            Material::Raw(secret) => Material::Raw(secret_from(secret)),
            Material::Passphrase(p) => Material::Passphrase(Box::new(PassphraseKey {
                passphrase: p.passphrase.clone(),
                params: p.params,
                salt: p.salt,
                key: secret_from(&p.key),
                derived: Mutex::new(Vec::new()),
            })),
        };
        Self {
            id: self.id.clone(),
            material,
        }
    }
}

/// Every field zeroes itself when dropped: the key bytes, the passphrase and
/// each derived key.
impl ZeroizeOnDrop for EncryptionKey {}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.material {
            Material::Raw(_) => "raw",
            Material::Passphrase(_) => "passphrase",
        };
        f.debug_struct("EncryptionKey")
            .field("id", &self.id)
            .field("kind", &kind)
            .finish()
    }
}

fn check_id(id: String) -> Result<String> {
    if id.is_empty() || id.len() > 255 {
        return Err(Error::invalid(
            "encryption key id",
            format!("must be 1 to 255 bytes, got {}", id.len()),
        ));
    }
    Ok(id)
}

/// Fills `buf` from the operating system's random generator.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::Io(std::io::Error::other(e)))
}
