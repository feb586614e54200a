//! Argon2id: how a passphrase becomes a 32-byte key, and the parameters that
//! are stored beside each ciphertext made with such a key.

use super::key::{Secret, empty_secret};
use crate::error::{Error, Result};

/// The salt length of a passphrase key, in bytes.
pub(crate) const SALT_LEN: usize = 16;

/// Upper bounds on the parameters accepted when making a key or reading an
/// envelope, so a tampered record cannot make a read allocate without limit.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 16;

/// Argon2id cost parameters of a passphrase key.
///
/// They are written into every envelope sealed with the key (with its salt),
/// so a record can be opened with the passphrase alone, whatever parameters
/// the application uses today. The default is the OWASP recommendation
/// (19 MiB, 2 iterations, 1 lane): about 20-50 ms per derivation, done once
/// per key and salt (derived keys are kept in memory).
///
/// ```
/// use mtgo_storage::encryption::KdfParams;
/// let params = KdfParams::new(64 * 1024, 3, 4)?;
/// assert_eq!(params.memory_kib(), 65536);
/// assert!(KdfParams::new(1, 1, 1).is_err()); // less than 8 KiB per lane
/// # Ok::<(), mtgo_storage::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfParams {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        Self {
            memory_kib: argon2::Params::DEFAULT_M_COST,
            iterations: argon2::Params::DEFAULT_T_COST,
            parallelism: argon2::Params::DEFAULT_P_COST,
        }
    }
}

impl KdfParams {
    /// Memory in KiB, iterations (passes) and lanes.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when Argon2id refuses them (fewer than 8 KiB
    /// per lane, no iteration or lane) or they exceed this crate's bounds
    /// (1 GiB, 64 iterations, 16 lanes; an envelope naming more is refused,
    /// so a tampered record cannot make a read allocate or compute without
    /// limit).
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self> {
        let params = Self {
            memory_kib,
            iterations,
            parallelism,
        };
        params
            .check()
            .map_err(|reason| Error::invalid("Argon2id parameters", reason))?;
        Ok(params)
    }

    /// Memory cost in KiB.
    pub fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// Number of passes.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Number of lanes.
    pub fn parallelism(&self) -> u32 {
        self.parallelism
    }

    /// Rebuilds parameters read from an envelope, checked as [`KdfParams::new`].
    pub(crate) fn from_stored(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
    ) -> std::result::Result<Self, String> {
        let params = Self {
            memory_kib,
            iterations,
            parallelism,
        };
        params.check()?;
        Ok(params)
    }

    fn check(&self) -> std::result::Result<argon2::Params, String> {
        if self.memory_kib > MAX_MEMORY_KIB
            || self.iterations > MAX_ITERATIONS
            || self.parallelism > MAX_PARALLELISM
        {
            return Err(format!(
                "{self:?} exceeds the bounds ({MAX_MEMORY_KIB} KiB, {MAX_ITERATIONS} iterations, \
                 {MAX_PARALLELISM} lanes)"
            ));
        }
        argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|e| format!("{self:?}: {e}"))
    }

    /// Derives the 32-byte key of `passphrase` and `salt`.
    pub(crate) fn derive(
        &self,
        passphrase: &[u8],
        salt: &[u8; SALT_LEN],
    ) -> std::result::Result<Secret, String> {
        let params = self.check()?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = empty_secret();
        argon
            .hash_password_into(passphrase, salt, out.as_mut_slice())
            .map_err(|e| format!("Argon2id failed: {e}"))?;
        Ok(out)
    }
}
