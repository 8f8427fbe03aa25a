"""Monitoring eight later months against January 2021: `flowbook monitor` (native, the
whole command: decoding, predicting, every statistic) against Evidently's Report with
DataDriftPreset on the same columns (only its Report.run time, without reading the files
or fitting the model), same data, same run. Prints both and the ratio; given what
tests/bench/browser_monitor.mjs printed (the Monitor cell over the same months in headless
Chromium), that too.

    python tests/bench/monitor.py [--browser JSON]   # run by scripts/bench.sh monitor
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
FLOWBOOK = os.environ["FLOWBOOK_BIN"]
EVIDENTLY = Path(os.environ.get("FLOWBOOK_EVIDENTLY_VENV", Path.home() / ".cache/flowbook/venv-evidently"))
MONTHS = ["2021-02", "2021-03", "2022-01", "2022-02", "2022-03", "2023-01", "2023-02", "2023-03"]


def green(month):
    return str(DATA / f"green_tripdata_{month}.parquet")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--browser", help="what tests/bench/browser_monitor.mjs printed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = str(Path(tmp) / "model.json")
        subprocess.run([FLOWBOOK, "train", "--train", green("2021-01"), "--val", green("2021-02"),
                        "--save-model", model], check=True, capture_output=True)
        command = [FLOWBOOK, "monitor", "--model", model, "--reference", green("2021-01"),
                   "--current", *[green(m) for m in MONTHS], "--json"]
        times = []
        for _ in range(5):
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            if done.returncode not in (0, 3):
                sys.exit(f"flowbook monitor failed: {done.stderr}")
        ours = statistics.median(times)
        started = time.perf_counter()
        theirs = subprocess.run([str(EVIDENTLY / "bin" / "python"), "evidently_drift.py", green("2021-01"),
                                 *[green(m) for m in MONTHS]], capture_output=True, text=True,
                                cwd=REPO / "tests" / "oracle", check=True)
        evidently_process = time.perf_counter() - started
        report = sum(m["seconds"] for m in json.loads(theirs.stdout)["months"])
    print(f"  flowbook monitor, 8 months (native, whole command, median of 5): {ours:.3f} s")
    print(f"  Evidently Report.run, same 8 months (sum, files already read):  {report:.1f} s"
          f"  (whole process with reading and fitting: {evidently_process:.1f} s)")
    print(f"  ratio: Flowbook {report / ours:.0f}x faster than Evidently's Report")
    if args.browser:
        web = json.loads(args.browser)
        print(f"  Monitor cell, same 8 months (Chromium, files fetched, median of {len(web['rounds_s']) - 1} "
              f"re-runs): {web['median_s']:.3f} s (first run with the downloads: {web['first_s']:.3f} s)")
        print(f"  ratio: Flowbook in the browser {report / web['median_s']:.0f}x faster than Evidently's Report"
              f" ({web['median_s'] / ours:.2f}x the native command)")
        if web["page_errors"]:
            print(f"  page errors: {web['page_errors']}")


if __name__ == "__main__":
    main()
