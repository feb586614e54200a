//! `mtgo-storage encrypt`, `decrypt` and `rekey`: rewrite the auth keys
//! (and, when asked, conversation data and durable payloads) of stored
//! sessions as `EncryptedAdapter` envelopes, back to plaintext, or under a
//! new key.
//!
//! Every session named is read and decrypted first (a record that does not
//! open stops the command before anything is written). Then, per session,
//! every record not yet in the wanted form is replaced, all in one
//! [`Adapter::save_session_records`] (one transaction on SQL and MongoDB, one
//! `MULTI`/`EXEC` on Redis: a crash or an error leaves the session as it
//! was), and the session is read back and checked: after `encrypt` and `rekey` through
//! a wrapper holding only the new key and refusing plaintext, after
//! `decrypt` through the plain store. Records already in the wanted form are
//! left alone, so a run that was interrupted is finished by running it
//! again. Stop clients of the store while it runs: a client writing at the
//! same time may write a record in the old form.

mod keys;

use crate::output::{CliError, redact_url};
use crate::url;
use keys::{KdfArgs, KeySources, NewKeySource};
use mtgo_storage::encryption::{EncryptionConfig, PlaintextPolicy, envelope_key_id, is_envelope};
use mtgo_storage::{
    Adapter, Conversation, DcAuth, DurableUpdate, EncryptedAdapter, EncryptionKey, Keyring,
    Session, SessionRecords, TempAuthKey,
};
use std::collections::BTreeSet;
use std::fmt;

/// The largest durable queue read in one call.
const QUEUE_LIMIT: usize = i32::MAX as usize;

/// Which store and sessions, and what to rewrite.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The backend URL.
    #[arg(long, value_name = "URL")]
    url: String,
    /// Rewrite this session only (default: `default`).
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    session: Option<String>,
    /// Rewrite every session the store has.
    #[arg(long)]
    all: bool,
    /// Also conversation data (as `EncryptionConfig::conversation_data`).
    #[arg(long)]
    conversations: bool,
    /// Also durable update payloads (as `EncryptionConfig::durable_payloads`).
    #[arg(long)]
    payloads: bool,
    /// Read, decrypt and count, but write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    kdf: KdfArgs,
}

/// Arguments of `encrypt`.
#[derive(Debug, clap::Args)]
pub struct EncryptArgs {
    #[command(flatten)]
    target: Target,
    /// The key that seals (exactly one).
    #[command(flatten)]
    key: KeySources,
}

/// Arguments of `decrypt`.
#[derive(Debug, clap::Args)]
pub struct DecryptArgs {
    #[command(flatten)]
    target: Target,
    /// The keys that open (one or more).
    #[command(flatten)]
    keys: KeySources,
}

/// Arguments of `rekey`.
#[derive(Debug, clap::Args)]
pub struct RekeyArgs {
    #[command(flatten)]
    target: Target,
    /// The old keys, which open (one or more).
    #[command(flatten)]
    old: KeySources,
    /// The new key, which seals.
    #[command(flatten)]
    new: NewKeySource,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Encrypt,
    Decrypt,
    Rekey,
}

impl Mode {
    fn verb(self, dry_run: bool) -> &'static str {
        match (self, dry_run) {
            (Mode::Encrypt, false) => "encrypted",
            (Mode::Decrypt, false) => "decrypted",
            (Mode::Rekey, false) => "rekeyed",
            (Mode::Encrypt, true) => "would encrypt",
            (Mode::Decrypt, true) => "would decrypt",
            (Mode::Rekey, true) => "would rekey",
        }
    }
}

/// Runs `encrypt`.
///
/// # Errors
/// Not exactly one key, a key that cannot be read, a backend that cannot be
/// opened or fails, a record already encrypted under a key not given, or a
/// check that reads back something else than was written.
pub async fn encrypt(args: EncryptArgs) -> Result<(), CliError> {
    let mut keys = args.key.load(&args.target.kdf)?;
    if keys.len() != 1 {
        return Err(CliError::new(format!(
            "encrypt takes exactly one key (--key-env, --key-file, --passphrase-env or \
             --passphrase-file), got {}",
            keys.len()
        )));
    }
    let Some(key) = keys.pop() else {
        return Err(CliError::new("encrypt needs a key"));
    };
    let opening = Keyring::new(key.clone());
    run(Mode::Encrypt, args.target, opening, Some(key)).await
}

/// Runs `decrypt`.
///
/// # Errors
/// As [`encrypt`], with one or more keys.
pub async fn decrypt(args: DecryptArgs) -> Result<(), CliError> {
    let keys = args.keys.load(&args.target.kdf)?;
    let opening = keyring(keys, "decrypt needs the keys the store was encrypted with")?;
    run(Mode::Decrypt, args.target, opening, None).await
}

