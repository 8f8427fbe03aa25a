"""Flowbook's gradient-boosted trees checked against XGBoost (PyPI, pinned), run live.

- A small exact case: every distinct value has a histogram bin of its own, so Flowbook's
  `hist` splits can fall wherever XGBoost's `exact` method puts them; predictions must
  agree within 1e-6 minutes.
- The course's tuned model (1,000 rounds, early stopping 50) on January -> February 2021:
  Flowbook's validation RMSE may be no worse than XGBoost's by more than 0.02.
  FLOWBOOK_TREE_CASES=all (scripts/bench.sh) adds 2022-01 -> 02 and 2023-02 -> 03.
Run by scripts/oracle_test.sh.
"""

import json
import os
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xgboost as xgb
from sklearn.feature_extraction import DictVectorizer

import oracle
from test_oracle import PAIRS as ALL_PAIRS

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
FLOWBOOK = os.environ.get("FLOWBOOK_BIN", str(REPO / "target" / "release" / "flowbook"))

COURSE = {
    "learning_rate": 0.09585355369315604,
    "max_depth": 30,
    "min_child_weight": 1.060597050922164,
    "reg_alpha": 0.018060244040060163,
    "reg_lambda": 0.011658731377413597,
    "objective": "reg:squarederror",
    "seed": 42,
}
PAIRS = ALL_PAIRS if os.environ.get("FLOWBOOK_TREE_CASES") == "all" else ALL_PAIRS[:1]


