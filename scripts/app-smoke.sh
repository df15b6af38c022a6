#!/usr/bin/env bash
# Builds the Linux installer (.deb), installs it like an owner would, launches the installed
# app on a virtual display, and checks that its window opens. Leaves a screenshot in
# target/app-smoke/ for people to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/app-smoke
mkdir -p "$out"
# A debug bundle reuses the test build's compiled dependencies; a release installer is built
# the same way without --debug (see README).
npx tauri build --debug --bundles deb --ci >"$out/bundle.log" 2>&1 || { tail -40 "$out/bundle.log"; exit 1; }
deb=$(ls -t src-tauri/target/debug/bundle/deb/*.deb | head -1)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo dpkg -i "$deb" >"$out/dpkg.log" 2>&1 || { cat "$out/dpkg.log"; exit 1; }
command -v mailferry-app >/dev/null || { echo "the package did not install mailferry-app"; exit 1; }

state=$(mktemp -d)
keyring_home=$(mktemp -d)
trap 'rm -rf "$state" "$keyring_home"' EXIT
# As on a desktop: a session bus and an unlocked keyring (a throwaway one).
MAILFERRY_STATE_DIR="$state" dbus-run-session -- env XDG_DATA_HOME="$keyring_home" xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  echo -n mailferry-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  mailferry-app >"'"$out"'/app.log" 2>&1 &
  app=$!
  for _ in $(seq 1 60); do
    if xwininfo -root -tree | grep -q "Mailferry"; then break; fi
    sleep 0.5
  done
  sleep 3  # let the page render before the screenshot
  found=0
  xwininfo -root -tree | grep -q "Mailferry" && found=1
  import -window root "'"$out"'/installed-app.png" || true
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  if [ "$found" = 1 ]; then echo "installed app opened its window: 1 passed, 0 failed"; else echo "installed app: no window: 0 passed, 1 failed"; cat "'"$out"'/app.log"; exit 1; fi
'
