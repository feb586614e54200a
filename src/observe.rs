//! What the stores tell about their work: `tracing` spans and events, and
//! (feature `metrics`) counters and histograms through the
//! [`metrics`](https://docs.rs/metrics) facade.
//!
//! # Spans
//!
//! Every store operation (every method of the store traits, on every
//! backend, on [`CachedAdapter`](crate::CachedAdapter), on
//! [`EncryptedAdapter`](crate::EncryptedAdapter) and on the
//! [`AdapterStorage`](crate::AdapterStorage) bridge) runs inside a span at
//! `DEBUG` level, named after the operation, with these fields:
//!
//! | field | value |
//! |---|---|
//! | `backend` | `memory`, `sqlite`, `postgres`, `mysql`, `redis`, `mongodb`, or the layer: `cache`, `encryption`, `bridge` |
//! | `operation` | the method: `save_peers`, `get_peer_by_username`, `load_session`, ... |
//! | `session` | the handle's session name |
//! | `count` | rows or peers: the length of the batch written (`save_peers`, `save_server_salts`), else what the result holds (peers or rows returned, `0` or `1` for a lookup, rows removed by a prune); absent when the result is no count (a write of one record, a flag) |
//! | `outcome` | `ok` or `error` |
//!
//! A layer's span holds the spans of what it calls (`bridge` over `cache`
//! over `postgres`). The spans' target is the module of the backend
//! (`mtgo_storage::orm::peers`, ...), so `RUST_LOG=mtgo_storage=debug`
//! shows them all; at any other level they cost one disabled-callsite check.
//!
//! A failed operation logs its error once, at `WARN`, as an event with the
//! fields `backend`, `operation`, `session` and `error` (the error's
//! message): where it failed first. The layers above it see the same error
//! and mark their spans `outcome=error` without logging it again.
//!
//! No span or event carries an auth key, in any form: the fields are the
//! ones above, and error messages never include key bytes.
//!
//! # Metrics (feature `metrics`)
//!
//! Recorded through the `metrics` crate's global recorder (install one, for
//! instance a Prometheus exporter; without a recorder they cost nothing
//! more than a check). Names, with their labels:
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | [`OPERATIONS_TOTAL`] `mtgo_storage_operations_total` | counter | `backend`, `operation` | operations finished (successful or not) |
//! | [`OPERATION_ERRORS_TOTAL`] `mtgo_storage_operation_errors_total` | counter | `backend`, `operation` | operations that returned an error |
//! | [`OPERATION_DURATION_SECONDS`] `mtgo_storage_operation_duration_seconds` | histogram | `backend`, `operation` | time from the first poll to the result, in seconds |
//! | [`CACHE_HITS_TOTAL`] `mtgo_storage_cache_hits_total` | counter | | `CachedAdapter` lookups answered from memory |
//! | [`CACHE_MISSES_TOTAL`] `mtgo_storage_cache_misses_total` | counter | | `CachedAdapter` lookups that read the inner adapter |
//! | [`CACHE_EVICTIONS_TOTAL`] `mtgo_storage_cache_evictions_total` | counter | | cached peers evicted (capacity) or expired (time-to-live) |
//!
//! The label values are the span fields of the same names.
//! `describe_metrics()` (feature `metrics`) registers each name's
//! description and unit with the recorder.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tracing::Span;

/// Counter of finished operations, labelled `backend` and `operation`.
pub const OPERATIONS_TOTAL: &str = "mtgo_storage_operations_total";
/// Counter of operations that returned an error, labelled `backend` and
/// `operation`.
pub const OPERATION_ERRORS_TOTAL: &str = "mtgo_storage_operation_errors_total";
/// Histogram of operation latency in seconds, labelled `backend` and
/// `operation`.
pub const OPERATION_DURATION_SECONDS: &str = "mtgo_storage_operation_duration_seconds";
/// Counter of `CachedAdapter` lookups answered from memory.
pub const CACHE_HITS_TOTAL: &str = "mtgo_storage_cache_hits_total";
/// Counter of `CachedAdapter` lookups that had to read the inner adapter.
pub const CACHE_MISSES_TOTAL: &str = "mtgo_storage_cache_misses_total";
/// Counter of cached peers evicted (capacity) or expired (time-to-live).
pub const CACHE_EVICTIONS_TOTAL: &str = "mtgo_storage_cache_evictions_total";

