"""The course's hyperparameter search against Flowbook's, same data, same space, same run:
hyperopt's TPE driving XGBoost (all threads, 1,000 rounds, early stopping after 50) over
the course's space, and `flowbook search --space examples/search/course_xgboost.json`
(TPE, trials in parallel batches). Prints wall time, best validation RMSE and the ratio;
then Flowbook's linear search of 1,000 trials natively and, given the JSON that
tests/bench/browser_search.mjs printed for the same search, in headless Chromium.

    python tests/bench/search.py [--max-evals 50] [--skip-hyperopt] [--browser JSON]
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

import numpy as np  # noqa: E402
import oracle  # noqa: E402
import xgboost as xgb  # noqa: E402
from hyperopt import STATUS_OK, Trials, fmin, hp, tpe  # noqa: E402
from hyperopt.pyll import scope  # noqa: E402
from test_trees import DATA, matrices  # noqa: E402

FLOWBOOK = os.environ.get("FLOWBOOK_BIN", str(REPO / "target/release/flowbook"))
TRAIN, VAL = "green_tripdata_2021-01.parquet", "green_tripdata_2021-02.parquet"

# The course's space (hyperopt's vocabulary), as examples/search/course_xgboost.json has it.
SPACE = {
    "max_depth": scope.int(hp.quniform("max_depth", 4, 100, 1)),
    "learning_rate": hp.loguniform("learning_rate", -3, 0),
    "reg_alpha": hp.loguniform("reg_alpha", -5, -1),
    "reg_lambda": hp.loguniform("reg_lambda", -6, -1),
    "min_child_weight": hp.loguniform("min_child_weight", -1, 3),
    "objective": "reg:squarederror",
    "seed": 42,
}


def hyperopt_search(max_evals):
    started = time.perf_counter()
    train = oracle.read_frame(DATA / TRAIN)
    val = oracle.read_frame(DATA / VAL)
    x_train, x_val = matrices(train, val, ["PU_DO", "trip_distance"])
    d_train = xgb.DMatrix(x_train, label=train.duration.values)
    d_val = xgb.DMatrix(x_val, label=val.duration.values)

    def objective(params):
        booster = xgb.train(params, d_train, num_boost_round=1000, evals=[(d_val, "validation")],
                            early_stopping_rounds=50, verbose_eval=False)
        return {"loss": float(booster.best_score), "status": STATUS_OK}

    trials = Trials()
    fmin(objective, SPACE, algo=tpe.suggest, max_evals=max_evals, trials=trials,
         rstate=np.random.default_rng(42), show_progressbar=False)
    return time.perf_counter() - started, min(trials.losses())


def flowbook_search(space, max_evals, extra=()):
    started = time.perf_counter()
    out = subprocess.run([FLOWBOOK, "search", "--train", str(DATA / TRAIN), "--val", str(DATA / VAL),
                          "--space", str(REPO / "examples/search" / space), "--max-evals", str(max_evals),
                          "--json", *extra], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    return time.perf_counter() - started, got


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-evals", type=int, default=50)
    parser.add_argument("--skip-hyperopt", action="store_true")
    parser.add_argument("--browser", help="what tests/bench/browser_search.mjs printed")
    args = parser.parse_args()
    n = args.max_evals
    print(f"{'search':<44} {'trials':>6} {'wall s':>8} {'best val RMSE':>13} {'Flowbook/this':>13}")
    fb_s, fb = flowbook_search("course_xgboost.json", n)
    print(f"{'Flowbook TPE, course space (batch 4)':<44} {fb['trials']:>6} {fb_s:8.1f} {fb['best_val_rmse']:13.6f}",
          flush=True)
    if not args.skip_hyperopt:
        ho_s, ho_best = hyperopt_search(n)
        print(f"{'hyperopt TPE + XGBoost (all threads)':<44} {n:>6} {ho_s:8.1f} {ho_best:13.6f} {fb_s / ho_s:13.3f}",
              flush=True)
    lin_s, lin = flowbook_search("linear.json", 1000, ["--batch", "8"])
    print(f"{'Flowbook TPE, linear space (native)':<44} {lin['trials']:>6} {lin_s:8.1f} {lin['best_val_rmse']:13.6f}"
          f"   ({lin['prepared_sets']} prepared sets)", flush=True)
    if args.browser:
        web = json.loads(args.browser)
        print(f"{'Flowbook TPE, linear space (Chromium)':<44} {web['trials']:>6} {web['on_screen_s']:8.1f} "
              f"{web['best_val_rmse']:13.6f} {web['on_screen_s'] / lin_s:13.3f}   (Chromium/native; "
              f"the search's own time {web['search_s']} s, {web['workers']} cores)")
        if web["page_errors"]:
            print(f"page errors: {web['page_errors']}")


if __name__ == "__main__":
    main()
