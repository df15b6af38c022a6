#!/usr/bin/env bash
# Builds the Linux installers (.deb and .rpm), checks what each would install, installs the
# .deb like an owner would, launches the installed app on a virtual display, and checks that its
# window opens. Leaves a screenshot in target/app-smoke/ for people to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/app-smoke
mkdir -p "$out"
# A debug bundle reuses the test build's compiled dependencies; a release installer is built
# the same way without --debug (see README).
npx tauri build --debug --bundles deb,rpm --ci >"$out/bundle.log" 2>&1 || { tail -40 "$out/bundle.log"; exit 1; }
deb=$(ls -t src-tauri/target/debug/bundle/deb/*.deb | head -1)
rpm=$(ls -t src-tauri/target/debug/bundle/rpm/*.rpm | head -1)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
command -v rpm >/dev/null || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends rpm >/dev/null

# Both packages hold the app, its launcher entry and icons, and nothing else in bin/.
version=$(sed -n 's/^version = "\(.*\)"/\1/p' src-tauri/Cargo.toml | head -1)
expected_files="/usr/bin/mailferry-app
/usr/share/applications/Mailferry.desktop
/usr/share/icons/hicolor/128x128/apps/mailferry-app.png
/usr/share/icons/hicolor/256x256@2/apps/mailferry-app.png
/usr/share/icons/hicolor/32x32/apps/mailferry-app.png"
deb_files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed -e 's|^\./|/|' -e 's|^\([^/]\)|/\1|' | sort)
rpm_files=$(rpm -qpl "$rpm" 2>/dev/null | sort)
for listing in deb rpm; do
  files=$([ "$listing" = deb ] && echo "$deb_files" || echo "$rpm_files")
  if [ "$files" != "$expected_files" ]; then
    echo "the .$listing installs unexpected files:"; diff <(echo "$expected_files") <(echo "$files") || true; exit 1
  fi
done
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || { echo ".deb version is not $version"; exit 1; }
[ "$(rpm -qp --queryformat '%{NAME} %{VERSION}' "$rpm" 2>/dev/null)" = "mailferry $version" ] || { echo ".rpm name/version wrong"; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q 'libwebkit2gtk-4.1-0' || { echo ".deb does not depend on WebKitGTK"; exit 1; }
rpm -qpR "$rpm" 2>/dev/null | grep -q 'libwebkit2gtk-4.1.so.0' || { echo ".rpm does not require WebKitGTK"; exit 1; }
echo "packages: .deb and .rpm $version hold the app, its launcher and icons"
$sudo dpkg -i "$deb" >"$out/dpkg.log" 2>&1 || { cat "$out/dpkg.log"; exit 1; }
command -v mailferry-app >/dev/null || { echo "the package did not install mailferry-app"; exit 1; }

state=$(mktemp -d)
keyring_home=$(mktemp -d)
trap 'rm -rf "$state" "$keyring_home"' EXIT
# As on a desktop: a session bus and an unlocked keyring (a throwaway one).
mkdir -m 700 -p "$keyring_home/run"
MAILFERRY_STATE_DIR="$state" dbus-run-session -- env XDG_DATA_HOME="$keyring_home" XDG_RUNTIME_DIR="$keyring_home/run" xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  bash scripts/test-keyring.sh
  mailferry-app >"'"$out"'/app.log" 2>&1 &
  app=$!
  for _ in $(seq 1 60); do
    if xwininfo -root -tree | grep -q "Mailferry"; then break; fi
    sleep 0.5
  done
  sleep 3  # let the page render before the screenshot
  found=0
  xwininfo -root -tree | grep -q "Mailferry" && found=1
  # A second launch must not open a second app following the same batches: it hands over to
  # the first one and ends, while the first keeps running.
  single=0
  if [ "$found" = 1 ]; then
    mailferry-app >"'"$out"'/second.log" 2>&1 &
    second=$!
    for _ in $(seq 1 40); do
      kill -0 "$second" 2>/dev/null || break
      sleep 0.25
    done
    if ! kill -0 "$second" 2>/dev/null && kill -0 "$app" 2>/dev/null; then single=1; fi
    kill "$second" 2>/dev/null || true
  fi
  import -window root "'"$out"'/installed-app.png" || true
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  if [ "$found" != 1 ]; then echo "installed app: no window: 0 passed, 2 failed"; cat "'"$out"'/app.log"; exit 1; fi
  if [ "$single" != 1 ]; then echo "installed app: a second launch kept running beside the first: 1 passed, 1 failed"; cat "'"$out"'/second.log"; exit 1; fi
  echo "installed app opened its window, a second launch handed over to it: 2 passed, 0 failed"
'
