#!/usr/bin/env bash
# Fuzzes the trip-file loader with libFuzzer, seeded with the real sample files.
#   bash scripts/fuzz.sh [SECONDS]      (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-300}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/load_trip_file
cp -n ../shared/data/*.parquet fuzz/corpus/load_trip_file/ 2>/dev/null || true
cd fuzz
cargo +nightly fuzz run load_trip_file corpus/load_trip_file -- \
  -max_total_time="$SECONDS_TO_RUN" -max_len=2000000 -rss_limit_mb=4096 -timeout=20
