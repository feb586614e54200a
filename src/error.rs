//! The crate's one error type.

use std::error::Error as StdError;

/// A boxed driver error, kept as the source of [`Error::Backend`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a store.
///
/// Absent data is never an error: reads return `Ok(None)` and deleting what
/// is absent is `Ok(())`. No variant ever carries auth key bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store does not implement this operation.
    #[error("{operation} is not supported by the {backend} backend")]
    Unsupported {
        /// The operation asked for, for instance `save_conversation`.
        operation: &'static str,
        /// The backend that lacks it.
        backend: &'static str,
    },

    /// A write needed an existing record and found none.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, for instance `durable update "abc"`.
        what: String,
    },

    /// The caller passed a value the operation cannot accept.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which argument or field.
        what: &'static str,
        /// Why it is rejected.
        reason: String,
    },

    /// A session string could not be decoded.
    #[error("invalid {format} session string: {reason}")]
    InvalidSessionString {
        /// The format that was tried (`telethon`, `pyrogram`, ...), or `any`.
        format: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// Encoding to a format needs a field that the session does not have.
    #[error("the {format} format needs {field}, which the session lacks")]
    MissingField {
        /// The target format.
        format: &'static str,
        /// The missing field.
        field: &'static str,
    },

    /// A session file (Telethon or Pyrogram `.session`) could not be used.
    #[error("session file {path}: {reason}")]
    SessionFile {
        /// The file's path.
        path: String,
        /// What is wrong with it.
        reason: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// A Telegram Desktop `tdata` folder could not be read or written (not
    /// a `tdata` folder, a damaged or truncated file, an unknown version, an
    /// account that cannot be written). Reading never changes the folder.
    #[error("tdata folder {path}: {reason}")]
    Tdata {
        /// The folder's path.
        path: String,
        /// What is wrong.
        reason: String,
        /// The underlying error (a file system error), if any.
        #[source]
        source: Option<BoxError>,
    },

    /// A `tdata` folder is locked with a local passcode and none was given
    /// (`given: false`), or the given one does not open it.
    #[error(
        "tdata folder {path}: {}",
        if *given {
            "wrong local passcode (the passcode does not decrypt its key file)"
        } else {
            "it is locked with a local passcode and none was given"
        }
    )]
    TdataPasscode {
        /// The folder's path.
        path: String,
        /// Whether a passcode was given.
        given: bool,
    },

    /// Stored data could not be read back (a wrong type or value in a row,
    /// document or key).
    #[error("corrupt {what} in storage: {reason}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The database, server or driver failed. The driver's error is the source.
    #[error("{backend} backend error")]
    Backend {
        /// The backend (`sqlite`, `postgres`, `mysql`, `mongodb`, `redis`, ...).
        backend: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },

    /// A file could not be read or written.
    #[error("I/O error")]
    Io(#[from] std::io::Error),

    /// A value could not be serialized or deserialized.
    #[error("serialization error")]
    Serialization(#[from] serde_json::Error),

    /// The database lacks the schema this version of the crate reads and
    /// writes (no tables yet, or migrations not applied), and the store was
    /// opened without migrating. Nothing was changed.
    #[error(
        "the {backend} database is not at the current schema ({reason}); \
         run `mtgo-storage migrate up --url <url>` (or `OrmAdapter::migrate`) first"
    )]
    SchemaNotCurrent {
        /// The database.
        backend: &'static str,
        /// What is missing or unknown: the migrations not applied.
        reason: String,
    },

    /// The store holds what the Go package (`github.com/mtgo-labs/storage`)
    /// wrote where this crate's schema would go; it is not used in place.
    #[error(
        "found {found}: this crate does not read or migrate the Go package's store in place; \
         move its data with `mtgo-storage go-import --from URL --to URL` into another database \
         (README, \"Your data\")"
    )]
    GoStore {
        /// What was found (a table or collection and why it is the Go one).
        found: String,
    },

    /// A write of an auth key through a handle that must hold the session's
    /// lease ([`crate::AdapterStorage::with_lease_holder`]) found the lease
    /// held by another holder, expired, or absent: another process may be
    /// using the session.
    #[error("session {session:?}: {holder:?} does not hold the lease ({found})")]
    LeaseNotHeld {
        /// The session name.
        session: String,
        /// The holder the handle writes as.
        holder: String,
        /// Who holds it instead: `held by "<holder>"` or `nobody holds it`.
        found: String,
    },

    /// An encrypted field could not be decrypted, or a plaintext one was
    /// refused (see `EncryptedAdapter`, feature `encryption`): a wrong key,
    /// a tampered or misplaced ciphertext, a key id the keyring lacks, or a
    /// plaintext record where the policy refuses them. Never carries key
    /// bytes.
    #[error("cannot decrypt {field} of session {session:?}: {reason}")]
    Decrypt {
        /// The session name of the record.
        session: String,
        /// The field, for instance `auth_key` or `dc_auth[2].auth_key`.
        field: String,
        /// What went wrong.
        reason: String,
    },

    /// The store was closed; no further operations are possible.
    #[error("the {backend} store is closed")]
    Closed {
        /// The backend that was closed.
        backend: &'static str,
    },
}

impl Error {
    /// Wraps a driver error of `backend`, keeping it as the source.
    pub fn backend(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Backend {
            backend,
            source: source.into(),
        }
    }

    /// An [`Error::Unsupported`] for `operation` on `backend`.
    pub fn unsupported(operation: &'static str, backend: &'static str) -> Self {
        Error::Unsupported { operation, backend }
    }

    /// An [`Error::InvalidInput`].
    pub fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            what,
            reason: reason.into(),
        }
    }
}
