#!/usr/bin/env bash
# Builds and opens the Mailferry desktop app from a fresh clone on Debian or Ubuntu,
# installing WebKitGTK and the other system packages first when they are missing.
# `bash scripts/app.sh build` makes the installers instead (.deb and .rpm on Linux).
# `bash scripts/app.sh demo` (or `npm run demo`) starts two sample mail servers on this computer
# and opens the app filled in to migrate their mailboxes: a whole migration, no accounts needed.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages=()
pkg-config --exists webkit2gtk-4.1 2>/dev/null || packages+=(libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev libxdo-dev build-essential)
pkg-config --exists dbus-1 2>/dev/null || packages+=(libdbus-1-dev pkg-config)
command -v gnome-keyring-daemon >/dev/null || packages+=(gnome-keyring)
command -v node >/dev/null || packages+=(nodejs npm)
if [ "${1:-run}" = demo ]; then
  command -v dovecot >/dev/null || packages+=(dovecot-imapd dovecot-core)
fi
if [ ${#packages[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi
# `npm install` rather than `npm ci`: npm leaves other platforms' optional packages (Rollup's,
# the Tauri CLI's) out of package-lock.json (npm/cli#4828), and npm 11's `ci` then refuses the
# lock as out of sync; `install` still follows the locked versions.
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm install --no-audit --no-fund

demo() {
  npx tauri build --debug --no-bundle --ci
  cargo build --quiet --example sample_servers
  local work servers_pid
  work=$(mktemp -d)
  chmod 755 "$work"
  echo "Loading ${DEMO_USERS:-4} sample mailboxes of ${DEMO_MESSAGES:-2500} messages each…"
  # Dovecot switches between system users, so the sample servers need root.
  $sudo target/debug/examples/sample_servers --output "$work/servers.json" \
    --users "${DEMO_USERS:-4}" --messages "${DEMO_MESSAGES:-2500}" &
  servers_pid=$!
  trap '$sudo kill '"$servers_pid"' 2>/dev/null; rm -rf '"$work"'' EXIT
  until [ -s "$work/servers.json" ]; do
    kill -0 "$servers_pid" 2>/dev/null || { echo "the sample servers did not start"; exit 1; }
    sleep 0.5
  done
  # A state folder of its own, so the demo never mixes with real migrations; the sample
  # servers' certificates come from a local test CA, trusted for this run only.
  SSL_CERT_FILE=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).ca_file)' "$work/servers.json") \
    MAILFERRY_STATE_DIR="$work/state" MAILFERRY_DEMO="$work/servers.json" \
    src-tauri/target/debug/mailferry-app
}

case "${1:-run}" in
  build) npx tauri build --bundles deb,rpm ;;
  demo) demo ;;
  *) npx tauri dev ;;
esac
