# Interop libraries for tests/interop.rs: Telethon 1.45.0 and Pyrogram 2.0.106
# (PyPI) and GramJS 2.26.22 (npm package `telegram`), installed into
# .interop/ (gitignored) the first time, reused afterwards.
# Sourced by scripts/test.sh, which calls ensure_interop. Exports
# MTGO_INTEROP_PYTHON (the venv's python) and MTGO_INTEROP_NODE_MODULES.

INTEROP_TELETHON=1.45.0
INTEROP_PYROGRAM=2.0.106
INTEROP_GRAMJS=2.26.22

ensure_interop() {
  local dir="${ROOT:-$PWD}/.interop"
  local py="$dir/venv/bin/python"
  local stamp="$dir/installed-$INTEROP_TELETHON-$INTEROP_PYROGRAM-$INTEROP_GRAMJS"
  if [ ! -e "$stamp" ]; then
    echo "test.sh: installing interop libraries into $dir"
    command -v python3 >/dev/null || { echo "test.sh: python3 is not installed" >&2; return 1; }
    command -v npm >/dev/null || { echo "test.sh: npm is not installed" >&2; return 1; }
    mkdir -p "$dir"
    if [ ! -x "$py" ]; then
      python3 -m venv "$dir/venv" || return 1
    fi
    "$py" -m pip install --quiet --disable-pip-version-check \
      "telethon==$INTEROP_TELETHON" "pyrogram==$INTEROP_PYROGRAM" || return 1
    # tgcrypto only speeds Pyrogram up; reading sessions does not need it.
    "$py" -m pip install --quiet --disable-pip-version-check tgcrypto >/dev/null 2>&1 ||
      echo "test.sh: tgcrypto did not build; Pyrogram works without it"
    npm install --silent --no-audit --no-fund --prefix "$dir/node" "telegram@$INTEROP_GRAMJS" || return 1
    "$py" -c "import telethon, pyrogram; assert telethon.__version__ == '$INTEROP_TELETHON', telethon.__version__; assert pyrogram.__version__ == '$INTEROP_PYROGRAM', pyrogram.__version__" || return 1
    touch "$stamp"
  fi
  export MTGO_INTEROP_PYTHON="$py"
  export MTGO_INTEROP_NODE_MODULES="$dir/node/node_modules"
  echo "test.sh: interop libraries ready (MTGO_INTEROP_PYTHON=$MTGO_INTEROP_PYTHON)"
}
