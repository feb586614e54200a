# MongoDB-wire server for the MongoAdapter tests. Sourced by scripts/test.sh.
#
# If something answers on 127.0.0.1:27017 (SECANTUS_PORT) it is used as it is. Otherwise
# SecantusDB (a MongoDB-wire-compatible server on WiredTiger, GPL-2.0, run
# only as a separate process) is installed from PyPI into .venv-secantus/
# (once) and started with a fresh storage folder under .mongo-data/, and
# stopped again when the test script exits. Both folders are gitignored.

SECANTUS_VERSION=0.7.0b3
# The port the tests' default URL uses; another one only to try this script.
SECANTUS_PORT=${SECANTUS_PORT:-27017}

ensure_mongodb() {
  port_open 127.0.0.1 "$SECANTUS_PORT" && return 0
  local venv="$ROOT/.venv-secantus"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('SecantusDB') != '$SECANTUS_VERSION')" 2>/dev/null; then
    echo "test.sh: installing SecantusDB==$SECANTUS_VERSION into .venv-secantus/"
    command -v python3 >/dev/null || { echo "test.sh: python3 is not installed" >&2; return 1; }
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check "SecantusDB==$SECANTUS_VERSION" || return 1
  fi
  local data
  mkdir -p "$ROOT/.mongo-data" || return 1
  data=$(mktemp -d "$ROOT/.mongo-data/run.XXXXXX") || return 1
  echo "test.sh: starting SecantusDB on 127.0.0.1:$SECANTUS_PORT (storage $data)"
  "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$SECANTUS_PORT" --storage-path "$data/db" \
    --log-level WARNING >"$data/secantusd.log" 2>&1 &
  local pid=$!
  on_exit_stop "kill $pid; wait $pid; rm -rf '$data'"
  if ! wait_port SecantusDB 127.0.0.1 "$SECANTUS_PORT" 60; then
    tail -20 "$data/secantusd.log" >&2
    return 1
  fi
}
