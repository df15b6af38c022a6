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

[ -d node_modules ] || npm ci
MAILFERRY_DEMO_BUILD=1 npx vite build --config ui/vite.config.ts --logLevel warn
npx vite preview --config ui/vite.config.ts --outDir ../target/ui-demo --port "$port" --strictPort \
  >/dev/null 2>&1 &
preview=$!
trap 'kill $preview 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fs "http://localhost:$port/" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "status page: $mailboxes mailboxes, one update every 100 ms, ${seconds} s per round" >&2
for _ in $(seq "$rounds"); do
  node bench/ui-status.mjs "http://localhost:$port/?demo&load=$mailboxes" "$seconds"
done
