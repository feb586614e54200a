//! File names inside a `tdata` folder.
//!
//! Account `i` (0-based) is stored under the data name `data` (the first) or
//! `data#<i+1>`. The name of its files is the "file part" of that data name:
//! the first 8 bytes of its MD5 read as a little-endian number, written as 16
//! uppercase hex digits from the lowest nibble up (so `data` is
//! `D877F783D5D3EF8C`). The folder holds:
//!
//! * `key_datas`: the salt, the encrypted local key and the account list;
//! * `<part>s`: an account's MTP authorization (user id, main DC, keys);
//! * `<part>/maps`: an account's map of other files (settings, caches).

use md5::{Digest, Md5};

/// The key file's base name (Telegram Desktop's default `data`).
pub(crate) const KEY_FILE: &str = "key_data";

/// The data name of account `index`: `data`, `data#2`, `data#3`, ...
pub(crate) fn data_name(index: i32) -> String {
    if index > 0 {
        format!("data#{}", i64::from(index) + 1)
    } else {
        "data".to_owned()
    }
}

/// The file part of a data name (16 uppercase hex digits).
pub(crate) fn file_part(data_name: &str) -> String {
    let digest = Md5::digest(data_name.as_bytes());
    let mut out = String::with_capacity(16);
    for byte in &digest[..8] {
        for nibble in [byte & 0x0f, byte >> 4] {
            out.push(
                char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase()),
            );
        }
    }
    out
}

/// The file part of account `index`.
pub(crate) fn account_part(index: i32) -> String {
    file_part(&data_name(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_account_is_the_well_known_folder() {
        assert_eq!(data_name(0), "data");
        assert_eq!(account_part(0), "D877F783D5D3EF8C");
    }

    #[test]
    fn later_accounts_are_numbered_from_two() {
        assert_eq!(data_name(1), "data#2");
        assert_eq!(data_name(2), "data#3");
        assert_ne!(account_part(1), account_part(0));
        assert_eq!(account_part(1).len(), 16);
    }
}
