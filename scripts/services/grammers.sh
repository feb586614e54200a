# The grammers test program for tests/grammers_file.rs: tests/grammers-sqlite,
# a crate of its own (outside the workspace, with its own Cargo.lock) that
# writes and reads session files with grammers-session 0.11's own
# `SqliteSession`. Built once into target/grammers-sqlite (gitignored) and
# rebuilt by cargo when its sources change.
# Sourced by scripts/test.sh, which calls ensure_grammers. Exports
# MTGO_GRAMMERS_SQLITE (the program's path).

ensure_grammers() {
  local root="${ROOT:-$PWD}"
  local target="${CARGO_TARGET_DIR:-$root/target}/grammers-sqlite"
  echo "test.sh: building the grammers test program into $target"
  cargo build --quiet --release --locked \
    --manifest-path "$root/tests/grammers-sqlite/Cargo.toml" \
    --target-dir "$target" || return 1
  export MTGO_GRAMMERS_SQLITE="$target/release/grammers-sqlite"
  echo "test.sh: grammers test program ready (MTGO_GRAMMERS_SQLITE=$MTGO_GRAMMERS_SQLITE)"
}
