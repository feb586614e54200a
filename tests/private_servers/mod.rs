//! Private PostgreSQL and MariaDB servers for the tests that must crash and
//! restart the server (the shared test servers are never touched). Each
//! runs on a free port in a temporary folder made for it (`initdb` /
//! `mariadb-install-db`), with durable commits (fsync on,
//! `innodb_flush_log_at_trx_commit=1`). [`PrivateServer::kill`] is a crash
//! (SIGKILL, no shutdown), [`PrivateServer::start_again`] starts the server
//! on the same port and data folder (crash recovery), and dropping the value
//! (also when a test panics) kills the server and removes the folder.
#![allow(dead_code)]

use std::fs::File;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a private server could not be started (for `unavailable`).
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The shell that removes a server's folder when its standard input ends
/// without a line first: the test process died without dropping the
/// server.
const DIR_GUARD: &str = r#"if ! read -r _; then sleep 2; rm -rf "$MTGO_DIR"; fi"#;

/// The shell that runs a server (`"$@"`) and kills it when its standard
/// input ends: the server's own pid (from `$MTGO_PIDFILE`) and the process
/// it started (`runuser` for PostgreSQL, which cannot pass SIGKILL on).
const WATCHER: &str = r#""$@" & pid=$!
if read -r _; then
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
else
  main=$(head -n 1 "$MTGO_PIDFILE" 2>/dev/null)
  [ -n "$main" ] && kill -9 "$main" 2>/dev/null
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
fi
exit 0"#;

/// How long a server gets to start (MariaDB's crash recovery included).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A port nobody listens on at the moment.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Which database server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    Mariadb,
}

/// A database server process started by a test.
pub struct PrivateServer {
    pub kind: Kind,
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    dir_guard: Option<Child>,
}

/// A PostgreSQL program: from Debian's newest `/usr/lib/postgresql/<n>/bin`,
/// or from `PATH`.
fn pg_binary(name: &str) -> Result<PathBuf, StartError> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin").join(name)))
        })
        .filter(|(_, p)| p.exists())
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, path)) => Ok(path),
        None => find_binary(&[name]),
    }
}

/// The first of `candidates` that exists (a full path), or a bare name
/// found on `PATH`.
fn find_binary(candidates: &[&str]) -> Result<PathBuf, StartError> {
    for c in candidates {
        let p = Path::new(c);
        if p.is_absolute() {
            if p.exists() {
                return Ok(p.to_path_buf());
            }
        } else if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                let full = dir.join(p);
                if full.exists() {
                    return Ok(full);
                }
            }
        }
    }
    Err(StartError(format!("none of {candidates:?} is installed")))
}

