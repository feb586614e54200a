//! Feature `metrics`: the counters and histograms of `mtgo_storage::observe`
//! reach a `metrics` recorder with their documented names and labels:
//! operations and errors per backend and operation, latency, and the
//! `CachedAdapter`'s hits, misses (the same numbers as its `CacheStats`)
//! and evictions.

use metrics::{
    Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use mtgo_storage::observe::{
    CACHE_EVICTIONS_TOTAL, CACHE_HITS_TOTAL, CACHE_MISSES_TOTAL, OPERATION_DURATION_SECONDS,
    OPERATION_ERRORS_TOTAL, OPERATIONS_TOTAL,
};
use mtgo_storage::{
    Adapter, CacheConfig, CachedAdapter, Error, MemoryAdapter, Peer, PeerStore, PeerType,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Values(Mutex<Vec<f64>>);

impl HistogramFn for Values {
    fn record(&self, value: f64) {
        self.0.lock().unwrap().push(value);
    }
}

/// Keeps every counter and histogram by `name{label=value,...}` (labels
/// sorted), and each description.
#[derive(Default)]
struct TestRecorder {
    counters: Mutex<BTreeMap<String, Arc<AtomicU64>>>,
    histograms: Mutex<BTreeMap<String, Arc<Values>>>,
    described: Mutex<BTreeMap<String, Option<Unit>>>,
}

fn name(key: &Key) -> String {
    let mut labels: Vec<_> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl TestRecorder {
    fn counter(&self, key: &str) -> u64 {
        self.counters
            .lock()
            .unwrap()
            .get(key)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    fn histogram(&self, key: &str) -> Vec<f64> {
        self.histograms
            .lock()
            .unwrap()
            .get(key)
            .map_or_else(Vec::new, |h| h.0.lock().unwrap().clone())
    }

    fn describe(&self, key: KeyName, unit: Option<Unit>) {
        self.described
            .lock()
            .unwrap()
            .insert(key.as_str().to_owned(), unit);
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.describe(key, unit);
    }
    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.describe(key, unit);
    }
    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.describe(key, unit);
    }
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let counter = Arc::clone(self.counters.lock().unwrap().entry(name(key)).or_default());
        Counter::from_arc(counter)
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let values = Arc::clone(
            self.histograms
                .lock()
                .unwrap()
                .entry(name(key))
                .or_default(),
        );
        Histogram::from_arc(values)
    }
}

/// Runs `f` on a current-thread runtime with `recorder` as this thread's
/// recorder (so tests running at the same time do not mix their numbers).
fn with_recorder<F: std::future::Future<Output = ()>>(recorder: &TestRecorder, f: F) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(recorder, || rt.block_on(f));
}

fn peers(n: i64) -> Vec<Peer> {
    (1..=n)
        .map(|id| Peer::new(id, PeerType::User, id))
        .collect()
}

fn labels(metric: &str, backend: &str, operation: &str) -> String {
    format!("{metric}{{backend={backend},operation={operation}}}")
}

#[test]
fn operations_errors_and_latency_per_backend_and_operation() {
    let recorder = TestRecorder::default();
    with_recorder(&recorder, async {
        let store = MemoryAdapter::new();
        store.save_peers(&peers(3)).await.unwrap();
        for id in [1, 2, 404] {
            store.get_peer(id).await.unwrap();
        }
        let failed = store
            .update_state()
            .unwrap()
            .mark_update_failed("missing", "boom")
            .await;
        assert!(matches!(failed, Err(Error::NotFound { .. })));
    });
    for (operation, count, errors) in [
        ("save_peers", 1, 0),
        ("get_peer", 3, 0),
        ("mark_update_failed", 1, 1),
    ] {
        assert_eq!(
            recorder.counter(&labels(OPERATIONS_TOTAL, "memory", operation)),
            count,
            "{operation}"
        );
        assert_eq!(
            recorder.counter(&labels(OPERATION_ERRORS_TOTAL, "memory", operation)),
            errors,
            "{operation}"
        );
        let latencies =
            recorder.histogram(&labels(OPERATION_DURATION_SECONDS, "memory", operation));
        assert_eq!(latencies.len() as u64, count, "{operation}");
        assert!(
            latencies.iter().all(|s| (0.0..10.0).contains(s)),
            "{operation}: {latencies:?}"
        );
    }
    assert_eq!(
        recorder.counter(&labels(OPERATIONS_TOTAL, "memory", "load_peers")),
        0
    );
}

