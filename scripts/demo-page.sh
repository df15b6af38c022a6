# Sourced, not run: `serve_demo_page PORT` builds the window's page with the browser demo's
# IPC stand-in kept (an optimised build, nothing else differs from the app's page) and serves
# it on localhost:PORT until the calling script exits.
serve_demo_page() {
  local port=$1
  [ -d node_modules ] || npm install --no-audit --no-fund
  MAILFERRY_DEMO_BUILD=1 npx vite build --config ui/vite.config.ts --logLevel warn
  # The server itself, not an npx wrapper around it, so that the trap below ends it.
  node_modules/.bin/vite preview --config ui/vite.config.ts --outDir ../target/ui-demo --port "$port" --strictPort \
    >/dev/null 2>&1 &
  demo_page_server=$!
  trap 'kill $demo_page_server 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    curl -fs "http://localhost:$port/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the demo page did not start on port $port" >&2
  return 1
}
