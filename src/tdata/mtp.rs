//! An account's MTP authorization: the file `<part>s`, one byte array
//! encrypted with the local key, holding the block id `0x4b`
//! (`dbiMtpAuthorization`) and a byte array with:
//!
//! * the user id and main DC: two `i32`; both `-1` (the "wide ids" tag of
//!   Telegram Desktop 3.x and later) are followed by a `u64` user id and an
//!   `i32` main DC;
//! * the keys: an `i32` count, then per key an `i32` DC id and 256 bytes;
//! * the keys to destroy, in the same form.

use super::crypto::KEY_LEN;
use super::stream::{Reader, Writer};

/// The block id of an MTP authorization.
pub(crate) const BLOCK_MTP_AUTHORIZATION: i32 = 0x4b;

/// A decoded authorization block.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    /// The logged-in user (0 when not logged in).
    pub(crate) user_id: u64,
    /// The main DC.
    pub(crate) main_dc: i32,
    /// The auth key of each DC.
    pub(crate) keys: Vec<(i32, Vec<u8>)>,
    /// Keys Telegram Desktop still has to destroy on the server.
    pub(crate) keys_to_destroy: Vec<(i32, Vec<u8>)>,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("user_id", &self.user_id)
            .field("main_dc", &self.main_dc)
            .field("keys", &self.keys.len())
            .field("keys_to_destroy", &self.keys_to_destroy.len())
            .finish()
    }
}

fn read_keys(r: &mut Reader<'_>, what: &str) -> Result<Vec<(i32, Vec<u8>)>, String> {
    let count = r.i32(what)?;
    let per_key = 4 + KEY_LEN;
    if count < 0 || count as usize > r.remaining() / per_key {
        return Err(format!(
            "{what}: a count of {count} with {} bytes left",
            r.remaining()
        ));
    }
    (0..count)
        .map(|_| {
            let dc = r.i32(what)?;
            Ok((dc, r.raw(KEY_LEN, what)?.to_vec()))
        })
        .collect()
}

/// Decodes the decrypted content of an account's MTP file (block id and
/// authorization).
///
/// # Errors
/// A message for another block id or anything cut short.
pub(crate) fn decode(data: &[u8]) -> Result<Authorization, String> {
    let mut outer = Reader::new(data);
    let block = outer.i32("block id")?;
    if block != BLOCK_MTP_AUTHORIZATION {
        return Err(format!(
            "unsupported block 0x{block:x} (expected the MTP authorization, 0x4b)"
        ));
    }
    let serialized = outer.bytes("MTP authorization")?;
    let mut r = Reader::new(serialized);
    let legacy_user = r.i32("user id")?;
    let legacy_dc = r.i32("main DC")?;
    let (user_id, main_dc) = if legacy_user == -1 && legacy_dc == -1 {
        (r.u64("user id")?, r.i32("main DC")?)
    } else {
        // Before wide ids the user id was a 32-bit number.
        (u64::from(legacy_user as u32), legacy_dc)
    };
    let keys = read_keys(&mut r, "keys")?;
    let keys_to_destroy = read_keys(&mut r, "keys to destroy")?;
    Ok(Authorization {
        user_id,
        main_dc,
        keys,
        keys_to_destroy,
    })
}

/// Encodes an authorization (wide ids) with its block id, ready to be
/// encrypted.
///
/// # Errors
/// Never for keys of 256 bytes; a message otherwise.
pub(crate) fn encode(auth: &Authorization) -> Result<Vec<u8>, String> {
    let mut w = Writer::new();
    w.i32(-1).i32(-1).u64(auth.user_id).i32(auth.main_dc);
    for keys in [&auth.keys, &auth.keys_to_destroy] {
        w.i32(keys.len() as i32);
        for (dc, key) in keys {
            if key.len() != KEY_LEN {
                return Err(format!(
                    "the auth key of DC {dc} has {} bytes (256 needed)",
                    key.len()
                ));
            }
            w.i32(*dc).raw(key);
        }
    }
    let mut outer = Writer::new();
    outer.i32(BLOCK_MTP_AUTHORIZATION).bytes(&w.into_bytes())?;
    Ok(outer.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Authorization {
        Authorization {
            user_id: 5_000_000_123,
            main_dc: 2,
            keys: vec![(1, vec![1; 256]), (2, vec![2; 256])],
            keys_to_destroy: vec![],
        }
    }

    #[test]
    fn wide_ids_round_trip() {
        let a = auth();
        assert_eq!(decode(&encode(&a).unwrap()).unwrap(), a);
    }

    #[test]
    fn the_32_bit_layout_is_read() {
        let mut inner = Writer::new();
        inner.i32(777).i32(4).i32(1).i32(4).raw(&[9; 256]).i32(0);
        let mut outer = Writer::new();
        outer.i32(0x4b).bytes(&inner.into_bytes()).unwrap();
        let a = decode(&outer.into_bytes()).unwrap();
        assert_eq!((a.user_id, a.main_dc, a.keys.len()), (777, 4, 1));
        assert_eq!(a.keys[0], (4, vec![9; 256]));
    }

    #[test]
    fn other_blocks_short_keys_and_huge_counts_are_errors() {
        let mut w = Writer::new();
        w.i32(0x4c);
        assert!(decode(&w.into_bytes()).unwrap_err().contains("0x4c"));
        let bytes = encode(&auth()).unwrap();
        assert!(decode(&bytes[..bytes.len() - 10]).is_err());
        let mut inner = Writer::new();
        inner.i32(1).i32(2).i32(i32::MAX);
        let mut outer = Writer::new();
        outer.i32(0x4b).bytes(&inner.into_bytes()).unwrap();
        assert!(decode(&outer.into_bytes()).unwrap_err().contains("count"));
        let mut short = auth();
        short.keys[0].1.pop();
        assert!(encode(&short).unwrap_err().contains("255 bytes"));
    }
}