/// Registers the description and unit of every metric above with the
/// installed `metrics` recorder. Optional: the metrics are recorded
/// without it.
#[cfg(feature = "metrics")]
pub fn describe_metrics() {
    use metrics::{Unit, describe_counter, describe_histogram};
    describe_counter!(
        OPERATIONS_TOTAL,
        Unit::Count,
        "mtgo-storage store operations finished, by backend and operation"
    );
    describe_counter!(
        OPERATION_ERRORS_TOTAL,
        Unit::Count,
        "mtgo-storage store operations that returned an error, by backend and operation"
    );
    describe_histogram!(
        OPERATION_DURATION_SECONDS,
        Unit::Seconds,
        "mtgo-storage store operation latency, by backend and operation"
    );
    describe_counter!(
        CACHE_HITS_TOTAL,
        Unit::Count,
        "CachedAdapter lookups answered from memory"
    );
    describe_counter!(
        CACHE_MISSES_TOTAL,
        Unit::Count,
        "CachedAdapter lookups that read the inner adapter"
    );
    describe_counter!(
        CACHE_EVICTIONS_TOTAL,
        Unit::Count,
        "CachedAdapter peers evicted or expired"
    );
}

/// Counts one `CachedAdapter` lookup (feature `metrics`; a no-op without).
#[cfg(feature = "cache")]
#[inline]
pub(crate) fn cache_lookup(hit: bool) {
    #[cfg(feature = "metrics")]
    if hit {
        metrics::counter!(CACHE_HITS_TOTAL).increment(1);
    } else {
        metrics::counter!(CACHE_MISSES_TOTAL).increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = hit;
}

/// Counts one peer leaving a `CachedAdapter` (feature `metrics`): only
/// evictions and expiries are counted, not explicit removals.
#[cfg(feature = "cache")]
#[inline]
pub(crate) fn cache_removal(evicted: bool) {
    #[cfg(feature = "metrics")]
    if evicted {
        metrics::counter!(CACHE_EVICTIONS_TOTAL).increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = evicted;
}

/// Who runs an operation: the `backend` and `session` of its span.
pub(crate) trait Observe {
    /// The backend's (or layer's) name.
    fn observe_backend(&self) -> &'static str;
    /// The session name of the handle.
    fn observe_session(&self) -> &str;
}

/// How many rows or peers a result holds, for the span's `count`.
pub(crate) trait Count {
    /// `None` when the result is no count (a flag, one field).
    fn count(&self) -> Option<u64> {
        None
    }
}

/// Stored records, counted when a `Vec` of them is returned.
pub(crate) trait Row {}

impl<T: Row> Count for Vec<T> {
    fn count(&self) -> Option<u64> {
        Some(self.len() as u64)
    }
}
impl<T> Count for Option<T> {
    fn count(&self) -> Option<u64> {
        Some(u64::from(self.is_some()))
    }
}
/// Rows removed (a prune).
impl Count for u64 {
    fn count(&self) -> Option<u64> {
        Some(*self)
    }
}
/// Peers loaded (`CachedAdapter::warm_up`).
impl Count for usize {
    fn count(&self) -> Option<u64> {
        Some(*self as u64)
    }
}
impl Count for () {}
impl Count for bool {}
impl Count for u16 {}
impl Count for u32 {}
impl Count for i32 {}
impl Count for i64 {}
impl Count for String {}
impl Count for Vec<u8> {}
impl<T: ?Sized> Count for std::sync::Arc<T> {}

impl Row for String {}
impl Row for crate::Peer {}
impl Row for crate::Conversation {}
impl Row for crate::DcAuth {}
impl Row for crate::ChannelState {}
impl Row for crate::DedupKey {}
impl Row for crate::DurableUpdate {}
impl Row for crate::ServerSalt {}
impl Row for crate::PeerReference {}

thread_local! {
    /// Whether an operation polled inside the one being polled on this
    /// thread has already logged its failure: the outer one then does not
    /// log the same error again.
    static INNER_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// One operation about to run: made by `#[observed]` (the
/// `mtgo-storage-macros` crate) at the top of every store method.
pub(crate) struct Op<'a> {
    span: Span,
    backend: &'static str,
    operation: &'static str,
    session: &'a str,
    count: Option<u64>,
}

impl<'a> Op<'a> {
    /// `count` is the batch length when the method writes a batch.
    pub(crate) fn new(
        span: Span,
        backend: &'static str,
        session: &'a str,
        operation: &'static str,
        count: Option<u64>,
    ) -> Self {
        Self {
            span,
            backend,
            operation,
            session,
            count,
        }
    }

    /// Runs the method's body inside the span.
    pub(crate) fn run<F, T>(self, body: F) -> Observed<'a, F>
    where
        F: Future<Output = crate::Result<T>>,
        T: Count,
    {
        Observed {
            op: self,
            inner_failed: false,
            clock: Clock::default(),
            body,
        }
    }
}

/// When an operation was first polled (feature `metrics`; nothing without).
#[derive(Default)]
pub(crate) struct Clock {
    #[cfg(feature = "metrics")]
    start: Option<std::time::Instant>,
}

impl Clock {
    #[inline]
    fn start(&mut self) {
        #[cfg(feature = "metrics")]
        self.start.get_or_insert_with(std::time::Instant::now);
    }

    /// Seconds since the first poll.
    #[cfg(feature = "metrics")]
    fn seconds(&self) -> f64 {
        self.start.map_or(0.0, |s| s.elapsed().as_secs_f64())
    }
}

pin_project_lite::pin_project! {
    /// The body of a store method, run inside its span.
    pub(crate) struct Observed<'a, F> {
        op: Op<'a>,
        inner_failed: bool,
        clock: Clock,
        #[pin]
        body: F,
    }
}

impl<F, T> Future for Observed<'_, F>
where
    F: Future<Output = crate::Result<T>>,
    T: Count,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let op = &*this.op;
        let _entered = op.span.enter();
        this.clock.start();
        let outer = INNER_FAILED.with(|f| f.replace(*this.inner_failed));
        let poll = this.body.poll(cx);
        let inner_failed = INNER_FAILED.with(|f| f.get());
        let Poll::Ready(result) = poll else {
            *this.inner_failed = inner_failed;
            INNER_FAILED.with(|f| f.set(outer));
            return Poll::Pending;
        };
        let count = match &result {
            Ok(value) => op.count.or_else(|| value.count()),
            Err(_) => op.count,
        };
        if let Some(count) = count {
            op.span.record("count", count);
        }
        match &result {
            Ok(_) => {
                op.span.record("outcome", "ok");
            }
            Err(error) => {
                op.span.record("outcome", "error");
                if !inner_failed {
                    tracing::warn!(
                        backend = op.backend,
                        operation = op.operation,
                        session = op.session,
                        error = %error,
                        "mtgo-storage operation failed"
                    );
                }
            }
        }
        #[cfg(feature = "metrics")]
        {
            let labels = [("backend", op.backend), ("operation", op.operation)];
            metrics::counter!(OPERATIONS_TOTAL, &labels).increment(1);
            if result.is_err() {
                metrics::counter!(OPERATION_ERRORS_TOTAL, &labels).increment(1);
            }
            metrics::histogram!(OPERATION_DURATION_SECONDS, &labels).record(this.clock.seconds());
        }
        INNER_FAILED.with(|f| f.set(outer || result.is_err()));
        Poll::Ready(result)
    }
}

