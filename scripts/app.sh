#!/usr/bin/env bash
# Builds and opens the Mailferry desktop app from a fresh clone on Debian or Ubuntu,
# installing WebKitGTK and the other system packages first when they are missing.
# `bash scripts/app.sh build` makes the installers instead (.deb and .rpm on Linux).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages=()
pkg-config --exists webkit2gtk-4.1 2>/dev/null || packages+=(libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev libxdo-dev build-essential)
pkg-config --exists dbus-1 2>/dev/null || packages+=(libdbus-1-dev pkg-config)
command -v gnome-keyring-daemon >/dev/null || packages+=(gnome-keyring)
command -v node >/dev/null || packages+=(nodejs npm)
if [ ${#packages[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi
# `npm install` rather than `npm ci`: npm leaves other platforms' optional packages (Rollup's,
# the Tauri CLI's) out of package-lock.json (npm/cli#4828), and npm 11's `ci` then refuses the
# lock as out of sync; `install` still follows the locked versions.
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm install --no-audit --no-fund

case "${1:-run}" in
  build) npx tauri build --bundles deb,rpm ;;
  *) npx tauri dev ;;
esac
