"""Checks a `flowbook search` pushed (twice) to MLflow with MLflow's own client: one parent
run, exactly the CLI's number of trials as child runs nested under it by
`mlflow.parentRunId`, no client id twice, the trials' val_rmse as the CLI printed them,
the best trial's model registered and loadable, predicting as Flowbook does."""

import argparse
import json
import sys
from collections import Counter

import mlflow
import numpy as np
import pyarrow.parquet as pq
from mlflow.tracking import MlflowClient


def fail(message):
    print(f"  FAIL {message}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--experiment", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--cli-json", required=True)
    ap.add_argument("--model-name")
    ap.add_argument("--predict-json")
    ap.add_argument("--val")
    args = ap.parse_args()
    cli = json.load(open(args.cli_json))
    mlflow.set_tracking_uri(args.tracking_uri)
    client = MlflowClient()
    experiment = client.get_experiment_by_name(args.experiment)
    runs = client.search_runs([experiment.experiment_id], max_results=5000)
    parents = [r for r in runs if r.data.tags.get("flowbook.client_id") == args.client_id]
    if len(parents) != 1:
        fail(f"expected 1 parent run with client id {args.client_id}, found {len(parents)}")
    parent = parents[0]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    if len(children) != cli["trials"]:
        fail(f"expected {cli['trials']} child runs, found {len(children)}")
    ids = Counter(r.data.tags.get("flowbook.client_id") for r in runs)
    twice = [k for k, n in ids.items() if n > 1]
    if twice:
        fail(f"client ids pushed twice: {twice[:3]}")
    by_trial = {int(r.data.tags["flowbook.trial"]): r for r in children}
    if sorted(by_trial) != list(range(cli["trials"])):
        fail("the children are not trials 0..n-1")
    for result in cli["trial_results"]:
        child = by_trial[result["trial"]]
        if result["val_rmse"] is None:
            if child.info.status != "FAILED":
                fail(f"trial {result['trial']} failed in the CLI but is {child.info.status}")
            continue
        got = child.data.metrics["val_rmse"]
        if abs(got - result["val_rmse"]) > 1e-12:
            fail(f"trial {result['trial']}: val_rmse {got} on the server, {result['val_rmse']} in the CLI")
        for key, value in result["params"].items():
            if key in ("min_duration", "max_duration"):
                continue
            if child.data.params.get(key) != value:
                fail(f"trial {result['trial']}: param {key} = {child.data.params.get(key)!r}, CLI {value!r}")
    if abs(parent.data.metrics["best_val_rmse"] - cli["best_val_rmse"]) > 1e-12:
        fail("the parent's best_val_rmse differs from the CLI's")
    history = client.get_metric_history(parent.info.run_id, "best_val_rmse_so_far")
    so_far = [m.value for m in sorted(history, key=lambda m: m.step)]
    if len(so_far) != cli["trials"] or any(b > a + 1e-15 for a, b in zip(so_far, so_far[1:])):
        fail("best_val_rmse_so_far is not one non-increasing point per trial")
    best = by_trial[cli["best_trial"]]
    print(
        f"  ok   1 parent ({parent.info.run_name}), {len(children)} nested trials, "
        f"best trial {cli['best_trial']} val_rmse {cli['best_val_rmse']:.6f}"
    )
    if args.model_name:
        versions = client.search_model_versions(f"name = '{args.model_name}'")
        if len(versions) != 1:
            fail(f"expected 1 version of {args.model_name}, found {len(versions)}")
        if versions[0].run_id != best.info.run_id:
            fail("the registered version is not the best trial's run")
        model = mlflow.pyfunc.load_model(f"models:/{args.model_name}/{versions[0].version}")
        frame = pq.read_table(args.val).to_pandas()
        minutes = (frame.lpep_dropoff_datetime - frame.lpep_pickup_datetime).dt.total_seconds() / 60
        frame = frame[(minutes >= 1) & (minutes <= 60)].copy()
        # A model with pickup_hour or pickup_weekday also reads the pickup time (µs).
        frame["pickup_datetime_us"] = frame.lpep_pickup_datetime.astype("datetime64[us]").astype("int64")
        inputs = model.metadata.get_input_schema().input_names()
        frame = frame[inputs].astype({c: ("float64" if c == "trip_distance" else "int64") for c in inputs})
        got = model.predict(frame)["duration"].to_numpy()
        want = np.array(json.load(open(args.predict_json))["predictions"])
        if len(got) != len(want):
            fail(f"{len(got)} predictions from pyfunc, {len(want)} from flowbook predict")
        worst = float(np.max(np.abs(got - want)))
        if worst > 1e-4:
            fail(f"the registered model predicts up to {worst} away from Flowbook")
        print(f"  ok   registered {args.model_name} v{versions[0].version} from the best trial; pyfunc predicts within {worst:.2e}")


if __name__ == "__main__":
    main()
