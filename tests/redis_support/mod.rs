//! A private `redis-server` for the tests that must control the server
//! (restart, cluster mode, command statistics). It runs on a free port in a
//! temporary directory and is stopped when dropped, or when the test process
//! exits (it is started under a shell that kills it once our end of its
//! standard input closes).
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` process started by a test.
pub struct PrivateRedis {
    pub port: u16,
    dir: tempfile::TempDir,
    extra: Vec<String>,
    child: Option<Child>,
    remove_on_exit: bool,
}

/// Why a private server could not be started (for `unavailable`).
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl PrivateRedis {
    /// Starts `redis-server` with persistence on (append-only file, fsync
    /// always) plus `extra` arguments, and waits until it answers.
    pub fn start(extra: &[&str]) -> Result<Self, StartError> {
        Self::start_with(extra, false)
    }

    /// [`PrivateRedis::start`]; with `remove_on_exit`, the watcher removes
    /// the server's directory when the test process exits (for a server
    /// kept in a `static`, never dropped).
    fn start_with(extra: &[&str], remove_on_exit: bool) -> Result<Self, StartError> {
        let dir = tempfile::tempdir().map_err(|e| StartError(format!("temp dir: {e}")))?;
        let mut server = Self {
            port: free_port(),
            dir,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            child: None,
            remove_on_exit,
        };
        server.spawn()?;
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn spawn(&mut self) -> Result<(), StartError> {
        let mut args: Vec<String> = vec![
            "--port".into(),
            self.port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--dir".into(),
            self.dir.path().display().to_string(),
            "--appendonly".into(),
            "yes".into(),
            "--appendfsync".into(),
            "always".into(),
            "--save".into(),
            "".into(),
            "--daemonize".into(),
            "no".into(),
            "--logfile".into(),
            PathBuf::from(self.dir.path())
                .join("redis.log")
                .display()
                .to_string(),
        ];
        args.extend(self.extra.iter().cloned());
        // The shell starts redis-server, waits for its standard input to
        // close (our end is kept in `Child`), then kills the server.
        let script = r#"redis-server "$@" & pid=$!; echo "$pid" > "$MTGO_REDIS_PIDFILE"; read -r _; kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; if [ -n "$MTGO_REDIS_REMOVE" ]; then rm -rf "$MTGO_REDIS_REMOVE"; fi"#;
        let pidfile = self.dir.path().join("server.pid");
        let _ = std::fs::remove_file(&pidfile);
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .args(&args)
            .env("MTGO_REDIS_PIDFILE", &pidfile)
            .env(
                "MTGO_REDIS_REMOVE",
                if self.remove_on_exit {
                    self.dir.path().as_os_str()
                } else {
                    std::ffi::OsStr::new("")
                },
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| StartError(format!("cannot run redis-server: {e}")))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(mut conn) = redis::Client::open(self.url()).and_then(|c| c.get_connection()) {
                let pong: redis::RedisResult<String> = redis::cmd("PING").query(&mut conn);
                // Loading the append-only file answers LOADING: keep waiting.
                if pong.is_ok() {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
        Err(StartError(format!(
            "redis-server on port {} did not answer within 15s; log:\n{log}",
            self.port
        )))
    }

    /// Kills the server with SIGKILL (no shutdown save) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = stdin.write_all(b"stop\n");
            }
            drop(child.stdin.take());
            let _ = child.wait();
        }
        // The port is free once the server is gone.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline
            && std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same port and directory.
    pub fn restart(&mut self) -> Result<(), StartError> {
        self.kill();
        self.spawn()
    }

    /// Starts the server after [`PrivateRedis::kill`], on the same port and
    /// directory (it loads its append-only file).
    pub fn start_again(&mut self) -> Result<(), StartError> {
        self.spawn()
    }

    /// A synchronous connection for test assertions.
    pub fn raw(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection())
            .expect("connection to the private redis-server")
    }

    /// `calls` of one command in `INFO commandstats` (0 if never called).
    pub fn command_calls(&self, command: &str) -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut self.raw())
            .expect("INFO commandstats");
        let prefix = format!("cmdstat_{}:calls=", command.to_lowercase());
        info.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    pub fn reset_stats(&self) {
        let _: () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query(&mut self.raw())
            .expect("CONFIG RESETSTAT");
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A Redis Cluster of private servers: masters holding the 16,384 slots
/// in equal ranges and replicas, created with `redis-cli --cluster create`.
/// Dropping it stops every node; a cluster kept in a `static` stops when
/// the test process exits.
pub struct PrivateCluster {
    pub nodes: Vec<PrivateRedis>,
}

/// `CLUSTER NODES` of one node, parsed: (node id, port, flags, master id,
/// slot ranges).
pub struct NodeLine {
    pub id: String,
    pub port: u16,
    pub flags: String,
    pub master_id: String,
    pub slots: Vec<(u16, u16)>,
}

impl PrivateCluster {
    /// Starts `masters` masters with `replicas` replicas each (a node
    /// timeout of 2 s) and waits until every node reports the cluster ok and
    /// every replica is in sync.
    pub fn start(masters: usize, replicas: usize) -> Result<Self, StartError> {
        let mut nodes = Vec::new();
        for _ in 0..masters * (1 + replicas) {
            nodes.push(PrivateRedis::start_with(
                &["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"],
                true,
            )?);
        }
        let mut create = Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for n in &nodes {
            create.arg(format!("127.0.0.1:{}", n.port));
        }
        let out = create
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| StartError(format!("cannot run redis-cli: {e}")))?;
        if !out.status.success() {
            return Err(StartError(format!(
                "redis-cli --cluster create failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let cluster = Self { nodes };
        cluster.wait_until_ok(Duration::from_secs(30))?;
        Ok(cluster)
    }

    /// Waits until every node says `cluster_state:ok`, knows every node,
    /// and every replica's link to its master is up.
    pub fn wait_until_ok(&self, timeout: Duration) -> Result<(), StartError> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut problem = None;
            for n in &self.nodes {
                let Ok(mut conn) = redis::Client::open(n.url()).and_then(|c| c.get_connection())
                else {
                    problem = Some(format!("node {} unreachable", n.port));
                    break;
                };
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut conn)
                    .unwrap_or_default();
                let known = info
                    .lines()
                    .find_map(|l| l.strip_prefix("cluster_known_nodes:"))
                    .and_then(|v| v.trim().parse::<usize>().ok());
                let replication: String = redis::cmd("INFO")
                    .arg("replication")
                    .query(&mut conn)
                    .unwrap_or_default();
                if !info.contains("cluster_state:ok") || known != Some(self.nodes.len()) {
                    problem = Some(format!("node {}: {info}", n.port));
                } else if replication.contains("role:slave")
                    && !replication.contains("master_link_status:up")
                {
                    problem = Some(format!("replica {}: {replication}", n.port));
                }
                if problem.is_some() {
                    break;
                }
            }
            match problem {
                None => return Ok(()),
                Some(p) if Instant::now() > deadline => {
                    return Err(StartError(format!(
                        "cluster not ready after {timeout:?}: {p}"
                    )));
                }
                Some(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Every node's URL (the cluster client's seed list).
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(PrivateRedis::url).collect()
    }

    /// The node listening on `port`.
    pub fn node(&self, port: u16) -> &PrivateRedis {
        self.nodes
            .iter()
            .find(|n| n.port == port)
            .expect("a node of this cluster")
    }

    /// `CLUSTER NODES` as seen by the node on `port`.
    pub fn nodes_seen_by(&self, port: u16) -> Vec<NodeLine> {
        let text: String = redis::cmd("CLUSTER")
            .arg("NODES")
            .query(&mut self.node(port).raw())
            .expect("CLUSTER NODES");
        text.lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.len() < 8 {
                    return None;
                }
                // ip:port@cport
                let port = f[1]
                    .split(['@', ','])
                    .next()?
                    .rsplit(':')
                    .next()?
                    .parse()
                    .ok()?;
                let slots = f[8..]
                    .iter()
                    .filter(|s| !s.starts_with('['))
                    .filter_map(|s| match s.split_once('-') {
                        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
                        None => s.parse().ok().map(|a| (a, a)),
                    })
                    .collect();
                Some(NodeLine {
                    id: f[0].to_owned(),
                    port,
                    flags: f[2].to_owned(),
                    master_id: f[3].to_owned(),
                    slots,
                })
            })
            .collect()
    }

    /// The slot of `key` (`CLUSTER KEYSLOT`).
    pub fn slot(&self, key: &str) -> u16 {
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut self.nodes[0].raw())
            .expect("CLUSTER KEYSLOT")
    }

    /// The port of the master serving `slot`, as seen by the node on
    /// `seen_by`.
    pub fn master_of_slot(&self, slot: u16, seen_by: u16) -> u16 {
        self.nodes_seen_by(seen_by)
            .into_iter()
            .find(|n| {
                n.flags.contains("master") && n.slots.iter().any(|&(a, b)| a <= slot && slot <= b)
            })
            .map(|n| n.port)
            .expect("a master serving the slot")
    }

    /// The ports of the replicas of the master on `master`.
    pub fn replicas_of(&self, master: u16) -> Vec<u16> {
        let seen = self.nodes_seen_by(master);
        let id = seen
            .iter()
            .find(|n| n.port == master)
            .map(|n| n.id.clone())
            .expect("the master itself");
        seen.into_iter()
            .filter(|n| n.flags.contains("slave") && n.master_id == id)
            .map(|n| n.port)
            .collect()
    }
}

/// Starts a private server, or skips (returns `None`) / fails when
/// `MTGO_TEST_REQUIRE` names redis.
pub fn start_or_skip(extra: &[&str]) -> Option<PrivateRedis> {
    match PrivateRedis::start(extra) {
        Ok(server) => Some(server),
        Err(e) => mtgo_storage::conformance::unavailable("redis", &e),
    }
}

/// The error chain of `e` on one line (`Display` of an `Error::Backend` alone
/// does not name the cause).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Why the shared test server at `url` cannot be used, or `None` if it
/// answers PING. Checked once per test process with a single connection
/// attempt, so an absent server skips (or fails) every case at once instead
/// of each case waiting out the connection manager's reconnect attempts.
pub async fn shared_server_problem(url: &str) -> Option<String> {
    static PROBLEM: tokio::sync::OnceCell<Option<String>> = tokio::sync::OnceCell::const_new();
    PROBLEM
        .get_or_init(|| async {
            let client = match redis::Client::open(url) {
                Ok(c) => c,
                Err(e) => return Some(error_chain(&e)),
            };
            match client.get_multiplexed_async_connection().await {
                Ok(mut conn) => redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .err()
                    .map(|e| error_chain(&e)),
                Err(e) => Some(error_chain(&e)),
            }
        })
        .await
        .clone()
}

/// Deletes every key matching `{prefix}:{<session>*` (the session's keys and
/// those of sessions named after it, such as `<session>-other`) and their
/// names in `{prefix}:sessions` from the server at `url`. Test clean-up only: it scans, which the adapter never
/// does.
pub fn purge_session_keys(url: &str, prefix: &str, session: &str) {
    let Ok(mut conn) = redis::Client::open(url).and_then(|c| c.get_connection()) else {
        return;
    };
    let mut pattern = format!("{prefix}:{{");
    for c in session.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    let mut cursor: u64 = 0;
    loop {
        let Ok((next, keys)): redis::RedisResult<(u64, Vec<Vec<u8>>)> = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(10_000)
            .query(&mut conn)
        else {
            return;
        };
        if !keys.is_empty() {
            let _: redis::RedisResult<i64> = redis::cmd("UNLINK").arg(&keys).query(&mut conn);
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let names_key = format!("{prefix}:sessions");
    let names: Vec<String> = redis::cmd("SMEMBERS")
        .arg(&names_key)
        .query(&mut conn)
        .unwrap_or_default();
    let ours: Vec<&String> = names.iter().filter(|n| n.starts_with(session)).collect();
    if !ours.is_empty() {
        let _: redis::RedisResult<i64> = redis::cmd("SREM")
            .arg(&names_key)
            .arg(ours)
            .query(&mut conn);
    }
}

/// Removes a test session's keys from the shared server when dropped (also
/// when the test panics), so test runs do not pile up data.
pub struct PurgeOnDrop {
    pub url: String,
    pub prefix: String,
    pub session: String,
}

impl Drop for PurgeOnDrop {
    fn drop(&mut self) {
        purge_session_keys(&self.url, &self.prefix, &self.session);
    }
}