impl Observe for crate::MemoryAdapter {
    fn observe_backend(&self) -> &'static str {
        "memory"
    }
    fn observe_session(&self) -> &str {
        crate::Adapter::session_name(self)
    }
}

#[cfg(feature = "orm")]
impl Observe for crate::OrmAdapter {
    fn observe_backend(&self) -> &'static str {
        crate::Adapter::backend_name(self)
    }
    fn observe_session(&self) -> &str {
        crate::Adapter::session_name(self)
    }
}

#[cfg(feature = "redis")]
impl Observe for crate::redis::RedisAdapter {
    fn observe_backend(&self) -> &'static str {
        "redis"
    }
    fn observe_session(&self) -> &str {
        crate::Adapter::session_name(self)
    }
}

#[cfg(feature = "mongodb")]
impl Observe for crate::mongo::MongoAdapter {
    fn observe_backend(&self) -> &'static str {
        "mongodb"
    }
    fn observe_session(&self) -> &str {
        crate::Adapter::session_name(self)
    }
}

#[cfg(feature = "cache")]
impl<A: crate::Adapter> Observe for crate::CachedAdapter<A> {
    fn observe_backend(&self) -> &'static str {
        "cache"
    }
    fn observe_session(&self) -> &str {
        crate::Adapter::session_name(self)
    }
}

#[cfg(feature = "encryption")]
impl<A: crate::Adapter> Observe for crate::EncryptedAdapter<A> {
    fn observe_backend(&self) -> &'static str {
        "encryption"
    }
    fn observe_session(&self) -> &str {
        crate::Adapter::session_name(self)
    }
}

impl<A: crate::Adapter> Observe for crate::AdapterStorage<A> {
    fn observe_backend(&self) -> &'static str {
        "bridge"
    }
    fn observe_session(&self) -> &str {
        self.adapter().session_name()
    }
}

pub(crate) use mtgo_storage_macros::observed;
