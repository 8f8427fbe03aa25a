"""Flowbook's TPE against hyperopt's, run live on the same known functions and spaces.

For each function: 50 searches of 50 trials (seeds 0..49) with hyperopt's `tpe.suggest`
(its defaults) and with `flowbook bench --search-function` (TPE and random search).
Flowbook's TPE must beat its random search (lower median best) and land within
hyperopt's median ± interquartile range: the same algorithm, not just a good one.
"""

import json
import math
import os
import statistics
import subprocess
import unittest

import numpy as np
from hyperopt import STATUS_OK, Trials, fmin, hp, tpe

FLOWBOOK = os.environ.get("FLOWBOOK_BIN", "flowbook")
SEEDS = 50
TRIALS = 50


def branin(p):
    x, y = p["x"], p["y"]
    a = y - 5.1 / (4 * math.pi**2) * x**2 + 5 * x / math.pi - 6
    return a * a + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


def distractor(p):
    x = p["x"]
    return -1 / (1 + math.exp(-x)) - 2 * math.exp(-((x + 10) ** 2))


def nested(p):
    if p["branch"] == 0:
        return (p["x"] - 3) ** 2 / 10 + math.log(p["y"]) ** 2 / 4
    return 0.5 + (math.log(max(p["z"], 1e-12)) - 2) ** 2 + (p["w"] - 7) ** 2 / 10


SPACES = {
    "branin": (branin, {"x": hp.uniform("x", -5, 10), "y": hp.uniform("y", 0, 15)}),
    "distractor": (distractor, {"x": hp.uniform("x", -15, 15)}),
    "nested": (
        nested,
        hp.choice(
            "branch",
            [
                {"branch": 0, "x": hp.quniform("a.x", -10, 10, 1), "y": hp.loguniform("a.y", -5, 2)},
                {"branch": 1, "z": hp.qloguniform("b.z", 0, 5, 1), "w": hp.randint("b.w", 0, 10)},
            ],
        ),
    ),
}


def hyperopt_best(name, seed):
    function, space = SPACES[name]
    trials = Trials()
    fmin(
        lambda p: {"loss": function(p), "status": STATUS_OK},
        space,
        algo=tpe.suggest,
        max_evals=TRIALS,
        trials=trials,
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
    )
    return min(trials.losses())


def flowbook_best(name, algo):
    out = subprocess.run(
        [FLOWBOOK, "bench", "--search-function", name, "--algo", algo, "--seeds", str(SEEDS), "--max-evals", str(TRIALS)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["best"]


def quartiles(values):
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


class TpeAgainstHyperopt(unittest.TestCase):
    def check(self, name):
        ours = flowbook_best(name, "tpe")
        random = flowbook_best(name, "random")
        theirs = [hyperopt_best(name, seed) for seed in range(SEEDS)]
        q1, median, q3 = quartiles(theirs)
        iqr = q3 - q1
        ours_median, random_median = statistics.median(ours), statistics.median(random)
        print(
            f"\n{name}: median best of {SEEDS} searches × {TRIALS} trials: Flowbook TPE {ours_median:.6f}, "
            f"Flowbook random {random_median:.6f}, hyperopt TPE {median:.6f} (IQR {q1:.6f}..{q3:.6f})"
        )
        self.assertEqual(len(ours), SEEDS)
        self.assertLess(ours_median, random_median, "TPE must beat random search")
        self.assertLessEqual(abs(ours_median - median), iqr, "outside hyperopt's median ± IQR")

    def test_branin(self):
        self.check("branin")

    def test_distractor(self):
        self.check("distractor")

    def test_nested_space_with_every_distribution(self):
        self.check("nested")


if __name__ == "__main__":
    unittest.main()
