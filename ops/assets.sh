#!/usr/bin/env bash
# The front-end packages from the npm registry, as their lock files pin them, installed once:
# Apache ECharts for the desks' charts (adapters/desk) and playwright-core for the browser tests
# (tests/browser; it drives Debian's chromium and never downloads a browser).
#   ops/assets.sh [desk] [browser]      (both when none is named)
set -euo pipefail
. "$(dirname "$0")/common.sh"

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(desk browser)
for what in "${wanted[@]}"; do
    case "$what" in
    desk) dir="$ROOT/adapters/desk"; marker="node_modules/echarts/dist/echarts.min.js" ;;
    browser) dir="$ROOT/tests/browser"; marker="node_modules/playwright-core/package.json" ;;
    *) die "ops/assets.sh: unknown part \"$what\" (desk or browser)" ;;
    esac
    [ -f "$dir/$marker" ] && continue
    say "installing the $what's npm packages (npm ci in ${dir#$ROOT/})"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null) \
        || die "npm ci failed in $dir (is the npm registry reachable?)"
done
