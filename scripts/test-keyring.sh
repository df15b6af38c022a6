#!/usr/bin/env bash
# Starts and unlocks a throwaway GNOME keyring inside the current (private) D-Bus session, the
# way a desktop login does, and waits until it serves the Secret Service. Used by the tests,
# the installer check and the end-to-end run; never touches the user's own keyring (they run
# it with XDG_DATA_HOME and XDG_RUNTIME_DIR pointing at temporary folders).
set -euo pipefail
echo -n mailferry-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# The daemon claims its bus name a moment after it returns; a client that comes first has
# D-Bus start a second, locked daemon ("Cannot create an item in a locked collection").
for _ in $(seq 50); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
  sleep 0.1
done
# Create the default collection once, before clients race to create it from many processes.
echo -n warm-up | secret-tool store --label="Mailferry test warm-up" service mailferry-warm-up username warm-up
secret-tool clear service mailferry-warm-up username warm-up
