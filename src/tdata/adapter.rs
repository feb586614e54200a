//! A `tdata` account into and out of any [`Adapter`]: the session carries
//! the main DC, its auth key, the user id and the DC's address (from the DC
//! table); the keys of the other DCs go to the adapter's DC auth store.

use super::{DcKey, TdataAccount};
use crate::error::{Error, Result};
use crate::session_string::dc_table;
use crate::{Adapter, DcAuth, Session};
use std::path::Path;

/// What [`import_account`] saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The account's index in the folder.
    pub index: i32,
    /// The user id saved in the session.
    pub user_id: i64,
    /// The main DC saved in the session.
    pub dc: i32,
    /// How many keys of other DCs were saved to the DC auth store.
    pub dc_keys: usize,
    /// Keys of other DCs not saved because the adapter has no DC auth store.
    pub skipped_dc_keys: usize,
}

/// Saves one account into `adapter`: the session (main DC, its key, the
/// user id, the DC table's IPv4 address and port; other fields of an
/// existing session, such as the API id, are kept) and every other DC's key
/// into the DC auth store, with that DC's address.
///
/// # Errors
/// [`Error::InvalidInput`] when the account is not logged in (user id 0) or
/// has no key for its main DC; [`Error::Backend`] when the adapter fails.
pub async fn import_account(account: &TdataAccount, adapter: &dyn Adapter) -> Result<ImportReport> {
    if account.user_id == 0 {
        return Err(Error::invalid(
            "tdata account",
            format!("account {} is not logged in (no user id)", account.index),
        ));
    }
    let Some(main_key) = account.main_key() else {
        return Err(Error::invalid(
            "tdata account",
            format!(
                "account {} has no auth key for its main DC {}",
                account.index, account.main_dc
            ),
        ));
    };
    let mut session = adapter.load_session().await?.unwrap_or_else(|| Session {
        name: adapter.session_name().to_owned(),
        ..Session::default()
    });
    session.dc = account.main_dc;
    session.auth_key = Some(main_key.clone());
    session.user_id = account.user_id;
    session.test_mode = false;
    session.addr.clear();
    session.port = 0;
    if let Some(a) = dc_table::lookup(account.main_dc, false) {
        session.addr = a.ipv4.to_owned();
        session.port = a.port;
    }
    adapter.save_session(&session).await?;
    let others: Vec<&DcKey> = account
        .keys
        .iter()
        .filter(|k| k.dc_id != account.main_dc)
        .collect();
    let mut report = ImportReport {
        index: account.index,
        user_id: account.user_id,
        dc: account.main_dc,
        dc_keys: 0,
        skipped_dc_keys: 0,
    };
    match adapter.dc_auth() {
        Some(store) => {
            for k in others {
                let (server_addr, port) = dc_table::lookup(k.dc_id, false)
                    .map(|a| (a.ipv4.to_owned(), a.port))
                    .unwrap_or_default();
                store
                    .save_dc_auth(&DcAuth {
                        dc_id: k.dc_id,
                        auth_key: k.auth_key.clone(),
                        server_addr,
                        port,
                        ..Default::default()
                    })
                    .await?;
                report.dc_keys += 1;
            }
        }
        None => report.skipped_dc_keys = others.len(),
    }
    Ok(report)
}

