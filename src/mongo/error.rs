//! Driver errors as [`crate::Error`], the batch error report, and the
//! classification the retry loops need.

use crate::{BoxError, Error};
use mongodb::error::{ErrorKind, TRANSIENT_TRANSACTION_ERROR, WriteFailure};
use std::fmt;
use std::time::Duration;

use super::BACKEND;

/// Server error code of a unique index violation.
pub(crate) const DUPLICATE_KEY: i32 = 11000;

impl From<mongodb::error::Error> for Error {
    /// Wraps a driver error as [`Error::Backend`] with backend `mongodb`,
    /// keeping it as the source.
    fn from(e: mongodb::error::Error) -> Self {
        Error::backend(BACKEND, e)
    }
}

/// Why a [`crate::PeerStore::save_peers`] batch was rejected: every peer the
/// server refused, with its error. Nothing of the batch was written.
///
/// It reaches the caller as the source of [`Error::Backend`]; get it back
/// with `std::error::Error::source` and `downcast_ref::<BatchWriteError>()`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchWriteError {
    /// How many distinct peers the batch held (repeated ids counted once).
    pub batch_len: usize,
    /// The peers the server refused, in batch order.
    pub failures: Vec<PeerWriteFailure>,
}

/// One peer of a batch that the server refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerWriteFailure {
    /// The refused peer's id.
    pub peer_id: i64,
    /// The server's error code (11000 for a unique index violation).
    pub code: i32,
    /// The server's error message.
    pub message: String,
}

impl fmt::Display for BatchWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} peers were refused, so none of the batch was written:",
            self.failures.len(),
            self.batch_len
        )?;
        for (i, failure) in self.failures.iter().enumerate() {
            let sep = if i == 0 { " " } else { "; " };
            write!(
                f,
                "{sep}peer {} (code {}): {}",
                failure.peer_id, failure.code, failure.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for BatchWriteError {}

/// A conflict with concurrent writers that the adapter retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// A write conflict between transactions (server code 112).
    WriteConflict,
    /// Another error the server or driver labelled
    /// `TransientTransactionError` (such as a lock timeout inside a
    /// transaction), which retrying the transaction may resolve.
    TransientTransaction,
    /// A duplicate key (code 11000) on the adapter's unique index of this
    /// name: another writer inserted the same new key first.
    DuplicateKey {
        /// The unique index, such as `session_id_unique`.
        index: &'static str,
    },
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::WriteConflict => {
                f.write_str("a write conflict with a concurrent transaction")
            }
            Conflict::TransientTransaction => f.write_str("a transient transaction error"),
            Conflict::DuplicateKey { index } => write!(
                f,
                "a duplicate key on the unique index {index} (a concurrent writer of the same new key)"
            ),
        }
    }
}

/// A write met the same kind of conflict with concurrent writers on every
/// attempt until the adapter's retry deadline
/// ([`super::MongoAdapter::with_retry_deadline`]) passed, and gave up.
///
/// It reaches the caller as the source of [`Error::Backend`]; get it back
/// with `std::error::Error::source` and `downcast_ref::<RetryDeadlineError>()`.
/// Its own source is the last conflict the server reported: the driver's
/// `mongodb::error::Error`, or a [`BatchWriteError`] for a `save_peers`
/// batch.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryDeadlineError {
    /// The conflict of the last attempt.
    pub conflict: Conflict,
    /// How many times the write was tried.
    pub attempts: u32,
    /// The time from the first attempt until giving up.
    pub elapsed: Duration,
    /// The deadline in force.
    pub deadline: Duration,
    source: BoxError,
}

impl RetryDeadlineError {
    pub(crate) fn new(
        conflict: Conflict,
        attempts: u32,
        elapsed: Duration,
        deadline: Duration,
        source: impl Into<BoxError>,
    ) -> Self {
        Self {
            conflict,
            attempts,
            elapsed,
            deadline,
            source: source.into(),
        }
    }
}

impl fmt::Display for RetryDeadlineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} persisted through {} attempt{} in {:.2} s; gave up at the retry deadline of {:.2} s",
            self.conflict,
            self.attempts,
            if self.attempts == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64(),
            self.deadline.as_secs_f64(),
        )
    }
}

impl std::error::Error for RetryDeadlineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Whether the error is a unique index violation on the index named `index`
/// (any unique index when `index` is `None`).
pub(crate) fn is_duplicate_key(e: &mongodb::error::Error, index: Option<&str>) -> bool {
    let (code, message) = match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => (w.code, w.message.as_str()),
        ErrorKind::Command(c) => (c.code, c.message.as_str()),
        _ => return false,
    };
    code == DUPLICATE_KEY && index.is_none_or(|name| message_names_index(message, name))
}

/// Whether a duplicate key message names the index (`... index: NAME dup key ...`).
pub(crate) fn message_names_index(message: &str, index: &str) -> bool {
    message
        .split_once("index: ")
        .is_some_and(|(_, rest)| rest.split_whitespace().next() == Some(index))
}

/// Server error code of a write conflict between transactions.
pub(crate) const WRITE_CONFLICT: i32 = 112;

/// The conflict a retry may resolve that `e` is, if any: a duplicate key on
/// the unique index `index`, a write conflict, or another transient
/// transaction error.
pub(crate) fn conflict_of(e: &mongodb::error::Error, index: &'static str) -> Option<Conflict> {
    if is_duplicate_key(e, Some(index)) {
        return Some(Conflict::DuplicateKey { index });
    }
    if !is_transient(e) {
        return None;
    }
    let code = match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some(w.code),
        ErrorKind::Command(c) => Some(c.code),
        _ => None,
    };
    Some(if code == Some(WRITE_CONFLICT) {
        Conflict::WriteConflict
    } else {
        Conflict::TransientTransaction
    })
}

/// Whether retrying the whole transaction may succeed.
pub(crate) fn is_transient(e: &mongodb::error::Error) -> bool {
    e.contains_label(TRANSIENT_TRANSACTION_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_index_in_duplicate_key_message() {
        let msg = "E11000 duplicate key error collection: db.peers index: peers_session_id dup key: { session: \"a\", id: 1 }";
        assert!(message_names_index(msg, "peers_session_id"));
        assert!(!message_names_index(msg, "peers_session"));
        assert!(!message_names_index("no index here", "peers_session_id"));
    }

    #[test]
    fn batch_error_lists_every_failure() {
        let e = BatchWriteError {
            batch_len: 3,
            failures: vec![
                PeerWriteFailure {
                    peer_id: 2,
                    code: 11000,
                    message: "dup".into(),
                },
                PeerWriteFailure {
                    peer_id: 3,
                    code: 2,
                    message: "bad".into(),
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "2 of 3 peers were refused, so none of the batch was written: peer 2 (code 11000): dup; peer 3 (code 2): bad"
        );
    }
}
