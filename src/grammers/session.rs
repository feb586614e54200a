//! [`GrammersSession`]: any [`Adapter`] as a `grammers_session::Session`.

use super::convert;
use crate::error::{Error, Result};
use crate::store::{DcAuthStore, UpdateStateStore};
use crate::types::unix_now;
use crate::{Adapter, Peer, Session};
use grammers_session::types::{
    ChannelState, DcOption, PeerId, PeerInfo, UpdateState as GrammersUpdateState, UpdatesState,
};
use grammers_session::{BoxFuture, SessionData};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

/// A grammers session whose data lives in any [`Adapter`]: memory, SQLite,
/// PostgreSQL, MySQL/MariaDB, MongoDB, Redis, or any of them behind a
/// [`CachedAdapter`](crate::CachedAdapter).
///
/// What goes where, under the adapter's session name:
///
/// | grammers | stored as |
/// |---|---|
/// | home DC | the session record's `dc` (with the home DC's key, address and port, so session strings export) |
/// | every `DcOption` | a [`DcAuth`](crate::DcAuth) row per DC: key (empty for none), IPv4 address and port, IPv6 address and port |
/// | `PeerInfo` | a [`Peer`] under its Bot API dialog id; "unknown" hash, bot flag, self flag and channel kind are kept apart from 0 and `false` |
/// | the logged-in user (`is_self`) | also the session record's `user_id` |
/// | `UpdatesState` | the update state and the channel pts |
///
/// `home_dc_id` and `dc_option`, which grammers calls on every request, are
/// answered from memory: they are loaded by [`GrammersSession::open`] and kept
/// in step by the setters. Until a DC is stored, `dc_option` answers grammers'
/// built-in options, and `home_dc_id` grammers' default DC, as
/// `SessionData::default()` does. A session imported from another client
/// (a Telethon string, say) is usable as it is: its home DC, key and address
/// come from the session record, and its logged-in user answers
/// `peer(PeerId::self_user())`.
///
/// Peer lookups go through the adapter, so through the cache when the adapter
/// is a [`CachedAdapter`](crate::CachedAdapter); `cache_peers` writes its batch
/// with one [`save_peers`](crate::PeerStore::save_peers).
///
/// Errors are [`Error`]s (grammers' `erase` boxes them). Two handles on one
/// session name in different processes do not see each other's `home_dc_id`
/// and `dc_option` changes until reopened.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> mtgo_storage::Result<()> {
/// use mtgo_storage::MemoryAdapter;
/// use mtgo_storage::grammers::GrammersSession;
/// use mtgo_storage::grammers::grammers_session::Session as _;
///
/// let session = GrammersSession::open(MemoryAdapter::new()).await?;
/// assert_eq!(session.home_dc_id()?, 2); // grammers' default until told
/// session.set_home_dc_id(4).await?;
/// assert_eq!(session.home_dc_id()?, 4);
/// assert!(session.dc_option(4)?.is_some());
/// # Ok(()) }
/// ```
pub struct GrammersSession<A: Adapter + 'static = Box<dyn Adapter>> {
    adapter: A,
    known: Mutex<Known>,
    /// Serializes read-modify-write of the session record and update state.
    write: tokio::sync::Mutex<()>,
}

/// What the synchronous reads answer from.
struct Known {
    home_dc: i32,
    dc_options: HashMap<i32, DcOption>,
    /// The session record, if one is stored.
    session: Option<Session>,
}

impl<A: Adapter + 'static> std::fmt::Debug for GrammersSession<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known = self.known();
        f.debug_struct("GrammersSession")
            .field("backend", &self.adapter.backend_name())
            .field("session_name", &self.adapter.session_name())
            .field("home_dc", &known.home_dc)
            .field("dc_options", &known.dc_options.len())
            .finish_non_exhaustive()
    }
}

