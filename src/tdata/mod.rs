//! Telegram Desktop `tdata` folders: read the accounts of one (user id, main
//! DC and the auth key of every DC), import one into any [`Adapter`](crate::Adapter), and
//! write a folder from adapters' sessions and DC keys.
//!
//! What is read and written is the account part of the folder only: the key
//! file `key_datas` (the local key, encrypted under an optional local
//! passcode, and the account list), and per account its MTP authorization
//! file and, when writing, an empty map. Settings, the MTP config, chats,
//! drafts and cached media are neither read nor written (Telegram Desktop
//! creates missing settings with its defaults).
//!
//! Layouts: the key-file storage of Telegram Desktop 2.x onwards (several
//! accounts per folder), with the 32-bit user ids of before 3.x and the
//! "wide ids" of later versions; files of any version from 1.0.0 to 99.x are
//! read. Written files carry version 5.0.0 and wide ids. The older
//! single-account layout that kept the passcode salt in the account's map
//! file (no `key_datas`) is not read.
//!
//! The format is Telegram Desktop's (`storage_file_utilities.cpp`,
//! `storage_domain.cpp`, `storage_account.cpp` there); each part is one
//! private file here: the Qt data stream (`stream.rs`), the `TDF$`
//! container (`file.rs`), the passcode key and AES-IGE (`crypto.rs`), file
//! names (`names.rs`), the key file (`key_file.rs`), the MTP authorization
//! (`mtp.rs`) and the map (`map.rs`); the adapter side is `adapter.rs`.
//!
//! Reading never changes the folder; writing creates a new folder (or fills
//! an empty one) with owner-only permissions and never replaces a file.
//!
//! ```
//! use mtgo_storage::tdata::{self, DcKey, TdataAccount};
//! use mtgo_storage::AuthKey;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("tdata");
//! let account = TdataAccount {
//!     index: 0,
//!     user_id: 123_456_789,
//!     main_dc: 2,
//!     keys: vec![DcKey { dc_id: 2, auth_key: AuthKey::new(vec![7u8; 256]) }],
//! };
//! tdata::write(&path, &[account.clone()], None)?;
//! let folder = tdata::read(&path, None)?;
//! assert_eq!(folder.accounts, vec![account]);
//! assert!(!folder.passcode);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod adapter;
mod crypto;
mod file;
mod key_file;
mod map;
mod mtp;
mod names;
mod stream;

pub use adapter::{
    ImportReport, account_from_adapter, account_from_session, export, import, import_account,
};

use crate::AuthKey;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The auth key of one data center.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcKey {
    /// The DC id (1 to 5 in production).
    pub dc_id: i32,
    /// The 256-byte authorization key (`Debug` shows only its length).
    pub auth_key: AuthKey,
}

/// One account of a `tdata` folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdataAccount {
    /// The account's index in the folder (0 for the first; its files are
    /// named after `data`, `data#2`, ...). [`write()`] numbers accounts by
    /// their position and ignores this field.
    pub index: i32,
    /// The logged-in user id (0 when the account is not logged in).
    pub user_id: i64,
    /// The main (home) DC.
    pub main_dc: i32,
    /// The auth key of every DC the account has one for, as stored.
    pub keys: Vec<DcKey>,
}

impl TdataAccount {
    /// The auth key of the main DC, if the account has one.
    pub fn main_key(&self) -> Option<&AuthKey> {
        self.key_of(self.main_dc)
    }

    /// The auth key of `dc_id`, if the account has one.
    pub fn key_of(&self, dc_id: i32) -> Option<&AuthKey> {
        self.keys
            .iter()
            .find(|k| k.dc_id == dc_id)
            .map(|k| &k.auth_key)
    }
}

/// What [`read`] found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tdata {
    /// The folder actually read (the given path, or its `tdata` subfolder).
    pub path: PathBuf,
    /// The version of the Telegram Desktop that wrote the key file
    /// (`X*1000000 + Y*1000 + Z`).
    pub version: u32,
    /// Whether a local passcode protects the folder.
    pub passcode: bool,
    /// Every account, in the key file's order.
    pub accounts: Vec<TdataAccount>,
    /// The index of the active account (Telegram Desktop opens it first).
    pub active_index: i32,
}

