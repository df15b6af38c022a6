#!/usr/bin/env bash
# End to end in the real app: builds the desktop app, starts two sample Dovecot servers, opens
# the app through WebDriver (tauri-driver + WebKitWebDriver) on a virtual display with a real
# (throwaway) keyring, walks the whole wizard, and then checks every destination mailbox
# against its source message by message. Screenshots of every screen go to target/e2e/.
# One run goes into a server that behaves like Exchange Online (sample_servers --exchange)
# and is checked message by message the way Exchange can hold them; another comes from a
# source whose self-signed certificate the owner trusts in the window (--self-signed).
#
#   bash scripts/e2e.sh            every spec in ui/e2e, then every comparison
#   bash scripts/e2e.sh exchange   only the specs whose file names contain "exchange"
#
# Needs what scripts/test.sh installs for the shell (WebKitGTK, Xvfb, Dovecot, gnome-keyring)
# plus webkit2gtk-driver and tauri-driver, which this script installs when missing. Root, as
# Dovecot switches users.
set -euo pipefail
cd "$(dirname "$0")/.."
# Spec file filters for vitest; none runs them all.
specs=("$@")
root=$(pwd)
out="$root/target/e2e"
rm -rf "$out"
mkdir -p "$out"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages=()
command -v WebKitWebDriver >/dev/null || packages+=(webkit2gtk-driver)
command -v xdg-open >/dev/null || packages+=(xdg-utils)
command -v curl >/dev/null || packages+=(curl)
# A window manager for the spec that closes and minimises the window (ui/e2e/window.e2e.ts).
command -v openbox >/dev/null || packages+=(openbox)
command -v wmctrl >/dev/null || packages+=(wmctrl)
if [ ${#packages[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
export PATH="$HOME/.cargo/bin:$PATH"
# Pinned to 2.x: the newest tauri-driver on crates.io is a 3.0 pre-release for Tauri 3.
command -v tauri-driver >/dev/null || cargo install tauri-driver --version '^2' --locked

# The app as it ships (UI embedded), without packaging it; the installer test packages it.
npx tauri build --debug --no-bundle --ci >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
app="$root/src-tauri/target/debug/mailferry-app"
cargo build --locked --quiet --example sample_servers --bin mailferry
sample_servers="$root/target/debug/examples/sample_servers"

work=$(mktemp -d)
servers_pid=""
cleanup() {
  [ -n "$servers_pid" ] && kill "$servers_pid" 2>/dev/null && wait "$servers_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$sample_servers" --output "$work/servers.json" --users 6 --oauth --exchange --self-signed >"$out/sample-servers.log" 2>&1 &
servers_pid=$!
for _ in $(seq 1 120); do
  [ -s "$work/servers.json" ] && break
  kill -0 "$servers_pid" 2>/dev/null || { cat "$out/sample-servers.log"; exit 1; }
  sleep 0.5
done
[ -s "$work/servers.json" ] || { echo "the sample servers did not start"; cat "$out/sample-servers.log"; exit 1; }
field() { node -e 'const v=process.argv[2].split(".").reduce((o,k)=>o[k],JSON.parse(require("fs").readFileSync(process.argv[1])));console.log(v)' "$work/servers.json" "$1"; }
ca_file=$(field ca_file)

mkdir -p "$work/state" "$work/keyring/applications" "$work/config"
# The app trusts the sample servers' local CA the way a user trusts a company CA: through the
# system's certificate file setting (read by rustls-native-certs).
export SSL_CERT_FILE="$ca_file"
export MAILFERRY_STATE_DIR="$work/state"
# No test asks the real DNS: the window's domain checks go to a port where nothing answers.
export MAILFERRY_DNS_SERVER="127.0.0.1:9"
export MAILFERRY_E2E_SERVERS="$work/servers.json"
export MAILFERRY_E2E_APP="$app"
# The command line, for the spec that makes a batch there and opens it in the app.
export MAILFERRY_E2E_CLI="$root/target/debug/mailferry"
export MAILFERRY_E2E_ARTIFACTS="$out"
# Two free ports for tauri-driver and the WebKit driver behind it: another run on the same
# machine may hold any fixed pair, and a test must never drive another run's app.
read -r driver_port native_port < <(node -e '
  const net = require("net");
  const servers = [0, 1].map(() => net.createServer().listen(0, "127.0.0.1"));
  Promise.all(servers.map((s) => new Promise((r) => s.on("listening", r)))).then(() => {
    console.log(servers.map((s) => s.address().port).join(" "));
    servers.forEach((s) => s.close());
  });')
export MAILFERRY_E2E_DRIVER_PORT="$driver_port" MAILFERRY_E2E_NATIVE_PORT="$native_port"
# "Sign in with Microsoft" goes to the sample servers' identity-provider stand-in, whose
# sign-in pages the session's default browser (ui/e2e/browser.sh) follows back to the app.
export MAILFERRY_MS_CLIENT_ID=$(field oauth.client_id)
export MAILFERRY_MS_AUTHORITY_URL=$(field oauth.authority_url)
export MAILFERRY_MS_TOKEN_URL=$(field oauth.token_url)
export MAILFERRY_MS_DEVICE_CODE_URL=$(field oauth.device_code_url)
export MAILFERRY_MS_GRAPH_URL=$(field oauth.graph_url)
export XDG_CONFIG_HOME="$work/config"
cat >"$work/keyring/applications/mailferry-e2e-browser.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=End-to-end browser
Exec=$root/ui/e2e/browser.sh %u
MimeType=x-scheme-handler/http;x-scheme-handler/https;
DESKTOP
printf '[Default Applications]\nx-scheme-handler/http=mailferry-e2e-browser.desktop\nx-scheme-handler/https=mailferry-e2e-browser.desktop\n' >"$work/config/mimeapps.list"
status=0
# The session's own services (portals, accessibility bus) log their desktop-less complaints to
# session.log; the test's output stays on screen.
mkdir -m 700 -p "$work/keyring/run"
dbus-run-session -- env XDG_DATA_HOME="$work/keyring" XDG_RUNTIME_DIR="$work/keyring/run" xvfb-run -a -s "-screen 0 1280x900x24" bash -c '
  set -e
  exec 2>&1
  bash scripts/test-keyring.sh
  tauri-driver --port "$MAILFERRY_E2E_DRIVER_PORT" --native-port "$MAILFERRY_E2E_NATIVE_PORT" >"'"$out"'/tauri-driver.log" 2>&1 &
  driver=$!
  trap "kill $driver 2>/dev/null || true" EXIT
  for _ in $(seq 1 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$MAILFERRY_E2E_DRIVER_PORT) 2>/dev/null && break
    sleep 0.2
  done
  kill -0 $driver 2>/dev/null || { echo "tauri-driver did not start"; exit 1; }
  npx vitest run --config ui/e2e/vitest.config.ts "$@"
  # The passwords went into the keyring, and only there.
  for secret in $(node -e "const s=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));console.log([s.destination.admin_password,...s.users.map(u=>u.password),...(s.exchange?[s.exchange.user.password]:[]),...(s.self_signed?[s.self_signed.user.password]:[])].join(\" \"))" "$MAILFERRY_E2E_SERVERS"); do
    if grep -rqF -- "$secret" "$MAILFERRY_STATE_DIR"; then echo "a password was written to the state directory"; exit 1; fi
  done
  stored=$(secret-tool search --all service Mailferry 2>/dev/null | grep -c "^secret = " || true)
  # What every spec stores; a run of some specs stores less.
  if [ $# -eq 0 ]; then
    # The admin'"'"'s and three users'"'"' passwords, and two users'"'"' sign-ins (refresh tokens).
    if [ "$stored" -lt 6 ]; then echo "expected 4 passwords and 2 sign-ins in the keyring, found $stored"; exit 1; fi
    for who in carla dev; do
      secret-tool search --all service Mailferry 2>/dev/null | grep -q "oauth:microsoft:$who@contoso.test" || { echo "no sign-in of $who in the keyring"; exit 1; }
    done
  fi
  echo "keyring holds $stored Mailferry secrets; none in the state directory"
' e2e-session "${specs[@]}" 2>"$out/session.log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "end-to-end run failed; tauri-driver log:"; tail -20 "$out/tauri-driver.log"
  exit "$status"
fi

# What the app copied, checked independently of it: same bytes, flags and dates, nothing
# missing or extra, in every folder of both mailboxes; in the Exchange mailbox, each message
# as Exchange can hold it.
if [ ${#specs[@]} -eq 0 ]; then
  "$sample_servers" --compare "$work/servers.json"
else
  if printf '%s\n' "${specs[@]}" | grep -q exchange; then
    "$sample_servers" --compare-exchange "$work/servers.json"
  fi
  if printf '%s\n' "${specs[@]}" | grep -q trust; then
    "$sample_servers" --compare-self-signed "$work/servers.json"
  fi
fi
echo "end to end: screenshots in $out"
ls "$out"/*.png