/// Runs `command`, failing with its output when it fails.
fn run(mut command: Command, what: &str) -> Result<(), StartError> {
    let out = command
        .output()
        .map_err(|e| StartError(format!("{what}: cannot run: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(StartError(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// Sends SIGKILL to `pid` (errors ignored: it may be gone already).
fn sigkill(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// The processes whose parent is `pid` (from `/proc`).
fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let Some(child) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so parse after ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(child);
        }
    }
    out
}

fn process_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            // A zombie has exited.
            !s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

impl PrivateServer {
    /// Creates a PostgreSQL cluster (the newest version installed) in a new temporary folder (owned by
    /// the `postgres` OS user when run as root: `initdb` refuses root) and
    /// starts it on a free port. The database is `postgres`, user
    /// `postgres`, trust authentication.
    pub fn postgres() -> Result<Self, StartError> {
        let initdb = pg_binary("initdb")?;
        let dir = tempfile::tempdir().map_err(|e| StartError(format!("temp dir: {e}")))?;
        let server = Self {
            kind: Kind::Postgres,
            port: free_port(),
            child: None,
            dir_guard: guard_dir(dir.path()),
            dir,
        };
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:").arg(server.dir.path());
                    c
                },
                "chown postgres",
            )?;
        }
        let mut c = as_postgres(&initdb);
        c.arg("-D")
            .arg(server.data())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync");
        run(c, "initdb")?;
        let mut server = server;
        server.start_again()?;
        Ok(server)
    }

    /// Creates a MariaDB data folder (`mariadb-install-db`, root without a
    /// password) and starts `mariadbd` on a free port with a database
    /// `mtgo`.
    pub fn mariadb() -> Result<Self, StartError> {
        let install = find_binary(&["mariadb-install-db", "mysql_install_db"])?;
        find_binary(&["mariadbd", "/usr/sbin/mariadbd"])?;
        let dir = tempfile::tempdir().map_err(|e| StartError(format!("temp dir: {e}")))?;
        let mut server = Self {
            kind: Kind::Mariadb,
            port: free_port(),
            child: None,
            dir_guard: guard_dir(dir.path()),
            dir,
        };
        let mut c = Command::new(install);
        c.arg("--no-defaults")
            .arg(format!("--datadir={}", server.data().display()))
            .args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                "--innodb-log-file-size=16M",
            ]);
        if is_root() {
            c.arg("--user=root");
        }
        run(c, "mariadb-install-db")?;
        // A folder in the data directory is a database.
        std::fs::create_dir(server.data().join("mtgo"))
            .map_err(|e| StartError(format!("create database folder: {e}")))?;
        server.start_again()?;
        Ok(server)
    }

    /// The server's data folder.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The URL the adapter connects to.
    pub fn url(&self) -> String {
        match self.kind {
            Kind::Postgres => format!("postgres://postgres@127.0.0.1:{}/postgres", self.port),
            Kind::Mariadb => format!("mysql://root@127.0.0.1:{}/mtgo", self.port),
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// Starts the server process (again) on the same port and data folder
    /// and waits until it accepts connections.
    pub fn start_again(&mut self) -> Result<(), StartError> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path())
            .map_err(|e| StartError(format!("log file: {e}")))?;
        let log2 = log
            .try_clone()
            .map_err(|e| StartError(format!("log file: {e}")))?;
        let c = match self.kind {
            Kind::Postgres => {
                let postgres = pg_binary("postgres")?;
                let mut c = as_postgres(&postgres);
                c.arg("-D")
                    .arg(self.data())
                    .arg("-p")
                    .arg(self.port.to_string())
                    .arg("-k")
                    .arg(self.dir.path())
                    .args([
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        "fsync=on",
                        "-c",
                        "synchronous_commit=on",
                        "-c",
                        "max_connections=40",
                        "-c",
                        "shared_buffers=16MB",
                    ]);
                c
            }
            Kind::Mariadb => {
                let mariadbd = find_binary(&["mariadbd", "/usr/sbin/mariadbd"])?;
                let mut c = Command::new(mariadbd);
                let d = self.dir.path();
                c.arg("--no-defaults")
                    .arg(format!("--datadir={}", self.data().display()))
                    .arg(format!("--socket={}", d.join("s").display()))
                    .arg(format!("--pid-file={}", d.join("pid").display()))
                    .arg(format!("--port={}", self.port))
                    .args([
                        "--bind-address=127.0.0.1",
                        "--skip-name-resolve",
                        "--innodb-log-file-size=16M",
                        "--innodb-buffer-pool-size=32M",
                        "--innodb-flush-log-at-trx-commit=1",
                        "--skip-log-bin",
                        "--max-connections=40",
                    ]);
                if is_root() {
                    c.arg("--user=root");
                }
                c
            }
        };
        let pidfile = match self.kind {
            Kind::Postgres => self.data().join("postmaster.pid"),
            Kind::Mariadb => self.dir.path().join("pid"),
        };
        // Gone with the crashed server (which `kill` waited for): a stale
        // pid must not be killed later.
        let _ = std::fs::remove_file(&pidfile);
        // A shell starts the server and waits on its standard input (our end
        // is kept in `Child`): a line means `kill` is stopping it; the end of
        // input without one means the test process died without dropping
        // us, and the shell kills the server.
        let mut watcher = Command::new("sh");
        watcher
            .arg("-c")
            .arg(WATCHER)
            .arg("sh")
            .arg(c.get_program())
            .args(c.get_args())
            .env("MTGO_PIDFILE", pidfile);
        let child = watcher
            .stdin(Stdio::piped())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2))
            .spawn()
            .map_err(|e| StartError(format!("cannot start {:?}: {e}", self.kind)))?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if self.answers() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(StartError(format!(
                    "{:?} exited at start ({status}); log:\n{}",
                    self.kind,
                    self.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(StartError(format!(
            "{:?} on port {} did not accept connections within {START_TIMEOUT:?}; log:\n{}",
            self.kind,
            self.port,
            self.log()
        )))
    }

    /// Whether the server accepts connections (PostgreSQL: `pg_isready`,
    /// which also waits out crash recovery; MariaDB: the port is open, which
    /// it is only once recovery is done).
    fn answers(&self) -> bool {
        match self.kind {
            Kind::Postgres => {
                let Ok(isready) = pg_binary("pg_isready") else {
                    return TcpStream::connect(("127.0.0.1", self.port)).is_ok();
                };
                Command::new(isready)
                    .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                    .args(["-U", "postgres", "-d", "postgres"])
                    .status()
                    .is_ok_and(|s| s.success())
            }
            Kind::Mariadb => TcpStream::connect(("127.0.0.1", self.port)).is_ok(),
        }
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The server's main process id, if it runs (the first line of its pid
    /// file: the spawned child is the watching shell).
    fn main_pid(&self) -> Option<u32> {
        let pidfile = match self.kind {
            Kind::Postgres => self.data().join("postmaster.pid"),
            Kind::Mariadb => self.dir.path().join("pid"),
        };
        std::fs::read_to_string(pidfile)
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse().ok()))
    }

    /// Crashes the server: SIGKILL to the main process and its children
    /// (PostgreSQL's backends), no shutdown. Returns once the processes are
    /// gone and the port is closed.
    pub fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let mut pids = Vec::new();
        if let Some(main) = self.main_pid()
            && process_alive(main)
        {
            pids = children_of(main);
            pids.push(main);
        }
        for &pid in &pids {
            sigkill(pid);
        }
        if let Some(stdin) = child.stdin.as_mut() {
            let _ = stdin.write_all(b"stop\n");
        }
        drop(child.stdin.take());
        let _ = child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline
            && (pids.iter().any(|&p| process_alive(p))
                || TcpStream::connect(("127.0.0.1", self.port)).is_ok())
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.kill();
        // The TempDir removes the folder (root may remove the postgres-owned
        // files; as another user they are our own); the guard need not.
        if let Some(mut guard) = self.dir_guard.take() {
            if let Some(stdin) = guard.stdin.as_mut() {
                let _ = stdin.write_all(b"stop\n");
            }
            drop(guard.stdin.take());
            let _ = guard.wait();
        }
    }
}

/// A shell removing `dir` if the test process dies without dropping the
/// server ([`DIR_GUARD`]); `None` if it cannot be started (then a killed
/// test process leaves the folder behind).
fn guard_dir(dir: &Path) -> Option<Child> {
    Command::new("sh")
        .arg("-c")
        .arg(DIR_GUARD)
        .env("MTGO_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|rest| rest.split_whitespace().next())
            == Some("0")
    })
}

/// A command running `program` as the `postgres` OS user when we are root
/// (PostgreSQL refuses to run as root), as ourselves otherwise.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}
