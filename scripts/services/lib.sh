# Shared helpers for scripts/test.sh: wait for a port, remember what we started.
# Sourced, not run.

# Services this run started, stopped again by stop_started on exit.
STARTED_STOPS=()

# port_open HOST PORT: true if something listens there.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_port NAME HOST PORT [SECONDS]: wait until the port answers, or fail.
wait_port() {
  local name=$1 host=$2 port=$3 secs=${4:-60} i
  for ((i = 0; i < secs * 4; i++)); do
    if port_open "$host" "$port"; then
      echo "test.sh: $name is up on $host:$port"
      return 0
    fi
    sleep 0.25
  done
  echo "test.sh: $name did not come up on $host:$port within ${secs}s" >&2
  return 1
}

# on_exit_stop CMD...: run CMD when the test script exits.
on_exit_stop() {
  STARTED_STOPS+=("$*")
}

stop_started() {
  local cmd
  for cmd in "${STARTED_STOPS[@]}"; do
    echo "test.sh: stopping: $cmd"
    eval "$cmd" >/dev/null 2>&1 || true
  done
}

ensure_postgres() {
  port_open 127.0.0.1 5432 && return 0
  echo "test.sh: starting PostgreSQL"
  local v
  v=$(ls /etc/postgresql 2>/dev/null | head -1)
  [ -n "$v" ] || { echo "test.sh: PostgreSQL is not installed" >&2; return 1; }
  pg_ctlcluster --skip-systemctl-redirect "$v" main start
  on_exit_stop "pg_ctlcluster --skip-systemctl-redirect $v main stop"
  wait_port PostgreSQL 127.0.0.1 5432
}

ensure_mariadb() {
  port_open 127.0.0.1 3306 && return 0
  echo "test.sh: starting MariaDB"
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || { echo "test.sh: MariaDB is not installed" >&2; return 1; }
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  on_exit_stop "start-stop-daemon --stop --oknodo --exec /usr/sbin/mariadbd"
  wait_port MariaDB 127.0.0.1 3306 90
}

ensure_redis() {
  port_open 127.0.0.1 6379 && return 0
  echo "test.sh: starting Redis"
  command -v redis-server >/dev/null || { echo "test.sh: redis-server is not installed" >&2; return 1; }
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  on_exit_stop "redis-cli -p 6379 shutdown nosave"
  wait_port Redis 127.0.0.1 6379
}