impl Tdata {
    /// The account with folder index `index`.
    pub fn account(&self, index: i32) -> Option<&TdataAccount> {
        self.accounts.iter().find(|a| a.index == index)
    }

    /// The active account, or the first when the key file names none
    /// of the accounts.
    pub fn active(&self) -> Option<&TdataAccount> {
        self.account(self.active_index).or(self.accounts.first())
    }
}

fn tdata_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Tdata {
        path: path.display().to_string(),
        reason: reason.into(),
        source: None,
    }
}

fn io_error(path: &Path, reason: impl Into<String>, e: std::io::Error) -> Error {
    Error::Tdata {
        path: path.display().to_string(),
        reason: reason.into(),
        source: Some(Box::new(e)),
    }
}

/// Whether `dir` holds a key file (in any suffix).
fn has_key_file(dir: &Path) -> bool {
    ["s", "0", "1"]
        .iter()
        .any(|s| dir.join(format!("{}{s}", names::KEY_FILE)).is_file())
}

/// The `tdata` folder `path` names: itself when it holds a key file, its
/// `tdata` subfolder when that does (a Telegram Desktop installation
/// folder), else `None`.
pub fn locate(path: impl AsRef<Path>) -> Option<PathBuf> {
    let path = path.as_ref();
    if has_key_file(path) {
        Some(path.to_owned())
    } else if has_key_file(&path.join("tdata")) {
        Some(path.join("tdata"))
    } else {
        None
    }
}

/// Reads every account of a `tdata` folder (or of the `tdata` subfolder of
/// the given one), with the local passcode if one is set (`None` or `""`
/// for none). Nothing in the folder is changed.
///
/// # Errors
/// [`Error::TdataPasscode`] when the folder is locked with a passcode and
/// none was given, or the given one is wrong; [`Error::Tdata`] when the path
/// is not a `tdata` folder, a file is missing, truncated or damaged, of an
/// unknown version or an unsupported layout.
pub fn read(path: impl AsRef<Path>, passcode: Option<&str>) -> Result<Tdata> {
    let given = path.as_ref();
    if !given.is_dir() {
        return Err(tdata_error(given, "not a folder"));
    }
    let Some(dir) = locate(given) else {
        return Err(tdata_error(
            given,
            "not a Telegram Desktop tdata folder (no key_datas file)",
        ));
    };
    let passcode = passcode.unwrap_or("").as_bytes();
    let key_data = read_file(&dir, names::KEY_FILE)?;
    let keys = key_file::decode(&key_data.data, passcode).map_err(|e| match e {
        key_file::KeyFileError::WrongPasscode => Error::TdataPasscode {
            path: dir.display().to_string(),
            given: !passcode.is_empty(),
        },
        key_file::KeyFileError::Malformed(m) => tdata_error(&dir, format!("key_datas: {m}")),
    })?;
    let mut accounts = Vec::with_capacity(keys.accounts.len());
    for &index in &keys.accounts {
        accounts.push(read_account(&dir, index, &keys.local_key)?);
    }
    let first = accounts.first().map_or(0, |a| a.index);
    Ok(Tdata {
        path: dir,
        version: key_data.version,
        passcode: !passcode.is_empty(),
        active_index: keys
            .active
            .filter(|i| keys.accounts.contains(i))
            .unwrap_or(first),
        accounts,
    })
}

fn read_file(dir: &Path, name: &str) -> Result<file::FileData> {
    file::read(dir, name).map_err(|e| match e {
        file::ReadError::Missing => tdata_error(dir, format!("{name}s is missing")),
        file::ReadError::Invalid(m) => tdata_error(dir, m),
    })
}

