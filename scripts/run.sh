#!/usr/bin/env bash
# Sets up what is needed to build the app, then builds it and serves the notebook with the
# bundled sample data at http://127.0.0.1:${PORT:-8080}/ (Ctrl-C stops it).
#
#   bash scripts/run.sh            # PORT=9000 bash scripts/run.sh for another port
#
# An MLflow server older than 3.5 sends no CORS headers, so the page cannot call it from
# another origin. MLFLOW_PROXY=http://host:5000 bash scripts/run.sh serves it through
# Trunk's proxy under this page's origin: use http://127.0.0.1:${PORT}/mlflow as the
# server address in the app.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
source scripts/env.sh
export PATH="$HOME/.cargo/bin:$PATH"
PORT="${PORT:-8080}"
URL="http://127.0.0.1:${PORT}/"

bash scripts/setup.sh --serve

echo
echo "Building the release app (the first build takes a few minutes), then serving it at:"
echo
echo "    ${URL}"
echo
proxy=()
if [ -n "${MLFLOW_PROXY:-}" ]; then
  proxy=(--proxy-backend="${MLFLOW_PROXY%/}/" --proxy-rewrite=/mlflow/)
  echo "MLflow at ${MLFLOW_PROXY} is proxied: in the app, use ${URL}mlflow as the server address."
  echo
fi
# FLOWBOOK_SERVE_PROFILE=debug serves a debug build (no wasm-opt: it starts in about a
# minute where a release build's wasm-opt takes several); the test suite's proxy test uses it.
profile=(--release)
[ "${FLOWBOOK_SERVE_PROFILE:-release}" = debug ] && profile=()
# scripts/trunk.sh = `trunk serve --release --offline` with the tools set-up put on PATH.
exec bash scripts/trunk.sh serve "${profile[@]}" --address 127.0.0.1 --port "${PORT}" "${proxy[@]}"
