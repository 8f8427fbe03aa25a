#!/usr/bin/env bash
# Sets up what is needed to build the app, then builds it and serves the notebook with the
# bundled sample data at http://127.0.0.1:${PORT:-8080}/ (Ctrl-C stops it).
#
#   bash scripts/run.sh            # PORT=9000 bash scripts/run.sh for another port
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
export PATH="$HOME/.cargo/bin:$PATH"
PORT="${PORT:-8080}"
URL="http://127.0.0.1:${PORT}/"

bash scripts/setup.sh --serve

echo
echo "Building the release app (the first build takes a few minutes), then serving it at:"
echo
echo "    ${URL}"
echo
# scripts/trunk.sh = `trunk serve --release --offline` with the tools set-up put on PATH.
exec bash scripts/trunk.sh serve --release --address 127.0.0.1 --port "${PORT}"
