#!/usr/bin/env bash
# Builds the app (debug profile unless --release; --no-build keeps dist/ as it is), serves
# dist/ and runs end-to-end tests in headless Chromium, or in Firefox ESR with
# FLOWBOOK_BROWSER=firefox:
#   [FLOWBOOK_BROWSER=firefox] bash scripts/e2e.sh [--release|--no-build] [tests/e2e/train.test.mjs ...]
# The full check (scripts/test.sh) runs them against the release build it made.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
source scripts/env.sh
build=(build)
case "${1:-}" in
  --release) build=(build --release); shift ;;
  --no-build) build=(); shift ;;
esac
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(tests/e2e/*.test.mjs)
[ ${#build[@]} -eq 0 ] || bash scripts/trunk.sh "${build[@]}"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory dist >/tmp/flowbook-http.log 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
export FLOWBOOK_URL="http://127.0.0.1:$PORT/"
for _ in $(seq 1 50); do
  python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$FLOWBOOK_URL" 2>/dev/null && break
  sleep 0.2
done
echo "serving dist/ at $FLOWBOOK_URL"
# --test-force-exit: a browser left open by a failed test must not keep the run waiting.
# FLOWBOOK_E2E_JOBS=2 runs two files at a time: each has its own browser, storage and servers,
# and much of a file's time is spent waiting on servers, downloads and timeouts.
node --test --test-force-exit --test-concurrency="${FLOWBOOK_E2E_JOBS:-1}" --test-reporter=spec "${tests[@]}"
