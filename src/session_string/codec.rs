//! Byte-level helpers shared by the formats: lenient base64, a bounds-checked
//! reader, TL `bytes` and Telegram's zero run-length encoding. Nothing here
//! panics on any input.

use crate::error::Error;
use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard alphabet, padding optional, non-zero trailing bits accepted
/// (Python's and Node's decoders accept them too).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// An [`Error::InvalidSessionString`] for `format`.
pub(crate) fn invalid(format: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidSessionString {
        format,
        reason: reason.into(),
    }
}

/// Decodes base64 in either alphabet (`+/` or `-_`), with or without `=`
/// padding. A `=` anywhere but at the end, or any other character, is an
/// error naming `format`.
pub(crate) fn b64_decode(format: &'static str, text: &str) -> Result<Vec<u8>, Error> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 {
        return Err(invalid(format, "invalid base64: too much padding"));
    }
    let mut normal = Vec::with_capacity(body.len());
    for (i, c) in body.bytes().enumerate() {
        normal.push(match c {
            b'-' => b'+',
            b'_' => b'/',
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => c,
            _ => {
                return Err(invalid(
                    format,
                    format!("invalid base64: unexpected character at offset {i}"),
                ));
            }
        });
    }
    LENIENT
        .decode(&normal)
        .map_err(|e| invalid(format, format!("invalid base64: {e}")))
}

/// A cursor over decoded bytes whose reads fail (with the format's error)
/// instead of panicking when the input is short.
pub(crate) struct Reader<'a> {
    format: &'static str,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(format: &'static str, data: &'a [u8]) -> Self {
        Self {
            format,
            data,
            pos: 0,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Error> {
        if self.remaining() < n {
            return Err(invalid(
                self.format,
                format!(
                    "the payload ends before {what} ({n} bytes needed at offset {}, {} left)",
                    self.pos,
                    self.remaining()
                ),
            ));
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, Error> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Error> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    pub(crate) fn i32_le(&mut self, what: &str) -> Result<i32, Error> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn i64_le(&mut self, what: &str) -> Result<i64, Error> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }

    /// A TL `bytes`/`string`: a 1-byte length (or 254 and a 3-byte length),
    /// the data, and zero padding to a multiple of 4.
    pub(crate) fn tl_bytes(&mut self, what: &str) -> Result<&'a [u8], Error> {
        let first = self.u8(what)?;
        let (len, header) = match first {
            0..=253 => (usize::from(first), 1),
            254 => {
                let l = self.array::<3>(what)?;
                (
                    usize::from(l[0]) | usize::from(l[1]) << 8 | usize::from(l[2]) << 16,
                    4,
                )
            }
            255 => {
                return Err(invalid(
                    self.format,
                    format!("{what}: 255 is not a valid TL length prefix"),
                ));
            }
        };
        let data = self.take(len, what)?;
        let pad = (4 - (header + len) % 4) % 4;
        self.take(pad, what)?;
        Ok(data)
    }

    /// A TL `Bool` (boolTrue / boolFalse constructor).
    pub(crate) fn tl_bool(&mut self, what: &str) -> Result<bool, Error> {
        match u32::from_le_bytes(self.array(what)?) {
            TL_TRUE => Ok(true),
            TL_FALSE => Ok(false),
            other => Err(invalid(
                self.format,
                format!("{what}: 0x{other:08x} is neither boolTrue nor boolFalse"),
            )),
        }
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<(), Error> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(invalid(
                self.format,
                format!("{n} unexpected bytes after the auth key"),
            )),
        }
    }
}

/// The TL constructor of `boolTrue`.
pub(crate) const TL_TRUE: u32 = 0x9972_75b5;
/// The TL constructor of `boolFalse`.
pub(crate) const TL_FALSE: u32 = 0xbc79_9737;

/// Appends a TL `bytes` value.
pub(crate) fn write_tl_bytes(out: &mut Vec<u8>, data: &[u8]) {
    let header = if data.len() <= 253 {
        out.push(data.len() as u8);
        1
    } else {
        let l = data.len();
        out.extend_from_slice(&[254, l as u8, (l >> 8) as u8, (l >> 16) as u8]);
        4
    };
    out.extend_from_slice(data);
    let pad = (4 - (header + data.len()) % 4) % 4;
    out.extend(std::iter::repeat_n(0u8, pad));
}

