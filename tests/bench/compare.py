"""Runs both sides of the benchmark in one invocation and prints them side by side.

Each side runs in its own process so that its peak memory (max RSS) is its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
VENV = Path(os.environ.get("FLOWBOOK_VENV", Path.home() / ".cache" / "flowbook" / "venv"))
FILES = [str(DATA / f) for f in (
    "green_tripdata_2021-01.parquet", "green_tripdata_2021-02.parquet", "green_tripdata_2023-03.parquet")]


def run(argv, env=None):
    """Runs a command; returns its JSON output and its peak RSS in MiB."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"benchmark step failed: {' '.join(argv)}")
    return json.loads(out), usage.ru_maxrss / 1024


def main():
    browser = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {"timings": []}
    flowbook, flowbook_rss = run([os.environ.get("FLOWBOOK_BIN", str(REPO / "target/release/flowbook")), "bench", *FILES, "--runs", "5"])
    env = dict(os.environ)
    # Single-threaded BLAS would make the reference look slower than it is: leave
    # numpy its own threading; unset the OpenBLAS overrides this machine sets.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    reference, reference_rss = run([str(VENV / "bin/python"), str(REPO / "tests/bench/sklearn_side.py"), *FILES], env)
    ref = {t["name"]: t for t in reference["timings"]}
    web = {t["name"]: t for t in browser["timings"]}
    print(f"{'step':<40} {'reference ms':>13} {'flowbook ms':>12} {'ratio':>7} {'wasm ms':>9} {'ratio':>7}")
    for t in flowbook["timings"]:
        name = t["name"]
        r = ref.get(name)
        w = web.get(name)
        ref_ms = r["median_ms"] if r else float("nan")
        wasm_ms = w["median_ms"] if w else float("nan")
        print(f"{name:<40} {ref_ms:>13.1f} {t['median_ms']:>12.1f} {ref_ms / t['median_ms']:>6.1f}x "
              f"{wasm_ms:>9.1f} {ref_ms / wasm_ms:>6.1f}x")
        conv = ref.get(name + " converged")
        if conv:
            print(f"{'  (reference converged, same model)':<40} {conv['median_ms']:>13.1f} {t['median_ms']:>12.1f} "
                  f"{conv['median_ms'] / t['median_ms']:>6.1f}x {wasm_ms:>9.1f} {conv['median_ms'] / wasm_ms:>6.1f}x")
    print("ratio = reference time / Flowbook time (above 1: Flowbook is faster); wasm = headless Chromium")
    print(f"peak memory (max RSS): reference process {reference_rss:.0f} MiB, flowbook process {flowbook_rss:.0f} MiB")
    if browser.get("wasm_memory_bytes"):
        print(f"browser: wasm linear memory after the run (its peak) {browser['wasm_memory_bytes'] / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
