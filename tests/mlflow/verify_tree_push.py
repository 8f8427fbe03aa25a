"""Checks, with MLflow's own Python client, a gradient-boosted tree run that
`flowbook train --model gbdt --mlflow-uri ...` pushed (twice, as a retry would):

- one run with the client id, XGBoost's parameter names as params;
- the learning curve as the history of train_rmse and val_rmse (step = round), plus the
  kept model's value one step past the last round (as MLflow's XGBoost autologging does);
- one registered version whose alias loads with mlflow.pyfunc and predicts what
  `flowbook predict` predicts for the whole validation month, unseen zones included,
  within 1e-4 minutes;
- the model as an MLflow 3 LoggedModel (logged_models.py), which `models:/<model_id>`
  loads and which predicts the same.

    python verify_tree_push.py --tracking-uri URL --experiment NAME --client-id ID \
        --cli-json out.json --predict-json predictions.json --val FILE --model-name N --alias A
"""

import argparse
import json
import os
import sys

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow.pyfunc  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402

from logged_models import check_logged_model  # noqa: E402


def check(condition, what):
    if not condition:
        print(f"  FAIL {what}")
        sys.exit(1)
    print(f"  ok   {what}")


def main():
    p = argparse.ArgumentParser()
    for name in ["tracking-uri", "experiment", "client-id", "cli-json", "predict-json", "val",
                 "model-name", "alias"]:
        p.add_argument(f"--{name}", required=True)
    a = p.parse_args()
    cli = json.load(open(a.cli_json))
    predicted = json.load(open(a.predict_json))
    client = MlflowClient(a.tracking_uri)
    mlflow.set_tracking_uri(a.tracking_uri)

    exp = client.get_experiment_by_name(a.experiment)
    runs = client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL)
    check(len(runs) == 1, f"one run in {a.experiment} after two pushes (found {len(runs)})")
    run = client.get_run(runs[0].info.run_id)
    check(run.data.tags.get("flowbook.client_id") == a.client_id, "tag flowbook.client_id")
    params = run.data.params
    check(params.get("model") == "gbdt", "param model = gbdt")
    for key in ["num_boost_round", "learning_rate", "max_depth", "min_child_weight", "reg_lambda",
                "reg_alpha", "gamma", "subsample", "colsample_bytree", "max_bin", "seed"]:
        want = cli["params"][key]
        got = params.get(key)
        check(got is not None and float(got) == float(want), f"param {key} = {got}")

    rounds = cli["rounds_trained"]
    for key, field in [("train_rmse", "train_rmse"), ("val_rmse", "val_rmse")]:
        history = sorted(client.get_metric_history(run.info.run_id, key), key=lambda m: m.step)
        steps = [m.step for m in history]
        check(steps == list(range(rounds + 1)), f"{key}: {rounds} rounds + the kept model, no duplicates")
        curve = [point[field] for point in cli["curve"]]
        check(np.allclose([m.value for m in history[:-1]], curve, rtol=0, atol=1e-12),
              f"{key}: the history is the learning curve")
        check(abs(run.data.metrics[key] - cli[key]) < 1e-12, f"{key}: latest = the kept model's {cli[key]:.6f}")
    check(run.data.metrics["best_iteration"] == cli["best_iteration"], "metric best_iteration")

    versions = client.search_model_versions(f"name = '{a.model_name}'")
    check(len(versions) == 1, f"one version of {a.model_name} (found {len(versions)})")
    check(versions[0].run_id == run.info.run_id, "the version belongs to the run")

    frame = pq.read_table(a.val).to_pandas()
    minutes = (frame.lpep_dropoff_datetime - frame.lpep_pickup_datetime).dt.total_seconds() / 60
    frame = frame[(minutes >= 1) & (minutes <= 60)]
    frame = frame[["PULocationID", "DOLocationID", "trip_distance"]].astype(
        {"PULocationID": "int64", "DOLocationID": "int64", "trip_distance": "float64"})
    want = np.array(predicted["predictions"])

    def predicts_like_flowbook(model, uri):
        got = model.predict(frame)["duration"].to_numpy()
        check(len(got) == len(want) == predicted["rows"], f"{uri}: {len(got)} validation trips predicted")
        diff = float(np.max(np.abs(got - want)))
        check(diff < 1e-4, f"{uri} predicts as Flowbook on the whole month: max |diff| = {diff:.2e} min")

    predicts_like_flowbook(mlflow.pyfunc.load_model(f"models:/{a.model_name}@{a.alias}"),
                           f"models:/{a.model_name}@{a.alias}")
    check_logged_model(client, run, check, version=versions[0], predict=predicts_like_flowbook)
    print(f"verified tree run {run.info.run_id}")


if __name__ == "__main__":
    main()
