"""scikit-learn and pyarrow oracles for Flowbook's engine.

Recomputes the duration-model references the way the course notebook builds them
(pandas + DictVectorizer), but solved to convergence: LSQR at 1e-14 on implicitly
centred data for OLS and Ridge, coordinate descent at tol 1e-8 for Lasso.

    python tests/oracle/oracle.py TRAIN.parquet VAL.parquet   # prints JSON references
"""

import json
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import scipy.sparse.linalg as spla
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import Lasso

PICKUP = ("lpep_pickup_datetime", "tpep_pickup_datetime", "pickup_datetime")
DROPOFF = ("lpep_dropoff_datetime", "tpep_dropoff_datetime", "dropoff_datetime")


def _column(names, candidates):
    lowered = {n.lower(): n for n in names}
    for c in candidates:
        if c.lower() in lowered:
            return lowered[c.lower()]
    raise KeyError(candidates)


def read_frame(path):
    """The course's read_dataframe: duration in minutes, 1 <= duration <= 60."""
    names = pq.ParquetFile(path).schema_arrow.names
    pickup, dropoff = _column(names, PICKUP), _column(names, DROPOFF)
    pu, do = _column(names, ("PULocationID",)), _column(names, ("DOLocationID",))
    df = pq.read_table(path, columns=[pickup, dropoff, pu, do, "trip_distance"]).to_pandas()
    df["duration"] = (df[dropoff] - df[pickup]).dt.total_seconds() / 60
    df = df[(df.duration >= 1) & (df.duration <= 60)].copy()
    df["PULocationID"] = df[pu].astype(str)
    df["DOLocationID"] = df[do].astype(str)
    df["PU_DO"] = df["PULocationID"] + "_" + df["DOLocationID"]
    return df


def _centred_lsqr(X, y, damp):
    """min ||yc - Xc w||^2 + damp^2 ||w||^2 with Xc = X - mean, never densified."""
    mean = np.asarray(X.mean(axis=0)).ravel()
    n, p = X.shape
    op = spla.LinearOperator(
        (n, p),
        matvec=lambda w: X @ w - mean @ w,
        rmatvec=lambda r: X.T @ r - mean * r.sum(),
        dtype=np.float64,
    )
    yc = y - y.mean()
    w = spla.lsqr(op, yc, damp=damp, atol=1e-14, btol=1e-14, iter_lim=200_000)[0]
    return w, y.mean() - mean @ w


def fit_predict(train, val, features, model, alpha=None):
    categorical = [f for f in features if f in ("PULocationID", "DOLocationID", "PU_DO")]
    numerical = [f for f in features if f not in categorical]
    dv = DictVectorizer()
    X_train = dv.fit_transform(train[categorical + numerical].to_dict(orient="records")).tocsr()
    X_val = dv.transform(val[categorical + numerical].to_dict(orient="records")).tocsr()
    for X in (X_train, X_val):  # scikit-learn's sparse solvers take 32-bit indices
        X.indices = X.indices.astype(np.int32)
        X.indptr = X.indptr.astype(np.int32)
    y_train, y_val = train.duration.to_numpy(), val.duration.to_numpy()
    if model == "ols":
        w, b = _centred_lsqr(X_train, y_train, 0.0)
    elif model == "ridge":
        w, b = _centred_lsqr(X_train, y_train, np.sqrt(alpha))
    elif model == "lasso":
        m = Lasso(alpha=alpha, tol=1e-8, max_iter=1_000_000).fit(X_train, y_train)
        w, b = m.coef_, m.intercept_
    else:
        raise ValueError(model)

    def rmse(X, y):
        return float(np.sqrt(np.mean((X @ w + b - y) ** 2)))

    return {
        "features": features,
        "model": model if alpha is None else f"{model} alpha={alpha:g}",
        "n_features": len(dv.feature_names_),
        "train_rows": len(train),
        "val_rows": len(val),
        "train_rmse": rmse(X_train, y_train),
        "val_rmse": rmse(X_val, y_val),
    }


def column_facts(path):
    """Row count and per-column sums as pyarrow decodes them."""
    table = pq.read_table(path)
    names = table.schema.names
    out = {"rows": table.num_rows}
    for key, candidates in (
        ("pickup_us", PICKUP),
        ("dropoff_us", DROPOFF),
        ("PULocationID", ("PULocationID",)),
        ("DOLocationID", ("DOLocationID",)),
        ("trip_distance", ("trip_distance",)),
    ):
        col = table.column(_column(names, candidates))
        if key.endswith("_us"):
            values = col.cast("timestamp[us]").cast("int64").to_numpy(zero_copy_only=False)
            out[key] = {"nulls": col.null_count, "sum": str(int(np.sum(values.astype(object))))}
        elif key == "trip_distance":
            values = col.to_numpy(zero_copy_only=False)
            out[key] = {"nulls": col.null_count, "sum": float(np.nansum(values))}
        else:
            values = col.to_numpy(zero_copy_only=False)
            out[key] = {"nulls": col.null_count, "sum": str(int(np.nansum(values)))}
    return out


if __name__ == "__main__":
    train_path, val_path = sys.argv[1], sys.argv[2]
    train, val = read_frame(train_path), read_frame(val_path)
    results = [
        fit_predict(train, val, ["PULocationID", "DOLocationID", "trip_distance"], "ols"),
        fit_predict(train, val, ["PU_DO", "trip_distance"], "ols"),
        fit_predict(train, val, ["PU_DO", "trip_distance"], "ridge", 1.0),
        fit_predict(train, val, ["PULocationID", "DOLocationID", "trip_distance"], "lasso", 0.01),
    ]
    print(json.dumps(results, indent=1))
