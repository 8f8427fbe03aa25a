#!/usr/bin/env bash
# Fuzzes Flowbook's readers of untrusted input with libFuzzer, each for a bounded time,
# seeded with real files: the trip-file loader (the TLC sample months), the notebook file,
# the experiment file and the saved run record (fuzz/seeds/: files Flowbook wrote).
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     (default 60, every target)
#   bash scripts/fuzz.sh --build                               (only build the targets)
# FLOWBOOK_FUZZ_JOBS=N runs N targets at a time (default 1); the targets are built once,
# first, and run as built binaries, so that parallel runs do not contend for cargo's lock.
# A crash, a hang (over 20 s on one input) or a failed assertion stops it with the input
# saved under fuzz/artifacts/. cargo-fuzz needs nightly's -Z flags: RUSTC_BOOTSTRAP lets
# the pinned stable toolchain (the machine's only one) take them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-fuzz >/dev/null || bash scripts/setup.sh
export RUSTC_BOOTSTRAP=1
# Kept beside the workspace's build folder and reused between runs on this machine.
export CARGO_TARGET_DIR="${FLOWBOOK_FUZZ_TARGET:-$HOME/.cache/flowbook/fuzz-target}"
# No sanitizer: the readers are safe Rust, and without one each second covers about twice
# the inputs; debug assertions on, so that an arithmetic overflow is a crash too.
FLAGS=(--sanitizer none --debug-assertions)
if [ "${1:-}" = --build ]; then
  (cd fuzz && cargo fuzz build "${FLAGS[@]}")
  exit 0
fi
SECONDS_PER_TARGET="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(load_trip_file notebook_file experiment_file run_record)
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  if [ "$target" = load_trip_file ]; then
    cp -n ../shared/data/*.parquet "$corpus/" 2>/dev/null || true
  else
    cp -n "fuzz/seeds/$target"/* "$corpus/"
  fi
done
(cd fuzz && cargo fuzz build "${FLAGS[@]}")
host="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$CARGO_TARGET_DIR/$host/release"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

# One target for SECONDS_PER_TARGET; its log goes to $logs/<target>.log.
fuzz_one() {
  local target="$1"
  "$bin_dir/$target" "fuzz/corpus/$target" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=2000000 -rss_limit_mb=4096 -timeout=20 \
    -artifact_prefix="fuzz/artifacts/$target/" -print_final_stats=1 >"$logs/$target.log" 2>&1
}

jobs_at_once="${FLOWBOOK_FUZZ_JOBS:-1}"
failed=()
pending=("${targets[@]}")
while [ ${#pending[@]} -gt 0 ]; do
  batch=("${pending[@]:0:$jobs_at_once}")
  pending=("${pending[@]:$jobs_at_once}")
  pids=()
  for target in "${batch[@]}"; do
    mkdir -p "fuzz/artifacts/$target"
    echo "== fuzzing $target for ${SECONDS_PER_TARGET} s"
    fuzz_one "$target" &
    pids+=($!)
  done
  for i in "${!batch[@]}"; do
    target="${batch[$i]}"
    if wait "${pids[$i]}"; then
      echo "-- $target:"
      grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+[[:space:]]+DONE)" "$logs/$target.log" \
        || tail -n 3 "$logs/$target.log"
    else
      tail -n 60 "$logs/$target.log"
      echo "fuzz target $target failed; the input is under fuzz/artifacts/$target"
      failed+=("$target")
    fi
  done
done
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
