//! The binary stream Telegram Desktop writes with Qt's `QDataStream`
//! (format `Qt_5_1`): big-endian integers, and byte arrays as a big-endian
//! `u32` length followed by the bytes (`0xFFFFFFFF` for a null array, read as
//! empty).

/// The length Qt writes for a null byte array.
const NULL_LENGTH: u32 = 0xFFFF_FFFF;

/// A reader over a byte slice. Every read checks the remaining length and
/// fails with a message naming what was being read; nothing panics.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// How many bytes are left.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Whether every byte was read.
    #[cfg(test)]
    pub(crate) fn at_end(&self) -> bool {
        self.remaining() == 0
    }

    /// The next `n` bytes.
    ///
    /// # Errors
    /// A message naming `what` when fewer than `n` bytes are left.
    pub(crate) fn raw(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if self.remaining() < n {
            return Err(format!(
                "truncated {what}: needs {n} bytes, {} left",
                self.remaining()
            ));
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.raw(N, what)?);
        Ok(out)
    }

    /// A big-endian `u32`.
    ///
    /// # Errors
    /// When fewer than 4 bytes are left.
    pub(crate) fn u32(&mut self, what: &str) -> Result<u32, String> {
        self.array(what).map(u32::from_be_bytes)
    }

    /// A big-endian `i32`.
    ///
    /// # Errors
    /// When fewer than 4 bytes are left.
    pub(crate) fn i32(&mut self, what: &str) -> Result<i32, String> {
        self.array(what).map(i32::from_be_bytes)
    }

    /// A big-endian `u64`.
    ///
    /// # Errors
    /// When fewer than 8 bytes are left.
    pub(crate) fn u64(&mut self, what: &str) -> Result<u64, String> {
        self.array(what).map(u64::from_be_bytes)
    }

    /// A `QByteArray`: a big-endian `u32` length and the bytes; a null array
    /// reads as empty.
    ///
    /// # Errors
    /// When the length or the bytes are cut short.
    pub(crate) fn bytes(&mut self, what: &str) -> Result<&'a [u8], String> {
        match self.u32(what)? {
            NULL_LENGTH => Ok(&[]),
            n => self.raw(n as usize, what),
        }
    }
}

/// A writer producing the same stream.
#[derive(Debug, Default, Clone)]
pub(crate) struct Writer {
    data: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends a big-endian `i32`.
    pub(crate) fn i32(&mut self, v: i32) -> &mut Self {
        self.data.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a big-endian `u64`.
    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.data.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends bytes as they are (no length).
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.data.extend_from_slice(bytes);
        self
    }

    /// Appends a `QByteArray` (length and bytes).
    ///
    /// # Errors
    /// When the array is longer than a `u32` length can say (never for
    /// what this module writes).
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Result<&mut Self, String> {
        let len = u32::try_from(bytes.len())
            .ok()
            .filter(|&n| n != NULL_LENGTH)
            .ok_or_else(|| format!("a byte array of {} bytes is too long", bytes.len()))?;
        self.data.extend_from_slice(&len.to_be_bytes());
        self.data.extend_from_slice(bytes);
        Ok(self)
    }

    /// Appends a null `QByteArray` (what Telegram Desktop writes for the
    /// unused legacy fields of a map file).
    pub(crate) fn null_bytes(&mut self) -> &mut Self {
        self.data.extend_from_slice(&NULL_LENGTH.to_be_bytes());
        self
    }

    /// The bytes written.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_big_endian() {
        let mut w = Writer::new();
        w.i32(-2).u64(0x0102_0304_0506_0708);
        let bytes = w.into_bytes();
        assert_eq!(&bytes[..4], &[0xff, 0xff, 0xff, 0xfe]);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.i32("a").unwrap(), -2);
        assert_eq!(r.u64("b").unwrap(), 0x0102_0304_0506_0708);
        assert!(r.at_end());
    }

    #[test]
    fn byte_arrays_round_trip_and_null_reads_empty() {
        let mut w = Writer::new();
        w.bytes(b"salt").unwrap().null_bytes().bytes(b"").unwrap();
        let bytes = w.into_bytes();
        assert_eq!(&bytes[..8], &[0, 0, 0, 4, b's', b'a', b'l', b't']);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.bytes("x").unwrap(), b"salt");
        assert_eq!(r.bytes("y").unwrap(), b"");
        assert_eq!(r.bytes("z").unwrap(), b"");
        assert!(r.at_end());
    }

    #[test]
    fn short_input_is_an_error_naming_the_field() {
        let mut r = Reader::new(&[0, 0, 0, 9, 1, 2]);
        let e = r.bytes("salt").unwrap_err();
        assert!(e.contains("salt") && e.contains("9 bytes"), "{e}");
        assert!(
            Reader::new(&[1, 2])
                .u32("count")
                .unwrap_err()
                .contains("count")
        );
    }
}
