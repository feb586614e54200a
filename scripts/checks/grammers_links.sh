#!/usr/bin/env bash
# grammers-session is linked without its `sqlite-storage` feature, so its
# libsql never links beside SeaORM's SQLite (duplicate sqlite3 symbols): no
# package of the workspace, with every feature and the dev-dependencies,
# depends on libsql. (tests/grammers-sqlite, which builds grammers' own
# SqliteSession for the interop test, is a separate project.)
set -euo pipefail
cd "$(dirname "$0")/../.."
features=$(cargo tree --workspace --all-features --edges normal,dev,features -i grammers-session 2>&1) ||
  { echo "grammers_links.sh: FAILED: grammers-session is not in the tree: $features" >&2; exit 1; }
if grep -q 'sqlite-storage' <<<"$features"; then
  echo "grammers_links.sh: FAILED: grammers-session is built with sqlite-storage:" >&2
  echo "$features" >&2
  exit 1
fi
if out=$(cargo tree --workspace --all-features --edges normal,dev -i libsql 2>&1); then
  echo "grammers_links.sh: FAILED: libsql is linked:" >&2
  echo "$out" >&2
  exit 1
fi
echo "grammers_links.sh: ok (grammers-session without sqlite-storage; no libsql)"