/// Runs `rekey`.
///
/// # Errors
/// As [`encrypt`]; the new key's id must differ from every old key's.
pub async fn rekey(args: RekeyArgs) -> Result<(), CliError> {
    let new = args.new.load(&args.target.kdf)?;
    let old = args.old.load(&args.target.kdf)?;
    if old.iter().any(|k| k.id() == new.id()) {
        return Err(CliError::new(format!(
            "the new key's id {:?} is also an old key's: give the new key an id of its own",
            new.id()
        )));
    }
    let mut opening = keyring(
        old,
        "rekey needs the old keys: --key-env, --key-file, --passphrase-env or --passphrase-file",
    )?;
    opening = opening.with_key(new.clone())?;
    run(Mode::Rekey, args.target, opening, Some(new)).await
}

fn keyring(keys: Vec<EncryptionKey>, missing: &str) -> Result<Keyring, CliError> {
    let mut keys = keys.into_iter();
    let Some(first) = keys.next() else {
        return Err(CliError::new(missing));
    };
    let mut ring = Keyring::new(first);
    for key in keys {
        ring = ring.with_key(key)?;
    }
    Ok(ring)
}

/// What one session holds in the fields the commands rewrite.
struct Fields {
    session: Option<Session>,
    dc_auth: Vec<DcAuth>,
    temp_keys: Vec<TempAuthKey>,
    conversations: Vec<Conversation>,
    queue: Vec<DurableUpdate>,
}

/// Counts of fields rewritten, and of fields already in the wanted form.
#[derive(Default, Clone, Copy)]
struct Counts {
    auth_keys: usize,
    dc_auth: usize,
    temp_keys: usize,
    conversations: usize,
    payloads: usize,
    unchanged: usize,
}

impl Counts {
    fn changed(&self) -> usize {
        self.auth_keys + self.dc_auth + self.temp_keys + self.conversations + self.payloads
    }

    fn add(&mut self, o: Counts) {
        self.auth_keys += o.auth_keys;
        self.dc_auth += o.dc_auth;
        self.temp_keys += o.temp_keys;
        self.conversations += o.conversations;
        self.payloads += o.payloads;
        self.unchanged += o.unchanged;
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "auth_key={} dc_auth={} conversations={} payloads={} temp_keys={} (unchanged {})",
            self.auth_keys,
            self.dc_auth,
            self.conversations,
            self.payloads,
            self.temp_keys,
            self.unchanged
        )
    }
}

