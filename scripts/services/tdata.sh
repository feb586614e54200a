# Reference converter for tests/tdata_interop.rs: opentele-ng 1.5.0 (PyPI,
# pure Python) beside Telethon 1.45.0, installed into .interop/tdata-venv
# (gitignored) the first time, reused afterwards.
# Sourced by scripts/test.sh, which calls ensure_tdata. Exports
# MTGO_TDATA_PYTHON (the venv's python).

TDATA_OPENTELE=1.5.0
TDATA_TELETHON=1.45.0

ensure_tdata() {
  local dir="${ROOT:-$PWD}/.interop"
  local py="$dir/tdata-venv/bin/python"
  local stamp="$dir/tdata-installed-$TDATA_OPENTELE-$TDATA_TELETHON"
  if [ ! -e "$stamp" ]; then
    echo "test.sh: installing opentele-ng $TDATA_OPENTELE into $dir/tdata-venv"
    command -v python3 >/dev/null || { echo "test.sh: python3 is not installed" >&2; return 1; }
    mkdir -p "$dir"
    if [ ! -x "$py" ]; then
      python3 -m venv "$dir/tdata-venv" || return 1
    fi
    "$py" -m pip install --quiet --disable-pip-version-check \
      "opentele-ng==$TDATA_OPENTELE" "telethon==$TDATA_TELETHON" || return 1
    "$py" -c "from opentele.td import TDesktop, Account; import telethon; assert telethon.__version__ == '$TDATA_TELETHON', telethon.__version__" || return 1
    touch "$stamp"
  fi
  export MTGO_TDATA_PYTHON="$py"
  echo "test.sh: opentele-ng ready (MTGO_TDATA_PYTHON=$MTGO_TDATA_PYTHON)"
}
