//! `mtgo-storage copy --from URL --to URL [--session NAME | --all]`.
//!
//! Copies, per session: the session record, every cached peer, every
//! conversation with its original `created_at` and `updated_at`, every DC
//! auth key, the update state, every channel pts, the durable update queue
//! and every dedup key with the time it was seen. Afterwards it reads the
//! target back and checks that everything copied is there, conversation
//! times and dedup times included.

use crate::output::{CliError, redact_url};
use crate::url;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mtgo_storage::{
    Adapter, ChannelState, Conversation, DcAuth, DedupKey, DurableUpdate, Peer, Session,
    UpdateState,
};
use std::collections::HashSet;
use std::fmt;
use std::io::IsTerminal;

/// Peers are written in batches of this many (each batch is atomic).
const PEER_BATCH: usize = 500;
/// The largest durable queue read in one call.
const QUEUE_LIMIT: usize = i32::MAX as usize;

/// Arguments of `copy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source backend URL.
    #[arg(long, value_name = "URL")]
    from: String,
    /// The target backend URL.
    #[arg(long, value_name = "URL")]
    to: String,
    /// Copy this session only (default: `default`).
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    session: Option<String>,
    /// Copy every session the source has.
    #[arg(long)]
    all: bool,
}

/// Everything stored for one session name (also what `go-import` writes).
#[derive(Default)]
pub struct Snapshot {
    pub session: Option<Session>,
    pub peers: Vec<Peer>,
    pub conversations: Vec<Conversation>,
    pub dc_auth: Vec<DcAuth>,
    pub update_state: Option<UpdateState>,
    pub channels: Vec<ChannelState>,
    pub queue: Vec<DurableUpdate>,
    /// Dedup keys and when each was seen.
    pub dedup_keys: Vec<DedupKey>,
}

impl Snapshot {
    pub fn items(&self) -> u64 {
        (usize::from(self.session.is_some())
            + self.peers.len()
            + self.conversations.len()
            + self.dc_auth.len()
            + usize::from(self.update_state.is_some())
            + self.channels.len()
            + self.queue.len()
            + self.dedup_keys.len()) as u64
    }
}

/// Counts of what was copied.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    sessions: usize,
    peers: usize,
    conversations: usize,
    dc_auth: usize,
    update_states: usize,
    channel_pts: usize,
    queued_updates: usize,
    dedup_keys: usize,
}

impl Counts {
    pub fn of(s: &Snapshot) -> Self {
        Self {
            sessions: usize::from(s.session.is_some()),
            peers: s.peers.len(),
            conversations: s.conversations.len(),
            dc_auth: s.dc_auth.len(),
            update_states: usize::from(s.update_state.is_some()),
            channel_pts: s.channels.len(),
            queued_updates: s.queue.len(),
            dedup_keys: s.dedup_keys.len(),
        }
    }

    pub fn add(&mut self, o: Counts) {
        self.sessions += o.sessions;
        self.peers += o.peers;
        self.conversations += o.conversations;
        self.dc_auth += o.dc_auth;
        self.update_states += o.update_states;
        self.channel_pts += o.channel_pts;
        self.queued_updates += o.queued_updates;
        self.dedup_keys += o.dedup_keys;
    }

    fn is_empty(&self) -> bool {
        *self == Counts::default()
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sessions={} peers={} conversations={} dc_auth={} update_state={} channel_pts={} queued_updates={} dedup_keys={}",
            self.sessions,
            self.peers,
            self.conversations,
            self.dc_auth,
            self.update_states,
            self.channel_pts,
            self.queued_updates,
            self.dedup_keys
        )
    }
}

