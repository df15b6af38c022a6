#!/usr/bin/env bash
# Status page benchmark: the optimised window build with the browser demo kept, served on
# loopback, a batch of N mailboxes all copying with an update every 100 ms, measured in
# headless Chromium (frame times, long tasks, heap). Prints one JSON line per round.
#
#   bash bench/ui-status.sh               # 100 mailboxes, 20 s, 3 rounds
#   UI_BENCH_MAILBOXES=300 UI_BENCH_SECONDS=30 UI_BENCH_ROUNDS=1 bash bench/ui-status.sh
#
# Needs Node.js (npm ci) and Chromium (apt-get install chromium; or CHROMIUM=/path).
set -euo pipefail
cd "$(dirname "$0")/.."
mailboxes=${UI_BENCH_MAILBOXES:-100}
seconds=${UI_BENCH_SECONDS:-20}
rounds=${UI_BENCH_ROUNDS:-3}
port=${UI_BENCH_PORT:-4179}

source scripts/demo-page.sh
serve_demo_page "$port"
echo "status page: $mailboxes mailboxes, one update every 100 ms, ${seconds} s per round" >&2
for _ in $(seq "$rounds"); do
  node bench/ui-status.mjs "http://localhost:$port/?demo&load=$mailboxes" "$seconds"
done
