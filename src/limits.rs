//! The limits on stored text that every backend enforces alike, in one
//! place: each backend calls these checks before it touches its database,
//! so a value one backend cannot store is refused by all of them with the
//! same [`Error::InvalidInput`], never stored by some and failing with a
//! driver error on others.
//!
//! - No text may hold a NUL character (`'\0'`): PostgreSQL's `text` cannot
//!   store one.
//! - Keys (session names, usernames, dedup keys, durable update ids) are at
//!   most [`MAX_KEY_LEN`] characters (any Unicode): the SQL schema's
//!   `VARCHAR(255)` columns.
//!
//! Everything else is stored as given: braces, colons, `*`, `%`, quotes,
//! backslashes, tabs, leading and trailing spaces, letter case and any
//! Unicode are kept exactly, and names that differ only by them are
//! different (session names are compared byte for byte; usernames are
//! compared after [`crate::normalize_username`], as Telegram does).

use crate::SessionRecords;
use crate::error::{Error, Result};
use crate::types::{Conversation, DcAuth, DurableUpdate, Peer, Session};

/// The longest key, in characters: session names, usernames (each of a
/// peer's), dedup keys and durable update ids.
pub const MAX_KEY_LEN: usize = 255;

/// Refuses text holding a NUL character.
///
/// # Errors
/// [`Error::InvalidInput`] naming `what` when `value` holds `'\0'`.
pub fn check_text(what: &'static str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::invalid(
            what,
            "it holds a NUL character, which no text may hold (PostgreSQL cannot store it)",
        ));
    }
    Ok(())
}

/// Refuses a key longer than [`MAX_KEY_LEN`] characters or holding a NUL
/// character.
///
/// # Errors
/// [`Error::InvalidInput`] naming `what` and the limit.
pub fn check_key(what: &'static str, value: &str) -> Result<()> {
    let len = value.chars().count();
    if len > MAX_KEY_LEN {
        return Err(Error::invalid(
            what,
            format!("it is {len} characters long; the limit is {MAX_KEY_LEN} characters"),
        ));
    }
    check_text(what, value)
}

/// Checks a handle's session name (a key).
///
/// # Errors
/// [`Error::InvalidInput`] for `session name` as [`check_key`].
pub fn check_session_name(name: &str) -> Result<()> {
    check_key("session name", name)
}

/// Checks the text fields of a session record.
///
/// # Errors
/// [`Error::InvalidInput`] naming the field (`session.first_name`, ...).
pub fn check_session(session: &Session) -> Result<()> {
    check_text("session.api_hash", &session.api_hash)?;
    check_text("session.first_name", &session.first_name)?;
    check_text("session.last_name", &session.last_name)?;
    check_text("session.username", &session.username)?;
    check_text("session.addr", &session.addr)
}

/// Checks the text fields of a peer: its usernames are keys, the rest text.
///
/// # Errors
/// [`Error::InvalidInput`] naming the field (`peer.username`, ...).
pub fn check_peer(peer: &Peer) -> Result<()> {
    check_key("peer.username", &peer.username)?;
    for username in &peer.usernames {
        check_key("peer.usernames", username)?;
    }
    check_text("peer.first_name", &peer.first_name)?;
    check_text("peer.last_name", &peer.last_name)?;
    check_text("peer.phone_number", &peer.phone_number)?;
    check_text("peer.language", &peer.language)
}

/// Checks every peer of a batch.
///
/// # Errors
/// As [`check_peer`], for the first peer that fails.
pub fn check_peers(peers: &[Peer]) -> Result<()> {
    peers.iter().try_for_each(check_peer)
}

/// Checks the text of a conversation.
///
/// # Errors
/// [`Error::InvalidInput`] for `conversation.name`.
pub fn check_conversation(conversation: &Conversation) -> Result<()> {
    check_text("conversation.name", &conversation.name)
}

/// Checks the text of a DC auth entry.
///
/// # Errors
/// [`Error::InvalidInput`] for `dc_auth.server_addr`.
pub fn check_dc_auth(entry: &DcAuth) -> Result<()> {
    check_text("dc_auth.server_addr", &entry.server_addr)
}

/// Checks a durable update: its id is a key, its last error text.
///
/// # Errors
/// [`Error::InvalidInput`] for `durable update id` or
/// `durable update last_error`.
pub fn check_durable_update(update: &DurableUpdate) -> Result<()> {
    check_key("durable update id", &update.id)?;
    if let Some(error) = &update.last_error {
        check_text("durable update last_error", error)?;
    }
    Ok(())
}

/// Checks every record of a set written together.
///
/// # Errors
/// As the check of each record's own kind, for the first that fails.
pub fn check_session_records(records: &SessionRecords) -> Result<()> {
    if let Some(session) = &records.session {
        check_session(session)?;
    }
    records.dc_auth.iter().try_for_each(check_dc_auth)?;
    records
        .conversations
        .iter()
        .try_for_each(check_conversation)?;
    records
        .durable_updates
        .iter()
        .try_for_each(check_durable_update)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_255_characters_pass_and_256_fail() {
        let ok: String = "名".repeat(255);
        check_key("k", &ok).unwrap();
        let err = check_key("k", &format!("{ok}x")).unwrap_err();
        assert!(err.to_string().contains("255"), "{err}");
        assert!(err.to_string().contains("256"), "{err}");
    }

    #[test]
    fn nul_is_refused_and_everything_else_kept() {
        assert!(matches!(
            check_text("peer.first_name", "a\0b"),
            Err(Error::InvalidInput {
                what: "peer.first_name",
                ..
            })
        ));
        check_text("t", "{ } : * % ' \" \\ \t tail ").unwrap();
    }
}
