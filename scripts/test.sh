#!/usr/bin/env bash
# Runs every test on a fresh Debian or Ubuntu machine, installing what is missing first:
#   1. the engine and command line against real Dovecot servers and the real OS keyring;
#   2. the window's UI (type check, component tests with the IPC boundary faked, every screen's
#      layout at 1024×700 and 1366×900 in light and dark in headless Chromium);
#   3. the desktop shell's commands through Tauri's IPC (mock runtime, real capabilities);
#   4. the Linux installer: build the .deb and .rpm, install the .deb, open the installed app;
#   5. end to end: the built app driven through WebDriver across the whole wizard, against
#      real Dovecot servers and the real keyring, then every copied message checked.
# `bash scripts/test.sh engine` (or ui, shell, installer, e2e) runs one part.
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("${@:-engine ui shell installer e2e}")
parts=(${parts[*]})
wants() { [[ " ${parts[*]} " == *" $1 "* ]]; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages=()
command -v dovecot >/dev/null || packages+=(dovecot-imapd dovecot-core)
command -v openssl >/dev/null || packages+=(openssl)
command -v gnome-keyring-daemon >/dev/null || packages+=(gnome-keyring)
command -v secret-tool >/dev/null || packages+=(libsecret-tools)
command -v dbus-run-session >/dev/null || packages+=(dbus-daemon dbus-x11)
command -v dbus-send >/dev/null || packages+=(dbus-bin)
if wants ui || wants shell || wants installer || wants e2e; then
  # The UI tools need Node.js 20 or newer; the distribution's is used only when none is installed.
  command -v npm >/dev/null || packages+=(nodejs npm)
fi
if wants ui; then
  command -v chromium >/dev/null || packages+=(chromium)
  command -v curl >/dev/null || packages+=(curl)
fi
pkg-config --exists dbus-1 2>/dev/null || packages+=(libdbus-1-dev pkg-config)
if wants shell || wants installer || wants e2e; then
  pkg-config --exists webkit2gtk-4.1 2>/dev/null || packages+=(libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev libxdo-dev build-essential)
  command -v xvfb-run >/dev/null || packages+=(xvfb xauth)
  command -v xwininfo >/dev/null || packages+=(x11-utils)
  command -v import >/dev/null || packages+=(imagemagick)
fi
if wants e2e; then
  command -v WebKitWebDriver >/dev/null || packages+=(webkit2gtk-driver)
fi
if [ ${#packages[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if wants ui || wants shell || wants installer || wants e2e; then
  # The shell embeds the built UI, so it is built before the shell is compiled.
  # `npm install` rather than `npm ci`: npm leaves other platforms' optional packages (Rollup's,
  # the Tauri CLI's) out of package-lock.json (npm/cli#4828), and npm 11's `ci` then refuses
  # the lock as out of sync; `install` still follows the locked versions.
  [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm install --no-audit --no-fund
  npm run build
fi

if wants engine; then
  # A throwaway keyring, unlocked with a throwaway password, in a private D-Bus session: the
  # tests use the real Secret Service without touching the user's own keyring. Its own runtime
  # dir keeps its control socket apart from any other keyring daemon on the machine.
  keyring_home=$(mktemp -d)
  mkdir -m 700 -p "$keyring_home/run"
  dbus-run-session -- env XDG_DATA_HOME="$keyring_home" XDG_RUNTIME_DIR="$keyring_home/run" bash -c '
    bash scripts/test-keyring.sh
    cargo test --locked --no-fail-fast
  '
  rm -rf "$keyring_home"
fi

if wants ui; then
  npm run typecheck
  npm test
  # The window's layout at the sizes owners use, in a real browser.
  bash scripts/layout.sh
fi

if wants shell; then
  cargo test --locked --manifest-path src-tauri/Cargo.toml
fi

if wants installer; then
  bash scripts/app-smoke.sh
fi

if wants e2e; then
  bash scripts/e2e.sh
fi
