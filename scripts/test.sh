#!/usr/bin/env bash
# Runs every test on a fresh Debian or Ubuntu machine: installs what is missing (Dovecot for
# the real IMAP servers the tests start, GNOME Keyring for the real OS keyring), then runs
# the whole suite inside a private D-Bus session with an unlocked test keyring.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v dovecot >/dev/null || packages+=(dovecot-imapd dovecot-core)
command -v doveadm >/dev/null || packages+=(dovecot-core)
command -v openssl >/dev/null || packages+=(openssl)
command -v gnome-keyring-daemon >/dev/null || packages+=(gnome-keyring)
command -v dbus-run-session >/dev/null || packages+=(dbus-daemon dbus-x11)
pkg-config --exists dbus-1 2>/dev/null || packages+=(libdbus-1-dev pkg-config)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# A throwaway keyring, unlocked with a throwaway password, in a private D-Bus session: the
# tests use the real Secret Service without touching the user's own keyring.
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
dbus-run-session -- env XDG_DATA_HOME="$keyring_home" bash -c '
  echo -n mailferry-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test --locked --no-fail-fast "$@"
' bash "$@"
