#!/usr/bin/env bash
# Flowbook's MLflow sync against real MLflow servers (no mocks):
#   (a) push a PU_DO OLS training (2021-01 → 2021-02) and verify it with MLflow's client
#   (b) push again with the same --client-id: still one run, one model version
#   (c) kill the server while a sweep is being pushed, restart it on the same store,
#       push again: nothing duplicated, nothing lost
#   (c2) kill and restart the server in the middle of a push: the same command starts the
#       push again by itself and finishes, nothing duplicated
#   (h) `flowbook search` (50 linear trials, 20 tree trials) pushed twice: one parent, the
#       trials nested under it by mlflow.parentRunId, nothing duplicated, the best registered
#   (e) `flowbook push` of 5 run records (one client-id lookup), again (no duplicates), then
#       `flowbook pull` page by page (page size 2), compared with MLflow's client
#   (j) the same push twice through a proxy that refuses one request in three as busy
#       servers do (429, 503 with Retry-After, "database is locked"): nothing fails, nothing
#       is duplicated; a pull through a server whose paging loops stops with a message
#   (i) the same push twice to MLflow 2.22, which has no LoggedModels: one run, its model
#       recorded once by runs/log-model, one version from runs:/<id>/model
#   (d) error messages: nothing listening, not an MLflow server, deleted experiment,
#       no artifact proxy, Host header rejected, basic auth with a wrong password (401) and without permission (403)
#
#   bash scripts/mlflow_test.sh
#
# Needs the venv of scripts/setup.sh (mlflow[auth]) and ../shared/data beside the repo.
# Exits non-zero on the first failed check; always stops the servers it started.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
export PATH="$HOME/.cargo/bin:$PATH"
VENV="${FLOWBOOK_VENV:-$HOME/.cache/flowbook/venv}"
PY="$VENV/bin/python"
MLFLOW="$VENV/bin/mlflow"
DATA="$REPO/../shared/data"
TRAIN="$DATA/green_tripdata_2021-01.parquet"
VAL="$DATA/green_tripdata_2021-02.parquet"
source "$REPO/scripts/env.sh"
# MLflow's client telemetry once failed a check here (KeyError _MLFLOW_TELEMETRY_SESSION_ID).
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
FLOWBOOK="$CARGO_TARGET_DIR/debug/flowbook"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/flowbook-mlflow.XXXXXX")"
START=$SECONDS
CHECKS=0
declare -A SERVER_PGIDS=()

# Server process groups are ours (started with setsid): stop each by its id.
stop_server() {
  local name="$1" pgid="${SERVER_PGIDS[$1]:-}"
  [ -n "$pgid" ] || return 0
  kill -TERM -- "-$pgid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pgid" 2>/dev/null || true
  unset "SERVER_PGIDS[$name]"
}

# A crash, not a shutdown: no chance to finish the requests in flight.
kill_server() {
  local name="$1" pgid="${SERVER_PGIDS[$1]:-}"
  [ -n "$pgid" ] || return 0
  kill -KILL -- "-$pgid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
  unset "SERVER_PGIDS[$name]"
}

