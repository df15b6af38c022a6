#!/usr/bin/env bash
# Checks the Cargo.lock files (the engine's, the desktop shell's and the fuzzing harness's)
# against the RustSec advisory database, offline: the snapshot in ../shared/advisory-db
# beside the clone, or ADVISORY_DB. Fails on any vulnerability and on unmaintained, unsound
# or yanked crates, except the advisories ignored with a reason in .cargo/audit.toml and
# src-tauri/.cargo/audit.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
db="$(realpath "${ADVISORY_DB:-../shared/advisory-db}")"
[ -d "$db" ] || { echo "audit: no advisory database at $db (set ADVISORY_DB)" >&2; exit 1; }

# cargo-audit rather than cargo-deny: it is the smaller build (about 8 minutes of CPU once,
# then kept in ~/.cargo/bin), and licences and sources, cargo-deny's extras, are not needed.
version=0.22.2
if ! cargo audit --version 2>/dev/null | grep -q " $version\$"; then
  cargo install --locked --quiet cargo-audit --version "$version"
fi

# Each directory's .cargo/audit.toml holds its ignore list and `deny = ["warnings"]`.
cargo audit --db "$db" --no-fetch
(cd src-tauri && cargo audit --db "$db" --no-fetch)
# The fuzzing harness is only built by contributors and CI, but it runs their code too.
cargo audit --db "$db" --no-fetch --file fuzz/Cargo.lock
