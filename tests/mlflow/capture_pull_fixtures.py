"""Captures real MLflow server answers for the engine's pull tests
(crates/flowbook-core/tests/mlflow_pull.rs): logs three runs with MLflow's own client,
then saves the raw JSON of `runs/search` (two pages) and `experiments/search`.

    python tests/mlflow/capture_pull_fixtures.py --tracking-uri http://127.0.0.1:5000 \
        --out crates/flowbook-core/tests/fixtures

Run it against a fresh server (any MLflow 3.x with a sqlite store).
"""

import argparse
import json
import math
import os
import urllib.request

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

EXPERIMENT = "flowbook-pull-fixture"


def post(uri, endpoint, body):
    request = urllib.request.Request(
        f"{uri}/api/2.0/mlflow/{endpoint}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tracking-uri", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    client = MlflowClient(a.tracking_uri)
    exp_id = client.create_experiment(EXPERIMENT)
    start = 1_700_000_000_000
    # A finished run with a metric history, a failed one with a NaN metric, a running one.
    finished = client.create_run(exp_id, run_name="ridge-a0.1", start_time=start,
                                 tags={"flowbook.client_id": "fixture-1", "team": "taxi"})
    client.log_batch(
        finished.info.run_id,
        metrics=[Metric("val_rmse", v, start + step, step) for step, v in enumerate([9.5, 7.25, 6.5])]
        + [Metric("train_rmse", 6.0, start, 0)],
        params=[Param("model", "ridge"), Param("alpha", "0.1")],
        tags=[RunTag("mlflow.note.content", "PU_DO ridge, January → February")])
    client.set_terminated(finished.info.run_id, "FINISHED", end_time=start + 5000)
    failed = client.create_run(exp_id, run_name="lasso-bad", start_time=start + 10_000)
    client.log_batch(failed.info.run_id, metrics=[Metric("val_rmse", math.nan, start + 10_000, 0)],
                     params=[Param("model", "lasso")])
    client.set_terminated(failed.info.run_id, "FAILED", end_time=start + 12_000)
    client.create_run(exp_id, run_name="still-running", start_time=start + 20_000)

    os.makedirs(a.out, exist_ok=True)
    body = {"experiment_ids": [exp_id], "max_results": 2, "order_by": ["attributes.start_time DESC"]}
    first = post(a.tracking_uri, "runs/search", body)
    second = post(a.tracking_uri, "runs/search", {**body, "page_token": first["next_page_token"]})
    experiments = post(a.tracking_uri, "experiments/search",
                       {"max_results": 100, "view_type": "ACTIVE_ONLY", "order_by": ["name ASC"]})
    for name, answer in [("runs_search_page1", first), ("runs_search_page2", second),
                         ("experiments_search", experiments)]:
        with open(os.path.join(a.out, f"mlflow_{name}.json"), "w") as f:
            json.dump(answer, f, indent=1, ensure_ascii=False)
            f.write("\n")
    print(f"captured from {a.tracking_uri}, experiment {exp_id}")


if __name__ == "__main__":
    main()
