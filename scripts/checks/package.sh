#!/usr/bin/env bash
# The workspace's crates package and build as they would be published:
# `cargo package --workspace` makes the .crate files crates.io would get
# (mtgo-storage-entity, -macros, -migration and mtgo-storage), and then the
# packages alone, unpacked into a scratch folder outside the repository,
# build with every feature (library and CLI) and pass their doc tests.
# Nothing is published and nothing outside the unpacked packages is read:
# the unpublished crates find each other through a `[patch.crates-io]` of
# the scratch workspace that holds them, as crates.io would resolve them.
#
# cargo's own verify step is replaced by this build because it builds each
# crate with its default features only, in a feature set no other step
# builds; this one shares the build cache of the test run
# (CARGO_TARGET_DIR), so only the four crates themselves are compiled again.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
target=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_DIR=$target

version=$(cargo metadata --format-version 1 --no-deps --offline |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "mtgo-storage"))')
crates=(mtgo-storage-entity mtgo-storage-macros mtgo-storage-migration mtgo-storage)

rm -f "$target/package/"*.crate
cargo package --workspace --no-verify --allow-dirty --offline --quiet

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
members=()
for crate in "${crates[@]}"; do
  file="$target/package/$crate-$version.crate"
  [ -f "$file" ] || { echo "package.sh: FAILED: $file was not made" >&2; exit 1; }
  tar -xzf "$file" -C "$work"
  members+=("\"$crate-$version\"")
done
{
  echo "[workspace]"
  echo "members = [$(IFS=,; echo "${members[*]}")]"
  echo "resolver = \"3\""
  echo
  echo "[patch.crates-io]"
  for crate in "${crates[@]}"; do
    [ "$crate" = mtgo-storage ] && continue
    echo "$crate = { path = \"$crate-$version\" }"
  done
} >"$work/Cargo.toml"
# The versions the repository was tested with.
cp Cargo.lock "$work/Cargo.lock"

cd "$work"
# `cargo test` (not `cargo build`) so that features unify as in the test
# run, dev-dependencies included, and the shared build cache is reused.
echo "package.sh: building the packaged crates (every feature, libraries and commands) in $work"
cargo test --workspace --all-features --bins --no-run --offline --quiet
echo "package.sh: doc tests of the packaged crates"
cargo test --workspace --all-features --doc --offline --quiet
echo "package.sh: ok (${crates[*]} package, build and pass their doc tests from the .crate files)"
