//! `mtgo-storage prune --from URL [--session NAME] --older-than 30d
//! [--dry-run]`: removes peers not seen, conversations idle and dedup keys
//! older than the given age ([`mtgo_storage::prune`]), and prints the
//! counts.

use crate::output::{CliError, redact_url};
use crate::url;
use mtgo_storage::{PrunePolicy, prune, unix_now};

/// Arguments of `prune`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The backend URL.
    #[arg(long, value_name = "URL")]
    from: String,
    /// The session name to prune.
    #[arg(long, value_name = "NAME", default_value = mtgo_storage::DEFAULT_SESSION_NAME)]
    session: String,
    /// The age past which records go: a number with `s`, `m`, `h` or `d`
    /// (`30d`, `12h`).
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    older_than: i64,
    /// Only count what would be removed.
    #[arg(long)]
    dry_run: bool,
}

/// Seconds of an age such as `30d`, `12h`, `15m` or `90s`.
fn parse_age(text: &str) -> Result<i64, String> {
    let unit_at = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} has no unit: use s, m, h or d (30d)"))?;
    let (number, unit) = text.split_at(unit_at);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a number (30d)"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        other => return Err(format!("unknown unit {other:?}: use s, m, h or d")),
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{text:?} is too long an age"))
}

/// Runs `prune`.
///
/// # Errors
/// A backend that cannot be opened (a SQLite file that does not exist, a
/// database not at the current schema) or that fails.
pub async fn run(args: Args) -> Result<(), CliError> {
    let shown = redact_url(&args.from);
    let store = url::open_existing(&args.from, &args.session).await?;
    let policy = PrunePolicy::everything_before(unix_now().saturating_sub(args.older_than));
    let counts = prune(&*store, &policy, args.dry_run)
        .await
        .map_err(|e| CliError::with_context(format!("pruning {shown}"), &e))?;
    let _ = store.close().await;
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    outln!(
        "{verb} {} peers, {} conversations, {} dedup keys of session {:?} in {shown}",
        counts.peers,
        counts.conversations,
        counts.dedup_keys,
        args.session
    );
    Ok(())
}