/// Runs `copy`.
///
/// # Errors
/// A backend that cannot be opened or fails, a target that lacks a store the
/// source has data for, a session that has nothing to copy, or a check that
/// finds less on the target than was copied.
pub async fn run(args: Args) -> Result<(), CliError> {
    let from = url::open_existing(&args.from, mtgo_storage::DEFAULT_SESSION_NAME).await?;
    let to = url::open(&args.to, mtgo_storage::DEFAULT_SESSION_NAME).await?;
    let from_shown = redact_url(&args.from);
    let to_shown = redact_url(&args.to);

    let names = if args.all {
        from.session_names().await.map_err(|e| {
            CliError::with_context(format_args!("listing sessions of {from_shown}"), &e)
        })?
    } else {
        vec![
            args.session
                .unwrap_or_else(|| mtgo_storage::DEFAULT_SESSION_NAME.to_owned()),
        ]
    };
    if names.is_empty() {
        return Err(CliError::new(format!(
            "{from_shown} has no saved session to copy"
        )));
    }

    let terminal = std::io::stderr().is_terminal();
    let mut total = Counts::default();
    for name in &names {
        let src = from.session(name);
        let dst = to.session(name);
        let snapshot = load(src.as_ref()).await.map_err(|e| {
            CliError::with_context(
                format_args!("reading session {name:?} from {from_shown}"),
                &e,
            )
        })?;
        let counts = Counts::of(&snapshot);
        if counts.is_empty() {
            return Err(CliError::new(format!(
                "session {name:?} has nothing to copy in {from_shown}"
            )));
        }
        let bar = progress(terminal, snapshot.items(), name, "copying");
        write(dst.as_ref(), &snapshot, &bar).await.map_err(|e| {
            CliError::with_context(format_args!("writing session {name:?} to {to_shown}"), &e)
        })?;
        bar.finish_and_clear();
        verify(dst.as_ref(), &snapshot)
            .await
            .map_err(|e| CliError::new(format!("checking session {name:?} on {to_shown}: {e}")))?;
        if !terminal {
            eprintln!("copied session {name:?}: {counts}");
        }
        outln!("session {name}: {counts}");
        total.add(counts);
    }
    outln!("copied {total}");
    outln!("verified on target: {to_shown}");
    let _ = from.close().await;
    let _ = to.close().await;
    Ok(())
}

pub fn progress(terminal: bool, len: u64, name: &str, verb: &str) -> ProgressBar {
    if !terminal {
        eprintln!("{verb} session {name:?}: {len} items");
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} items ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("session {name}"));
    bar
}

async fn load(src: &dyn Adapter) -> mtgo_storage::Result<Snapshot> {
    let mut s = Snapshot {
        session: src.load_session().await?,
        peers: src.load_peers().await?,
        ..Snapshot::default()
    };
    if let Some(c) = src.conversations() {
        s.conversations = c.load_conversations().await?;
    }
    if let Some(d) = src.dc_auth() {
        s.dc_auth = d.load_all_dc_auth().await?;
    }
    if let Some(u) = src.update_state() {
        s.update_state = u.load_update_state().await?;
        s.channels = u.load_all_channel_pts().await?;
        s.queue = u.load_updates(QUEUE_LIMIT).await?;
        s.dedup_keys = u.load_dedup_keys().await?;
    }
    Ok(s)
}

fn lacking(operation: &'static str, dst: &dyn Adapter) -> mtgo_storage::Error {
    mtgo_storage::Error::unsupported(operation, dst.backend_name())
}

/// Whether `dst` has every store `s` needs data written to; checked before
/// anything is written.
pub fn check_stores(dst: &dyn Adapter, s: &Snapshot) -> mtgo_storage::Result<()> {
    if !s.conversations.is_empty() && dst.conversations().is_none() {
        return Err(lacking("save_conversation", dst));
    }
    if !s.dc_auth.is_empty() && dst.dc_auth().is_none() {
        return Err(lacking("save_dc_auth", dst));
    }
    let updates = s.update_state.is_some()
        || !s.channels.is_empty()
        || !s.queue.is_empty()
        || !s.dedup_keys.is_empty();
    if updates && dst.update_state().is_none() {
        return Err(lacking("save_update_state", dst));
    }
    Ok(())
}

