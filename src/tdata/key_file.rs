//! The key file `key_datas`: three byte arrays, the salt of the passcode
//! key, the local key encrypted with the passcode key, and the account list
//! encrypted with the local key (`count: i32`, `count` account indices,
//! then the active account's index).

use super::crypto::{self, DecryptError, KEY_LEN, Key, SALT_LEN};
use super::stream::{Reader, Writer};

/// Telegram Desktop keeps at most this many accounts (three, six with
/// Premium); larger indices are refused.
pub(crate) const MAX_ACCOUNTS: i32 = 6;

/// The decrypted content of a key file.
#[derive(Debug)]
pub(crate) struct KeyFile {
    /// The key every other file is encrypted with.
    pub(crate) local_key: Key,
    /// The account indices, in the file's order.
    pub(crate) accounts: Vec<i32>,
    /// The active account's index, when the file names one.
    pub(crate) active: Option<i32>,
}

/// Why a key file could not be read.
#[derive(Debug)]
pub(crate) enum KeyFileError {
    /// The passcode key does not decrypt the local key.
    WrongPasscode,
    /// The file is damaged.
    Malformed(String),
}

impl From<String> for KeyFileError {
    fn from(s: String) -> Self {
        KeyFileError::Malformed(s)
    }
}

fn malformed(what: &str) -> impl Fn(DecryptError) -> KeyFileError + '_ {
    move |e| match e {
        DecryptError::Malformed(m) => KeyFileError::Malformed(format!("{what}: {m}")),
        DecryptError::WrongKey => {
            KeyFileError::Malformed(format!("{what} does not decrypt with the local key"))
        }
    }
}

/// Decodes and decrypts a key file's data with `passcode` (empty for none).
///
/// # Errors
/// [`KeyFileError::WrongPasscode`] when the passcode key does not decrypt
/// the local key; [`KeyFileError::Malformed`] for anything cut short or
/// inconsistent.
pub(crate) fn decode(data: &[u8], passcode: &[u8]) -> Result<KeyFile, KeyFileError> {
    let mut r = Reader::new(data);
    let salt = r.bytes("salt")?;
    let key_encrypted = r.bytes("encrypted local key")?;
    let info_encrypted = r.bytes("encrypted account list")?;
    if salt.len() != SALT_LEN {
        return Err(KeyFileError::Malformed(format!(
            "a salt of {} bytes (expected {SALT_LEN})",
            salt.len()
        )));
    }
    let passcode_key = crypto::passcode_key(salt, passcode);
    let local = match crypto::decrypt(key_encrypted, &passcode_key) {
        Ok(v) => v,
        Err(DecryptError::WrongKey) => return Err(KeyFileError::WrongPasscode),
        Err(DecryptError::Malformed(m)) => {
            return Err(KeyFileError::Malformed(format!("encrypted local key: {m}")));
        }
    };
    let local_key = local
        .get(..KEY_LEN)
        .and_then(Key::from_slice)
        .ok_or_else(|| format!("a local key of {} bytes (expected {KEY_LEN})", local.len()))?;
    let info =
        crypto::decrypt(info_encrypted, &local_key).map_err(malformed("the account list"))?;
    let mut r = Reader::new(&info);
    let count = r.i32("account count")?;
    if count <= 0 || count > MAX_ACCOUNTS || count as usize * 4 > r.remaining() {
        return Err(KeyFileError::Malformed(format!(
            "an account count of {count} (1 to {MAX_ACCOUNTS} expected)"
        )));
    }
    let mut accounts = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let index = r.i32("account index")?;
        if !(0..MAX_ACCOUNTS).contains(&index) || accounts.contains(&index) {
            return Err(KeyFileError::Malformed(format!(
                "account index {index} (0 to {} expected, each once)",
                MAX_ACCOUNTS - 1
            )));
        }
        accounts.push(index);
    }
    let active = if r.remaining() >= 4 {
        Some(r.i32("active account")?)
    } else {
        None
    };
    Ok(KeyFile {
        local_key,
        accounts,
        active,
    })
}

/// Encodes a key file for `accounts` (indices) with `active` as the active
/// account: a new salt, the local key encrypted under `passcode`.
///
/// # Errors
/// When the random source fails.
pub(crate) fn encode(
    local_key: &Key,
    passcode: &[u8],
    accounts: &[i32],
    active: i32,
) -> Result<Vec<u8>, String> {
    let mut salt = [0u8; SALT_LEN];
    crypto::fill_random(&mut salt)?;
    let passcode_key = crypto::passcode_key(&salt, passcode);
    let key_encrypted = crypto::encrypt(local_key.as_bytes(), &passcode_key)?;
    let mut info = Writer::new();
    info.i32(accounts.len() as i32);
    for &index in accounts {
        info.i32(index);
    }
    info.i32(active);
    let info_encrypted = crypto::encrypt(&info.into_bytes(), local_key)?;
    let mut w = Writer::new();
    w.bytes(&salt)?
        .bytes(&key_encrypted)?
        .bytes(&info_encrypted)?;
    Ok(w.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_and_without_passcode() {
        let local = Key::random().unwrap();
        for passcode in [&b""[..], b"hunter2"] {
            let data = encode(&local, passcode, &[0, 2], 2).unwrap();
            let k = decode(&data, passcode).unwrap();
            assert_eq!(k.local_key, local);
            assert_eq!((k.accounts, k.active), (vec![0, 2], Some(2)));
        }
    }

    #[test]
    fn a_wrong_or_missing_passcode_is_wrong_passcode() {
        let local = Key::random().unwrap();
        let data = encode(&local, b"right", &[0], 0).unwrap();
        assert!(matches!(
            decode(&data, b"wrong"),
            Err(KeyFileError::WrongPasscode)
        ));
        assert!(matches!(
            decode(&data, b""),
            Err(KeyFileError::WrongPasscode)
        ));
    }

    #[test]
    fn truncated_data_is_malformed() {
        let local = Key::random().unwrap();
        let data = encode(&local, b"", &[0], 0).unwrap();
        for cut in [0, 3, 40, data.len() - 1] {
            assert!(
                matches!(decode(&data[..cut], b""), Err(KeyFileError::Malformed(_))),
                "cut at {cut}"
            );
        }
    }
}
