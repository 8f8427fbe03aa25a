#!/usr/bin/env bash
# Benchmarks Flowbook against the reference tools in one run and prints both side by side:
# pyarrow for decoding, scikit-learn's DictVectorizer + fit for training (default and
# converged tolerances); Flowbook natively (`flowbook bench`) and in headless Chromium
# (the app at /?bench). Also the large-file load: time and peak memory, natively, with
# pyarrow, and in headless Chromium (the app at /?bench=large); and pushing 100 runs to a
# real MLflow server, `flowbook push` against MLflow's Python client, alternating rounds.
#   bash scripts/bench.sh          # everything
#   bash scripts/bench.sh large    # only the large-file load
#   bash scripts/bench.sh mlflow   # only the MLflow push
#   bash scripts/bench.sh trees    # only the gradient-boosted trees against XGBoost
#   bash scripts/bench.sh search   # only the course's search against hyperopt + XGBoost, and
#                                  # 1,000 linear trials natively and in Chromium
#   bash scripts/bench.sh first    # only the time to the first result (release, Chromium)
#   bash scripts/bench.sh monitor  # only monitoring eight months against Evidently
set -euo pipefail
ONLY="${1:-all}"
case "$ONLY" in
  all | large | mlflow | trees | search | first | monitor) ;;
  *) echo "usage: $0 [large|mlflow|trees|search|first|monitor]" >&2; exit 2 ;;
esac
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
source scripts/env.sh
export FLOWBOOK_VENV="${FLOWBOOK_VENV:-$HOME/.cache/flowbook/venv}"
bash scripts/setup.sh >/dev/null
export FLOWBOOK_BIN="$CARGO_TARGET_DIR/release/flowbook"
echo "==> building (release): flowbook command and the app"
cargo build --release -p flowbook-cli
if [ "$ONLY" = all ] || [ "$ONLY" = mlflow ]; then
  echo "==> MLflow push: 100 runs, flowbook push vs MLflow's Python client, same server"
  "$FLOWBOOK_VENV/bin/python" tests/bench/mlflow_push.py --flowbook "$CARGO_TARGET_DIR/release/flowbook"
  [ "$ONLY" = mlflow ] && exit 0
fi
if [ "$ONLY" = all ] || [ "$ONLY" = monitor ]; then
  echo "==> monitoring: 8 later months in headless Chromium (a Monitor cell)"
  bash scripts/trunk.sh build --release >/dev/null
  MONITOR_BROWSER="$(node tests/bench/browser_monitor.mjs)"
  echo "==> monitoring: 8 later months against 2021-01, flowbook monitor against Evidently's Report"
  "$FLOWBOOK_VENV/bin/python" tests/bench/monitor.py --browser "$MONITOR_BROWSER"
  echo "==> the monitoring oracle on all eight months"
  (cd tests/oracle && FLOWBOOK_MONITOR_CASES=all "$FLOWBOOK_VENV/bin/python" -m unittest test_monitor.MonitorAgainstEvidently.test_months_against_evidently)
  [ "$ONLY" = monitor ] && exit 0
fi
# in_browser SCRIPT [ARGS...]: builds the release app, serves dist/ and runs a browser
# benchmark script against it; prints what the script printed.
in_browser() {
  bash scripts/trunk.sh build --release >/dev/null
  local port server
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
  server=$!
  sleep 1
  FLOWBOOK_URL="http://127.0.0.1:$port/" node "$@"
  kill "$server" 2>/dev/null || true
}
if [ "$ONLY" = all ] || [ "$ONLY" = search ]; then
  echo "==> hyperparameter search: 1,000 linear trials in headless Chromium (a Search cell)"
  SEARCH_BROWSER="$(in_browser tests/bench/browser_search.mjs --trials 1000)"
  echo "==> hyperparameter search: the course's (hyperopt TPE + XGBoost, 50 evaluations) against flowbook search"
  "$FLOWBOOK_VENV/bin/python" tests/bench/search.py --max-evals "${FLOWBOOK_SEARCH_EVALS:-50}" --browser "$SEARCH_BROWSER"
  [ "$ONLY" = search ] && exit 0
fi
if [ "$ONLY" = all ] || [ "$ONLY" = trees ]; then
  echo "==> gradient-boosted trees: the course's model in headless Chromium (the notebook's Course settings)"
  TREES_BROWSER="$(in_browser tests/bench/browser_trees.mjs)"
  echo "==> gradient-boosted trees: the course's model, Flowbook (native, Chromium) against XGBoost (1 and all threads)"
  "$FLOWBOOK_VENV/bin/python" tests/bench/trees.py --pairs 3 --browser "$TREES_BROWSER"
  echo "==> the tree oracle on all three month pairs"
  (cd tests/oracle && FLOWBOOK_TREE_CASES=all "$FLOWBOOK_VENV/bin/python" -m unittest test_trees.CourseModel)
  [ "$ONLY" = trees ] && exit 0
fi
if [ "$ONLY" = all ] || [ "$ONLY" = first ]; then
  echo "==> first result: navigation to the default notebook's validation RMSE, Run all clicked at once (median of 5)"
  in_browser tests/bench/first_result.mjs --visits 5
  [ "$ONLY" = first ] && exit 0
fi
bash scripts/trunk.sh build --release >/dev/null
cp ../shared/data/green_tripdata_2023-03.parquet dist/data/
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
sleep 1
if [ "$ONLY" = all ]; then
  echo "==> browser benchmark (headless Chromium)"
  BROWSER_JSON="$(FLOWBOOK_URL="http://127.0.0.1:$PORT/" node tests/bench/browser_bench.mjs)"
  echo "==> native and reference benchmarks"
  "$FLOWBOOK_VENV/bin/python" tests/bench/compare.py "$BROWSER_JSON"
fi
echo "==> large file: 3,000,000 rows, ZSTD, 6 row groups (scripts/make_large.py)"
LARGE=target/large/green_3000000.parquet
[ -f "$LARGE" ] || "$FLOWBOOK_VENV/bin/python" scripts/make_large.py 3000000 "$LARGE"
# Served to the app as /data/large.parquet; dist/ is build output, never committed.
cp "$LARGE" dist/data/large.parquet
LARGE_JSON="$(FLOWBOOK_URL="http://127.0.0.1:$PORT/" node tests/bench/browser_bench.mjs large)"
"$FLOWBOOK_VENV/bin/python" tests/bench/large.py "$LARGE" --browser "$LARGE_JSON"
