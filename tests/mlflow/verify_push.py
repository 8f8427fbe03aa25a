"""Checks, with MLflow's own Python client, what `flowbook train --mlflow-uri` pushed.

    python verify_push.py --tracking-uri URL --experiment NAME --client-id ID \
        --cli-json out.json --train FILE --val FILE [--description TEXT] \
        [--model-name NAME --alias A] [--expect-runs N] [--expect-versions N]

Prints one line per check; exits 1 on the first failed one.
"""

import argparse
import hashlib
import json
import sys
import tempfile

import mlflow
from mlflow import MlflowClient
from mlflow.entities import ViewType

from logged_models import check_logged_model

METRICS = ["train_rmse", "train_mae", "train_r2", "val_rmse", "val_mae", "val_r2"]
COUNTS = ["train_rows", "val_rows", "n_features"]


def check(condition, what):
    if not condition:
        print(f"  FAIL {what}")
        sys.exit(1)
    print(f"  ok   {what}")


def rust_float(x):
    """How Flowbook (Rust's shortest round-trip Display) writes a float param."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tracking-uri", required=True)
    p.add_argument("--experiment", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--cli-json", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--val", required=True)
    p.add_argument("--description")
    p.add_argument("--model-name")
    p.add_argument("--alias")
    p.add_argument("--expect-runs", type=int, default=1)
    p.add_argument("--expect-versions", type=int, default=1)
    a = p.parse_args()

    with open(a.cli_json) as f:
        cli = json.load(f)
    reports = cli.get("sweep", [cli])
    client = MlflowClient(a.tracking_uri)
    # MLflow's client lists a run's model/ from its LoggedModel through the global URI.
    mlflow.set_tracking_uri(a.tracking_uri)

    experiment = client.get_experiment_by_name(a.experiment)
    check(experiment is not None, f"experiment {a.experiment!r} exists")
    exp_id = experiment.experiment_id
    tagged = client.search_runs(
        [exp_id], f"tags.`flowbook.client_id` = '{a.client_id}'", run_view_type=ViewType.ALL
    )
    check(len(tagged) == 1, f"exactly one run carries client id {a.client_id} (found {len(tagged)})")
    all_runs = client.search_runs([exp_id], run_view_type=ViewType.ALL, max_results=1000)
    check(len(all_runs) == a.expect_runs, f"{a.expect_runs} run(s) in the experiment (found {len(all_runs)})")
    run = client.get_run(tagged[0].info.run_id)
    run_id = run.info.run_id
    check(cli["mlflow"]["run_id"] == run_id, "the CLI reported this run id")
    check(run.info.status == "FINISHED", f"status FINISHED (is {run.info.status})")
    check(run.info.end_time and run.info.end_time >= run.info.start_time, "end time after start time")

    params = run.data.params
    check(params.get("model") == reports[0]["model"], f"param model = {params.get('model')}")
    check(params.get("categorical") == "PU_DO", "param categorical = PU_DO")
    check(params.get("numerical") == "trip_distance", "param numerical = trip_distance")
    check(params.get("min_duration_min") == "1" and params.get("max_duration_min") == "60", "duration filter params")
    if len(reports) > 1:
        alphas = ",".join(rust_float(r["alpha"]) for r in reports)
        check(params.get("alphas") == alphas, f"param alphas lists the {len(reports)} alphas")

    for key in METRICS + COUNTS:
        history = sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)
        expected = [float(r[key]) for r in reports]
        got = [m.value for m in history]
        steps = [m.step for m in history]
        if got != expected or steps != list(range(len(reports))):
            print(f"  FAIL metric {key}: {len(got)} points, first {got[:3]} vs CLI {expected[:3]}")
            sys.exit(1)
    print(f"  ok   {len(METRICS) + len(COUNTS)} metric histories × {len(reports)} step(s) equal the CLI's JSON, no duplicates")

    tags = run.data.tags
    check(tags.get("flowbook.client_id") == a.client_id, "tag flowbook.client_id")
    check(tags.get("mlflow.source.name") == "flowbook", "tag mlflow.source.name = flowbook")
    if a.description:
        check(tags.get("mlflow.note.content") == a.description, "description as mlflow.note.content")
    train_sha, val_sha = sha256(a.train), sha256(a.val)
    check(tags.get("flowbook.train_sha256") == train_sha, "tag flowbook.train_sha256 = SHA-256 of the train file")

    inputs = {d.dataset.name: d for d in run.inputs.dataset_inputs}
    count = len(run.inputs.dataset_inputs)
    check(count == 2 and len(inputs) == 2, f"two dataset inputs (found {count})")
    for path, sha, context in [(a.train, train_sha, "training"), (a.val, val_sha, "validation")]:
        name = path.rsplit("/", 1)[-1]
        d = inputs.get(name)
        check(d is not None, f"dataset input {name}")
        contexts = [t.value for t in d.tags if t.key == "mlflow.data.context"]
        profile = json.loads(d.dataset.profile)
        check(d.dataset.digest == sha[:32] and profile.get("sha256") == sha, f"{name}: digest = SHA-256 {sha[:12]}…")
        check(contexts == [context], f"{name}: mlflow.data.context = {context}")

    root = {f.path for f in client.list_artifacts(run_id)}
    model_dir = {f.path for f in client.list_artifacts(run_id, "model")}
    check("flowbook_model.json" in root, "artifact flowbook_model.json")
    check("feature_vocabulary.json" in root, "artifact feature_vocabulary.json")
    check("model/MLmodel" in model_dir and "model/model.onnx" in model_dir, f"model directory: {sorted(model_dir)}")
    with tempfile.TemporaryDirectory() as tmp:
        local = client.download_artifacts(run_id, "flowbook_model.json", tmp)
        with open(local) as f:
            model = json.load(f)
    check(model.get("train_sha256") == train_sha, "flowbook_model.json downloads and names its training data")

    if a.model_name:
        versions = client.search_model_versions(f"name = '{a.model_name}'")
        mine = [v for v in versions if v.run_id == run_id]
        check(len(mine) == 1, f"exactly one version of {a.model_name} from this run (found {len(mine)})")
        check(len(versions) == a.expect_versions, f"{a.expect_versions} version(s) of {a.model_name} (found {len(versions)})")
        check(mine[0].tags.get("flowbook.client_version_id") == f"{a.client_id}/model", "version tag flowbook.client_version_id")
        if a.alias:
            by_alias = client.get_model_version_by_alias(a.model_name, a.alias)
            check(by_alias.version == mine[0].version, f"alias {a.alias} -> version {mine[0].version}")
        check_logged_model(client, run, check, version=mine[0])
    else:
        check_logged_model(client, run, check)
    print(f"verified run {run_id}")


if __name__ == "__main__":
    main()