/// Reads the folder at `path` (see [`super::read`]) and imports one account
/// into `adapter`: the one with folder index `account`, or the active one.
///
/// # Errors
/// As [`super::read`]; [`Error::NotFound`] for an index the folder does not
/// hold; as [`import_account`].
pub async fn import(
    path: impl AsRef<Path>,
    passcode: Option<&str>,
    account: Option<i32>,
    adapter: &dyn Adapter,
) -> Result<ImportReport> {
    let folder = super::read(path, passcode)?;
    let chosen = match account {
        Some(i) => folder.account(i),
        None => folder.active(),
    };
    let Some(chosen) = chosen else {
        return Err(Error::NotFound {
            what: format!(
                "account {} in tdata folder {} (it holds {})",
                account.unwrap_or(0),
                folder.path.display(),
                folder
                    .accounts
                    .iter()
                    .map(|a| a.index.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    };
    import_account(chosen, adapter).await
}

/// The account an adapter's session describes: its DC, user id and auth
/// key, with the keys of the DC auth store for the other DCs (see
/// [`account_from_session`]).
///
/// # Errors
/// [`Error::NotFound`] when the adapter has no session; as
/// [`account_from_session`]; [`Error::Backend`] when the adapter fails.
pub async fn account_from_adapter(adapter: &dyn Adapter) -> Result<TdataAccount> {
    let Some(session) = adapter.load_session().await? else {
        return Err(Error::NotFound {
            what: format!("session {:?}", adapter.session_name()),
        });
    };
    let others = match adapter.dc_auth() {
        Some(store) => store.load_all_dc_auth().await?,
        None => Vec::new(),
    };
    account_from_session(&session, &others)
}

/// The account of a session and the DC auth entries of its other DCs: the
/// session's DC, user id and auth key, and each entry's key (an entry for
/// the session's own DC, or without a key, is ignored: the session's key
/// wins). Keys are sorted by DC id.
///
/// # Errors
/// [`Error::MissingField`] (format `tdata`) when the session has no auth
/// key, no user id or no DC.
pub fn account_from_session(session: &Session, others: &[DcAuth]) -> Result<TdataAccount> {
    let missing = |field| Error::MissingField {
        format: "tdata",
        field,
    };
    let key = session
        .auth_key
        .clone()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| missing("auth_key"))?;
    if session.user_id == 0 {
        return Err(missing("user_id"));
    }
    if session.dc <= 0 {
        return Err(missing("dc"));
    }
    let mut keys = vec![DcKey {
        dc_id: session.dc,
        auth_key: key,
    }];
    for e in others {
        if e.dc_id != session.dc && !e.auth_key.is_empty() {
            keys.push(DcKey {
                dc_id: e.dc_id,
                auth_key: e.auth_key.clone(),
            });
        }
    }
    keys.sort_by_key(|k| k.dc_id);
    Ok(TdataAccount {
        index: 0,
        user_id: session.user_id,
        main_dc: session.dc,
        keys,
    })
}

/// Writes a new `tdata` folder at `path` with one account per adapter (in
/// order; the first is the active one), locked with `passcode` if given.
/// Use [`Adapter::session`] handles to write several sessions of one store.
///
/// # Errors
/// As [`account_from_adapter`] and [`super::write`].
pub async fn export(
    adapters: &[&dyn Adapter],
    path: impl AsRef<Path>,
    passcode: Option<&str>,
) -> Result<()> {
    let mut accounts = Vec::with_capacity(adapters.len());
    for (i, a) in adapters.iter().enumerate() {
        let mut account = account_from_adapter(*a).await?;
        account.index = i as i32;
        accounts.push(account);
    }
    super::write(path, &accounts, passcode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AuthKey, MemoryAdapter, SessionStore};

    fn key(b: u8) -> AuthKey {
        AuthKey::new(vec![b; 256])
    }

    #[tokio::test]
    async fn import_then_export_keeps_keys_and_fills_addresses() {
        let account = TdataAccount {
            index: 1,
            user_id: 42,
            main_dc: 4,
            keys: vec![
                DcKey {
                    dc_id: 2,
                    auth_key: key(2),
                },
                DcKey {
                    dc_id: 4,
                    auth_key: key(4),
                },
            ],
        };
        let store = MemoryAdapter::new();
        let report = import_account(&account, &store).await.unwrap();
        assert_eq!(
            (report.dc, report.dc_keys, report.skipped_dc_keys),
            (4, 1, 0)
        );
        let s = store.load_session().await.unwrap().unwrap();
        assert_eq!(
            (s.dc, s.user_id, s.addr.as_str(), s.port),
            (4, 42, "149.154.167.91", 443)
        );
        assert_eq!(s.auth_key, Some(key(4)));
        let dc2 = store
            .dc_auth()
            .unwrap()
            .load_dc_auth(2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (dc2.auth_key, dc2.server_addr.as_str()),
            (key(2), "149.154.167.51")
        );
        let back = account_from_adapter(&store).await.unwrap();
        assert_eq!(back.keys, account.keys);
        assert_eq!((back.user_id, back.main_dc), (42, 4));
    }

    #[tokio::test]
    async fn an_account_needs_a_user_and_a_key() {
        let store = MemoryAdapter::new();
        assert!(matches!(
            account_from_adapter(&store).await,
            Err(Error::NotFound { .. })
        ));
        store
            .save_session(&Session {
                dc: 2,
                auth_key: Some(key(1)),
                ..Session::default()
            })
            .await
            .unwrap();
        assert!(matches!(
            account_from_adapter(&store).await,
            Err(Error::MissingField {
                field: "user_id",
                ..
            })
        ));
        let logged_out = TdataAccount {
            index: 0,
            user_id: 0,
            main_dc: 2,
            keys: vec![],
        };
        assert!(import_account(&logged_out, &store).await.is_err());
    }
}