pub async fn write(dst: &dyn Adapter, s: &Snapshot, bar: &ProgressBar) -> mtgo_storage::Result<()> {
    check_stores(dst, s)?;
    if let Some(session) = &s.session {
        dst.save_session(session).await?;
        bar.inc(1);
    }
    for chunk in s.peers.chunks(PEER_BATCH) {
        dst.save_peers(chunk).await?;
        bar.inc(chunk.len() as u64);
    }
    if !s.conversations.is_empty() {
        let store = dst
            .conversations()
            .ok_or_else(|| lacking("save_conversation", dst))?;
        // As given, times included (a plain save would set them to now).
        for c in &s.conversations {
            store.restore_conversation(c).await?;
            bar.inc(1);
        }
    }
    if !s.dc_auth.is_empty() {
        let store = dst.dc_auth().ok_or_else(|| lacking("save_dc_auth", dst))?;
        for d in &s.dc_auth {
            store.save_dc_auth(d).await?;
            bar.inc(1);
        }
    }
    if s.update_state.is_some()
        || !s.channels.is_empty()
        || !s.queue.is_empty()
        || !s.dedup_keys.is_empty()
    {
        let store = dst
            .update_state()
            .ok_or_else(|| lacking("save_update_state", dst))?;
        if let Some(state) = &s.update_state {
            store.save_update_state(state).await?;
            bar.inc(1);
        }
        for c in &s.channels {
            store.save_channel_pts(c.channel_id, c.pts).await?;
            bar.inc(1);
        }
        for u in &s.queue {
            store.enqueue_update(u).await?;
            bar.inc(1);
        }
        // A key the target already has keeps the target's time; the
        // read-back check then reports it.
        for d in &s.dedup_keys {
            store.insert_dedup_key(&d.key, d.seen_at).await?;
            bar.inc(1);
        }
    }
    Ok(())
}

/// A check failure: the target has fewer items of a kind than were copied.
#[derive(Debug)]
pub enum VerifyError {
    Storage(mtgo_storage::Error),
    Missing {
        what: &'static str,
        found: usize,
        copied: usize,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Storage(e) => f.write_str(&crate::output::chain(e)),
            VerifyError::Missing {
                what,
                found,
                copied,
            } => write!(f, "the target has {found} of the {copied} {what} copied"),
        }
    }
}

impl From<mtgo_storage::Error> for VerifyError {
    fn from(e: mtgo_storage::Error) -> Self {
        VerifyError::Storage(e)
    }
}

fn expect(what: &'static str, found: usize, copied: usize) -> Result<(), VerifyError> {
    if found < copied {
        Err(VerifyError::Missing {
            what,
            found,
            copied,
        })
    } else {
        Ok(())
    }
}

fn found<T, K: std::hash::Hash + Eq>(
    copied: &[T],
    on_target: &[T],
    key: impl Fn(&T) -> K,
) -> usize {
    let have: HashSet<K> = on_target.iter().map(&key).collect();
    copied.iter().filter(|x| have.contains(&key(x))).count()
}

pub async fn verify(dst: &dyn Adapter, s: &Snapshot) -> Result<(), VerifyError> {
    let session = dst.load_session().await?;
    expect(
        "sessions",
        usize::from(session.is_some() && s.session.is_some()),
        usize::from(s.session.is_some()),
    )?;
    let peers = dst.load_peers().await?;
    expect("peers", found(&s.peers, &peers, |p| p.id), s.peers.len())?;
    if let Some(c) = dst.conversations() {
        let on = c.load_conversations().await?;
        expect(
            "conversations",
            found(&s.conversations, &on, |c| (c.chat_id, c.user_id)),
            s.conversations.len(),
        )?;
        expect(
            "conversations with their original times",
            found(&s.conversations, &on, |c| {
                (c.chat_id, c.user_id, c.created_at, c.updated_at)
            }),
            s.conversations.len(),
        )?;
    }
    if let Some(d) = dst.dc_auth() {
        let on = d.load_all_dc_auth().await?;
        expect(
            "dc auth keys",
            found(&s.dc_auth, &on, |d| d.dc_id),
            s.dc_auth.len(),
        )?;
    }
    if let Some(u) = dst.update_state() {
        let state = u.load_update_state().await?;
        expect(
            "update states",
            usize::from(state.is_some() && s.update_state.is_some()),
            usize::from(s.update_state.is_some()),
        )?;
        let channels = u.load_all_channel_pts().await?;
        expect(
            "channel pts",
            found(&s.channels, &channels, |c| c.channel_id),
            s.channels.len(),
        )?;
        let queue = u.load_updates(QUEUE_LIMIT).await?;
        expect(
            "queued updates",
            found(&s.queue, &queue, |q| q.id.clone()),
            s.queue.len(),
        )?;
        let keys = u.load_dedup_keys().await?;
        expect(
            "dedup keys",
            found(&s.dedup_keys, &keys, |d| d.key.clone()),
            s.dedup_keys.len(),
        )?;
        expect(
            "dedup keys with their original times",
            found(&s.dedup_keys, &keys, |d| (d.key.clone(), d.seen_at)),
            s.dedup_keys.len(),
        )?;
    }
    Ok(())
}
