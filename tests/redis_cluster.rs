//! Redis Cluster: the whole conformance suite through a cluster connection
//! on a private three-master cluster (the sessions of the suite spread over
//! the three masters), and a manual failover of a master in the middle of a
//! run of writes. A cluster refuses any transaction, multi-key command or
//! script touching keys of two slots (CROSSSLOT), so the suite shows the
//! key layout keeps each operation in one slot.
#![cfg(all(feature = "redis", feature = "testing"))]

mod redis_support;

use mtgo_storage::conformance::fixtures::{full_peer, full_session};
use mtgo_storage::conformance::unavailable;
use mtgo_storage::redis::{ClusterClient, RedisAdapter};
use mtgo_storage::{Adapter, DurableUpdate, Error};
use redis_support::PrivateCluster;
use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The suite's cluster: three masters, no replicas, started once for the
/// whole test binary (its servers stop when the test process exits).
fn cluster() -> Result<&'static PrivateCluster, String> {
    static CLUSTER: OnceLock<Result<PrivateCluster, String>> = OnceLock::new();
    CLUSTER
        .get_or_init(|| PrivateCluster::start(3, 0).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// A cluster connection with bounded waits: 1 s per connection attempt,
/// 5 s per reply.
async fn connect(urls: Vec<String>) -> mtgo_storage::redis::ClusterConnection {
    ClusterClient::builder(urls)
        .connection_timeout(Duration::from_secs(1))
        .response_timeout(Duration::from_secs(5))
        .build()
        .expect("cluster client")
        .get_async_connection()
        .await
        .expect("connect to the cluster")
}

async fn suite_adapter(session: String) -> Option<RedisAdapter> {
    let cluster = match cluster() {
        Ok(c) => c,
        Err(e) => return unavailable("redis", &e),
    };
    Some(RedisAdapter::cluster(connect(cluster.urls()).await).with_session(&session))
}

mtgo_storage::conformance_tests!(suite_adapter);

#[tokio::test(flavor = "multi_thread")]
async fn cluster_refuses_cross_slot_scripts() {
    // The suite above means something only if the server enforces slots:
    // a script written like the adapter's (with the `#!lua` shebang) that
    // touches keys of two slots must fail.
    let Ok(cluster) = cluster() else { return };
    let slot_a = cluster.slot("mtgo:{a}:x");
    let port = cluster.master_of_slot(slot_a, cluster.nodes[0].port);
    let client = redis::Client::open(cluster.node(port).url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let result: redis::RedisResult<i64> = redis::Script::new(
        "#!lua\nredis.call('SET', KEYS[1], 1); redis.call('SET', ARGV[1], 1); return 1",
    )
    .key("mtgo:{a}:x")
    .arg("mtgo:{b}:x")
    .invoke_async(&mut conn)
    .await;
    let err = result.expect_err("a cross-slot script must fail on a cluster");
    // Another slot of the same node, or a key of another node.
    let text = err.to_string().to_lowercase();
    assert!(
        text.contains("slot") || text.contains("non local key"),
        "unexpected error: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_land_on_every_master() {
    let cluster = match cluster() {
        Ok(c) => c,
        Err(e) => return unavailable::<()>("redis", &e).unwrap_or(()),
    };
    let adapter = RedisAdapter::cluster(connect(cluster.urls()).await)
        .with_prefix("spread")
        .unwrap();
    let seen_by = cluster.nodes[0].port;
    let mut masters = BTreeSet::new();
    for i in 0..24 {
        let name = format!("spread-{i}");
        let handle = adapter.session(&name);
        handle.save_session(&full_session()).await.unwrap();
        handle.save_peers(&[full_peer(i + 1)]).await.unwrap();
        // The session's key is on the master serving its slot, and only
        // there.
        let key = format!("spread:{{{name}}}:session");
        let master = cluster.master_of_slot(cluster.slot(&key), seen_by);
        for node in &cluster.nodes {
            let exists: bool = redis::cmd("EXISTS")
                .arg(&key)
                .query(&mut node.raw())
                .unwrap_or(false);
            assert_eq!(exists, node.port == master, "{key} on node {}", node.port);
        }
        masters.insert(master);
        assert_eq!(
            handle.get_peer(i + 1).await.unwrap(),
            Some(full_peer(i + 1))
        );
        handle.purge_session().await.unwrap();
    }
    assert_eq!(masters.len(), 3, "24 sessions used masters {masters:?}");
}

/// A session name whose slot is served by the master on `port`.
fn session_on(cluster: &PrivateCluster, port: u16) -> String {
    (0..)
        .map(|i| format!("failover-{i}"))
        .find(|name| {
            cluster.master_of_slot(cluster.slot(&format!("mtgo:{{{name}}}:x")), port) == port
        })
        .expect("some name")
}

fn durable(id: &str) -> DurableUpdate {
    DurableUpdate {
        id: id.into(),
        payload: id.as_bytes().to_vec(),
        created_at: 1,
        attempts: 0,
        last_error: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_failover_in_a_run_loses_no_acknowledged_write() {
    // Its own cluster: three masters with a replica each.
    let cluster = match PrivateCluster::start(3, 1) {
        Ok(c) => c,
        Err(e) => return unavailable::<()>("redis", &e).unwrap_or(()),
    };
    let master = cluster.nodes[0].port;
    let master = cluster.master_of_slot(0, master);
    let replica = *cluster
        .replicas_of(master)
        .first()
        .expect("the master has a replica");
    let name = session_on(&cluster, master);
    let adapter = RedisAdapter::cluster(connect(cluster.urls()).await).with_session(&name);
    let store: &dyn Adapter = &adapter;
    let updates = store.update_state().unwrap();
    let mut session = full_session();
    session.name = name.clone();
    store.save_session(&session).await.unwrap();
    let batch: Vec<_> = (1..=300).map(full_peer).collect();
    store.save_peers(&batch).await.unwrap();
    updates.enqueue_update(&durable("before")).await.unwrap();

    // A manual failover (not FORCE or TAKEOVER) while the writes run: the
    // replica has the master stop its clients, catches up with the
    // master's replication offset, and only then takes over, so Redis
    // documents no loss of acknowledged writes.
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let failover = {
        let done = std::sync::Arc::clone(&done);
        let replica_url = cluster.node(replica).url();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            let mut conn = redis::Client::open(replica_url)
                .and_then(|c| c.get_connection())
                .expect("connection to the replica");
            let _: () = redis::cmd("CLUSTER")
                .arg("FAILOVER")
                .query(&mut conn)
                .expect("CLUSTER FAILOVER");
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let info: String = redis::cmd("INFO")
                    .arg("replication")
                    .query(&mut conn)
                    .expect("INFO replication");
                if info.contains("role:master") {
                    break;
                }
                assert!(Instant::now() < deadline, "no failover after 30 s: {info}");
                std::thread::sleep(Duration::from_millis(50));
            }
            done.store(true, Ordering::SeqCst);
        })
    };

    let started = Instant::now();
    let mut acked = Vec::new();
    let mut acked_updates = Vec::new();
    let mut failures = 0;
    let mut after = 0;
    let mut before_done = 0;
    let mut i = 10_000;
    let mut slowest = Duration::ZERO;
    while after < 50 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run did not finish within 60 s ({failures} failures)"
        );
        i += 1;
        let finished = done.load(Ordering::SeqCst);
        let mut peer = full_peer(i);
        peer.username = format!("run_{i}");
        let t = Instant::now();
        let result = store.save_peer(&peer).await;
        slowest = slowest.max(t.elapsed());
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "a write took {:?}",
            t.elapsed()
        );
        match result {
            Ok(()) => acked.push(peer),
            Err(Error::Backend {
                backend: "redis", ..
            }) => failures += 1,
            Err(e) => panic!("unexpected error kind: {e:?}"),
        }
        if i % 5 == 0 {
            let id = format!("run-{i}");
            match updates.enqueue_update(&durable(&id)).await {
                Ok(()) => acked_updates.push(id),
                Err(Error::Backend {
                    backend: "redis", ..
                }) => failures += 1,
                Err(e) => panic!("unexpected error kind: {e:?}"),
            }
        }
        if finished {
            after += 1;
        } else {
            before_done += 1;
        }
    }
    failover.join().expect("the failover thread");
    eprintln!(
        "failover: {} writes acknowledged ({before_done} rounds before the replica was master, \
         {after} after), {failures} failed, slowest {slowest:?}",
        acked.len()
    );
    assert!(before_done > 10, "the failover came before the run");

    // The replica is the session's master now, and holds everything.
    cluster
        .wait_until_ok(Duration::from_secs(30))
        .expect("cluster ok after the failover");
    let slot = cluster.slot(&format!("mtgo:{{{name}}}:x"));
    assert_eq!(cluster.master_of_slot(slot, replica), replica);
    assert_eq!(store.load_session().await.unwrap(), Some(session));
    for peer in batch.iter().chain(&acked) {
        assert_eq!(
            store.get_peer(peer.id).await.unwrap().as_ref(),
            Some(peer),
            "acknowledged peer {} lost in the failover",
            peer.id
        );
    }
    let last = acked.last().expect("acknowledged writes");
    assert_eq!(
        store
            .get_peer_by_username(&last.username)
            .await
            .unwrap()
            .as_ref(),
        Some(last)
    );
    let queued: Vec<String> = updates
        .load_updates(100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    for id in std::iter::once(&"before".to_owned()).chain(&acked_updates) {
        assert!(queued.contains(id), "acknowledged update {id} lost");
    }
    // Read straight from the new master: the keys are there, not only in
    // a client cache.
    let ids: i64 = redis::cmd("SCARD")
        .arg(format!("mtgo:{{{name}}}:peers"))
        .query(&mut cluster.node(replica).raw())
        .unwrap();
    assert!(ids as usize >= batch.len() + acked.len());
}
