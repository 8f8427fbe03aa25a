"""The reference tools' side of scripts/bench.sh: pyarrow decoding and scikit-learn's
DictVectorizer + fit pipeline (default and converged tolerances), timed like Flowbook's
`flowbook bench` (median of N runs). Prints JSON."""

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import Lasso, LinearRegression, Ridge

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracle"))
import oracle  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)
COLUMNS = ["lpep_pickup_datetime", "lpep_dropoff_datetime", "PULocationID", "DOLocationID", "trip_distance"]


def median_ms(step, runs):
    times, check = [], None
    for _ in range(runs):
        start = time.perf_counter()
        check = step()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2], check


def pipeline(train, features, make_model):
    def step():
        dv = DictVectorizer()
        X = dv.fit_transform(train[features].to_dict(orient="records"))
        X.indices = X.indices.astype(np.int32)
        X.indptr = X.indptr.astype(np.int32)
        y = train.duration.to_numpy()
        model = make_model()
        if isinstance(model, list):  # a sweep: one warm-started Lasso per alpha
            lasso = Lasso(warm_start=True)
            for alpha in model:
                lasso.set_params(alpha=alpha).fit(X, y)
            return float(np.sqrt(np.mean((X @ lasso.coef_ + lasso.intercept_ - y) ** 2)))
        model.fit(X, y)
        return float(np.sqrt(np.mean((X @ model.coef_ + model.intercept_ - y) ** 2)))

    return step


def converged(train, features, model, alpha):
    def step():
        return oracle.fit_predict(train, train.iloc[:10], features, model, alpha)["train_rmse"]

    return step


def main():
    train_path, _val_path, *decode_paths = sys.argv[1:4 + 8]
    runs = 5
    out = []
    for path in [train_path, *decode_paths]:
        names = pq.ParquetFile(path).schema_arrow.names
        cols = [oracle._column(names, (c,) if c != COLUMNS[0] and c != COLUMNS[1] else (oracle.PICKUP if c == COLUMNS[0] else oracle.DROPOFF)) for c in COLUMNS]
        ms, rows = median_ms(lambda: pq.read_table(path, columns=cols).num_rows, runs)
        out.append({"name": f"decode {Path(path).name}", "median_ms": ms, "runs": runs, "check": rows})
    train = oracle.read_frame(train_path)
    alphas = list(10 ** (-3.0 * np.arange(20) / 19.0))
    sets = {"pu+do": ["PULocationID", "DOLocationID", "trip_distance"], "pu_do": ["PU_DO", "trip_distance"]}
    for set_name, features in sets.items():
        for model_name, make in (
            ("ols", LinearRegression),
            ("ridge1", lambda: Ridge(alpha=1.0)),
            ("lasso0.01", lambda: Lasso(alpha=0.01)),
            ("lasso sweep20", lambda: alphas),
        ):
            ms, check = median_ms(pipeline(train, features, make), 3)
            out.append({"name": f"{set_name} {model_name}", "median_ms": ms, "runs": 3, "check": check})
        for model_name, model, alpha in (("ols", "ols", None), ("ridge1", "ridge", 1.0), ("lasso0.01", "lasso", 0.01)):
            ms, check = median_ms(converged(train, features, model, alpha), 1)
            out.append({"name": f"{set_name} {model_name} converged", "median_ms": ms, "runs": 1, "check": check})
    print(json.dumps({"timings": out}))


if __name__ == "__main__":
    main()