def flowbook(*args):
    done = subprocess.run([FLOWBOOK, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"flowbook {' '.join(args)} failed: {done.stderr}")
    return json.loads(done.stdout)


def matrices(train, val, features):
    dv = DictVectorizer()
    x_train = dv.fit_transform(train[features].to_dict(orient="records"))
    x_val = dv.transform(val[features].to_dict(orient="records"))
    return x_train, x_val


def small_trips(path, rows=400, seed=7):
    """Trips with few zones, 40 distinct distances and whole-second durations of 1-4
    minutes (small values keep XGBoost's float32 rounding below 1e-6)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-01 08:00:00")
    pickup = start + pd.to_timedelta(rng.integers(0, 86_400, rows), unit="s")
    distance = np.round(rng.integers(1, 41, rows) * 0.1, 1)
    pu = rng.integers(1, 7, rows)
    do = rng.integers(1, 7, rows)
    seconds = 60 + (distance * 40 + pu * 7 + rng.integers(0, 60, rows)).astype(int)
    table = pa.table({
        "lpep_pickup_datetime": pa.array(pickup.values.astype("datetime64[us]")),
        "lpep_dropoff_datetime": pa.array((pickup + pd.to_timedelta(seconds, unit="s")).values.astype("datetime64[us]")),
        "PULocationID": pa.array(pu, pa.int64()),
        "DOLocationID": pa.array(do, pa.int64()),
        "trip_distance": pa.array(distance, pa.float64()),
    })
    pq.write_table(table, path)


class SmallExactCase(unittest.TestCase):
    def test_predictions_equal_xgboost_exact(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "small.parquet"
            model_path = Path(tmp) / "model.json"
            small_trips(path)
            params = {"num_boost_round": 6, "learning_rate": 0.3, "max_depth": 4,
                      "min_child_weight": 2.0, "reg_lambda": 1.0, "reg_alpha": 0.05,
                      "gamma": 0.01}
            args = ["train", "--train", str(path), "--val", str(path), "--model", "gbdt",
                    "--max-bin", "256", "--save-model", str(model_path), "--json"]
            for key, value in params.items():
                args += ["--" + key.replace("_", "-"), str(value)]
            trained = flowbook(*args)
            got = flowbook("predict", "--model", str(model_path), "--data", str(path), "--json")

            frame = oracle.read_frame(path)
            x, _ = matrices(frame, frame, ["PU_DO", "trip_distance"])
            booster = xgb.train(
                {"tree_method": "exact", "objective": "reg:squarederror",
                 "eta": params["learning_rate"], "max_depth": params["max_depth"],
                 "min_child_weight": params["min_child_weight"], "lambda": params["reg_lambda"],
                 "alpha": params["reg_alpha"], "gamma": params["gamma"], "nthread": 1},
                xgb.DMatrix(x, label=frame.duration.values),
                num_boost_round=params["num_boost_round"],
            )
            want = booster.predict(xgb.DMatrix(x))
            self.assertEqual(got["rows"], len(frame))
            np.testing.assert_allclose(got["duration_min"], frame.duration.values, atol=1e-12)
            self.assertGreater(float(np.std(want)), 0.1, "the trees must have split")
            np.testing.assert_allclose(got["predictions"], want, rtol=0, atol=1e-6)
            self.assertEqual(trained["trees"], params["num_boost_round"])


class CourseModel(unittest.TestCase):
    def test_validation_rmse_no_worse_than_xgboost(self):
        for train_name, val_name in PAIRS:
            with self.subTest(train=train_name):
                train = oracle.read_frame(DATA / train_name)
                val = oracle.read_frame(DATA / val_name)
                x_train, x_val = matrices(train, val, ["PU_DO", "trip_distance"])
                started = time.perf_counter()
                d_train = xgb.DMatrix(x_train, label=train.duration.values)
                d_val = xgb.DMatrix(x_val, label=val.duration.values)
                booster = xgb.train(COURSE, d_train, num_boost_round=1000,
                                    evals=[(d_val, "validation")], early_stopping_rounds=50,
                                    verbose_eval=False)
                xgb_s = time.perf_counter() - started
                want = float(booster.best_score)
                started = time.perf_counter()
                got = flowbook("train", "--train", str(DATA / train_name), "--val",
                               str(DATA / val_name), "--model", "gbdt", "--course", "--json")
                flowbook_s = time.perf_counter() - started
                print(f"\n{train_name} -> {val_name}: validation RMSE Flowbook "
                      f"{got['val_rmse']:.6f} (best iteration {got['best_iteration']}, "
                      f"{flowbook_s:.1f} s) | XGBoost {want:.6f} (best iteration "
                      f"{booster.best_iteration}, {xgb_s:.1f} s, all threads) | ratio "
                      f"{flowbook_s / xgb_s:.2f}", flush=True)
                self.assertEqual(got["train_rows"], len(train))
                self.assertEqual(got["val_rows"], len(val))
                self.assertLessEqual(got["val_rmse"], want + 0.02)
                # The kept model is the best round's: its RMSE is the curve's minimum.
                best = min(point["val_rmse"] for point in got["curve"])
                self.assertAlmostEqual(got["val_rmse"], best, delta=1e-9)


class TreeParameterErrors(unittest.TestCase):
    def run_flowbook(self, *args):
        return subprocess.run([FLOWBOOK, *args], capture_output=True, text=True, check=False)

    def test_out_of_range_settings_name_the_field_and_range(self):
        base = ["train", "--train", str(DATA / PAIRS[0][0]), "--val", str(DATA / PAIRS[0][1]),
                "--model", "gbdt"]
        for flag, value, message in [
            ("--max-depth", "0", "max_depth must be a whole number from 1 to 1000; got 0"),
            ("--learning-rate", "0", "learning_rate must be above 0 and at most 1; got 0"),
            ("--subsample", "1.5", "subsample must be above 0 and at most 1; got 1.5"),
            ("--max-bin", "1", "max_bin must be a whole number from 2 to 65535; got 1"),
            ("--reg-lambda", "-1", "reg_lambda must be a finite number of at least 0; got -1"),
        ]:
            with self.subTest(flag=flag):
                done = self.run_flowbook(*base, flag, value)
                self.assertEqual(done.returncode, 1)
                self.assertIn(message, done.stderr)
        done = self.run_flowbook("train", "--train", "a", "--val", "b", "--max-depth", "3")
        self.assertIn("--max-depth needs --model gbdt", done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
