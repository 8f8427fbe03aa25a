"""The course's XGBoost model against Flowbook's gradient-boosted trees, same data, same
parameters, same run: XGBoost with one thread and with all, Flowbook natively (one
thread). Prints times, ratios and both validation RMSEs per month pair.

    python tests/bench/trees.py [--pairs 1|3] [--browser JSON]

--browser takes tests/bench/browser_trees.mjs's output (the same model trained in headless
Chromium on the first pair) and prints it as one more row.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "oracle"))

import oracle  # noqa: E402
import xgboost as xgb  # noqa: E402
from test_trees import ALL_PAIRS as PAIRS, COURSE, DATA, matrices  # noqa: E402

FLOWBOOK = os.environ.get("FLOWBOOK_BIN", str(REPO / "target/release/flowbook"))


def xgboost_run(train_name, val_name, nthread):
    started = time.perf_counter()
    train = oracle.read_frame(DATA / train_name)
    val = oracle.read_frame(DATA / val_name)
    x_train, x_val = matrices(train, val, ["PU_DO", "trip_distance"])
    d_train = xgb.DMatrix(x_train, label=train.duration.values, nthread=nthread)
    d_val = xgb.DMatrix(x_val, label=val.duration.values, nthread=nthread)
    prepared = time.perf_counter()
    booster = xgb.train({**COURSE, "nthread": nthread}, d_train, num_boost_round=1000,
                        evals=[(d_val, "validation")], early_stopping_rounds=50,
                        verbose_eval=False)
    done = time.perf_counter()
    return done - started, done - prepared, float(booster.best_score), booster.best_iteration


def flowbook_run(train_name, val_name):
    started = time.perf_counter()
    out = subprocess.run([FLOWBOOK, "train", "--train", str(DATA / train_name), "--val",
                          str(DATA / val_name), "--model", "gbdt", "--course", "--json"],
                         capture_output=True, text=True, check=True)
    total = time.perf_counter() - started
    got = json.loads(out.stdout)
    return total, got["val_rmse"], got["best_iteration"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--browser", help="JSON from tests/bench/browser_trees.mjs")
    args = parser.parse_args()
    threads = os.cpu_count() or 1
    print(f"{'pair':<16} {'tool':<22} {'total s':>8} {'train s':>8} {'val RMSE':>9} {'best it':>7}"
          f" {'Flowbook/this':>13}")
    for train_name, val_name in PAIRS[: args.pairs]:
        pair = train_name[15:22] + "->" + val_name[20:22]
        fb_total, fb_rmse, fb_best = flowbook_run(train_name, val_name)
        rows = [("Flowbook (1 thread)", fb_total, None, fb_rmse, fb_best)]
        if args.browser and (train_name, val_name) == PAIRS[0]:
            seen = json.loads(args.browser)
            rows.append(("Flowbook in Chromium", seen["ms"] / 1000, None, seen["val_rmse"],
                         seen["best_iteration"]))
        for n in (1, threads):
            total, trained, rmse, best = xgboost_run(train_name, val_name, n)
            rows.append((f"XGBoost nthread={n}", total, trained, rmse, best))
        browser = next((r[1] for r in rows if r[0] == "Flowbook in Chromium"), None)
        for name, total, trained, rmse, best in rows:
            ratio = f"{fb_total / total:.2f}" if name.startswith("XGBoost") else ""
            if browser is not None and name.startswith("XGBoost"):
                ratio += f" (Chromium {browser / total:.2f})"
            trained_text = f"{trained:8.1f}" if trained is not None else f"{'':>8}"
            print(f"{pair:<16} {name:<22} {total:8.1f} {trained_text} {rmse:9.6f} {best:7d} {ratio:>13}",
                  flush=True)


if __name__ == "__main__":
    main()
