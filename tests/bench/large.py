"""Large-file load, Flowbook (native `flowbook inspect`, which decodes the trip columns)
beside pyarrow reading the same five columns, each in its own process: time and peak RSS."""

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


def main():
    path = sys.argv[1]
    rows = pq.ParquetFile(path).metadata.num_rows
    size_mib = Path(path).stat().st_size / 2**20
    # Five columns of 8-byte values: what any columnar reader must hold at least.
    decoded_mib = rows * 5 * 8 / 2**20
    fb_s, fb_rss = measure([str(REPO / "target/release/flowbook"), "inspect", path])
    pa_s, pa_rss = measure([PYTHON, "-c", READ, path])
    print(f"file: {rows} rows, {size_mib:.0f} MiB on disk; 5 decoded columns = {decoded_mib:.0f} MiB of values")
    print(f"flowbook (native): {fb_s:.2f} s, peak RSS {fb_rss:.0f} MiB ({fb_rss / decoded_mib:.2f}x the decoded columns)")
    print(f"pyarrow:           {pa_s:.2f} s, peak RSS {pa_rss:.0f} MiB ({pa_rss / decoded_mib:.2f}x)")
    print(f"time ratio pyarrow/flowbook: {pa_s / fb_s:.2f}x (process start included on both sides)")


if __name__ == "__main__":
    main()
