#!/usr/bin/env bash
# Flowbook's single check script: set-up, formatting, lints, native tests, browser
# (wasm-bindgen-test) tests, the release build, end-to-end tests in headless Chromium,
# and the oracle tests against the Python reference tools.
#
#   bash scripts/test.sh
#
# Needs ../shared/data beside the repo (the NYC TLC sample files the tests read).
# Exits non-zero on the first failing step. On a machine where a step has passed before with
# the very same inputs (files, tools, data), it is not run again; CI=1 or FLOWBOOK_RERUN=1
# runs every step (see run_step below).
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
  TIMINGS+=("$(printf '%5d s  %s%s' "$elapsed" "$CURRENT_STEP" "${1:-}")")
  PASSED=$((PASSED + 1))
  CURRENT_STEP=""
}

# --- Passed steps are not run again for the same inputs -----------------------------------
# A step that passed is recorded under INPUTS_KEY: a hash of every file of the checkout
# (tracked and untracked, not ignored), the tools' versions (Rust, Trunk, wasm-bindgen,
# wasm-opt, Node, the browsers, the Python venvs' requirements), the shared data's listing
# and the FLOWBOOK_* settings. The same step with the same key is reported as passed
# earlier and not run; any change to any of them runs every step again. CI (CI set) and
# FLOWBOOK_RERUN=1 always run everything.
PASSED_DIR="${FLOWBOOK_PASSED_DIR:-$HOME/.cache/flowbook/passed}"
REUSE=1
{ [ -n "${CI:-}" ] || [ "${FLOWBOOK_RERUN:-0}" = 1 ]; } && REUSE=0
INPUTS_KEY=""

inputs_key() {
  {
    git ls-files -z -co --exclude-standard | LC_ALL=C sort -z | xargs -0 sha256sum 2>&1 || true
    rustc -V; cargo -V; trunk --version; wasm-bindgen --version; node --version
    "${FLOWBOOK_TOOLS:-$HOME/.cache/flowbook/tools}/node_modules/.bin/wasm-opt" --version
    dpkg-query -W chromium chromium-driver firefox-esr 2>/dev/null || true
    cat "$FLOWBOOK_VENV/.flowbook-requirements.sha256" 2>/dev/null || true
    cat "${FLOWBOOK_MLFLOW2_VENV:-$HOME/.cache/flowbook/venv-mlflow2}/.flowbook-requirements.sha256" 2>/dev/null || true
    cat "${FLOWBOOK_EVIDENTLY_VENV:-$HOME/.cache/flowbook/venv-evidently}/.flowbook-requirements.sha256" 2>/dev/null || true
    (cd "$REPO/../shared/data" && ls -ln --time-style=+%s && cat SHA256SUMS 2>/dev/null) || true
    env | grep '^FLOWBOOK_' | grep -v '^FLOWBOOK_RERUN=' | LC_ALL=C sort
  } | sha256sum | cut -c1-32
}

stamp_of() { printf '%s/%s-%s' "$PASSED_DIR" "$INPUTS_KEY" "$(printf '%s' "$1" | sha256sum | cut -c1-16)"; }

