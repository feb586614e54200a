#!/usr/bin/env bash
# Runs every test of mtgo-storage against real services.
#
# It starts what is not running (PostgreSQL, MariaDB, Redis, a MongoDB-wire
# server, and the Telethon/Pyrogram/GramJS interop libraries, each installed
# into a folder of the project's own), runs every test, and stops what it
# started. Set MTGO_TEST_REQUIRE (for instance "postgres,mysql,redis,mongodb,interop")
# to make an unreachable service fail the run instead of skipping its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# shellcheck source=services/lib.sh
source scripts/services/lib.sh
trap stop_started EXIT

required() { [[ ",${MTGO_TEST_REQUIRE:-}," =~ ,($1|all), ]]; }

# try_service NAME FUNCTION: start a service; failing is fatal only if required.
try_service() {
  if ! "$2"; then
    if required "$1"; then
      echo "test.sh: $1 is required (MTGO_TEST_REQUIRE) but could not be started" >&2
      exit 1
    fi
    echo "test.sh: *** $1 unavailable; its tests will be skipped ***" >&2
  fi
}

try_service postgres ensure_postgres
try_service mysql ensure_mariadb
try_service redis ensure_redis
for extra in scripts/services/[a-z]*.sh; do
  [ "$extra" = scripts/services/lib.sh ] && continue
  # Each extra file defines ensure_<name> and is named <name>.sh.
  # shellcheck disable=SC1090
  source "$extra"
  name=$(basename "$extra" .sh)
  try_service "$name" "ensure_$name"
done

echo "test.sh: building and testing (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
cargo test --workspace --all-features --all-targets --no-fail-fast
cargo test --workspace --all-features --doc
for f in sqlite postgres mysql mongodb redis grammers tdata encryption metrics; do
  echo "test.sh: cargo check --no-default-features --features $f"
  cargo check --quiet --no-default-features --features "$f"
done
for extra in scripts/checks/[a-z]*.sh; do
  [ -e "$extra" ] || continue
  echo "test.sh: running $extra"
  bash "$extra"
done
echo "test.sh: all tests passed"
