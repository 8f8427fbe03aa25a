#!/usr/bin/env bash
# Runs Trunk with the project's settings: `bash scripts/trunk.sh build --release` or
# `bash scripts/trunk.sh serve --release --port 8080`. Always offline: wasm-bindgen (cargo
# install) and wasm-opt (binaryen from npm, in FLOWBOOK_TOOLS) come from PATH, both installed
# by scripts/setup.sh.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
source scripts/env.sh
export PATH="$HOME/.cargo/bin:$PATH"
FLOWBOOK_TOOLS="${FLOWBOOK_TOOLS:-$HOME/.cache/flowbook/tools}"
export PATH="$FLOWBOOK_TOOLS/node_modules/.bin:$PATH"
command="$1"
shift
exec trunk "$command" --offline --skip-version-check "$@"
