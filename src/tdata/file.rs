//! The file container every `tdata` file uses: the magic `TDF$`, the
//! writing application's version (`u32` little-endian, Telegram Desktop's
//! `X*1000000 + Y*1000 + Z`), the data, and an MD5 of
//! `data || len(data) as u32 LE || version as u32 LE || "TDF$"`.
//!
//! A file `NAME` is stored as `NAMEs`; folders written before Telegram
//! Desktop 1.x's switch to the `s` suffix keep two copies, `NAME0` and
//! `NAME1`, of which the newer readable one counts.

use md5::{Digest, Md5};
use std::path::{Path, PathBuf};

/// The magic at the start of every file.
pub(crate) const MAGIC: &[u8; 4] = b"TDF$";

/// The lowest version read: Telegram Desktop 1.0.0.
pub(crate) const MIN_VERSION: u32 = 1_000_000;

/// One above the highest version read: a two-digit major version.
pub(crate) const MAX_VERSION: u32 = 100_000_000;

/// The version this crate writes: Telegram Desktop 5.0.0, whose layout
/// (wide user ids in the authorization block, `s` files) it writes.
pub(crate) const WRITE_VERSION: u32 = 5_000_000;

/// A file that was read and checked.
#[derive(Debug)]
pub(crate) struct FileData {
    /// The version of the application that wrote it.
    pub(crate) version: u32,
    /// The data between the header and the MD5.
    pub(crate) data: Vec<u8>,
}

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// No file of that name (in any of its suffixes).
    Missing,
    /// A file exists and is not a valid container (the message says which
    /// file and what is wrong).
    Invalid(String),
}

/// Reads the file `name` from `dir`: `names` if present, else the newer of
/// `name0`/`name1` that is valid.
///
/// # Errors
/// [`ReadError::Missing`] when none exists; [`ReadError::Invalid`] with
/// the first candidate's problem when none is valid.
pub(crate) fn read(dir: &Path, name: &str) -> Result<FileData, ReadError> {
    let modern = dir.join(format!("{name}s"));
    let candidates = if modern.is_file() {
        vec![modern]
    } else {
        let mut legacy: Vec<(PathBuf, Option<std::time::SystemTime>)> = ["0", "1"]
            .iter()
            .map(|s| dir.join(format!("{name}{s}")))
            .filter(|p| p.is_file())
            .map(|p| {
                let t = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
                (p, t)
            })
            .collect();
        legacy.sort_by_key(|c| std::cmp::Reverse(c.1));
        legacy.into_iter().map(|(p, _)| p).collect()
    };
    let mut first_error = None;
    for path in candidates {
        match read_one(&path) {
            Ok(f) => return Ok(f),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.map_or(ReadError::Missing, ReadError::Invalid))
}

fn read_one(path: &Path) -> Result<FileData, String> {
    let shown = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: cannot be read: {e}"))?;
    if bytes.len() < 4 || &bytes[..4] != MAGIC {
        return Err(format!(
            "{shown}: not a Telegram Desktop file (no TDF$ magic)"
        ));
    }
    if bytes.len() < 8 + 16 {
        return Err(format!("{shown}: truncated ({} bytes)", bytes.len()));
    }
    let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let data = &bytes[8..bytes.len() - 16];
    let stored_md5 = &bytes[bytes.len() - 16..];
    if Md5::digest(checked_bytes(data, version)).as_slice() != stored_md5 {
        return Err(format!(
            "{shown}: checksum mismatch (truncated or damaged file)"
        ));
    }
    if !(MIN_VERSION..MAX_VERSION).contains(&version) {
        return Err(format!(
            "{shown}: unknown version {version} (Telegram Desktop versions 1.0.0 to 99.x are read)"
        ));
    }
    Ok(FileData {
        version,
        data: data.to_vec(),
    })
}

/// What the MD5 covers.
fn checked_bytes(data: &[u8], version: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + 12);
    v.extend_from_slice(data);
    // A file's data is far below 4 GiB; a longer one would fail the check.
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(&version.to_le_bytes());
    v.extend_from_slice(MAGIC);
    v
}

/// The bytes of a container holding `data`.
pub(crate) fn encode(data: &[u8], version: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 24);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&Md5::digest(checked_bytes(data, version)));
    out
}

/// Writes `NAMEs` into `dir` as a new file readable by its owner only.
///
/// # Errors
/// When the file exists or cannot be written.
pub(crate) fn write(dir: &Path, name: &str, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(dir.join(format!("{name}s")))?;
    file.write_all(&encode(data, WRITE_VERSION))?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_files_read_back() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "key_data", b"payload").unwrap();
        let f = read(dir.path(), "key_data").unwrap();
        assert_eq!(
            (f.version, f.data.as_slice()),
            (WRITE_VERSION, &b"payload"[..])
        );
        assert!(dir.path().join("key_datas").is_file());
        assert!(
            write(dir.path(), "key_data", b"again").is_err(),
            "never replaces"
        );
    }

    #[test]
    fn missing_damaged_truncated_and_unknown_versions_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path(), "x"), Err(ReadError::Missing)));
        let good = encode(b"0123456789abcdef", WRITE_VERSION);
        let cases: [(&str, Vec<u8>, &str); 4] = [
            ("a", b"PK\x03\x04 not tdata at all".to_vec(), "magic"),
            ("b", good[..good.len() - 5].to_vec(), "checksum"),
            ("c", good[..10].to_vec(), "truncated"),
            ("d", encode(b"data", 7), "unknown version 7"),
        ];
        for (name, bytes, want) in cases {
            std::fs::write(dir.path().join(format!("{name}s")), bytes).unwrap();
            match read(dir.path(), name) {
                Err(ReadError::Invalid(m)) => assert!(m.contains(want), "{m}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn legacy_suffixes_take_the_valid_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("map0"), encode(b"old", WRITE_VERSION)).unwrap();
        std::fs::write(dir.path().join("map1"), b"TDF$broken").unwrap();
        assert_eq!(read(dir.path(), "map").unwrap().data, b"old");
    }
}
