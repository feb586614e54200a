//! Session strings of other MTProto libraries: encode and decode.
//!
//! Every decoder returns a typed [`crate::Error::InvalidSessionString`] that
//! names the format and the reason; none panics on any input.

pub mod telethon;
