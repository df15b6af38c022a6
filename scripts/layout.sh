#!/usr/bin/env bash
# Every screen and state of the window at 1024×700 and 1366×900, light and dark, in headless
# Chromium: fails on a broken layout (sideways scrolling, Back/Next off screen, a wrapping
# toolbar, text cut off without a tooltip or past the window's edge, a button spilling out of
# its table cell, a table's date wrapping, a panel pushing what must stay in view below the
# fold) and leaves the
# screenshots in target/screenshots/ to look at. The page is the window's own, built with the
# browser demo's IPC stand-in. LAYOUT_ONLY=regex walks only the screens whose names match.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${LAYOUT_PORT:-4181}
out=${LAYOUT_OUT:-target/screenshots}
source scripts/demo-page.sh
serve_demo_page "$port"
node ui/layout/layout.mjs "http://localhost:$port/?demo" "$out"