impl<A: Adapter + 'static> GrammersSession<A> {
    /// Opens the grammers session stored in `adapter` (under its session
    /// name): loads the session record and every DC row, so that
    /// `home_dc_id` and `dc_option` answer from memory.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for an adapter without DC auth or update state
    /// stores; [`Error::Backend`] when the store fails; [`Error::Corrupt`]
    /// for a stored DC key that is not 256 bytes or an address that does not
    /// parse.
    pub async fn open(adapter: A) -> Result<Self> {
        dc_store(&adapter)?;
        updates_store(&adapter)?;
        let defaults = SessionData::default();
        let session = adapter.load_session().await?;
        let mut dc_options = defaults.dc_options;
        let mut home_dc = defaults.home_dc;
        if let Some(s) = session.as_ref().filter(|s| s.dc != 0) {
            home_dc = s.dc;
            // The home DC as the session record has it; a DC row wins below.
            let entry = crate::DcAuth {
                dc_id: s.dc,
                auth_key: s.auth_key.clone().unwrap_or_default(),
                server_addr: s.addr.clone(),
                port: s.port,
                ..crate::DcAuth::default()
            };
            let option = convert::dc_option(&entry, dc_options.get(&s.dc))?;
            dc_options.insert(s.dc, option);
        }
        for entry in dc_store(&adapter)?.load_all_dc_auth().await? {
            let option = convert::dc_option(&entry, dc_options.get(&entry.dc_id))?;
            dc_options.insert(entry.dc_id, option);
        }
        Ok(Self {
            adapter,
            known: Mutex::new(Known {
                home_dc,
                dc_options,
                session,
            }),
            write: tokio::sync::Mutex::new(()),
        })
    }

    /// The adapter the session lives in.
    pub fn adapter(&self) -> &A {
        &self.adapter
    }

    /// Everything stored, as grammers' `SessionData`: the home DC, every DC
    /// option (grammers' built-in ones for DCs never stored), every peer
    /// grammers can address, and the update state with its channels in
    /// ascending id order. Use it to move a session into another grammers
    /// storage with `SessionData::import_to`.
    ///
    /// # Errors
    /// [`Error::Backend`] when the store fails; [`Error::Corrupt`] for stored
    /// data that cannot be read back.
    pub async fn session_data(&self) -> Result<SessionData> {
        let (home_dc, dc_options, self_id) = {
            let known = self.known();
            (
                known.home_dc,
                known.dc_options.clone(),
                known.session.as_ref().map_or(0, |s| s.user_id),
            )
        };
        let mut peer_infos = HashMap::new();
        for peer in self.adapter.load_peers().await? {
            match convert::peer_info(&peer, self_id) {
                Some(info) => {
                    peer_infos.insert(info.id(), info);
                }
                None => tracing::warn!(
                    peer_id = peer.id,
                    peer_type = %peer.peer_type,
                    "peer left out of the grammers session data: its id is not a Bot API dialog id of its type"
                ),
            }
        }
        Ok(SessionData {
            home_dc,
            dc_options,
            peer_infos,
            updates_state: self.load_updates_state().await?,
        })
    }

    /// Stores all of `data`: the home DC, every DC option, every peer (one
    /// batch) and the whole update state (channels not in it are forgotten).
    ///
    /// # Errors
    /// As the `Session` setters: [`Error::Backend`] when the store fails,
    /// [`Error::InvalidInput`] for a peer id outside Telegram's ranges.
    pub async fn import_session_data(&self, data: &SessionData) -> Result<()> {
        let mut ids: Vec<&i32> = data.dc_options.keys().collect();
        ids.sort();
        for id in ids {
            self.store_dc_option(&data.dc_options[id]).await?;
        }
        self.store_home_dc(data.home_dc).await?;
        self.store_peers(data.peer_infos.values().cloned().collect())
            .await?;
        self.store_update_state(GrammersUpdateState::All(data.updates_state.clone()))
            .await
    }

    fn known(&self) -> MutexGuard<'_, Known> {
        // The data stays consistent whatever panicked while holding it.
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session record to write: the stored one, or a new one.
    fn session_record(&self) -> Session {
        self.known().session.clone().unwrap_or_else(|| Session {
            name: self.adapter.session_name().to_owned(),
            date: unix_now(),
            ..Session::default()
        })
    }

    /// Writes the session record, then remembers it.
    async fn save_record(&self, session: Session) -> Result<()> {
        self.adapter.save_session(&session).await?;
        self.known().session = Some(session);
        Ok(())
    }

    /// Copies the home DC's option into a session record.
    fn put_home(session: &mut Session, option: Option<&DcOption>, home_dc: i32) {
        session.dc = home_dc;
        if let Some(option) = option {
            session.auth_key = option.auth_key.map(|k| crate::AuthKey::new(k.to_vec()));
            session.addr = option.ipv4.ip().to_string();
            session.port = option.ipv4.port();
        }
    }

    async fn store_home_dc(&self, dc_id: i32) -> Result<()> {
        let option = {
            let mut known = self.known();
            known.home_dc = dc_id;
            known.dc_options.get(&dc_id).cloned()
        };
        let _write = self.write.lock().await;
        let mut session = self.session_record();
        Self::put_home(&mut session, option.as_ref(), dc_id);
        self.save_record(session).await
    }

    async fn store_dc_option(&self, option: &DcOption) -> Result<()> {
        let is_home = {
            let mut known = self.known();
            known.dc_options.insert(option.id, option.clone());
            known.home_dc == option.id
        };
        let store = dc_store(&self.adapter)?;
        let _write = self.write.lock().await;
        // grammers keeps no salt: keep the one another client stored.
        let salt = store
            .load_dc_auth(option.id)
            .await?
            .map_or(0, |e| e.server_salt);
        store.save_dc_auth(&convert::dc_auth(option, salt)).await?;
        if is_home {
            let mut session = self.session_record();
            Self::put_home(&mut session, Some(option), option.id);
            self.save_record(session).await?;
        }
        Ok(())
    }

    async fn lookup(&self, peer: PeerId) -> Result<Option<PeerInfo>> {
        let self_id = self.known().session.as_ref().map_or(0, |s| s.user_id);
        let Some(id) = convert::stored_id(peer) else {
            // The logged-in user, whose id the session record holds.
            if self_id == 0 {
                return Ok(None);
            }
            return Ok(match self.adapter.get_peer(self_id).await? {
                Some(stored) => convert::peer_info(&stored, self_id),
                None => {
                    let is_bot = self.known().session.as_ref().is_some_and(|s| s.is_bot);
                    Some(PeerInfo::User {
                        id: self_id,
                        auth: None,
                        bot: is_bot.then_some(true),
                        is_self: Some(true),
                    })
                }
            });
        };
        Ok(self
            .adapter
            .get_peer(id)
            .await?
            .and_then(|stored| convert::peer_info(&stored, self_id)))
    }

    async fn store_peers(&self, infos: Vec<PeerInfo>) -> Result<()> {
        if infos.is_empty() {
            return Ok(());
        }
        let now = unix_now();
        // Merge repeats of one peer in order, as grammers' extend_info does.
        let mut order: Vec<i64> = Vec::with_capacity(infos.len());
        let mut batch: HashMap<i64, Peer> = HashMap::with_capacity(infos.len());
        let mut logged_in: Option<(i64, Option<bool>)> = None;
        for info in &infos {
            let id = convert::info_id(info)?;
            if let PeerInfo::User {
                is_self: Some(true),
                bot,
                ..
            } = *info
            {
                logged_in = Some((id, bot));
            }
            if let Some(peer) = batch.get_mut(&id) {
                convert::merge_info(peer, info);
                continue;
            }
            let peer = match self.adapter.get_peer(id).await? {
                Some(mut stored) => {
                    convert::merge_info(&mut stored, info);
                    stored.last_updated = now;
                    stored
                }
                None => convert::new_peer(id, info, now),
            };
            order.push(id);
            batch.insert(id, peer);
        }
        let peers: Vec<Peer> = order.iter().filter_map(|id| batch.remove(id)).collect();
        self.adapter.save_peers(&peers).await?;
        if let Some((user_id, bot)) = logged_in {
            let _write = self.write.lock().await;
            let mut session = self.session_record();
            if session.user_id != user_id || bot.is_some_and(|b| b != session.is_bot) {
                session.user_id = user_id;
                if let Some(bot) = bot {
                    session.is_bot = bot;
                }
                if session.dc == 0 {
                    let (home_dc, option) = {
                        let known = self.known();
                        (known.home_dc, known.dc_options.get(&known.home_dc).cloned())
                    };
                    Self::put_home(&mut session, option.as_ref(), home_dc);
                }
                self.save_record(session).await?;
            }
        }
        Ok(())
    }

    async fn load_updates_state(&self) -> Result<UpdatesState> {
        let store = updates_store(&self.adapter)?;
        let common = store.load_update_state().await?.unwrap_or_default();
        let channels = store
            .load_all_channel_pts()
            .await?
            .into_iter()
            .map(|c| ChannelState {
                id: c.channel_id,
                pts: c.pts,
            })
            .collect();
        Ok(UpdatesState {
            pts: common.pts,
            qts: common.qts,
            date: common.date,
            seq: common.seq,
            channels,
        })
    }

    async fn store_update_state(&self, update: GrammersUpdateState) -> Result<()> {
        let store = updates_store(&self.adapter)?;
        let _write = self.write.lock().await;
        match update {
            GrammersUpdateState::All(state) => {
                store
                    .save_update_state(&crate::UpdateState {
                        pts: state.pts,
                        qts: state.qts,
                        date: state.date,
                        seq: state.seq,
                    })
                    .await?;
                let keep: BTreeSet<i64> = state.channels.iter().map(|c| c.id).collect();
                for old in store.load_all_channel_pts().await? {
                    if !keep.contains(&old.channel_id) {
                        store.delete_channel_pts(old.channel_id).await?;
                    }
                }
                for channel in &state.channels {
                    store.save_channel_pts(channel.id, channel.pts).await?;
                }
            }
            GrammersUpdateState::Primary { pts, date, seq } => {
                let mut common = store.load_update_state().await?.unwrap_or_default();
                common.pts = pts;
                common.date = date;
                common.seq = seq;
                store.save_update_state(&common).await?;
            }
            GrammersUpdateState::Secondary { qts } => {
                let mut common = store.load_update_state().await?.unwrap_or_default();
                common.qts = qts;
                store.save_update_state(&common).await?;
            }
            GrammersUpdateState::Channel { id, pts } => {
                store.save_channel_pts(id, pts).await?;
            }
        }
        Ok(())
    }
}

