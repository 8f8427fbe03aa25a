#!/usr/bin/env bash
# Runs Trunk with the project's settings: `bash scripts/trunk.sh build --release` or
# `bash scripts/trunk.sh serve --release --port 8080`. Always offline: wasm-bindgen (cargo
# install) and wasm-opt (binaryen from npm, in FLOWBOOK_TOOLS) come from PATH, both installed
# by scripts/setup.sh.
#
# A release build also writes pre-compressed copies beside each text and wasm file of dist/
# (NAME.gz, gzip -9; NAME.br, brotli -q 11), for static servers that send them as they are
# (nginx's gzip_static and brotli_static, Caddy's `precompressed`); see the README.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
source scripts/env.sh
export PATH="$HOME/.cargo/bin:$PATH"
FLOWBOOK_TOOLS="${FLOWBOOK_TOOLS:-$HOME/.cache/flowbook/tools}"
export PATH="$FLOWBOOK_TOOLS/node_modules/.bin:$PATH"
command="$1"
shift
if [ "$command" != build ] || [[ " $* " != *" --release "* ]]; then
  exec trunk "$command" --offline --skip-version-check "$@"
fi

trunk build --offline --skip-version-check "$@"
command -v brotli >/dev/null || { echo "brotli is missing: run bash scripts/setup.sh" >&2; exit 1; }
# The parquet files are compressed inside already; everything else shrinks 3 to 10 times.
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \
  -o -name '*.svg' -o -name '*.webmanifest' -o -name '*.csv' -o -name '*.json' \) -print0 |
  xargs -0 -n 1 -P 2 sh -c 'gzip -9 -n -k -f "$1" && brotli -q 11 -k -f "$1"' sh
echo "pre-compressed $(find dist -name '*.br' | wc -l) files of dist/ (.gz and .br beside each)"
