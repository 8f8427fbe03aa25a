"""Checks, with MLflow's own Python client, that a run Flowbook pushed has its model as an
MLflow 3 LoggedModel, the way `mlflow.<flavor>.log_model` inside a run makes one:

- exactly one logged model in the experiment for the run, READY, named "model", with the
  run's params, tagged with Flowbook's client model id;
- the run's outputs list it (what makes MLflow's UI file the run among training runs);
- its metrics are the run's final train_*/val_* values, each carrying the dataset name and
  digest the run logged as input;
- its MLmodel has the signature (zone ids as long, numbers as double, the output as double),
  an input example, model_id, run_id and the artifact location;
- the registered version (when given) is made from it: source `models:/<id>`, and the model
  lists the version in `mlflow.modelVersions` (MLflow 3.17's SQL registry has no model_id
  column, so `get_model_version(...).model_id` is None even for Python's own client);
- `mlflow.user` names who made the run ("Created by").

Used by verify_push.py and verify_tree_push.py; `predict` (optional) checks that
`pyfunc.load_model("models:/<model_id>")` predicts like Flowbook.
"""

import json

import mlflow
from mlflow import MlflowClient


def check_logged_model(client: MlflowClient, run, check, version=None, predict=None):
    run = client.get_run(run.info.run_id)
    experiment_id = run.info.experiment_id
    models = [m for m in mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
              if m.source_run_id == run.info.run_id]
    check(len(models) == 1, f"one logged model for the run after the pushes (found {len(models)})")
    model = models[0]
    check(str(model.status).endswith("READY"), f"the logged model is ready ({model.status})")
    check(model.name == "model", f"named model ({model.name})")
    check(model.tags.get("flowbook.client_model_id") == f"{run.data.tags['flowbook.client_id']}/model",
          "tagged with Flowbook's client model id")
    check(model.params == run.data.params, f"the model's params are the run's ({len(model.params)})")

    outputs = [o.model_id for o in (run.outputs.model_outputs if run.outputs else [])]
    check(outputs == [model.model_id], f"the run's outputs list the model once ({outputs})")

    datasets = {d.dataset.name: d.dataset.digest for d in run.inputs.dataset_inputs}
    by_key = {}
    for metric in model.metrics:
        check((metric.key, metric.dataset_digest) not in by_key, f"model metric {metric.key} logged once")
        by_key[(metric.key, metric.dataset_digest)] = metric
    for key in ["train_rmse", "val_rmse"]:
        found = [m for m in model.metrics if m.key == key]
        check(len(found) == 1, f"model metric {key}")
        metric = found[0]
        check(datasets.get(metric.dataset_name) == metric.dataset_digest and metric.dataset_digest,
              f"{key} carries its dataset {metric.dataset_name} ({metric.dataset_digest[:8]}…)")
        check(abs(metric.value - run.data.metrics[key]) < 1e-12, f"{key} = the run's {metric.value:.6f}")

    info = mlflow.models.get_model_info(f"models:/{model.model_id}")
    inputs = {c["name"]: c["type"] for c in info.signature.inputs.to_dict()}
    check(inputs.get("PULocationID") == "long" and inputs.get("DOLocationID") == "long",
          f"signature: zone ids as long ({inputs})")
    check(inputs.get("trip_distance") == "double", "signature: trip_distance as double")
    outputs = [c["type"] for c in info.signature.outputs.to_dict()]
    check(outputs == ["double"], f"signature: the output as double ({outputs})")
    check(info.model_id == model.model_id and info.run_id == run.info.run_id, "MLmodel names the model and run")
    check(info.saved_input_example_info and info.saved_input_example_info.get("type") == "dataframe",
          "MLmodel has an input example")
    example = mlflow.models.Model.load(f"models:/{model.model_id}").load_input_example(
        mlflow.artifacts.download_artifacts(f"models:/{model.model_id}"))
    check(list(example.columns) == list(inputs), f"the input example has the signature's columns ({len(example)} row)")

    check(run.data.tags.get("mlflow.user"), f"mlflow.user = {run.data.tags.get('mlflow.user')!r}")
    if version is not None:
        check(version.source == f"models:/{model.model_id}", f"version source {version.source}")
        listed = json.loads(model.tags.get("mlflow.modelVersions", "[]"))
        check({"name": version.name, "version": int(version.version)} in listed,
              f"the logged model lists the registered version ({listed})")
    if predict is not None:
        loaded = mlflow.pyfunc.load_model(f"models:/{model.model_id}")
        predict(loaded, f"models:/{model.model_id[:10]}…")
    return model


if __name__ == "__main__":  # a quick look at a server: python logged_models.py URL EXPERIMENT
    import sys

    c = MlflowClient(sys.argv[1])
    mlflow.set_tracking_uri(sys.argv[1])
    e = c.get_experiment_by_name(sys.argv[2])
    for r in c.search_runs([e.experiment_id]):
        v = c.search_model_versions(f"run_id = '{r.info.run_id}'")
        check_logged_model(c, r, lambda ok, what: print("  ok  " if ok else "  FAIL", what),
                           version=v[0] if v else None)
    print(json.dumps([m.to_dictionary() for m in mlflow.search_logged_models(
        experiment_ids=[e.experiment_id], output_format="list")], default=str)[:600])
