//! The envelope: what is stored in place of an encrypted field.
//!
//! ```text
//! magic      8 bytes   0x89 "MTGOENC"
//! version    1 byte    1
//! kdf        1 byte    0: the key was given as bytes; 1: Argon2id from a passphrase
//! id length  1 byte    n, 1..=255
//! key id     n bytes   UTF-8, the id of the key that sealed it
//! (kdf = 1)  12 bytes  memory KiB, iterations, lanes: u32 big-endian each
//! (kdf = 1)  16 bytes  salt
//! nonce      24 bytes  random
//! sealed     rest      XChaCha20-Poly1305 ciphertext and 16-byte tag
//! ```
//!
//! The associated data is every byte before `sealed` followed by the field's
//! context (session name, field, DC id or record ids), so neither the header
//! nor the place of a ciphertext can be changed without the tag failing.

use super::field::Field;
use super::kdf::{KdfParams, SALT_LEN};
use super::key::{Material, Secret, fill_random};
use super::keyring::Keyring;
use crate::error::{Error, Result};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// The first bytes of every envelope.
const MAGIC: [u8; 8] = *b"\x89MTGOENC";
const VERSION: u8 = 1;
const KDF_RAW: u8 = 0;
const KDF_ARGON2ID: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Whether `stored` is an envelope (starts with the envelope's magic bytes),
/// as opposed to a plaintext value. A value whose first 8 bytes happen to be
/// `0x89 "MTGOENC"` is taken for an envelope; for a random auth key the odds
/// are 2^-64.
///
/// ```
/// use mtgo_storage::encryption::is_envelope;
/// assert!(!is_envelope(&[0u8; 256]));
/// assert!(is_envelope(b"\x89MTGOENC\x01"));
/// ```
pub fn is_envelope(stored: &[u8]) -> bool {
    stored.starts_with(&MAGIC)
}

/// The id of the key an envelope was sealed with, or `None` when `stored` is
/// not an envelope of a version this crate reads. It only parses the
/// header: nothing is decrypted or authenticated.
///
/// ```
/// use mtgo_storage::encryption::envelope_key_id;
/// assert_eq!(envelope_key_id(b"\x89MTGOENC\x01\x00\x022b"), Some("2b"));
/// assert_eq!(envelope_key_id(&[0u8; 256]), None);
/// ```
pub fn envelope_key_id(stored: &[u8]) -> Option<&str> {
    let mut r = Reader {
        bytes: stored,
        at: 0,
    };
    if r.take(MAGIC.len()).ok()? != MAGIC || r.byte().ok()? != VERSION {
        return None;
    }
    let _kdf = r.byte().ok()?;
    let len = usize::from(r.byte().ok()?);
    std::str::from_utf8(r.take(len).ok()?).ok()
}

/// Seals `plaintext` for `field` of `session` with the keyring's primary key.
///
/// # Errors
/// [`Error::Io`] when the random generator fails; [`Error::InvalidInput`]
/// when the plaintext is too long for the AEAD.
pub(crate) fn seal(
    keyring: &Keyring,
    session: &str,
    field: Field<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let key = keyring.primary();
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let mut out = Vec::with_capacity(64 + key.id().len() + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    let secret: &[u8; 32] = match key.material() {
        Material::Raw(bytes) => {
            out.push(KDF_RAW);
            push_id(&mut out, key.id());
            bytes
        }
        Material::Passphrase(pass) => {
            let (params, salt, bytes) = pass.sealing();
            out.push(KDF_ARGON2ID);
            push_id(&mut out, key.id());
            out.extend_from_slice(&params.memory_kib().to_be_bytes());
            out.extend_from_slice(&params.iterations().to_be_bytes());
            out.extend_from_slice(&params.parallelism().to_be_bytes());
            out.extend_from_slice(salt);
            bytes
        }
    };
    out.extend_from_slice(&nonce);
    let mut aad = out.clone();
    aad.extend_from_slice(&field.associated_data(session));
    let cipher = XChaCha20Poly1305::new(secret.into());
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| {
            Error::invalid("encrypted field", format!("{field} is too long to encrypt"))
        })?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn push_id(out: &mut Vec<u8>, id: &str) {
    // Ids are 1..=255 bytes (checked when the key is made).
    out.push(id.len() as u8);
    out.extend_from_slice(id.as_bytes());
}

/// Opens an envelope made for `field` of `session`. The error is the reason
/// for [`Error::Decrypt`]: it names key ids and sizes, never key bytes.
pub(crate) fn open(
    keyring: &Keyring,
    session: &str,
    field: Field<'_>,
    stored: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, String> {
    let mut r = Reader {
        bytes: stored,
        at: 0,
    };
    if r.take(MAGIC.len())? != MAGIC {
        return Err("not an envelope".into());
    }
    let version = r.byte()?;
    if version != VERSION {
        return Err(format!(
            "envelope version {version} is not supported (this version reads {VERSION})"
        ));
    }
    let kdf = r.byte()?;
    let id_len = usize::from(r.byte()?);
    let id =
        std::str::from_utf8(r.take(id_len)?).map_err(|_| "the key id is not UTF-8".to_owned())?;
    let Some(key) = keyring.get(id) else {
        return Err(format!(
            "sealed with key id {id:?}, which the keyring does not have (it has {:?})",
            keyring.ids().collect::<Vec<_>>()
        ));
    };
    let derived: Secret;
    let secret: &[u8; 32] = match (kdf, key.material()) {
        (KDF_RAW, Material::Raw(bytes)) => bytes,
        (KDF_ARGON2ID, Material::Passphrase(pass)) => {
            let memory = r.u32()?;
            let iterations = r.u32()?;
            let lanes = r.u32()?;
            let params = KdfParams::from_stored(memory, iterations, lanes)
                .map_err(|e| format!("stored Argon2id parameters refused: {e}"))?;
            let salt: [u8; SALT_LEN] = r
                .take(SALT_LEN)?
                .try_into()
                .map_err(|_| "truncated salt".to_owned())?;
            derived = pass.opening(&params, &salt)?;
            &derived
        }
        (KDF_RAW, Material::Passphrase(_)) => {
            return Err(format!(
                "sealed with a 32-byte key named {id:?}, but the keyring's key {id:?} is a passphrase"
            ));
        }
        (KDF_ARGON2ID, Material::Raw(_)) => {
            return Err(format!(
                "sealed with a passphrase key named {id:?}, but the keyring's key {id:?} is 32 bytes"
            ));
        }
        (other, _) => return Err(format!("unknown key derivation {other}")),
    };
    let nonce: [u8; NONCE_LEN] = r
        .take(NONCE_LEN)?
        .try_into()
        .map_err(|_| "truncated nonce".to_owned())?;
    let header_len = r.at;
    let sealed = &stored[header_len..];
    if sealed.len() < TAG_LEN {
        return Err(format!(
            "truncated: {} bytes of ciphertext, less than the {TAG_LEN}-byte tag",
            sealed.len()
        ));
    }
    let mut aad = stored[..header_len].to_vec();
    aad.extend_from_slice(&field.associated_data(session));
    let cipher = XChaCha20Poly1305::new(secret.into());
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| {
            format!(
                "authentication failed with key {id:?}: a wrong key, a tampered ciphertext, \
                 or a ciphertext of another session or field"
            )
        })
}

/// A cursor over the envelope's bytes; running out is a "truncated" error.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| format!("truncated envelope ({} bytes)", self.bytes.len()))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn byte(&mut self) -> std::result::Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> std::result::Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}
