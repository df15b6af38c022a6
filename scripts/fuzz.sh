#!/usr/bin/env bash
# Fuzzes what Mailferry reads from servers and files (fuzz/: one target per file in
# fuzz/tests, seeded from real server transcripts in fuzz/tests/__fuzz__/<target>/corpus).
# Every corpus file is replayed, then each target gets random and spliced inputs for
# FUZZ_SECONDS (default 15; CI runs the four targets for about a minute in all).
#   bash scripts/fuzz.sh                      all targets
#   FUZZ_SECONDS=3600 bash scripts/fuzz.sh imap_response
# A failure prints BOLERO_RANDOM_SEED=...; run the target again with that variable set to
# reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-15}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(cd fuzz/tests && ls *.rs | sed 's/\.rs$//'))
cargo fmt --check --manifest-path fuzz/Cargo.toml
# The engine's target directory: the fuzzing crate reuses its compiled dependencies. The dev
# profile keeps overflow checks and debug assertions on, which turn silent bugs into findings.
export CARGO_TARGET_DIR="$PWD/target"
for target in "${targets[@]}"; do
  BOLERO_RANDOM_TEST_TIME_MS=$((seconds * 1000)) \
    cargo test --locked --quiet --manifest-path fuzz/Cargo.toml --test "$target"
done
