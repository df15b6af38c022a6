#!/usr/bin/env bash
# Checking Microsoft's migration CSV at its limit: 50,000 rows (with BOM, CRLF and UserRoot),
# parsed and validated whole, several rounds, release build. Prints one JSON line.
#
#   bash bench/csv-import.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release --example csv_import_bench -- "${1:-9}"
