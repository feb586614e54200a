#!/usr/bin/env bash
# The migration CLI against SQLite, PostgreSQL and MariaDB:
#   cargo run -p mtgo-storage-migration -- up|down|status|fresh -u URL
# and DATABASE_URL in place of -u. PostgreSQL and MariaDB get a dedicated
# database (mtgo_migration_cli), since `fresh` drops every table it finds.
# A service that is unreachable is skipped unless MTGO_TEST_REQUIRE names it.
set -euo pipefail
export PGOPTIONS="${PGOPTIONS:-} --client-min-messages=warning"
cd "$(dirname "$0")/../.."

# Every migration the migrator lists; they create twelve tables (nine, then
# the session leases, then temporary keys and server salts).
MIGRATIONS=$(grep -c 'Box::new(m' migration/src/lib.rs)
TABLES=13
DB=mtgo_migration_cli
required() { [[ ",${MTGO_TEST_REQUIRE:-}," =~ ,($1|all), ]]; }
fail() { echo "migration_cli.sh: FAILED: $*" >&2; exit 1; }
skip() {
  if required "$1"; then fail "$1 is required (MTGO_TEST_REQUIRE) but $2"; fi
  echo "migration_cli.sh: *** SKIPPED $1: $2 ***" >&2
}

# Frozen migrations never import the current entities.
if grep -q 'mtgo-storage-entity' migration/Cargo.toml || grep -rq 'mtgo_storage_entity' migration/src; then
  fail "the migration crate depends on the entity crate"
fi

cargo build --quiet -p mtgo-storage-migration
migrate() { cargo run --quiet -p mtgo-storage-migration -- "$@" 2>&1; }

# expect_status APPLIED PENDING ARGS...: `status` lists that many of each.
expect_status() {
  local applied=$1 pending=$2 out a p
  shift 2
  out=$(migrate status "$@") || fail "status $*: $out"
  a=$(grep -c '\.\.\. Applied' <<<"$out" || true)
  p=$(grep -c '\.\.\. Pending' <<<"$out" || true)
  [ "$a" = "$applied" ] && [ "$p" = "$pending" ] ||
    fail "status $*: expected $applied applied and $pending pending, got $a and $p:
$out"
}

# exercise NAME URL: the whole cycle against one database.
exercise() {
  local name=$1 url=$2 out
  echo "migration_cli.sh: $name"
  out=$(migrate up -u "$url") || fail "$name up: $out"
  expect_status "$MIGRATIONS" 0 -u "$url"
  out=$(migrate down -u "$url") || fail "$name down: $out"
  expect_status $((MIGRATIONS - 1)) 1 -u "$url"
  out=$(migrate down -n "$MIGRATIONS" -u "$url") || fail "$name down -n: $out"
  expect_status 0 "$MIGRATIONS" -u "$url"
  out=$(migrate fresh -u "$url") || fail "$name fresh: $out"
  expect_status "$MIGRATIONS" 0 -u "$url"
  # DATABASE_URL instead of -u.
  out=$(DATABASE_URL=$url migrate down -n 2) || fail "$name DATABASE_URL down: $out"
  DATABASE_URL=$url expect_status $((MIGRATIONS - 2)) 2
  out=$(DATABASE_URL=$url migrate up) || fail "$name DATABASE_URL up: $out"
  DATABASE_URL=$url expect_status "$MIGRATIONS" 0
}

# SQLite: a new file, created 0600 by the CLI.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exercise sqlite "sqlite://$tmp/cli.db?mode=rwc"
mode=$(stat -c %a "$tmp/cli.db")
[ "$mode" = 600 ] || fail "sqlite file mode is $mode, expected 600"
if command -v sqlite3 >/dev/null; then
  [ "$(sqlite3 "$tmp/cli.db" "select count(*) from sqlite_master where name like 'mtgo\_%' escape '\\' and type = 'table'")" -ge "$TABLES" ] ||
    fail "sqlite: tables missing after up"
fi

# PostgreSQL: the server of MTGO_TEST_POSTGRES_URL, database $DB.
pg_base=${MTGO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
pg_url="${pg_base%/*}/$DB"
if ! command -v psql >/dev/null; then
  skip postgres "psql is not installed"
elif ! psql "$pg_base" -qAtc "select 1" >/dev/null 2>&1; then
  skip postgres "unreachable at $pg_base"
else
  psql "$pg_base" -qAt -c "drop database if exists $DB" -c "create database $DB" >/dev/null
  exercise postgres "$pg_url"
  n=$(psql "$pg_url" -qAtc "select count(*) from information_schema.tables where table_name like 'mtgo\_%' and table_name <> 'mtgo_seaql_migrations'")
  [ "$n" = "$TABLES" ] || fail "postgres: $n mtgo_ tables, expected $TABLES"
  psql "$pg_base" -qAtc "drop database $DB" >/dev/null
fi

# MariaDB / MySQL: the server of MTGO_TEST_MYSQL_URL, database $DB.
my_base=${MTGO_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
my_url="${my_base%/*}/$DB"
my_hostport=${my_base#*@}
my_hostport=${my_hostport%%/*}
my_userinfo=${my_base#mysql://}
my_userinfo=${my_userinfo%%@*}
my_user=${my_userinfo%%:*}
my_pass=""
[[ $my_userinfo == *:* ]] && my_pass=${my_userinfo#*:}
mysql_cli() {
  MYSQL_PWD=$my_pass mysql -h "${my_hostport%:*}" -P "${my_hostport##*:}" --protocol=tcp -u "$my_user" -N -B "$@"
}
if ! command -v mysql >/dev/null; then
  skip mysql "the mysql client is not installed"
elif ! mysql_cli -e "select 1" >/dev/null 2>&1; then
  skip mysql "unreachable at $my_base"
else
  mysql_cli -e "drop database if exists $DB; create database $DB"
  exercise mariadb "$my_url"
  n=$(mysql_cli -e "select count(*) from information_schema.tables where table_schema = '$DB' and table_name like 'mtgo\\_%' and table_name <> 'mtgo_seaql_migrations'")
  [ "$n" = "$TABLES" ] || fail "mariadb: $n mtgo_ tables, expected $TABLES"
  mysql_cli -e "drop database $DB"
fi
echo "migration_cli.sh: ok"
