//! Test configuration read at run time: service URLs, which services are
//! required, and unique session names.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The URL of a test service: `MTGO_TEST_<SERVICE>_URL` if set, else
/// `default`. `service` is upper-cased (`postgres` reads
/// `MTGO_TEST_POSTGRES_URL`).
pub fn service_url(service: &str, default: &str) -> String {
    std::env::var(format!("MTGO_TEST_{}_URL", service.to_uppercase()))
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Whether `MTGO_TEST_REQUIRE` (a comma- or space-separated list, or `all`)
/// names `service`.
pub fn is_required(service: &str) -> bool {
    std::env::var("MTGO_TEST_REQUIRE")
        .unwrap_or_default()
        .split(|c: char| c == ',' || c.is_whitespace())
        .any(|s| s.eq_ignore_ascii_case(service) || s.eq_ignore_ascii_case("all"))
}

/// Handles an unreachable service: panics if it is required; otherwise
/// marks the service down for the rest of this test process (so
/// [`reachable`] answers `false` at once from then on), prints a loud skip
/// message to standard error (past the test harness's output capture) the
/// first time, and returns `None`.
///
/// # Panics
/// When [`is_required`] names the service.
pub fn unavailable<T>(service: &str, error: &dyn std::fmt::Display) -> Option<T> {
    if is_required(service) {
        panic!("{service} is required by MTGO_TEST_REQUIRE but unreachable: {error}");
    }
    let first = down()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(service.to_owned());
    if first {
        loud(&format!(
            "*** SKIPPED: {service} is unreachable ({error}); this and every later {service} test of this binary are skipped; set MTGO_TEST_REQUIRE={service} to make this a failure ***"
        ));
    }
    None
}

/// The services found unreachable in this process.
fn down() -> &'static Mutex<HashSet<String>> {
    static DOWN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    DOWN.get_or_init(Default::default)
}

/// Writes `message` to the process's standard error itself, between blank
/// lines: the test harness captures `eprintln!` of a passing test, and a
/// skip must be seen.
fn loud(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "\n{message}\n");
}

/// How long [`reachable`] waits for a TCP connection to a test service.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The probes of this process, one per (service, URL): `Some` reason when
/// the service was unreachable.
type Probes = Mutex<HashMap<(String, String), Arc<tokio::sync::OnceCell<Option<String>>>>>;

/// Whether the test service `service` at `url` can be used, found out once
/// per test process: `false` at once when [`unavailable`] was called for the
/// service before; otherwise a [`PROBE_TIMEOUT`] TCP connection attempt to
/// the URL's host and port (every host of a MongoDB seed list; the scheme's
/// standard port when the URL has none), made once per URL, whose result
/// every later call reuses. A binary whose service is down thus skips all
/// its cases in no time instead of each one waiting out a driver's
/// connection timeout.
///
/// When the service is unreachable it is handled by [`unavailable`]: a
/// panic on every call if [`is_required`] names it; otherwise one loud skip
/// message for the process and `false`. A URL whose address cannot be
/// probed this way (a Unix socket, `mongodb+srv://`) counts as reachable,
/// and the caller's connection attempt decides.
///
/// # Panics
/// When the service is unreachable and [`is_required`] names it.
pub async fn reachable(service: &str, url: &str) -> bool {
    static PROBES: OnceLock<Probes> = OnceLock::new();
    let known_down = down()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .contains(service);
    if known_down {
        return unavailable::<()>(service, &"found unreachable earlier in this process").is_some();
    }
    let probe = {
        let mut probes = PROBES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(
            probes
                .entry((service.to_owned(), url.to_owned()))
                .or_default(),
        )
    };
    match probe.get_or_init(|| tcp_problem(url.to_owned())).await {
        None => true,
        Some(problem) => unavailable::<()>(service, problem).is_some(),
    }
}

/// Why no TCP connection to the hosts of `url` could be made, or `None`
/// when one could (or when the URL names no host and port to try).
async fn tcp_problem(url: String) -> Option<String> {
    let targets = tcp_targets(&url)?;
    let attempt = tokio::task::spawn_blocking(move || {
        use std::net::{TcpStream, ToSocketAddrs};
        let mut problems = Vec::new();
        for (host, port) in &targets {
            let addrs = match (host.as_str(), *port).to_socket_addrs() {
                Ok(addrs) => addrs,
                Err(e) => {
                    problems.push(format!("{host}:{port}: {e}"));
                    continue;
                }
            };
            for addr in addrs {
                match TcpStream::connect_timeout(&addr, PROBE_TIMEOUT) {
                    Ok(_) => return None,
                    Err(e) => problems.push(format!("{addr}: {e}")),
                }
            }
        }
        Some(format!(
            "no TCP connection within {} s: {}",
            PROBE_TIMEOUT.as_secs(),
            problems.join("; ")
        ))
    });
    attempt
        .await
        .unwrap_or_else(|e| Some(format!("the probe failed: {e}")))
}

/// The hosts and ports a service URL names (`scheme://[user@]host[:port][,host[:port]...][/...]`),
/// or `None` when it names none that a TCP probe can try.
fn tcp_targets(url: &str) -> Option<Vec<(String, u16)>> {
    let (scheme, rest) = url.split_once("://")?;
    let default_port = match scheme {
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        "redis" | "rediss" | "valkey" | "valkeys" => 6379,
        "mongodb" => 27017,
        _ => return None,
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let hosts = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let mut out = Vec::new();
    for host in hosts.split(',') {
        let (name, port) = if let Some(v6) = host.strip_prefix('[') {
            let (name, after) = v6.split_once(']')?;
            (name, after.strip_prefix(':'))
        } else {
            match host.rsplit_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (host, None),
            }
        };
        if name.is_empty() {
            return None;
        }
        let port = match port {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        out.push((name.to_owned(), port));
    }
    (!out.is_empty()).then_some(out)
}

/// A session name no other test (in this or another process, or an earlier
/// run against the same database) uses: `case` plus a unique suffix.
pub fn unique_session_name(case: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{case}-{:x}-{:x}-{n}", std::process::id(), nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_targets_of_service_urls() {
        let t = |url: &str| tcp_targets(url);
        let one = |h: &str, p: u16| Some(vec![(h.to_owned(), p)]);
        assert_eq!(
            t("postgres://postgres@127.0.0.1:5432/test"),
            one("127.0.0.1", 5432)
        );
        assert_eq!(t("postgresql://u:p@db/test"), one("db", 5432));
        assert_eq!(
            t("mysql://root@127.0.0.1:3306/test"),
            one("127.0.0.1", 3306)
        );
        assert_eq!(t("redis://127.0.0.1"), one("127.0.0.1", 6379));
        assert_eq!(t("redis://[::1]:7000/0"), one("::1", 7000));
        assert_eq!(
            t("mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=5000"),
            one("127.0.0.1", 27017)
        );
        assert_eq!(
            t("mongodb://a:1,b/db"),
            Some(vec![("a".to_owned(), 1), ("b".to_owned(), 27017)])
        );
        for none in [
            "postgres:///test?host=/var/run/postgresql",
            "mongodb+srv://cluster.example.com/db",
            "redis+unix:///tmp/redis.sock",
            "postgres://h:notaport/x",
            "not a url",
        ] {
            assert_eq!(t(none), None, "{none}");
        }
    }
}