async fn run(
    mode: Mode,
    target: Target,
    opening: Keyring,
    sealing: Option<EncryptionKey>,
) -> Result<(), CliError> {
    let store = url::open_existing(&target.url, mtgo_storage::DEFAULT_SESSION_NAME).await?;
    let shown = redact_url(&target.url);
    let names = if target.all {
        store
            .session_names()
            .await
            .map_err(|e| CliError::with_context(format_args!("listing sessions of {shown}"), &e))?
    } else {
        vec![
            target
                .session
                .clone()
                .unwrap_or_else(|| mtgo_storage::DEFAULT_SESSION_NAME.to_owned()),
        ]
    };
    let config = |keyring: Keyring, plaintext: PlaintextPolicy| {
        EncryptionConfig::new(keyring)
            .plaintext(plaintext)
            .conversation_data(target.conversations)
            .durable_payloads(target.payloads)
    };
    // Reads accept plaintext and every key given; writes seal with the new key.
    let reader = EncryptedAdapter::with_config(
        store.session(mtgo_storage::DEFAULT_SESSION_NAME),
        config(opening, PlaintextPolicy::Accept),
    );
    let sealed = sealing.map(|key| {
        EncryptedAdapter::with_config(
            store.session(mtgo_storage::DEFAULT_SESSION_NAME),
            config(Keyring::new(key), PlaintextPolicy::Refuse),
        )
    });
    let new_id = sealed
        .as_ref()
        .map(|s| s.config().keyring().primary().id().to_owned());
    // Whether a stored field must be rewritten.
    let wants = |stored: &[u8]| match mode {
        Mode::Encrypt => !is_envelope(stored),
        Mode::Decrypt => is_envelope(stored),
        Mode::Rekey => envelope_key_id(stored) != new_id.as_deref(),
    };

    // First read and decrypt every session: a record that does not open
    // stops the command before anything is written.
    let mut loaded = Vec::with_capacity(names.len());
    for name in &names {
        let context = |what: &str| format!("{what} session {name:?} of {shown}");
        let raw = load(store.session(name).as_ref(), &target)
            .await
            .map_err(|e| CliError::with_context(context("reading"), &e))?;
        let plain = load(reader.session(name).as_ref(), &target)
            .await
            .map_err(|e| CliError::with_context(context("decrypting"), &e))?;
        loaded.push((name, raw, plain));
    }

    let mut total = Counts::default();
    let mut sessions = 0;
    for (name, raw, plain) in &loaded {
        let context = |what: &str| format!("{what} session {name:?} of {shown}");
        let write_store: Box<dyn Adapter> = match &sealed {
            Some(sealed) => sealed.session(name),
            None => store.session(name),
        };
        let counts = rewrite(write_store.as_ref(), raw, plain, &wants, target.dry_run)
            .await
            .map_err(|e| CliError::with_context(context("writing"), &e))?;
        if !target.dry_run && counts.changed() > 0 {
            let back = load(write_store.as_ref(), &target)
                .await
                .map_err(|e| CliError::with_context(context("checking"), &e))?;
            if !same(&back, plain) {
                return Err(CliError::new(format!(
                    "checking session {name:?} of {shown}: it reads back different from what \
                     was written"
                )));
            }
        }
        if counts.changed() > 0 {
            sessions += 1;
        }
        outln!("session {name}: {} {counts}", mode.verb(target.dry_run));
        total.add(counts);
    }
    outln!(
        "{} {} fields in {sessions} of {} sessions{}",
        mode.verb(target.dry_run),
        total.changed(),
        names.len(),
        if target.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    let _ = store.close().await;
    Ok(())
}

async fn load(store: &dyn Adapter, target: &Target) -> mtgo_storage::Result<Fields> {
    let session = store.load_session().await?;
    let dc_auth = match store.dc_auth() {
        Some(d) => d.load_all_dc_auth().await?,
        None => Vec::new(),
    };
    let mut temp_keys = Vec::new();
    if let Some(store) = store.temp_keys() {
        // The store lists no DC ids: the production DCs, the session's, and
        // every DC with an auth key.
        let mut dc_ids: BTreeSet<i32> = (1..=5).collect();
        dc_ids.extend(session.as_ref().map(|s| s.dc));
        dc_ids.extend(dc_auth.iter().map(|e| e.dc_id));
        for dc_id in dc_ids {
            temp_keys.extend(store.load_temp_auth_key(dc_id).await?);
        }
    }
    let conversations = match store.conversations() {
        Some(c) if target.conversations => c.load_conversations().await?,
        _ => Vec::new(),
    };
    let queue = match store.update_state() {
        Some(u) if target.payloads => u.load_updates(QUEUE_LIMIT).await?,
        _ => Vec::new(),
    };
    Ok(Fields {
        session,
        dc_auth,
        temp_keys,
        conversations,
        queue,
    })
}

fn same(a: &Fields, b: &Fields) -> bool {
    a.session == b.session
        && a.dc_auth == b.dc_auth
        && a.temp_keys == b.temp_keys
        && a.conversations == b.conversations
        && a.queue == b.queue
}

/// Writes through `to` the plaintext record of every field whose stored
/// form `wants` a rewrite (`to` seals it, or stores it plain), all in one
/// [`Adapter::save_session_records`]: the session is rewritten whole or not
/// at all.
async fn rewrite(
    to: &dyn Adapter,
    raw: &Fields,
    plain: &Fields,
    wants: &dyn Fn(&[u8]) -> bool,
    dry_run: bool,
) -> mtgo_storage::Result<Counts> {
    let mut counts = Counts::default();
    let mut records = SessionRecords::default();
    // Whether a field is rewritten, counted under `count` or as unchanged.
    let mut unchanged = 0;
    let mut pick = |stored: &[u8], count: &mut usize| {
        let changed = wants(stored);
        if changed {
            *count += 1;
        } else {
            unchanged += 1;
        }
        changed
    };
    if let (Some(stored), Some(session)) = (&raw.session, &plain.session)
        && let Some(key) = &stored.auth_key
        && pick(key.as_bytes(), &mut counts.auth_keys)
    {
        records.session = Some(session.clone());
    }
    for (stored, entry) in raw.dc_auth.iter().zip(&plain.dc_auth) {
        if pick(stored.auth_key.as_bytes(), &mut counts.dc_auth) {
            records.dc_auth.push(entry.clone());
        }
    }
    for (stored, key) in raw.temp_keys.iter().zip(&plain.temp_keys) {
        if pick(stored.auth_key.as_bytes(), &mut counts.temp_keys) {
            records.temp_auth_keys.push(key.clone());
        }
    }
    for (stored, conversation) in raw.conversations.iter().zip(&plain.conversations) {
        if pick(&stored.data, &mut counts.conversations) {
            records.conversations.push(conversation.clone());
        }
    }
    for (stored, update) in raw.queue.iter().zip(&plain.queue) {
        if pick(&stored.payload, &mut counts.payloads) {
            records.durable_updates.push(update.clone());
        }
    }
    counts.unchanged = unchanged;
    if !dry_run {
        to.save_session_records(&records).await?;
    }
    Ok(counts)
}