# run_step NAME FUNCTION [CHECK]: runs FUNCTION as the step NAME, unless it passed before
# with the same inputs (and CHECK, when given, still succeeds: its outputs are in place).
run_step() {
  local name="$1" body="$2" check="${3:-}" stamp
  step "$name"
  if [ "$REUSE" = 1 ] && [ -n "$INPUTS_KEY" ]; then
    stamp="$(stamp_of "$name")"
    if [ -f "$stamp" ] && { [ -z "$check" ] || "$check"; }; then
      echo "passed at $(date -d "@$(stat -c %Y "$stamp")" '+%F %T') with the same inputs ($INPUTS_KEY): not run again (FLOWBOOK_RERUN=1 runs it)"
      done_step "  (passed earlier, same inputs)"
      return
    fi
  fi
  "$body"
  if [ -n "$INPUTS_KEY" ]; then
    mkdir -p "$PASSED_DIR"
    touch "$(stamp_of "$name")"
  fi
  done_step
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

INPUTS_KEY="$(inputs_key)"
echo
echo "inputs key: $INPUTS_KEY$([ "$REUSE" = 1 ] || echo ' (every step runs: CI or FLOWBOOK_RERUN=1)')"

fmt_check() { cargo fmt --all --check; }
run_step "cargo fmt --all --check" fmt_check

# The browser app (the root crate) is checked and tested on wasm32 only, where it runs: built
# natively it would compile the whole Leptos stack twice more for nothing.
clippy_native() { cargo clippy --workspace --exclude flowbook --all-targets -- -D warnings; }
run_step "cargo clippy (native, all targets)" clippy_native

clippy_wasm() {
  cargo clippy --workspace --exclude flowbook-cli --target wasm32-unknown-unknown -- -D warnings
  # The app's tests (its unit tests and tests/web.rs) run only on wasm32.
  cargo clippy -p flowbook --all-targets --target wasm32-unknown-unknown -- -D warnings
}
run_step "cargo clippy (wasm32)" clippy_wasm

native_tests() { cargo test --workspace --exclude flowbook; }
run_step "cargo test (native)" native_tests

wasm_tests() {
  # wasm-bindgen-test-runner drives /usr/bin/chromium through chromedriver; the capabilities
  # (headless, no sandbox as root, no network chatter) are in scripts/webdriver.json. Only the
  # targets that hold wasm tests are built: the engine's other test files run natively.
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$REPO/scripts/webdriver.json" \
    WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}" \
    cargo test --target wasm32-unknown-unknown -p flowbook-core -p flowbook --lib --test wasm --test web
}
run_step "cargo test (wasm32, headless Chromium via wasm-bindgen-test)" wasm_tests

# What the release build left in dist/, so that a later run knows it is still there. The
# e2e tests add files of their own under dist/data/; only the bundled ones count there.
dist_hash() {
  {
    find dist -type f -not -path 'dist/data/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    (cd public/data && find . -type f -print0 | LC_ALL=C sort -z | (cd ../../dist/data && xargs -0 sha256sum))
  } | sha256sum | cut -c1-32
}
DIST_RECORD="$PASSED_DIR/$INPUTS_KEY-dist"
dist_in_place() { [ -d dist ] && [ "$(cat "$DIST_RECORD" 2>/dev/null)" = "$(dist_hash)" ]; }

release_build() {
  bash scripts/trunk.sh build --release
  # Two wasm modules: the page (flowbook-web, name hashed) and the training worker.
  local pages=(dist/flowbook-web-*_bg.wasm)
  [ ${#pages[@]} -eq 1 ] && [ -f "${pages[0]}" ] || { echo "expected one dist/flowbook-web-*_bg.wasm" >&2; exit 1; }
  [ -f dist/flowbook-worker_bg.wasm ] || { echo "dist/flowbook-worker_bg.wasm is missing" >&2; exit 1; }
  # Local: a bare `name` here would overwrite run_step's, and the step's stamp would be
  # written under the last file's name, so a warm run would build again.
  local name
  for name in green_tripdata_2021-01.parquet green_tripdata_2021-02.parquet taxi_zone_lookup.csv; do
    [ -f "dist/data/$name" ] || { echo "dist/data/$name is missing" >&2; exit 1; }
  done
  # Each pre-compressed copy holds exactly its file.
  local file
  while IFS= read -r -d '' file; do
    gzip -dc "$file.gz" | cmp -s - "$file" || { echo "$file.gz does not hold $file" >&2; exit 1; }
    brotli -dc "$file.br" | cmp -s - "$file" || { echo "$file.br does not hold $file" >&2; exit 1; }
  done < <(find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.html' -o -name '*.css' \) -print0)
  mkdir -p "$PASSED_DIR"
  dist_hash >"$DIST_RECORD"
}
run_step "trunk build --release --offline (scripts/trunk.sh)" release_build dist_in_place

# Sizes of what a visitor downloads: each module raw, gzip -9 and brotli -q 11.
wasm_sizes() {
  local file
  for file in dist/flowbook-web-*_bg.wasm dist/flowbook-worker_bg.wasm; do
    echo "$(basename "$file"): $(wc -c <"$file") bytes raw, $(wc -c <"$file.gz") gzip -9, $(wc -c <"$file.br") brotli"
  done
}
wasm_sizes

chromium_e2e() { bash scripts/e2e.sh --no-build; }
run_step "end-to-end tests (node --test, headless Chromium)" chromium_e2e

firefox_e2e() {
  # The whole suite runs in Chromium; Firefox repeats the files whose behaviour has differed
  # between the browsers: typing into fields, downloads, workers, storage quota, the service
  # worker, the notebook's shortcuts and shared links, the layout's CSS. Charts, the registry and the MLflow
  # calls run the same engine code either way (scripts/e2e.sh runs any file in Firefox).
  local tests=(tests/e2e/notebook.test.mjs tests/e2e/worker.test.mjs tests/e2e/train.test.mjs
    tests/e2e/runs.test.mjs tests/e2e/storage.test.mjs tests/e2e/offline.test.mjs tests/e2e/layout.test.mjs)
  FLOWBOOK_BROWSER=firefox bash scripts/e2e.sh --no-build "${tests[@]}"
}
run_step "end-to-end tests again in headless Firefox ESR (WebDriver BiDi): the browser-dependent ones" firefox_e2e

oracle_tests() { bash scripts/oracle_test.sh; }
run_step "oracle tests against scikit-learn, pyarrow, XGBoost, hyperopt and Evidently (scripts/oracle_test.sh)" oracle_tests

model_export() { bash scripts/mlflow_model_test.sh; }
run_step "MLflow model export loads and predicts in MLflow (scripts/mlflow_model_test.sh)" model_export

mlflow_sync() { bash scripts/mlflow_test.sh; }
run_step "MLflow sync against real servers: push, exactly once, fault, errors (scripts/mlflow_test.sh)" mlflow_sync

# After the MLflow step, which builds the CLI the clients run (target/debug/flowbook).
workshop_load() { bash scripts/e2e.sh --no-build tests/e2e/load/workshop.test.mjs; }
run_step "workshop load: 30 CLI clients and 10 pages pushing at once, on SQLite and PostgreSQL (tests/e2e/load)" workshop_load

# Twenty seconds per target here, two at a time: most of the step is the instrumented
# build, and the minute each that `bash scripts/fuzz.sh` gives (or longer, asked for) is
# for a change to a reader, outside the test command's time budget.
fuzz_readers() { FLOWBOOK_FUZZ_JOBS=2 bash scripts/fuzz.sh 20; }
run_step "fuzzing the readers of untrusted files, twenty seconds each (scripts/fuzz.sh)" fuzz_readers

echo
wasm_sizes