cleanup() {
  local status=$?
  for name in "${!SERVER_PGIDS[@]}"; do stop_server "$name"; done
  if [ $status -ne 0 ]; then
    echo
    echo "FAILED after $CHECKS checks ($((SECONDS - START)) s). Server logs:"
    for log in "$TMP"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 15 "$log"; }; done
  else
    echo
    echo "all $CHECKS checks passed in $((SECONDS - START)) s"
  fi
  rm -rf "$TMP"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1;36m== %s\033[0m\n' "$*"; }
pass() { CHECKS=$((CHECKS + 1)); echo "  ok   $*"; }
fail() { echo "  FAIL $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_http() { # URL: up to 90 s
  for _ in $(seq 1 450); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.2
  done
  return 1
}

# start_server NAME PORT STORE_DIR [extra mlflow server args...]
start_server() {
  local name="$1" port="$2" store="$3"
  shift 3
  mkdir -p "$store"
  setsid "$MLFLOW" server --host 127.0.0.1 --port "$port" --workers 1 \
    --backend-store-uri "sqlite:///$store/mlflow.db" "$@" >>"$TMP/$name.log" 2>&1 &
  SERVER_PGIDS[$name]=$!
  disown $! # its exit is expected: no "Killed" job notice from bash
  wait_http "http://127.0.0.1:$port/health" || fail "mlflow server $name did not start (see $TMP/$name.log)"
}

# flowbook_train OUT_PREFIX [args...]: stdout → OUT.json, stderr → OUT.err; returns the exit code
flowbook_train() {
  local out="$1"
  shift
  local rc=0
  "$FLOWBOOK" train --train "$TRAIN" --val "$VAL" --json "$@" >"$out.json" 2>"$out.err" || rc=$?
  return $rc
}

verify() { "$PY" tests/mlflow/verify_push.py --train "$TRAIN" --val "$VAL" "$@"; CHECKS=$((CHECKS + 1)); }

json_field() { "$PY" -c 'import json, sys; v = json.load(open(sys.argv[1])); [v := v[k] for k in sys.argv[2:]]; print(v)' "$@"; }

expect_error() { # NAME OUT_PREFIX TEXT: the CLI failed and said TEXT
  local name="$1" out="$2" text="$3"
  grep -qF -- "$text" "$out.err" || { cat "$out.err" >&2; fail "$name: expected a message with \"$text\""; }
  pass "$name: $(sed -n 's/^flowbook: //p' "$out.err" | head -c 190)…"
}

for f in "$TRAIN" "$VAL"; do [ -f "$f" ] || fail "missing $f: put the shared/ folder beside the repo"; done

# The same package selection as scripts/test.sh's native tests: their build is reused.
say "build flowbook (cargo build --workspace --exclude flowbook --bins)"
cargo build -q --workspace --exclude flowbook --bins
pass "built $FLOWBOOK"

say "start mlflow server $("$MLFLOW" --version | awk '{print $NF}') (sqlite store, proxied artifacts)"
PORT="$(free_port)"
URI="http://127.0.0.1:$PORT"
STORE="$TMP/store"
start_server main "$PORT" "$STORE" --artifacts-destination "$STORE/artifacts"
pass "server up at $URI"

say "(a) push a PU_DO OLS training and verify it with MlflowClient"
T=$SECONDS
DESCRIPTION="PU_DO + distance OLS, January 2021 → February 2021"
PUSH=(--mlflow-uri "$URI" --experiment flowbook-e2e --run-name pu-do-ols --description "$DESCRIPTION"
  --register-model taxi-duration --alias champion --client-id e2e-ols-1)
flowbook_train "$TMP/a" "${PUSH[@]}" || { cat "$TMP/a.err" >&2; fail "push failed"; }
pass "pushed: $(json_field "$TMP/a.json" mlflow url)"
[ "$(json_field "$TMP/a.json" mlflow created)" = True ] || fail "the first push should create the run"
verify --tracking-uri "$URI" --experiment flowbook-e2e --client-id e2e-ols-1 --cli-json "$TMP/a.json" \
  --description "$DESCRIPTION" --model-name taxi-duration --alias champion
echo "  ($((SECONDS - T)) s)"

say "(b) push again with the same --client-id: no duplicates"
T=$SECONDS
flowbook_train "$TMP/b" "${PUSH[@]}" || { cat "$TMP/b.err" >&2; fail "second push failed"; }
[ "$(json_field "$TMP/b.json" mlflow created)" = False ] || fail "the second push created a new run"
[ "$(json_field "$TMP/b.json" mlflow run_id)" = "$(json_field "$TMP/a.json" mlflow run_id)" ] || fail "run id changed"
[ "$(json_field "$TMP/b.json" mlflow registered_model created)" = False ] || fail "a second model version was created"
pass "same run id, existing model version reused"
verify --tracking-uri "$URI" --experiment flowbook-e2e --client-id e2e-ols-1 --cli-json "$TMP/b.json" \
  --description "$DESCRIPTION" --model-name taxi-duration --alias champion
echo "  ($((SECONDS - T)) s)"

say "(c) kill the server in the middle of a push, restart it, push again"
T=$SECONDS
ALPHAS="$(python3 -c 'print(",".join(str(round(0.01 * (i + 1), 2)) for i in range(800)))')"
SWEEP=(--model ridge --alphas "$ALPHAS" --mlflow-uri "$URI" --experiment flowbook-fault
  --register-model taxi-sweep --alias best --client-id fault-sweep-1)
"$FLOWBOOK" train --train "$TRAIN" --val "$VAL" --json "${SWEEP[@]}" >"$TMP/c1.json" 2>"$TMP/c1.err" &
CLI_PID=$!
# Watch the server's database; kill the server once the run exists and its first metrics
# are stored, while the CLI still has batches, inputs, artifacts and the status to send.
"$PY" tests/mlflow/wait_for_partial_run.py "$STORE/mlflow.db" fault-sweep-1 --timeout 120 >"$TMP/c-watch.txt" ||
  { cat "$TMP/c-watch.txt"; fail "the run never appeared in the database"; }
kill_server main
pass "server killed with the run half-pushed: $(cat "$TMP/c-watch.txt")"
CLI_RC=0
wait "$CLI_PID" || CLI_RC=$?
[ "$CLI_RC" -ne 0 ] || fail "the interrupted push reported success"
expect_error "interrupted push" "$TMP/c1" "Push again once it is up"
"$PY" tests/mlflow/wait_for_partial_run.py "$STORE/mlflow.db" fault-sweep-1 --expect-unfinished >"$TMP/c-state.txt" ||
  { cat "$TMP/c-state.txt"; fail "the run looks complete although the push was interrupted"; }
pass "stored before the retry: $(cat "$TMP/c-state.txt")"
start_server main "$PORT" "$STORE" --artifacts-destination "$STORE/artifacts"
pass "server restarted on the same store"
flowbook_train "$TMP/c2" "${SWEEP[@]}" || { cat "$TMP/c2.err" >&2; fail "the resumed push failed"; }
[ "$(json_field "$TMP/c2.json" mlflow created)" = False ] || fail "the resumed push created a second run"
pass "resumed push found the interrupted run"
verify --tracking-uri "$URI" --experiment flowbook-fault --client-id fault-sweep-1 --cli-json "$TMP/c2.json" \
  --model-name taxi-sweep --alias best
echo "  ($((SECONDS - T)) s)"

say "(c2) the server restarts in the middle of a push: the same command starts the push again and finishes"
T=$SECONDS
RESTART=(--model ridge --alphas "$ALPHAS" --mlflow-uri "$URI" --experiment flowbook-restart
  --register-model taxi-restart --alias best --client-id restart-sweep-1)
"$FLOWBOOK" train --train "$TRAIN" --val "$VAL" --json "${RESTART[@]}" >"$TMP/c3.json" 2>"$TMP/c3.err" &
CLI_PID=$!
"$PY" tests/mlflow/wait_for_partial_run.py "$STORE/mlflow.db" restart-sweep-1 --timeout 120 >"$TMP/c3-watch.txt" ||
  { cat "$TMP/c3-watch.txt"; fail "the run never appeared in the database"; }
kill_server main
start_server main "$PORT" "$STORE" --artifacts-destination "$STORE/artifacts"
pass "server killed with the run half-pushed ($(cat "$TMP/c3-watch.txt")) and restarted"
CLI_RC=0
wait "$CLI_PID" || CLI_RC=$?
[ "$CLI_RC" -eq 0 ] || { cat "$TMP/c3.err" >&2; fail "the push did not survive the restart (exit $CLI_RC)"; }
grep -q "starting the push again" "$TMP/c3.err" || { cat "$TMP/c3.err" >&2; fail "the command did not say it started the push again"; }
pass "the same command finished: $(grep -c 'starting the push again' "$TMP/c3.err") restart(s) of the push"
verify --tracking-uri "$URI" --experiment flowbook-restart --client-id restart-sweep-1 --cli-json "$TMP/c3.json" \
  --model-name taxi-restart --alias best
echo "  ($((SECONDS - T)) s)"

say "(g) push a gradient-boosted tree run twice; MLflow's client reads the curve and loads the model"
T=$SECONDS
TREE_PUSH=(--model gbdt --num-boost-round 30 --max-depth 8 --learning-rate 0.3 --early-stopping-rounds 5
  --save-model "$TMP/trees.json" --mlflow-uri "$URI" --experiment flowbook-trees
  --register-model taxi-trees --alias champion --client-id e2e-trees-1)
flowbook_train "$TMP/g1" "${TREE_PUSH[@]}" || { cat "$TMP/g1.err" >&2; fail "tree push failed"; }
flowbook_train "$TMP/g2" "${TREE_PUSH[@]}" || { cat "$TMP/g2.err" >&2; fail "second tree push failed"; }
[ "$(json_field "$TMP/g2.json" mlflow created)" = False ] || fail "the second tree push created a new run"
pass "pushed twice: $(json_field "$TMP/g1.json" mlflow url)"
"$FLOWBOOK" predict --model "$TMP/trees.json" --data "$VAL" --json >"$TMP/g-predict.json" ||
  fail "flowbook predict failed"
"$PY" tests/mlflow/verify_tree_push.py --tracking-uri "$URI" --experiment flowbook-trees \
  --client-id e2e-trees-1 --cli-json "$TMP/g2.json" --predict-json "$TMP/g-predict.json" --val "$VAL" \
  --model-name taxi-trees --alias champion || fail "tree run verification"
CHECKS=$((CHECKS + 1))
echo "  ($((SECONDS - T)) s)"

say "(h) a 50-trial linear search and a 20-trial tree search, each pushed twice: nested trials, nothing duplicated"
T=$SECONDS
SEARCH=(--space examples/search/linear.json --max-evals 50 --seed 7 --save-model "$TMP/search-best.json"
  --mlflow-uri "$URI" --experiment flowbook-search --register-model taxi-search --client-id e2e-search-1)
for i in 1 2; do
  "$FLOWBOOK" search --train "$TRAIN" --val "$VAL" --json "${SEARCH[@]}" >"$TMP/h$i.json" 2>"$TMP/h$i.err" ||
    { cat "$TMP/h$i.err" >&2; fail "search push $i failed"; }
done
[ "$(json_field "$TMP/h2.json" mlflow created)" = 0 ] || fail "the second search push created runs"
[ "$(json_field "$TMP/h2.json" mlflow run_id)" = "$(json_field "$TMP/h1.json" mlflow run_id)" ] || fail "the parent run id changed"
pass "pushed twice: $(json_field "$TMP/h1.json" mlflow url)"
"$FLOWBOOK" predict --model "$TMP/search-best.json" --data "$VAL" --json >"$TMP/h-predict.json" || fail "flowbook predict failed"
"$PY" tests/mlflow/verify_search_push.py --tracking-uri "$URI" --experiment flowbook-search --client-id e2e-search-1 \
  --cli-json "$TMP/h2.json" --model-name taxi-search --predict-json "$TMP/h-predict.json" --val "$VAL" ||
  fail "search verification"
CHECKS=$((CHECKS + 1))
TREE_SEARCH=(--space examples/search/quick_trees.json --max-evals 20 --seed 3 --mlflow-uri "$URI" --experiment flowbook-search-trees
  --client-id e2e-search-trees-1)
for i in 1 2; do
  "$FLOWBOOK" search --train "$TRAIN" --val "$VAL" --json "${TREE_SEARCH[@]}" >"$TMP/ht$i.json" 2>"$TMP/ht$i.err" ||
    { cat "$TMP/ht$i.err" >&2; fail "tree search push $i failed"; }
done
[ "$(json_field "$TMP/ht2.json" mlflow created)" = 0 ] || fail "the second tree search push created runs"
"$PY" tests/mlflow/verify_search_push.py --tracking-uri "$URI" --experiment flowbook-search-trees \
  --client-id e2e-search-trees-1 --cli-json "$TMP/ht2.json" || fail "tree search verification"
CHECKS=$((CHECKS + 1))
echo "  ($((SECONDS - T)) s)"

say "(e) push 5 run records, push them again, pull them back 2 per page"
T=$SECONDS
"$PY" -c '
import json, sys, time
sys.path.insert(0, "tests/bench")
from mlflow_push import make_run
now = int(time.time() * 1000)
for i in range(5):
    json.dump(make_run(i, now + 1000 * i), open(f"{sys.argv[1]}/pull-run-{i}.json", "w"))
' "$TMP"
PULL_RUNS=("$TMP"/pull-run-*.json)
"$FLOWBOOK" push --mlflow-uri "$URI" --experiment flowbook-pull "${PULL_RUNS[@]}" >"$TMP/e1.json" 2>"$TMP/e1.err" ||
  { cat "$TMP/e1.err" >&2; fail "push of run records failed"; }
[ "$(grep -c '"created":true' "$TMP/e1.json")" = 5 ] || { cat "$TMP/e1.json"; fail "the first push should create 5 runs"; }
pass "pushed 5 run records"
"$FLOWBOOK" push --mlflow-uri "$URI" --experiment flowbook-pull "${PULL_RUNS[@]}" >"$TMP/e2.json" 2>"$TMP/e2.err" ||
  { cat "$TMP/e2.err" >&2; fail "the second push failed"; }
[ "$(grep -c '"created":false' "$TMP/e2.json")" = 5 ] || { cat "$TMP/e2.json"; fail "the second push created runs"; }
diff <(grep -o '"run_id":"[^"]*"' "$TMP/e1.json") <(grep -o '"run_id":"[^"]*"' "$TMP/e2.json") >/dev/null ||
  fail "the second push changed run ids"
pass "pushed again: same 5 run ids, nothing created"
"$FLOWBOOK" pull --mlflow-uri "$URI" --experiment flowbook-pull --page-size 2 --json >"$TMP/e3.json" 2>"$TMP/e3.err" ||
  { cat "$TMP/e3.err" >&2; fail "pull failed"; }
"$PY" tests/mlflow/compare_pull.py --tracking-uri "$URI" --experiment flowbook-pull --pull-json "$TMP/e3.json" \
  --page-size 2 --expect-runs 5 >"$TMP/e3.txt" || { cat "$TMP/e3.txt"; fail "pulled runs differ from MlflowClient's"; }
pass "pull: $(cat "$TMP/e3.txt")"
"$FLOWBOOK" pull --mlflow-uri "$URI" --experiment flowbook-pull --page-size 2 --filter "params.p0 = 'value-3-0'" --json >"$TMP/e4.json" ||
  fail "pull with a filter failed"
[ "$("$PY" -c 'import json, sys; print([r["name"] for r in json.load(open(sys.argv[1]))["runs"]])' "$TMP/e4.json")" = "['bench-3']" ] || { cat "$TMP/e4.json"; fail "the filter did not select bench-3"; }
pass "pull with a server-side filter found bench-3 only"
echo "  ($((SECONDS - T)) s)"

say "(j) a busy server (429, 503 with Retry-After, SQLite's 'database is locked') and one whose paging loops"
T=$SECONDS
FLAKY_PORT="$(free_port)"
setsid "$PY" tests/mlflow/flaky_proxy.py --upstream "$URI" --port "$FLAKY_PORT" --stats "$TMP/flaky.json" \
  >"$TMP/flaky.log" 2>&1 &
SERVER_PGIDS[flaky]=$!
wait_http "http://127.0.0.1:$FLAKY_PORT/health" || fail "the flaky proxy did not start"
FLAKY_PUSH=(--mlflow-uri "http://127.0.0.1:$FLAKY_PORT" --experiment flowbook-flaky --register-model taxi-flaky
  --client-id e2e-flaky-1)
for i in 1 2; do
  flowbook_train "$TMP/j$i" "${FLAKY_PUSH[@]}" || { cat "$TMP/j$i.err" >&2; fail "push $i through the busy server failed"; }
done
"$PY" -c '
import json, sys
stats = json.load(open(sys.argv[1]))
refused = stats["refused"]
assert all(refused[code] >= 3 for code in ("429", "503", "500")), stats
total, busy, unavailable, locked = stats["api_requests"], refused["429"], refused["503"], refused["500"]
print(f"{busy + unavailable + locked} of {total} API requests refused (429 {busy}, 503 {unavailable}, locked {locked})")
' "$TMP/flaky.json" >"$TMP/j.txt" || fail "the proxy refused too little to test anything: $(cat "$TMP/flaky.json")"
verify --tracking-uri "$URI" --experiment flowbook-flaky --client-id e2e-flaky-1 --cli-json "$TMP/j2.json" \
  --model-name taxi-flaky --expect-versions 1 >"$TMP/j-verify.txt" || { cat "$TMP/j-verify.txt"; fail "after the busy server"; }
pass "pushed twice through a busy server, $(cat "$TMP/j.txt"): one run, one model, one version"
stop_server flaky
setsid "$PY" tests/mlflow/flaky_proxy.py --upstream "$URI" --port "$FLAKY_PORT" --stats "$TMP/loop.json" --loop-pages \
  >"$TMP/loop.log" 2>&1 &
SERVER_PGIDS[loop]=$!
wait_http "http://127.0.0.1:$FLAKY_PORT/health" || fail "the looping proxy did not start"
timeout 120 "$FLOWBOOK" pull --mlflow-uri "http://127.0.0.1:$FLAKY_PORT" --experiment flowbook-pull --page-size 2 \
  >"$TMP/j3.json" 2>"$TMP/j3.err" && fail "a pull through a looping server ended as if complete"
expect_error "paging that loops" "$TMP/j3" "sent the same page of results twice"
stop_server loop
echo "  ($((SECONDS - T)) s)"

say "(i) MLflow 2.22 (no LoggedModels): the model stays a run artifact, recorded once by runs/log-model"
T=$SECONDS
V2_PY="${FLOWBOOK_MLFLOW2_VENV:-$HOME/.cache/flowbook/venv-mlflow2}/bin/python"
V2_PORT="$(free_port)"
MLFLOW="$(dirname "$V2_PY")/mlflow" start_server v2 "$V2_PORT" "$TMP/v2" --artifacts-destination "$TMP/v2/artifacts"
V2_PUSH=(--mlflow-uri "http://127.0.0.1:$V2_PORT" --experiment flowbook-v2 --register-model taxi-v2 --client-id e2e-v2-1)
for i in 1 2; do
  flowbook_train "$TMP/i$i" "${V2_PUSH[@]}" || { cat "$TMP/i$i.err" >&2; fail "push $i to MLflow 2.22 failed"; }
done
MLFLOW_TRACKING_URI="http://127.0.0.1:$V2_PORT" "$V2_PY" -c '
import json, sys
from mlflow import MlflowClient
c = MlflowClient()
runs = c.search_runs([c.get_experiment_by_name("flowbook-v2").experiment_id])
assert len(runs) == 1, f"{len(runs)} runs after two pushes"
history = json.loads(runs[0].data.tags["mlflow.log-model.history"])
assert [m["artifact_path"] for m in history] == ["model"], history
assert history[0]["flavors"]["python_function"]["loader_module"] == "mlflow.onnx", history
versions = c.search_model_versions("name = '"'"'taxi-v2'"'"'")
assert [v.source for v in versions] == [f"runs:/{runs[0].info.run_id}/model"], [v.source for v in versions]
print(f"one run, one model in mlflow.log-model.history, one version from {versions[0].source[:14]}…")
' >"$TMP/i.txt" 2>"$TMP/i.err" || { cat "$TMP/i.err" >&2; fail "MLflow 2.22 fallback"; }
pass "pushed twice to MLflow 2.22: $(cat "$TMP/i.txt")"
stop_server v2
echo "  ($((SECONDS - T)) s)"

say "(d) error messages"
T=$SECONDS
DEAD_PORT="$(free_port)"
flowbook_train "$TMP/d1" --mlflow-uri "http://127.0.0.1:$DEAD_PORT" --experiment x && fail "push to a closed port succeeded"
expect_error "nothing listening" "$TMP/d1" "connection refused"

WEB_PORT="$(free_port)"
mkdir -p "$TMP/www"
setsid python3 -m http.server "$WEB_PORT" --bind 127.0.0.1 --directory "$TMP/www" >"$TMP/www.log" 2>&1 &
SERVER_PGIDS[www]=$!
wait_http "http://127.0.0.1:$WEB_PORT/" || fail "python http.server did not start"
flowbook_train "$TMP/d2" --mlflow-uri "http://127.0.0.1:$WEB_PORT" --experiment x && fail "push to a plain web server succeeded"
expect_error "not an MLflow server" "$TMP/d2" "does not look like an MLflow tracking server"
stop_server www

curl -sf -X POST -H 'Content-Type: application/json' -d '{"name": "flowbook-gone"}' \
  "$URI/api/2.0/mlflow/experiments/create" >"$TMP/gone.json"
GONE_ID="$(json_field "$TMP/gone.json" experiment_id)"
curl -sf -X POST -H 'Content-Type: application/json' -d "{\"experiment_id\": \"$GONE_ID\"}" \
  "$URI/api/2.0/mlflow/experiments/delete" >/dev/null
flowbook_train "$TMP/d3" --mlflow-uri "$URI" --experiment flowbook-gone && fail "push to a deleted experiment succeeded"
expect_error "deleted experiment" "$TMP/d3" "was deleted but still owns its name"
stop_server main

NOPROXY_PORT="$(free_port)"
start_server noproxy "$NOPROXY_PORT" "$TMP/noproxy" --no-serve-artifacts --default-artifact-root "$TMP/noproxy/artifacts" \
  --allowed-hosts "127.0.0.1:$NOPROXY_PORT"
flowbook_train "$TMP/d4" --mlflow-uri "http://127.0.0.1:$NOPROXY_PORT" --experiment x && fail "push without an artifact proxy succeeded"
expect_error "no artifact proxy" "$TMP/d4" "does not proxy artifacts"
flowbook_train "$TMP/d4h" --mlflow-uri "http://localhost:$NOPROXY_PORT" --experiment x && fail "a rejected Host header went through"
expect_error "Host header rejected (403)" "$TMP/d4h" "--allowed-hosts"
stop_server noproxy

AUTH_PORT="$(free_port)"
ADMIN_PASSWORD="admin-$RANDOM-$RANDOM"
mkdir -p "$TMP/auth"
cat >"$TMP/auth/basic_auth.ini" <<EOF
[mlflow]
default_permission = READ
database_uri = sqlite:///$TMP/auth/basic_auth.db
admin_username = admin
admin_password = $ADMIN_PASSWORD
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
EOF
MLFLOW_AUTH_CONFIG_PATH="$TMP/auth/basic_auth.ini" MLFLOW_FLASK_SERVER_SECRET_KEY="flowbook-test-$RANDOM" \
  start_server auth "$AUTH_PORT" "$TMP/auth" --app-name basic-auth --artifacts-destination "$TMP/auth/artifacts"
AUTH_URI="http://127.0.0.1:$AUTH_PORT"
for user in alice bob; do
  curl -sf -u "admin:$ADMIN_PASSWORD" -X POST -H 'Content-Type: application/json' \
    -d "{\"username\": \"$user\", \"password\": \"$user-secret-pw\"}" "$AUTH_URI/api/2.0/mlflow/users/create" >/dev/null ||
    fail "cannot create user $user"
done
FLOWBOOK_MLFLOW_USERNAME=alice FLOWBOOK_MLFLOW_PASSWORD=alice-secret-pw \
  flowbook_train "$TMP/d5" --mlflow-uri "$AUTH_URI" --experiment alice-exp ||
  { cat "$TMP/d5.err" >&2; fail "alice cannot push to her own experiment"; }
pass "basic auth: alice pushed to her experiment alice-exp"
FLOWBOOK_MLFLOW_USERNAME=alice FLOWBOOK_MLFLOW_PASSWORD=wrong-pw-4711 \
  flowbook_train "$TMP/d6" --mlflow-uri "$AUTH_URI" --experiment alice-exp && fail "a wrong password was accepted"
expect_error "wrong password" "$TMP/d6" "rejected the credentials (HTTP 401)"
FLOWBOOK_MLFLOW_USERNAME=bob FLOWBOOK_MLFLOW_PASSWORD=bob-secret-pw \
  flowbook_train "$TMP/d7" --mlflow-uri "$AUTH_URI" --experiment alice-exp && fail "bob wrote to alice's experiment"
expect_error "no permission" "$TMP/d7" "HTTP 403"
if grep -lF -e wrong-pw-4711 -e alice-secret-pw -e bob-secret-pw "$TMP"/d*.err "$TMP"/d*.json; then
  fail "a password appears in Flowbook's output"
fi
pass "no password appears in any output"
stop_server auth
echo "  ($((SECONDS - T)) s)"
