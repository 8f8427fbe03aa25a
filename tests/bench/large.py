"""Large-file load, Flowbook (native `flowbook inspect`, which decodes the trip columns)
beside pyarrow reading the same five columns, each in its own process: time and peak RSS.
With `--browser JSON` (what `node tests/bench/browser_bench.mjs large` printed), also the
same file loaded by the app in headless Chromium: load time and peak wasm memory.

    python tests/bench/large.py FILE [--browser JSON]
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
READ = ("import sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1], columns=['lpep_pickup_datetime',"
        "'lpep_dropoff_datetime','PULocationID','DOLocationID','trip_distance']); print(t.num_rows)")


def measure(argv):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"failed: {argv}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def browser_lines(report, decoded_mib):
    """The browser's figures, from the `?bench=large` JSON."""
    large = report["large"]
    mib = 2**20
    peak = large.get("peak_wasm_memory_bytes")
    lines = [
        f"flowbook (browser): {large['load_ms'] / 1000:.2f} s "
        f"(fetch {large['fetch_ms'] / 1000:.2f} s + decode {large['decode_ms'] / 1000:.2f} s, "
        f"of which SHA-256 {large.get('sha256_ms_within_decode', float('nan')) / 1000:.2f} s), "
        + (f"peak wasm memory {peak / mib:.0f} MiB ({peak / mib / decoded_mib:.2f}x the decoded columns)"
           if peak else "wasm memory not reported"),
    ]
    before, after_fetch = large.get("wasm_memory_before_fetch"), large.get("wasm_memory_after_fetch")
    if before and after_fetch and peak:
        lines.append(f"  wasm memory: {before / mib:.0f} MiB at start, {after_fetch / mib:.0f} MiB with the "
                     f"file's bytes, {peak / mib:.0f} MiB after decoding; the table holds "
                     f"{large['table_heap_bytes'] / mib:.0f} MiB ({large['rows']} rows)")
    heap = large.get("js_heap_after_decode")
    chrome = report.get("chrome_metrics", {})
    if heap or chrome:
        parts = []
        if heap:
            parts.append(f"performance.memory right after decoding {heap['used'] / mib:.0f} MiB used of "
                         f"{heap['total'] / mib:.0f} MiB (the downloaded body, not yet collected)")
        if chrome.get("JSHeapUsedSize"):
            parts.append(f"after the page settled, DevTools JSHeapUsedSize {chrome['JSHeapUsedSize'] / mib:.0f} MiB, "
                         f"JSHeapTotalSize {chrome.get('JSHeapTotalSize', 0) / mib:.0f} MiB")
        lines.append("  Chrome JS heap (beside the wasm memory): " + "; ".join(parts))
    return lines


def main():
    args = sys.argv[1:]
    browser = None
    if "--browser" in args:
        at = args.index("--browser")
        browser = json.loads(args[at + 1])
        del args[at:at + 2]
    path = args[0]
    rows = pq.ParquetFile(path).metadata.num_rows
    size_mib = Path(path).stat().st_size / 2**20
    # Five columns of 8-byte values: what any columnar reader must hold at least.
    decoded_mib = rows * 5 * 8 / 2**20
    fb_s, fb_rss = measure([os.environ.get("FLOWBOOK_BIN", str(REPO / "target/release/flowbook")), "inspect", path])
    pa_s, pa_rss = measure([PYTHON, "-c", READ, path])
    print(f"file: {rows} rows, {size_mib:.0f} MiB on disk; 5 decoded columns = {decoded_mib:.0f} MiB of values")
    print(f"flowbook (native): {fb_s:.2f} s, peak RSS {fb_rss:.0f} MiB ({fb_rss / decoded_mib:.2f}x the decoded columns)")
    print(f"pyarrow:           {pa_s:.2f} s, peak RSS {pa_rss:.0f} MiB ({pa_rss / decoded_mib:.2f}x)")
    print(f"time ratio pyarrow/flowbook: {pa_s / fb_s:.2f}x (process start included on both sides)")
    if browser:
        for line in browser_lines(browser, decoded_mib):
            print(line)
        print(f"time ratio browser/pyarrow: {browser['large']['load_ms'] / 1000 / pa_s:.2f}x "
              f"(browser: fetch from localhost + decode; pyarrow: read from disk + process start)")


if __name__ == "__main__":
    main()