fn read_account(dir: &Path, index: i32, local_key: &crypto::Key) -> Result<TdataAccount> {
    let part = names::account_part(index);
    let what = |m: String| tdata_error(dir, format!("account {index} ({part}s): {m}"));
    let f = read_file(dir, &part)?;
    let mut r = stream::Reader::new(&f.data);
    let encrypted = r.bytes("encrypted data").map_err(what)?;
    let plain = crypto::decrypt(encrypted, local_key).map_err(|e| {
        what(match e {
            crypto::DecryptError::WrongKey => "does not decrypt with the local key".into(),
            crypto::DecryptError::Malformed(m) => m,
        })
    })?;
    let auth = mtp::decode(&plain).map_err(what)?;
    let mut keys: Vec<DcKey> = auth
        .keys
        .into_iter()
        .map(|(dc_id, key)| DcKey {
            dc_id,
            auth_key: AuthKey::new(key),
        })
        .collect();
    keys.sort_by_key(|k| k.dc_id);
    Ok(TdataAccount {
        index,
        user_id: auth.user_id as i64,
        main_dc: auth.main_dc,
        keys,
    })
}

/// Writes a new `tdata` folder at `path` holding `accounts` (numbered 0,
/// 1, ... in order; the first is the active one), locked with `passcode`
/// when one is given (`None` or `""` for none). `path` must not exist, or be
/// an empty folder; it is created readable by its owner only. On failure
/// what was written is removed again.
///
/// # Errors
/// [`Error::Tdata`] when `path` exists and is not an empty folder, when
/// there are no accounts or more than Telegram Desktop allows (6), when an
/// account has no key for its main DC, a key is not 256 bytes, two keys
/// share a DC, or when a file cannot be written.
pub fn write(
    path: impl AsRef<Path>,
    accounts: &[TdataAccount],
    passcode: Option<&str>,
) -> Result<()> {
    let path = path.as_ref();
    check_accounts(path, accounts)?;
    let created = prepare_folder(path)?;
    let result = write_into(path, accounts, passcode.unwrap_or("").as_bytes());
    if result.is_err() {
        if created {
            let _ = std::fs::remove_dir_all(path);
        } else if let Ok(entries) = std::fs::read_dir(path) {
            // The folder was empty before: empty it again.
            for entry in entries.flatten() {
                let p = entry.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
    }
    result
}

fn check_accounts(path: &Path, accounts: &[TdataAccount]) -> Result<()> {
    if accounts.is_empty() {
        return Err(tdata_error(path, "no account to write"));
    }
    if accounts.len() > key_file::MAX_ACCOUNTS as usize {
        return Err(tdata_error(
            path,
            format!(
                "{} accounts; Telegram Desktop keeps at most {}",
                accounts.len(),
                key_file::MAX_ACCOUNTS
            ),
        ));
    }
    for (i, a) in accounts.iter().enumerate() {
        if a.main_key().is_none() {
            return Err(tdata_error(
                path,
                format!("account {i} has no auth key for its main DC {}", a.main_dc),
            ));
        }
        for (j, k) in a.keys.iter().enumerate() {
            if k.auth_key.len() != crypto::KEY_LEN {
                return Err(tdata_error(
                    path,
                    format!(
                        "account {i}: the auth key of DC {} has {} bytes (256 needed)",
                        k.dc_id,
                        k.auth_key.len()
                    ),
                ));
            }
            if a.keys[..j].iter().any(|o| o.dc_id == k.dc_id) {
                return Err(tdata_error(
                    path,
                    format!("account {i} has two keys for DC {}", k.dc_id),
                ));
            }
        }
    }
    Ok(())
}

/// Creates `path` (owner-only) or checks it is an empty folder; returns
/// whether it was created.
fn prepare_folder(path: &Path) -> Result<bool> {
    if path.exists() {
        let empty = std::fs::read_dir(path)
            .map_err(|e| io_error(path, "cannot be listed", e))?
            .next()
            .is_none();
        if !path.is_dir() || !empty {
            return Err(tdata_error(
                path,
                "already exists and is not an empty folder; nothing was written",
            ));
        }
        return Ok(false);
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .recursive(true)
        .create(path)
        .map_err(|e| io_error(path, "cannot be created", e))?;
    Ok(true)
}

fn write_into(path: &Path, accounts: &[TdataAccount], passcode: &[u8]) -> Result<()> {
    let fail = |m: String| tdata_error(path, m);
    let local_key = crypto::Key::random().map_err(fail)?;
    let mut indices = Vec::with_capacity(accounts.len());
    for (i, account) in accounts.iter().enumerate() {
        let index = i as i32;
        let part = names::account_part(index);
        let mut keys: Vec<(i32, Vec<u8>)> = account
            .keys
            .iter()
            .map(|k| (k.dc_id, k.auth_key.as_bytes().to_vec()))
            .collect();
        keys.sort_by_key(|k| k.0);
        let auth = mtp::Authorization {
            user_id: account.user_id as u64,
            main_dc: account.main_dc,
            keys,
            keys_to_destroy: Vec::new(),
        };
        let plain = mtp::encode(&auth).map_err(fail)?;
        let mut data = stream::Writer::new();
        data.bytes(&crypto::encrypt(&plain, &local_key).map_err(fail)?)
            .map_err(fail)?;
        put(path, &part, &data.into_bytes())?;
        let account_dir = path.join(&part);
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&account_dir)
            .map_err(|e| io_error(path, format!("{part}/ cannot be created"), e))?;
        put(
            &account_dir,
            "map",
            &map::encode_empty(&local_key).map_err(fail)?,
        )?;
        indices.push(index);
    }
    let key_data = key_file::encode(&local_key, passcode, &indices, 0).map_err(fail)?;
    put(path, names::KEY_FILE, &key_data)
}

fn put(dir: &Path, name: &str, data: &[u8]) -> Result<()> {
    file::write(dir, name, data).map_err(|e| io_error(dir, format!("{name}s cannot be written"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(user_id: i64, main_dc: i32, dcs: &[i32]) -> TdataAccount {
        TdataAccount {
            index: 0,
            user_id,
            main_dc,
            keys: dcs
                .iter()
                .map(|&dc_id| DcKey {
                    dc_id,
                    auth_key: AuthKey::new(vec![dc_id as u8 ^ user_id as u8; 256]),
                })
                .collect(),
        }
    }

    #[test]
    fn several_accounts_round_trip_with_a_passcode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tdata");
        let mut accounts = vec![account(1, 2, &[1, 2, 4]), account(5_000_000_001, 4, &[4])];
        write(&path, &accounts, Some("pass")).unwrap();
        let t = read(&path, Some("pass")).unwrap();
        accounts[1].index = 1;
        assert_eq!(t.accounts, accounts);
        assert_eq!((t.active_index, t.passcode), (0, true));
        assert_eq!(t.version, file::WRITE_VERSION);
        assert!(matches!(
            read(&path, None),
            Err(Error::TdataPasscode { given: false, .. })
        ));
        assert!(matches!(
            read(&path, Some("nope")),
            Err(Error::TdataPasscode { given: true, .. })
        ));
        // The parent folder (a Telegram Desktop installation) works too.
        assert_eq!(read(dir.path(), Some("pass")).unwrap().path, path);
    }

    #[test]
    fn write_refuses_a_non_empty_folder_and_bad_accounts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), b"keep").unwrap();
        let e = write(dir.path(), &[account(1, 2, &[2])], None).unwrap_err();
        assert!(e.to_string().contains("not an empty folder"), "{e}");
        assert_eq!(std::fs::read(dir.path().join("x")).unwrap(), b"keep");
        let path = dir.path().join("new");
        assert!(write(&path, &[account(1, 2, &[1])], None).is_err());
        let mut short = account(1, 2, &[2]);
        short.keys[0].auth_key = AuthKey::new(vec![1; 255]);
        assert!(write(&path, &[short], None).is_err());
        assert!(!path.exists(), "nothing left behind");
    }

    #[test]
    fn a_folder_without_key_file_is_not_tdata() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path(), None).unwrap_err().to_string();
        assert!(e.contains("not a Telegram Desktop tdata folder"), "{e}");
        let e = read(dir.path().join("nothing"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a folder"), "{e}");
    }
}
