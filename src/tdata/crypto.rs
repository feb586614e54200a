//! The local encryption of Telegram Desktop: the passcode key (PBKDF2), and
//! AES-256-IGE with the old MTProto key derivation, a SHA-1 message key and
//! a little-endian length in front of the data.
//!
//! An encrypted block is `msg_key (16 bytes) || AES-IGE(data)`, where the
//! plain data is `len: u32 LE || payload || padding` to a multiple of 16
//! bytes, `len` counts itself and the payload, and `msg_key` is the first 16
//! bytes of the SHA-1 of the whole padded plain data. The AES key and IV come
//! from the 256-byte key and `msg_key` as MTProto 1.0 derived them (the
//! "server to client" direction, offset 8).

use aes::Aes256;
use aes::cipher::KeyIvInit;
use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt};
use sha1::{Digest, Sha1};
use sha2::Sha512;

/// The size of the local key and of every key derived here.
pub(crate) const KEY_LEN: usize = 256;

/// The size of the random salt of the key file.
pub(crate) const SALT_LEN: usize = 32;

/// PBKDF2 rounds when a passcode is set (one round without).
const PASSCODE_ROUNDS: u32 = 100_000;

/// A 256-byte key whose bytes never appear in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Key(Box<[u8; KEY_LEN]>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(256 bytes)")
    }
}

impl Key {
    /// The key of these bytes, or `None` unless there are exactly 256.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        let array: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(Self(Box::new(array)))
    }

    /// A new random key.
    ///
    /// # Errors
    /// When the system's random source fails.
    pub(crate) fn random() -> Result<Self, String> {
        let mut bytes = Box::new([0u8; KEY_LEN]);
        fill_random(&mut bytes[..])?;
        Ok(Self(bytes))
    }

    /// The key bytes.
    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

/// Fills `buf` from the system's random source.
///
/// # Errors
/// When the source fails.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), String> {
    getrandom::fill(buf).map_err(|e| format!("the system random source failed: {e}"))
}

/// The key that encrypts the local key: PBKDF2-HMAC-SHA512 of
/// `SHA512(salt || passcode || salt)` with `salt`, one round without a
/// passcode and 100,000 with one, 256 bytes long.
pub(crate) fn passcode_key(salt: &[u8], passcode: &[u8]) -> Key {
    let mut hash = Sha512::new();
    hash.update(salt);
    hash.update(passcode);
    hash.update(salt);
    let password = hash.finalize();
    let rounds = if passcode.is_empty() {
        1
    } else {
        PASSCODE_ROUNDS
    };
    let mut out = Box::new([0u8; KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<Sha512>(&password, salt, rounds, &mut out[..]);
    Key(out)
}

fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The AES-256 key and the 32-byte IGE IV for `msg_key` under `key`
/// (MTProto 1.0 derivation, offset 8).
fn aes_key_iv(key: &Key, msg_key: &[u8; 16]) -> ([u8; 32], [u8; 32]) {
    let k = &key.as_bytes()[8..];
    let a = sha1(&[msg_key, &k[..32]]);
    let b = sha1(&[&k[32..48], msg_key, &k[48..64]]);
    let c = sha1(&[&k[64..96], msg_key]);
    let d = sha1(&[msg_key, &k[96..128]]);
    let mut aes_key = [0u8; 32];
    aes_key[..8].copy_from_slice(&a[..8]);
    aes_key[8..20].copy_from_slice(&b[8..20]);
    aes_key[20..].copy_from_slice(&c[4..16]);
    let mut iv = [0u8; 32];
    iv[..12].copy_from_slice(&a[8..20]);
    iv[12..20].copy_from_slice(&b[..8]);
    iv[20..24].copy_from_slice(&c[16..20]);
    iv[24..].copy_from_slice(&d[..8]);
    (aes_key, iv)
}

/// Why [`decrypt`] failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecryptError {
    /// The block decrypted, but its hash does not match: another key (a
    /// wrong or missing passcode for the key file).
    WrongKey,
    /// The block is not an encrypted block at all (its size, or the length
    /// inside it).
    Malformed(String),
}

/// Decrypts one block and returns the payload (without the length).
///
/// # Errors
/// [`DecryptError::Malformed`] for a size that is not 16 plus a positive
/// multiple of 16 or an impossible length inside; [`DecryptError::WrongKey`]
/// when the message key does not match the decrypted data.
pub(crate) fn decrypt(encrypted: &[u8], key: &Key) -> Result<Vec<u8>, DecryptError> {
    if encrypted.len() <= 16 || !encrypted.len().is_multiple_of(16) {
        return Err(DecryptError::Malformed(format!(
            "an encrypted block of {} bytes (needs 16 plus a multiple of 16)",
            encrypted.len()
        )));
    }
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&encrypted[..16]);
    let (aes_key, iv) = aes_key_iv(key, &msg_key);
    let mut buf = encrypted[16..].to_vec();
    let full = buf.len();
    ige::Decryptor::<Aes256>::new(&aes_key.into(), &iv.into())
        .decrypt_padded::<NoPadding>(&mut buf)
        .map_err(|_| DecryptError::Malformed("AES-IGE decryption failed".into()))?;
    if sha1(&[&buf])[..16] != msg_key {
        return Err(DecryptError::WrongKey);
    }
    let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    // The length counts itself; padding is less than one block.
    if len < 4 || len > full || len + 16 <= full {
        return Err(DecryptError::Malformed(format!(
            "a length of {len} inside an encrypted block of {full} bytes"
        )));
    }
    buf.truncate(len);
    buf.drain(..4);
    Ok(buf)
}

