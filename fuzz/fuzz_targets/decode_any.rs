//! `decode_any` and every format's `decode` on arbitrary input: an error or
//! a session, never a panic. Whatever decodes must encode and decode again
//! to the same session (for formats whose encoder accepts it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mtgo_storage::session_string::{SessionFormat, decode, decode_any, encode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((format, session)) = decode_any(text)
        && let Ok(again) = encode(&session, format)
    {
        let back = decode(&again, format).expect("re-encoded string decodes");
        assert_eq!(back, session, "{format}: {text:?}");
    }
    for format in SessionFormat::ALL {
        let _ = decode(text, format);
    }
});