#[test]
fn cache_hits_misses_and_evictions() {
    let recorder = TestRecorder::default();
    let mut stats = None;
    with_recorder(&recorder, async {
        let inner = MemoryAdapter::new();
        inner.save_peers(&peers(20)).await.unwrap();
        let cached = CachedAdapter::with_config(inner, CacheConfig::default().max_peers(4));
        // 20 peers read one by one into a cache of 4: at least 16 are
        // evicted (`warm_up` loads only what fits, evicting nothing).
        for id in 1..=20 {
            cached.get_peer(id).await.unwrap();
        }
        cached.clear();
        cached.get_peer(7).await.unwrap(); // miss
        cached.get_peer(7).await.unwrap(); // hit
        cached.get_peer(7).await.unwrap(); // hit
        cached.get_peer_by_username("nobody").await.unwrap(); // miss
        cached.get_peer_by_username("nobody").await.unwrap(); // hit ("no such peer")
        stats = Some(cached.stats());
    });
    let stats = stats.unwrap();
    assert!(stats.hits >= 3 && stats.misses >= 2, "{stats:?}");
    assert_eq!(
        recorder.counter(&format!("{CACHE_HITS_TOTAL}{{}}")),
        stats.hits
    );
    assert_eq!(
        recorder.counter(&format!("{CACHE_MISSES_TOTAL}{{}}")),
        stats.misses
    );
    let evictions = recorder.counter(&format!("{CACHE_EVICTIONS_TOTAL}{{}}"));
    assert!(
        evictions >= 16,
        "{evictions} evictions of 20 peers in a cache of 4"
    );
    // The cache's own operations are counted under backend "cache".
    assert_eq!(
        recorder.counter(&labels(OPERATIONS_TOTAL, "cache", "get_peer")),
        23
    );
    assert_eq!(
        recorder.counter(&labels(OPERATIONS_TOTAL, "cache", "get_peer_by_username")),
        2
    );
}

#[test]
fn every_metric_is_described_with_its_unit() {
    let recorder = TestRecorder::default();
    metrics::with_local_recorder(&recorder, mtgo_storage::observe::describe_metrics);
    let described = recorder.described.lock().unwrap().clone();
    let expected = BTreeMap::from([
        (OPERATIONS_TOTAL.to_owned(), Some(Unit::Count)),
        (OPERATION_ERRORS_TOTAL.to_owned(), Some(Unit::Count)),
        (OPERATION_DURATION_SECONDS.to_owned(), Some(Unit::Seconds)),
        (CACHE_HITS_TOTAL.to_owned(), Some(Unit::Count)),
        (CACHE_MISSES_TOTAL.to_owned(), Some(Unit::Count)),
        (CACHE_EVICTIONS_TOTAL.to_owned(), Some(Unit::Count)),
    ]);
    assert_eq!(described, expected);
    // The documented names.
    assert_eq!(OPERATIONS_TOTAL, "mtgo_storage_operations_total");
    assert_eq!(
        OPERATION_ERRORS_TOTAL,
        "mtgo_storage_operation_errors_total"
    );
    assert_eq!(
        OPERATION_DURATION_SECONDS,
        "mtgo_storage_operation_duration_seconds"
    );
    assert_eq!(CACHE_HITS_TOTAL, "mtgo_storage_cache_hits_total");
    assert_eq!(CACHE_MISSES_TOTAL, "mtgo_storage_cache_misses_total");
    assert_eq!(CACHE_EVICTIONS_TOTAL, "mtgo_storage_cache_evictions_total");
}
