//! `mtgo-storage peers --from URL --session NAME [--id N | --username U | --phone P] [--json]`.
//!
//! With a filter it prints the one matching peer (exit code 1 and an error
//! line if none matches); without one it lists every cached peer of the
//! session in ascending id order.

use crate::output::{CliError, redact_url};
use crate::url;
use mtgo_storage::Peer;

/// Arguments of `peers`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("filter").args(["id", "username", "phone"])))]
pub struct Args {
    /// The backend URL.
    #[arg(long, value_name = "URL")]
    from: String,
    /// The session whose peer cache is searched.
    #[arg(long, value_name = "NAME", default_value = mtgo_storage::DEFAULT_SESSION_NAME)]
    session: String,
    /// The peer with this id.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    id: Option<i64>,
    /// The peer with this username (main or additional; case and a leading
    /// `@` are ignored).
    #[arg(long, value_name = "U")]
    username: Option<String>,
    /// The peer with this phone number (`+`, spaces and dashes are ignored).
    #[arg(long, value_name = "P")]
    phone: Option<String>,
    /// Print JSON: one object for a lookup, an array for a listing.
    #[arg(long)]
    json: bool,
}

/// Runs `peers`.
///
/// # Errors
/// A backend that cannot be opened or fails, or no peer matching the filter.
pub async fn run(args: Args) -> Result<(), CliError> {
    let store = url::open_existing(&args.from, &args.session).await?;
    let shown = redact_url(&args.from);
    let context = |what: String| move |e: mtgo_storage::Error| CliError::with_context(what, &e);
    let (found, wanted) = if let Some(id) = args.id {
        (
            store
                .get_peer(id)
                .await
                .map_err(context(format!("reading {shown}")))?,
            format!("id {id}"),
        )
    } else if let Some(username) = &args.username {
        (
            store
                .get_peer_by_username(username)
                .await
                .map_err(context(format!("reading {shown}")))?,
            format!("username {username:?}"),
        )
    } else if let Some(phone) = &args.phone {
        (
            store
                .get_peer_by_phone(phone)
                .await
                .map_err(context(format!("reading {shown}")))?,
            format!("phone {phone:?}"),
        )
    } else {
        let peers = store
            .load_peers()
            .await
            .map_err(context(format!("reading {shown}")))?;
        if args.json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&peers)
                    .map_err(|e| CliError::with_context("JSON", &e))?
            );
        } else {
            outln!("{}", header());
            for p in &peers {
                outln!("{}", row(p));
            }
        }
        let _ = store.close().await;
        return Ok(());
    };
    let _ = store.close().await;
    let Some(peer) = found else {
        return Err(CliError::new(format!(
            "no cached peer with {wanted} in session {:?} of {shown}",
            args.session
        )));
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&peer).map_err(|e| CliError::with_context("JSON", &e))?
        );
    } else {
        outln!("{}", header());
        outln!("{}", row(&peer));
    }
    Ok(())
}

fn header() -> String {
    format!(
        "{:<20} {:<7} {:<20} {:<32} {:<32} {:<16} {}",
        "id", "type", "access_hash", "usernames", "name", "phone", "last_updated"
    )
}

fn row(p: &Peer) -> String {
    let usernames = std::iter::once(&p.username)
        .chain(p.usernames.iter())
        .filter(|u| !u.is_empty())
        .map(|u| format!("@{}", u.trim_start_matches('@')))
        .collect::<Vec<_>>()
        .join(",");
    let name = format!("{} {}", p.first_name, p.last_name);
    format!(
        "{:<20} {:<7} {:<20} {:<32} {:<32} {:<16} {}",
        p.id,
        p.peer_type.as_str(),
        p.access_hash,
        or_dash(&usernames),
        or_dash(name.trim()),
        or_dash(&p.phone_number),
        p.last_updated
    )
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}
