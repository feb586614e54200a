//! An account's map file `<part>/maps`: two byte arrays Telegram Desktop
//! keeps empty (the legacy salt and key of versions before the key file),
//! then the map of the account's other files (drafts, stickers, settings,
//! ...) encrypted with the local key.
//!
//! The reader does not need it (the keys are in the MTP file); the writer
//! writes an empty map, so that Telegram Desktop and other readers find the
//! account and start with default settings.

use super::crypto::{self, Key};
use super::stream::Writer;

/// The data of a map file with no entries.
///
/// # Errors
/// When the random source fails.
pub(crate) fn encode_empty(local_key: &Key) -> Result<Vec<u8>, String> {
    let mut w = Writer::new();
    w.null_bytes()
        .null_bytes()
        .bytes(&crypto::encrypt(&[], local_key)?)?;
    Ok(w.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tdata::stream::Reader;

    #[test]
    fn an_empty_map_decrypts_to_nothing() {
        let key = Key::random().unwrap();
        let data = encode_empty(&key).unwrap();
        let mut r = Reader::new(&data);
        assert_eq!(r.bytes("legacy salt").unwrap(), b"");
        assert_eq!(r.bytes("legacy key").unwrap(), b"");
        let map = r.bytes("map").unwrap();
        assert!(crypto::decrypt(map, &key).unwrap().is_empty());
        assert!(r.at_end());
    }
}
