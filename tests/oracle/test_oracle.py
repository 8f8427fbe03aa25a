"""Flowbook's `flowbook` command checked against scikit-learn and pyarrow, run on the
real TLC files in ../shared/data. Run by scripts/oracle_test.sh."""

import json
import os
import subprocess
import unittest
from pathlib import Path

import oracle

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
FLOWBOOK = os.environ.get("FLOWBOOK_BIN", str(REPO / "target" / "release" / "flowbook"))
SAMPLES = sorted(p.name for p in DATA.glob("green_tripdata_*.parquet"))

# Month pairs beyond the published reference: GZIP/int64 IDs (2022) and ZSTD/int32 IDs,
# parquet 2.6 with dictionary pages (2023).
PAIRS = [
    ("green_tripdata_2021-01.parquet", "green_tripdata_2021-02.parquet"),
    ("green_tripdata_2022-01.parquet", "green_tripdata_2022-02.parquet"),
    ("green_tripdata_2023-02.parquet", "green_tripdata_2023-03.parquet"),
]


def flowbook(*args):
    done = subprocess.run([FLOWBOOK, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"flowbook {' '.join(args)} failed: {done.stderr}")
    return json.loads(done.stdout)


class DecodingMatchesPyarrow(unittest.TestCase):
    def test_every_sample_file(self):
        self.assertEqual(len(SAMPLES), 9)
        for name in SAMPLES:
            with self.subTest(file=name):
                want = oracle.column_facts(DATA / name)
                got = flowbook("inspect", str(DATA / name))
                self.assertEqual(got["rows"], want["rows"])
                for key in ("pickup_us", "dropoff_us", "PULocationID", "DOLocationID"):
                    self.assertEqual(got["columns"][key]["nulls"], want[key]["nulls"], key)
                    self.assertEqual(got["columns"][key]["sum"], want[key]["sum"], key)
                dist_got = got["columns"]["trip_distance"]["sum"]
                dist_want = want["trip_distance"]["sum"]
                self.assertAlmostEqual(dist_got, dist_want, delta=1e-9 * abs(dist_want))


class TrainingMatchesScikitLearn(unittest.TestCase):
    def test_month_pairs(self):
        for train_name, val_name in PAIRS:
            train = oracle.read_frame(DATA / train_name)
            val = oracle.read_frame(DATA / val_name)
            cases = [
                (["PULocationID", "DOLocationID", "trip_distance"], "ols", None),
                (["PU_DO", "trip_distance"], "ols", None),
                (["PU_DO", "trip_distance"], "ridge", 1.0),
                (["PULocationID", "DOLocationID", "trip_distance"], "lasso", 0.01),
            ]
            for features, model, alpha in cases:
                with self.subTest(train=train_name, features=features, model=model):
                    want = oracle.fit_predict(train, val, features, model, alpha)
                    categorical = [f for f in features if f != "trip_distance"]
                    args = [
                        "train", "--train", str(DATA / train_name), "--val", str(DATA / val_name),
                        "--categorical", ",".join(categorical), "--numerical", "trip_distance",
                        "--model", model, "--json",
                    ]
                    if alpha is not None:
                        args += ["--alpha", str(alpha)]
                    got = flowbook(*args)
                    self.assertEqual(got["train_rows"], want["train_rows"])
                    self.assertEqual(got["val_rows"], want["val_rows"])
                    self.assertEqual(got["n_features"], want["n_features"])
                    self.assertAlmostEqual(got["train_rmse"], want["train_rmse"], delta=1e-5)
                    self.assertAlmostEqual(got["val_rmse"], want["val_rmse"], delta=1e-3)
                    # Train RMSE of an exact OLS can only tie or beat the oracle's.
                    if model == "ols":
                        self.assertLessEqual(got["train_rmse"], want["train_rmse"] + 1e-9)


class CommandLineErrors(unittest.TestCase):
    def run_flowbook(self, *args):
        return subprocess.run([FLOWBOOK, *args], capture_output=True, text=True, check=False)

    def test_bad_file_exits_non_zero_with_the_file_named(self):
        done = self.run_flowbook("train", "--train", str(REPO / "Cargo.toml"), "--val", str(DATA / SAMPLES[0]))
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("Cargo.toml: this is not a parquet file", done.stderr)

    def test_unknown_feature_and_missing_alpha(self):
        done = self.run_flowbook("train", "--train", "a", "--val", "b", "--categorical", "zone")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn('unknown categorical feature "zone"', done.stderr)
        done = self.run_flowbook("train", "--train", "a", "--val", "b", "--model", "ridge")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("needs a value for alpha", done.stderr)


class CsvFiles(unittest.TestCase):
    """The command reads CSV trip files as the page does; distances that are not usable
    numbers (NaN, inf, 1e308, whose square overflows) count as missing, so the row is
    dropped and the model stays finite."""

    def test_csv_trains_like_parquet_and_unusable_distances_are_dropped(self):
        import math
        import tempfile
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
        with tempfile.TemporaryDirectory() as tmp:
            columns = ["lpep_pickup_datetime", "lpep_dropoff_datetime", "PULocationID",
                       "DOLocationID", "trip_distance"]
            table = pq.read_table(DATA / PAIRS[0][0], columns=columns).slice(0, 20_000)
            clean_parquet = Path(tmp) / "clean.parquet"
            pq.write_table(table, clean_parquet)
            frame = table.to_pandas()
            minutes = (frame.lpep_dropoff_datetime - frame.lpep_pickup_datetime).dt.total_seconds() / 60
            kept = frame.index[(minutes >= 1) & (minutes <= 60)][:3]
            odd = frame.copy()
            odd["trip_distance"] = odd["trip_distance"].astype(object)
            for row, value in zip(kept, ["NaN", "inf", "1e308"]):
                odd.loc[row, "trip_distance"] = value
            odd_csv = Path(tmp) / "odd.csv"
            odd.to_csv(odd_csv, index=False)
            clean_csv = Path(tmp) / "clean.csv"
            pacsv.write_csv(table, clean_csv)
            val = str(DATA / PAIRS[0][1])
            args = ["--val", val, "--model", "ols", "--json"]
            from_parquet = flowbook("train", "--train", str(clean_parquet), *args)
            from_csv = flowbook("train", "--train", str(clean_csv), *args)
            self.assertEqual(from_csv["train_rows"], from_parquet["train_rows"])
            self.assertAlmostEqual(from_csv["train_rmse"], from_parquet["train_rmse"], delta=1e-9)
            odd_run = flowbook("train", "--train", str(odd_csv), *args)
            self.assertEqual(odd_run["train_rows"], from_parquet["train_rows"] - 3)
            self.assertTrue(math.isfinite(odd_run["val_rmse"]))
            # The same as training on the file without those three trips.
            without = Path(tmp) / "without.parquet"
            pq.write_table(table.take([i for i in range(table.num_rows) if i not in set(kept)]), without)
            from_without = flowbook("train", "--train", str(without), *args)
            self.assertEqual(odd_run["train_rows"], from_without["train_rows"])
            self.assertAlmostEqual(odd_run["train_rmse"], from_without["train_rmse"], delta=1e-9)
            self.assertAlmostEqual(odd_run["val_rmse"], from_without["val_rmse"], delta=1e-9)


if __name__ == "__main__":
    unittest.main(verbosity=2)
