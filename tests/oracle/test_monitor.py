"""`flowbook monitor` checked against Evidently (PyPI, pinned), run live on the same data.

Evidently runs in its own venv (scripts/setup.sh; it cannot import with the pandas 3 of the
main one) through evidently_drift.py, which fits the course's model itself for the
prediction column. For each month every drift value must equal Evidently's within 1e-6
and every drifted / not-drifted decision must agree, as must the share of drifted columns.

- One month in the test command (2021-01 reference, 2023-01); FLOWBOOK_MONITOR_CASES=all
  (scripts/bench.sh) checks the eight later months of the issue: 2021-02, 2021-03,
  2022-01…03 and 2023-01…03.
- A small-sample case (a reference of at most 1,000 trips), where Evidently picks the K-S
  and chi-square p-values instead of distances, and months of more than 10,000 trips
  against such a reference (SciPy's asymptotic K-S).
- The RMSE of each month equals `flowbook predict` on that file, and the exit status is 3
  exactly when a month calls for retraining.
Run by scripts/oracle_test.sh.
"""

import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
FLOWBOOK = os.environ.get("FLOWBOOK_BIN", str(REPO / "target" / "release" / "flowbook"))
EVIDENTLY_VENV = Path(os.environ.get("FLOWBOOK_EVIDENTLY_VENV", Path.home() / ".cache/flowbook/venv-evidently"))
HERE = Path(__file__).resolve().parent

ALL_MONTHS = ["2021-02", "2021-03", "2022-01", "2022-02", "2022-03", "2023-01", "2023-02", "2023-03"]
MONTHS = ALL_MONTHS if os.environ.get("FLOWBOOK_MONITOR_CASES") == "all" else ["2023-01"]


def green(month):
    return str(DATA / f"green_tripdata_{month}.parquet")


