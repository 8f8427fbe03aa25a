#!/usr/bin/env bash
# Fuzzes Flowbook's readers of untrusted input with libFuzzer, each for a bounded time,
# seeded with real files: the trip-file loader (the TLC sample months), the notebook file,
# the experiment file and the saved run record (fuzz/seeds/: files Flowbook wrote).
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     (default 60, every target)
#   bash scripts/fuzz.sh --build                               (only build the targets)
# A crash, a hang (over 20 s on one input) or a failed assertion stops it with the input
# saved under fuzz/artifacts/. cargo-fuzz needs nightly's -Z flags: RUSTC_BOOTSTRAP lets
# the pinned stable toolchain (the machine's only one) take them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
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
cd fuzz
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for target in "${targets[@]}"; do
  echo "== fuzzing $target for ${SECONDS_PER_TARGET} s"
  if ! cargo fuzz run "${FLAGS[@]}" "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=2000000 -rss_limit_mb=4096 -timeout=20 \
    -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $target failed; the input is under fuzz/artifacts/$target"
    exit 1
  fi
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+[[:space:]]+DONE)" "$log" || tail -n 3 "$log"
done
