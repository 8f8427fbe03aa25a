"""Evidently's drift report on the same reference and months as `flowbook monitor`.

Run with the Evidently venv (scripts/setup.sh makes it). For each current file: Evidently
0.7's `Report([DataDriftPreset()], include_tests=True)` over the course's columns (both
zones and their pair as categories; trip_distance, duration and the prediction as
numbers), plus `ValueDrift(method="psi")` for each number. The predictions are the
course model's (DictVectorizer on PU_DO + trip_distance, least squares solved to
convergence as in oracle.py), fitted on the reference here, not taken from Flowbook.

    python evidently_drift.py [--fit TRAIN.parquet] REFERENCE.parquet CURRENT.parquet [...]

prints JSON on stdout. `--fit` trains the model on another file than the reference (a
reference sample too small to determine a least-squares model).
"""

import json
import sys
import time

import numpy as np
from evidently import DataDefinition, Dataset, Report
from evidently.metrics import ValueDrift
from evidently.presets import DataDriftPreset
from sklearn.feature_extraction import DictVectorizer

from oracle import _centred_lsqr, read_frame

CATEGORICAL = ["PULocationID", "DOLocationID", "PU_DO"]
NUMERICAL = ["trip_distance", "duration", "prediction"]


def with_predictions(frames, train):
    reference = train
    dv = DictVectorizer()
    records = lambda df: df[["PU_DO", "trip_distance"]].to_dict(orient="records")
    X = dv.fit_transform(records(reference)).tocsc()
    w, b = _centred_lsqr(X, reference["duration"].to_numpy(), 0.0)
    for df in frames:
        df["prediction"] = dv.transform(records(df)) @ w + b
    return frames


def drift(reference, current):
    definition = DataDefinition(numerical_columns=NUMERICAL, categorical_columns=CATEGORICAL)
    metrics = [DataDriftPreset()] + [ValueDrift(column=c, method="psi") for c in NUMERICAL]
    started = time.perf_counter()
    snapshot = Report(metrics, include_tests=True).run(
        Dataset.from_pandas(current[CATEGORICAL + NUMERICAL], data_definition=definition),
        Dataset.from_pandas(reference[CATEGORICAL + NUMERICAL], data_definition=definition),
    )
    seconds = time.perf_counter() - started
    result = snapshot.dict()
    by_id = {m["id"]: m for m in result["metrics"]}
    columns, psi, share = {}, {}, None
    for m in result["metrics"]:
        config = m["config"]
        if config["type"].endswith("DriftedColumnsCount"):
            share = m["value"]["share"]
        elif config["type"].endswith("ValueDrift"):
            entry = {"method": config["method"], "value": m["value"], "threshold": config["threshold"]}
            (psi if config["method"] == "psi" else columns)[config["column"]] = entry
    for test in result["tests"]:
        metric = by_id.get(test["metric_config"]["metric_id"])
        if metric is None or not metric["config"]["type"].endswith("ValueDrift"):
            continue
        config = metric["config"]
        target = psi if config["method"] == "psi" else columns
        target[config["column"]]["drifted"] = test["status"] == "FAIL"
    return {"rows": len(current), "drift": columns, "psi": psi, "drifted_share": share, "seconds": seconds}


def main(args):
    fit = None
    if args[:1] == ["--fit"]:
        fit, args = args[1], args[2:]
    paths = args
    frames = [read_frame(p) for p in paths]
    frames = with_predictions(frames, read_frame(fit) if fit else frames[0])
    reference = frames[0]
    months = [dict(file=p, **drift(reference, df)) for p, df in zip(paths[1:], frames[1:])]
    print(json.dumps({"reference_rows": len(reference), "months": months}))


if __name__ == "__main__":
    main(sys.argv[1:])