/// Encrypts `payload` into one block, with random padding.
///
/// # Errors
/// When the random source fails or the payload is too large for a `u32`
/// length.
pub(crate) fn encrypt(payload: &[u8], key: &Key) -> Result<Vec<u8>, String> {
    let len = payload.len() + 4;
    let len32 = u32::try_from(len).map_err(|_| "the data is too large".to_owned())?;
    let full = len.div_ceil(16) * 16;
    let mut plain = Vec::with_capacity(full);
    plain.extend_from_slice(&len32.to_le_bytes());
    plain.extend_from_slice(payload);
    plain.resize(full, 0);
    fill_random(&mut plain[len..])?;
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&sha1(&[&plain])[..16]);
    let (aes_key, iv) = aes_key_iv(key, &msg_key);
    ige::Encryptor::<Aes256>::new(&aes_key.into(), &iv.into())
        .encrypt_padded::<NoPadding>(&mut plain, full)
        .map_err(|_| "AES-IGE encryption failed".to_owned())?;
    let mut out = Vec::with_capacity(16 + full);
    out.extend_from_slice(&msg_key);
    out.extend_from_slice(&plain);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> Key {
        let bytes: Vec<u8> = (0..KEY_LEN).map(|i| (i as u8).wrapping_mul(seed)).collect();
        Key::from_slice(&bytes).unwrap()
    }

    #[test]
    fn encrypt_then_decrypt_gives_the_payload_for_every_padding() {
        let k = key(7);
        for n in 0..40 {
            let payload: Vec<u8> = (0..n as u8).collect();
            let block = encrypt(&payload, &k).unwrap();
            assert_eq!(block.len() % 16, 0);
            assert_eq!(decrypt(&block, &k).unwrap(), payload, "{n} bytes");
        }
    }

    #[test]
    fn another_key_is_wrong_key_not_garbage() {
        let block = encrypt(b"secret local key", &key(7)).unwrap();
        assert_eq!(decrypt(&block, &key(9)), Err(DecryptError::WrongKey));
    }

    #[test]
    fn bad_sizes_are_malformed() {
        let k = key(3);
        for len in [0, 16, 17, 33] {
            assert!(matches!(
                decrypt(&vec![0u8; len], &k),
                Err(DecryptError::Malformed(_))
            ));
        }
    }

    #[test]
    fn passcode_key_differs_with_and_without_passcode_and_by_salt() {
        let none = passcode_key(b"salt-salt", b"");
        assert_eq!(none, passcode_key(b"salt-salt", b""));
        assert_ne!(none, passcode_key(b"salt-salX", b""));
        assert_ne!(none, passcode_key(b"salt-salt", b"1234"));
        assert_eq!(format!("{none:?}"), "Key(256 bytes)");
    }
}