def flowbook(*args, expect=(0,)):
    done = subprocess.run([FLOWBOOK, *args], capture_output=True, text=True)
    if done.returncode not in expect:
        raise AssertionError(f"flowbook {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done


def monitor(model, reference, currents, expect=(0, 3)):
    done = flowbook("monitor", "--model", model, "--reference", reference, "--current", *currents, "--json", expect=expect)
    return [json.loads(line) for line in done.stdout.splitlines()], done.returncode


def evidently(reference, currents, fit=None):
    args = [str(EVIDENTLY_VENV / "bin" / "python"), str(HERE / "evidently_drift.py")]
    if fit:
        args += ["--fit", fit]
    done = subprocess.run(args + [reference, *currents], capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0:
        raise AssertionError(f"evidently_drift.py failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout)


class MonitorAgainstEvidently(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.model = str(Path(cls.tmp.name) / "model.json")
        flowbook("train", "--train", green("2021-01"), "--val", green("2021-02"), "--save-model", cls.model)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assert_same_drift(self, ours, theirs, where):
        self.assertEqual(ours["rows"], theirs["rows"], f"{where}: rows")
        self.assertEqual(set(ours["drift"]), set(theirs["drift"]), f"{where}: columns")
        for kind in ("drift", "psi"):
            for column, want in theirs[kind].items():
                got = ours[kind][column]
                label = f"{where} {kind} {column} ({want['method']})"
                self.assertAlmostEqual(got["value"], want["value"], delta=1e-6, msg=label)
                self.assertEqual(got["threshold"], want["threshold"], label)
                self.assertEqual(got["drifted"], want["drifted"], label)
        self.assertAlmostEqual(ours["drifted_share"], theirs["drifted_share"], delta=1e-12, msg=f"{where}: share")

    def test_months_against_evidently(self):
        currents = [green(m) for m in MONTHS]
        ours, _ = monitor(self.model, green("2021-01"), currents)
        theirs = evidently(green("2021-01"), currents)
        self.assertEqual(len(ours), len(MONTHS))
        for month, got, want in zip(MONTHS, ours, theirs["months"]):
            self.assert_same_drift(got, want, month)
            print(f"  {month}: " + ", ".join(f"{c} {d['value']:.6f}{'*' if d['drifted'] else ''}" for c, d in got["drift"].items())
                  + f" | Evidently {want['seconds']:.1f} s")

    def test_small_samples_use_p_values(self):
        # Evidently switches to K-S and chi-square when the reference has at most 1,000
        # values; both samples cut from real files, the model fitted on all of January.
        with tempfile.TemporaryDirectory() as tmp:
            reference, current = str(Path(tmp) / "ref.parquet"), str(Path(tmp) / "cur.parquet")
            pq.write_table(pq.read_table(green("2021-01")).slice(5000, 900), reference)
            pq.write_table(pq.read_table(green("2021-03")).slice(7000, 1700), current)
            ours, _ = monitor(self.model, reference, [current])
            theirs = evidently(reference, [current], fit=green("2021-01"))
            tests = {c: d["stat_test"] for c, d in ours[0]["drift"].items()}
            self.assertEqual(tests["trip_distance"], "ks")
            self.assertEqual(tests["PULocationID"], "chisquare")
            self.assert_same_drift(ours[0], theirs["months"][0], "small samples")
            # Zones absent from the reference make chi-square's statistic infinite (p = 0);
            # a part of the reference itself has none, so its p-values are finite.
            part = str(Path(tmp) / "part.parquet")
            pq.write_table(pq.read_table(reference).slice(0, 600), part)
            ours_part, _ = monitor(self.model, reference, [part])
            theirs_part = evidently(reference, [part], fit=green("2021-01"))
            self.assert_same_drift(ours_part[0], theirs_part["months"][0], "a part of the reference")
            self.assertTrue(all(0 < d["value"] <= 1 for d in ours_part[0]["drift"].values()), ours_part[0]["drift"])
            for name, got in (("small", ours[0]), ("part", ours_part[0])):
                print(f"  {name}: " + ", ".join(f"{c} {d['stat_test']} {d['value']:.6g}" for c, d in got["drift"].items()))

    def test_a_month_beyond_ten_thousand_trips_against_a_small_reference(self):
        # K-S with a month of more than 10,000 values: SciPy's ks_2samp leaves the exact
        # count for the Kolmogorov distribution at n = round(n1 n2 / (n1 + n2)). A reference
        # of 130 trips reaches Pomeranz's recursion and the Durbin matrix (n <= 140), one of
        # 900 the Smirnov tail, Pelz-Good and the Durbin matrix for large n.
        with tempfile.TemporaryDirectory() as tmp:
            cases = [("130", 5000, 130, "2021-03", 12000), ("900", 5000, 900, "2021-03", 12500),
                     ("900 / January", 5000, 900, "2021-01", 11000)]
            for name, start, size, month, rows in cases:
                reference, current = str(Path(tmp) / "ref.parquet"), str(Path(tmp) / "cur.parquet")
                pq.write_table(pq.read_table(green("2021-01")).slice(start, size), reference)
                pq.write_table(pq.read_table(green(month)).slice(0, rows), current)
                ours, _ = monitor(self.model, reference, [current])
                theirs = evidently(reference, [current], fit=green("2021-01"))
                self.assertGreater(ours[0]["rows"], 10_000, name)
                self.assertEqual(ours[0]["drift"]["trip_distance"]["stat_test"], "ks", name)
                self.assert_same_drift(ours[0], theirs["months"][0], f"a reference of {name}")
                print(f"  {name}: " + ", ".join(f"{c} {d['stat_test']} {d['value']:.6g}" for c, d in ours[0]["drift"].items()))

    def test_rmse_is_the_engines_and_the_exit_status_gates_retraining(self):
        ours, code = monitor(self.model, green("2021-01"), [green("2021-02")])
        self.assertEqual(code, 0, "the month after training does not call for retraining")
        self.assertFalse(ours[0]["alert"])
        predicted = json.loads(flowbook("predict", "--model", self.model, "--data", green("2021-02"), "--json").stdout)
        self.assertEqual(ours[0]["rmse"], predicted["rmse"])
        self.assertEqual(ours[0]["rows"], predicted["rows"])
        ours, code = monitor(self.model, green("2021-01"), [green("2021-02"), green("2023-01")])
        self.assertEqual(code, 3)
        self.assertEqual([m["alert"] for m in ours], [False, True])
        self.assertTrue(any("dataset drift" in r for r in ours[1]["reasons"]), ours[1]["reasons"])

    def test_thresholds_file_changes_decisions_and_a_bad_one_is_explained(self):
        with tempfile.TemporaryDirectory() as tmp:
            loose = Path(tmp) / "loose.json"
            loose.write_text(json.dumps({"columns": {"PU_DO": 0.5}, "drift_share": 0.9}))
            done = flowbook("monitor", "--model", self.model, "--reference", green("2021-01"), "--current",
                            green("2023-01"), "--thresholds", str(loose), "--json", expect=(0, 3))
            month = json.loads(done.stdout.splitlines()[0])
            self.assertEqual(month["drift"]["PU_DO"]["threshold"], 0.5)
            self.assertFalse(month["drift"]["PU_DO"]["drifted"])
            self.assertEqual(month["status"]["dataset_drift"], "warning")
            bad = Path(tmp) / "bad.json"
            bad.write_text('{"rmse_alert": "high"}')
            done = flowbook("monitor", "--model", self.model, "--reference", green("2021-01"), "--current",
                            green("2021-02"), "--thresholds", str(bad), expect=(1,))
            self.assertIn("bad.json: not a thresholds file", done.stderr)
            self.assertEqual(done.stdout, "")


if __name__ == "__main__":
    unittest.main()
