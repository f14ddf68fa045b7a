#!/usr/bin/env bash
# The README's screenshots of the desks (docs/desk/*.png, 1366x768): a hub of its own on free
# ports with the demo city (suqiuctl demo), each role's page taken by tests/browser/desk.mjs in
# headless Chromium.  Needs the build, the private cluster (make db) and the npm packages.
#   ops/desk_screenshots.sh [OUT_DIR]        (docs/desk by default)
set -euo pipefail
. "$(dirname "$0")/common.sh"
out=${1:-$ROOT/docs/desk}
"$(dirname "$0")/assets.sh"
mkdir -p "$out"
SUQIU_BIN="$BIN" /usr/bin/python3 "$ROOT/tests/e2e/desk_live.py" --screenshots "$out"
say "screenshots in ${out#$ROOT/}"
