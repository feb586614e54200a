//! JSON helpers: the spec's `MustMarshal` / `MustUnmarshal`, plus the
//! non-panicking forms a Rust caller should prefer.
//!
//! Every domain type serializes with the spec's JSON field names, and byte
//! fields as base64 strings, as Go's `encoding/json` does.

use crate::error::Result;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Serializes `value` to JSON bytes.
///
/// # Errors
/// [`crate::Error::Serialization`] if `value` cannot be serialized.
pub fn marshal<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(value)?)
}

/// Deserializes JSON bytes; empty input gives `Ok(None)` (the Go helper's
/// "no-op on empty data").
///
/// ```
/// let peer = mtgo_storage::Peer::new(1, mtgo_storage::PeerType::User, 2);
/// let bytes = mtgo_storage::json::marshal(&peer)?;
/// assert_eq!(mtgo_storage::json::unmarshal(&bytes)?, Some(peer));
/// assert_eq!(mtgo_storage::json::unmarshal::<mtgo_storage::Peer>(b"")?, None);
/// # Ok::<(), mtgo_storage::Error>(())
/// ```
///
/// # Errors
/// [`crate::Error::Serialization`] if the bytes are not valid JSON for `T`.
pub fn unmarshal<T: DeserializeOwned>(data: &[u8]) -> Result<Option<T>> {
    if data.is_empty() {
        return Ok(None);
    }
    Ok(Some(serde_json::from_slice(data)?))
}

/// The spec's `MustMarshal`: [`marshal`], panicking on error.
///
/// # Panics
/// If `value` cannot be serialized (never for this crate's types).
pub fn must_marshal<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    marshal(value).unwrap_or_else(|e| panic!("must_marshal: {e}"))
}

/// The spec's `MustUnmarshal`: deserializes into `target`, leaving it
/// untouched when `data` is empty.
///
/// # Panics
/// If `data` is not empty and not valid JSON for `T`. Prefer [`unmarshal`]
/// for data you did not write yourself.
pub fn must_unmarshal<T: DeserializeOwned>(data: &[u8], target: &mut T) {
    match unmarshal(data) {
        Ok(Some(value)) => *target = value,
        Ok(None) => {}
        Err(e) => panic!("must_unmarshal: {e}"),
    }
}