/// Telegram's run-length encoding of zero bytes (as in tdlib's file ids,
/// mtcute's `telegramRleEncode` and MTKruto's `rleEncode`): every run of
/// zeros becomes `0, count`. Runs longer than 255 are split so the count
/// always fits in one byte.
pub(crate) fn rle_encode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 8);
    let mut zeros = 0u8;
    for &b in data {
        if b == 0 {
            if zeros == u8::MAX {
                out.extend_from_slice(&[0, zeros]);
                zeros = 0;
            }
            zeros += 1;
        } else {
            if zeros > 0 {
                out.extend_from_slice(&[0, zeros]);
                zeros = 0;
            }
            out.push(b);
        }
    }
    if zeros > 0 {
        out.extend_from_slice(&[0, zeros]);
    }
    out
}

/// Reverses [`rle_encode`]. A zero byte without a count after it is an
/// error; so is output larger than `limit` bytes.
pub(crate) fn rle_decode(
    format: &'static str,
    data: &[u8],
    limit: usize,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(data.len() + 16);
    let mut it = data.iter();
    while let Some(&b) = it.next() {
        if b == 0 {
            let Some(&count) = it.next() else {
                return Err(invalid(format, "a zero byte at the end has no run length"));
            };
            out.extend(std::iter::repeat_n(0u8, usize::from(count)));
        } else {
            out.push(b);
        }
        if out.len() > limit {
            return Err(invalid(
                format,
                format!("the decoded payload is longer than {limit} bytes"),
            ));
        }
    }
    Ok(out)
}

/// A server port read from a string: any value but 0. In a [`crate::Session`]
/// port 0 means "no port", which encoders fill in from the DC table, so a
/// string that names a server at port 0 could not be encoded back as it was
/// read; no library writes one (every format with an address has its port).
pub(crate) fn port(format: &'static str, port: u16, what: &str) -> Result<u16, Error> {
    if port == 0 {
        return Err(invalid(
            format,
            format!("{what} is 0, which is not a server port"),
        ));
    }
    Ok(port)
}

/// `host:port`, with brackets around an IPv6 address (Go's
/// `net.JoinHostPort`).
pub(crate) fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Splits Go's `host:port` (IPv6 in brackets) into a non-empty host and a
/// port. `None` when it is not of that shape.
pub(crate) fn split_host_port(addr: &str) -> Option<(&str, u16)> {
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':')?)
    } else {
        let (host, port) = addr.rsplit_once(':')?;
        (host, port)
    };
    if host.is_empty()
        || host.contains(['[', ']'])
        || (!addr.starts_with('[') && host.contains(':'))
    {
        return None;
    }
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((host, port.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rle_round_trip_and_long_runs() {
        for data in [
            vec![],
            vec![0],
            vec![1, 0, 0, 2],
            vec![0; 600],
            vec![5, 0, 0, 0],
        ] {
            let enc = rle_encode(&data);
            assert_eq!(rle_decode("t", &enc, 10_000).unwrap(), data);
        }
        assert_eq!(rle_encode(&[1, 0, 0, 2]), vec![1, 0, 2, 2]);
        assert!(rle_decode("t", &[1, 0], 100).is_err());
    }

    #[test]
    fn tl_bytes_round_trip() {
        for len in [0usize, 1, 3, 4, 253, 254, 255, 256, 1000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut out = Vec::new();
            write_tl_bytes(&mut out, &data);
            assert_eq!(out.len() % 4, 0);
            let mut r = Reader::new("t", &out);
            assert_eq!(r.tl_bytes("x").unwrap(), &data[..]);
            r.finish().unwrap();
        }
    }

    #[test]
    fn host_port() {
        assert_eq!(join_host_port("1.2.3.4", 443), "1.2.3.4:443");
        assert_eq!(join_host_port("2001:db8::1", 80), "[2001:db8::1]:80");
        assert_eq!(
            split_host_port("[2001:db8::1]:80"),
            Some(("2001:db8::1", 80))
        );
        assert_eq!(split_host_port("1.2.3.4:443"), Some(("1.2.3.4", 443)));
        for bad in [
            "2001:db8::1",
            "1.2.3.4",
            "[::1]",
            ":443",
            "a:",
            "a:+1",
            "a:70000",
            "[[a]]:1",
        ] {
            assert_eq!(split_host_port(bad), None, "{bad}");
        }
    }
}
