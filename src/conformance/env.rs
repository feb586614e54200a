//! Test configuration read at run time: service URLs, which services are
//! required, and unique session names.

use std::sync::atomic::{AtomicU64, Ordering};

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

/// Handles an unreachable service: panics if it is required, otherwise
/// prints a loud skip message to standard error and returns `None`.
///
/// # Panics
/// When [`is_required`] names the service.
pub fn unavailable<T>(service: &str, error: &dyn std::fmt::Display) -> Option<T> {
    if is_required(service) {
        panic!("{service} is required by MTGO_TEST_REQUIRE but unreachable: {error}");
    }
    eprintln!(
        "\n*** SKIPPED: {service} is unreachable ({error}); set MTGO_TEST_REQUIRE={service} to make this a failure ***\n"
    );
    None
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
