"""Checks `flowbook pull --json` against MLflow's Python client: the same runs (every page
read), with the same names, statuses, times, params, latest metrics and tags; and no client
id twice (exactly-once push).

    python tests/mlflow/compare_pull.py --tracking-uri URI --experiment NAME \
        --pull-json PULL.json --page-size 2 --expect-runs 5
"""

import argparse
import json
import math
import sys

from mlflow import MlflowClient


def same_number(a, b):
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or a == b


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tracking-uri", required=True)
    p.add_argument("--experiment", required=True)
    p.add_argument("--pull-json", required=True)
    p.add_argument("--page-size", type=int, required=True)
    p.add_argument("--expect-runs", type=int, required=True)
    a = p.parse_args()
    pulled = json.load(open(a.pull_json))
    client = MlflowClient(a.tracking_uri)
    experiment = client.get_experiment_by_name(a.experiment)
    server = {r.info.run_id: r for r in client.search_runs([experiment.experiment_id], max_results=50000)}
    problems = []
    if pulled["experiment_id"] != experiment.experiment_id:
        problems.append(f"experiment id {pulled['experiment_id']} != {experiment.experiment_id}")
    if len(server) != a.expect_runs:
        problems.append(f"the server holds {len(server)} runs, expected {a.expect_runs}")
    expected_pages = max(1, math.ceil(len(server) / a.page_size))
    if pulled["pages"] < expected_pages:
        problems.append(f"read {pulled['pages']} pages, expected at least {expected_pages}")
    ids = [r["run_id"] for r in pulled["runs"]]
    if sorted(ids) != sorted(server):
        problems.append(f"pulled runs {sorted(ids)} != server runs {sorted(server)}")
    client_ids = [r.data.tags.get("flowbook.client_id") for r in server.values()]
    if len(set(client_ids)) != len(client_ids):
        problems.append(f"a client id appears twice: {client_ids}")
    for run in pulled["runs"]:
        truth = server.get(run["run_id"])
        if truth is None:
            continue
        checks = {
            "name": (run["name"], truth.info.run_name),
            "status": (run["status"], truth.info.status),
            "start_time": (run["start_time"], truth.info.start_time),
            "end_time": (run["end_time"], truth.info.end_time),
            "params": (run["params"], truth.data.params),
            "tags": (run["tags"], truth.data.tags),
        }
        for what, (got, want) in checks.items():
            if got != want:
                problems.append(f"{run['run_id']} {what}: pulled {got!r}, server {want!r}")
        metrics = run["metrics"]
        if set(metrics) != set(truth.data.metrics) or not all(
                same_number(metrics[k], v) for k, v in truth.data.metrics.items()):
            problems.append(f"{run['run_id']} metrics: pulled {metrics}, server {truth.data.metrics}")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"{len(ids)} runs in {pulled['pages']} pages match MlflowClient.search_runs")


if __name__ == "__main__":
    main()