fn dc_store<A: Adapter>(adapter: &A) -> Result<&dyn DcAuthStore> {
    adapter.dc_auth().ok_or_else(|| {
        Error::unsupported("grammers session (DC auth store)", adapter.backend_name())
    })
}

fn updates_store<A: Adapter>(adapter: &A) -> Result<&dyn UpdateStateStore> {
    adapter.update_state().ok_or_else(|| {
        Error::unsupported(
            "grammers session (update state store)",
            adapter.backend_name(),
        )
    })
}

impl<A: Adapter + 'static> grammers_session::Session for GrammersSession<A> {
    type Error = Error;

    fn home_dc_id(&self) -> Result<i32> {
        Ok(self.known().home_dc)
    }

    fn set_home_dc_id(&self, dc_id: i32) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.store_home_dc(dc_id))
    }

    fn dc_option(&self, dc_id: i32) -> Result<Option<DcOption>> {
        Ok(self.known().dc_options.get(&dc_id).cloned())
    }

    fn set_dc_option(&self, dc_option: &DcOption) -> BoxFuture<'_, Result<()>> {
        let dc_option = dc_option.clone();
        Box::pin(async move { self.store_dc_option(&dc_option).await })
    }

    fn peer(&self, peer: PeerId) -> BoxFuture<'_, Result<Option<PeerInfo>>> {
        Box::pin(self.lookup(peer))
    }

    fn cache_peer(&self, peer: PeerInfo) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.store_peers(vec![peer]))
    }

    fn cache_peers(&self, peers: Vec<PeerInfo>) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.store_peers(peers))
    }

    fn updates_state(&self) -> BoxFuture<'_, Result<UpdatesState>> {
        Box::pin(self.load_updates_state())
    }

    fn set_update_state(&self, update: GrammersUpdateState) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.store_update_state(update))
    }
}
