#!/usr/bin/env bash
# Flowbook's single check script: set-up, formatting, lints, native tests, browser
# (wasm-bindgen-test) tests, the release build, end-to-end tests in headless Chromium,
# and the oracle tests against the Python reference tools.
#
#   bash scripts/test.sh
#
# Needs ../shared/data beside the repo (the NYC TLC sample files the tests read).
# Exits non-zero on the first failing step.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
source scripts/env.sh
export PATH="$HOME/.cargo/bin:$PATH"
export FLOWBOOK_VENV="${FLOWBOOK_VENV:-$HOME/.cache/flowbook/venv}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

START=$SECONDS
PASSED=0
FAILED=0
CURRENT_STEP=""
declare -a TIMINGS=()

cleanup() {
  local status=$?
  if [ $status -ne 0 ] && [ -n "$CURRENT_STEP" ]; then
    FAILED=$((FAILED + 1))
    echo
    echo "FAILED step: $CURRENT_STEP"
  fi
  if [ ${#TIMINGS[@]} -gt 0 ]; then
    echo
    echo "== step timings =="
    printf '  %s\n' "${TIMINGS[@]}"
  fi
  echo "total: $((SECONDS - START)) s"
  echo "$PASSED passed, $FAILED failed"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
  CURRENT_STEP="$1"
  STEP_START=$SECONDS
  echo
  printf '\033[1;36m==> %s\033[0m\n' "$CURRENT_STEP"
}

done_step() {
  local elapsed=$((SECONDS - STEP_START))
  TIMINGS+=("$(printf '%5d s  %s' "$elapsed" "$CURRENT_STEP")")
  PASSED=$((PASSED + 1))
  CURRENT_STEP=""
}

step "set-up (scripts/setup.sh)"
bash scripts/setup.sh
done_step

step "shared test data (../shared/data)"
SHARED_DATA="$REPO/../shared/data"
for name in green_tripdata_2021-01.parquet green_tripdata_2023-03.parquet; do
  if [ ! -f "$SHARED_DATA/$name" ]; then
    echo "missing $SHARED_DATA/$name: put the shared/ folder beside the repo" >&2
    exit 1
  fi
done
echo "found $(find "$SHARED_DATA" -maxdepth 1 -type f | wc -l) files in $(cd "$SHARED_DATA" && pwd)"
done_step

step "cargo fmt --all --check"
cargo fmt --all --check
done_step

step "cargo clippy (native, all targets)"
cargo clippy --workspace --all-targets -- -D warnings
done_step

step "cargo clippy (wasm32)"
cargo clippy --workspace --exclude flowbook-cli --target wasm32-unknown-unknown -- -D warnings
# The app's browser tests (tests/web.rs) exist only on wasm32.
cargo clippy -p flowbook --tests --target wasm32-unknown-unknown -- -D warnings
done_step

step "cargo test (native)"
cargo test --workspace
done_step

step "cargo test (wasm32, headless Chromium via wasm-bindgen-test)"
# wasm-bindgen-test-runner drives /usr/bin/chromium through chromedriver; the capabilities
# (headless, no sandbox as root, no network chatter) are in scripts/webdriver.json.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$REPO/scripts/webdriver.json" \
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}" \
  cargo test --target wasm32-unknown-unknown -p flowbook-core -p flowbook --lib --bins --tests
done_step

step "trunk build --release --offline (scripts/trunk.sh)"
bash scripts/trunk.sh build --release
# Two wasm modules: the page (flowbook-web, name hashed) and the training worker.
WASM_FILES=(dist/flowbook-web-*_bg.wasm)
[ ${#WASM_FILES[@]} -eq 1 ] && [ -f "${WASM_FILES[0]}" ] || { echo "expected one dist/flowbook-web-*_bg.wasm" >&2; exit 1; }
WORKER_WASM=dist/flowbook-worker_bg.wasm
[ -f "$WORKER_WASM" ] || { echo "$WORKER_WASM is missing" >&2; exit 1; }
WASM_FILE="${WASM_FILES[0]}"
WASM_RAW=$(wc -c <"$WASM_FILE")
WASM_GZIP=$(gzip -9 -c "$WASM_FILE" | wc -c)
echo "worker wasm: $(wc -c <"$WORKER_WASM") bytes raw, $(gzip -9 -c "$WORKER_WASM" | wc -c) bytes gzip -9"
for name in green_tripdata_2021-01.parquet green_tripdata_2021-02.parquet taxi_zone_lookup.csv; do
  [ -f "dist/data/$name" ] || { echo "dist/data/$name is missing" >&2; exit 1; }
done
echo "release wasm: $(basename "$WASM_FILE") ${WASM_RAW} bytes raw, ${WASM_GZIP} bytes gzip -9"
done_step

step "end-to-end tests (node --test, headless Chromium)"
bash scripts/e2e.sh --no-build
done_step

step "end-to-end tests again in headless Firefox ESR (WebDriver BiDi): the browser-dependent ones"
# The whole suite runs in Chromium; Firefox repeats the files whose behaviour has differed
# between the browsers: typing into fields, downloads, workers, storage quota, the service
# worker, the notebook's shortcuts and shared links. Charts, the registry and the MLflow
# calls run the same engine code either way (scripts/e2e.sh runs any file in Firefox).
FIREFOX_TESTS=(tests/e2e/notebook.test.mjs tests/e2e/worker.test.mjs tests/e2e/train.test.mjs
  tests/e2e/runs.test.mjs tests/e2e/storage.test.mjs tests/e2e/offline.test.mjs)
FLOWBOOK_BROWSER=firefox bash scripts/e2e.sh --no-build "${FIREFOX_TESTS[@]}"
done_step

step "oracle tests against scikit-learn and pyarrow (scripts/oracle_test.sh)"
bash scripts/oracle_test.sh
done_step

step "MLflow model export loads and predicts in MLflow (scripts/mlflow_model_test.sh)"
bash scripts/mlflow_model_test.sh
done_step

step "MLflow sync against real servers: push, exactly once, fault, errors (scripts/mlflow_test.sh)"
bash scripts/mlflow_test.sh
done_step

echo
echo "release wasm: ${WASM_RAW} bytes raw, ${WASM_GZIP} bytes gzip -9"
