#!/usr/bin/env bash
# Refresh the vendored axe-core used by the accessibility tests: scripts/update-axe.sh [VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
(cd "$tmp" && npm pack "axe-core@${1:-latest}" >/dev/null && tar xzf axe-core-*.tgz)
cp "$tmp/package/axe.min.js" e2e/vendor/axe.min.js
cp "$tmp/package/LICENSE" e2e/vendor/axe-LICENSE.txt
v=$(python3 -c "import json,sys;print(json.load(open('$tmp/package/package.json'))['version'])")
echo "axe-core $v (npm package axe-core, MPL-2.0), vendored so tests run offline. Update: scripts/update-axe.sh" > e2e/vendor/README.md
rm -rf "$tmp"
echo "axe-core $v"
