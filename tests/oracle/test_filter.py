"""Flowbook's run search against MLflow's own, live: `SearchUtils.filter` and
`SearchUtils.sort` of the pinned mlflow package on the same runs.

Fourteen run records with params, tags (mlflow.user among them), metric histories, dataset
inputs and statuses are written as Flowbook run files and built as MLflow `Run` entities.
For every filter string (MLflow's syntax, valid and malformed) both must make the same
decision: reject it, or keep the same runs. For every order_by list both must give the
same order.
"""

import json
import os
import subprocess
import tempfile
import unittest

from mlflow.entities import (Dataset, DatasetInput, InputTag, Metric, Param, Run, RunData, RunInfo,
                             RunInputs, RunTag)
from mlflow.utils.search_utils import SearchUtils

FLOWBOOK = os.environ.get("FLOWBOOK_BIN", "flowbook")
T0 = 1_700_000_000_000
JAN = ("green_tripdata_2021-01.parquet", "b8e2c9496c5eada0f10adbd88f98d917" + "0" * 32)
FEB = ("green_tripdata_2021-02.parquet", "fd43c7afa2005fb8d2d11a1b3e6b8b4e" + "1" * 32)
MAR = ("green_tripdata_2021-03.parquet", "0a1b2c3d4e5f60718293a4b5c6d7e8f9" + "2" * 32)


def make_runs():
    """Flowbook run records; each metric's history ends with its latest point."""
    models = ["ols", "ridge", "lasso", "elasticnet", "gbdt", "ridge", "ols"]
    statuses = ["finished", "finished", "failed", "running", "killed", "finished", "finished"]
    runs = []
    for i in range(14):
        model = models[i % len(models)]
        params = {"model": model, "alpha": str([0.1, 1, 10, 0.5][i % 4]), "features": "PU_DO+trip_distance"}
        if i % 3 == 0:
            params["max_depth"] = str(4 + i)
        if i == 5:
            params["note"] = "it's 50% done_now"
        tags = {"team": ["core", "Core", "data"][i % 3]}
        if i % 4 != 1:
            tags["mlflow.user"] = ["ana", "bo", "ana.lee"][i % 3]
        if i % 5 == 0:
            tags["flowbook.kind"] = "search trial"
        val = 7.0 + (i % 7) * 0.25 - (i // 7) * 0.1
        metrics = []
        for step in range(3):
            metrics.append({"key": "val_rmse", "value": val + (2 - step), "timestamp_ms": T0 + 10 * i + step,
                            "step": step})
        metrics.append({"key": "train_rmse", "value": val - 1.5, "timestamp_ms": T0, "step": 0})
        if i % 2 == 0:
            metrics.append({"key": "val_r2", "value": 0.1 * (i % 5) - 0.2, "timestamp_ms": T0, "step": 0})
        if i == 6:
            metrics.append({"key": "odd metric", "value": 1e300, "timestamp_ms": T0, "step": 0})
        inputs = []
        if i % 4 != 3:
            inputs.append({"name": JAN[0], "digest": JAN[1], "source": JAN[0], "rows": 73908, "role": "train"})
            second = FEB if i % 2 == 0 else MAR
            inputs.append({"name": second[0], "digest": second[1], "source": second[0], "rows": 61921,
                           "role": "validation"})
        runs.append({
            "format_version": 1, "client_id": f"run-{i:02d}", "name": f"{model} {i}" if i != 9 else "Ridge_9",
            "experiment": "filters", "start_time_ms": T0 + 1000 * i,
            "end_time_ms": None if statuses[i % len(statuses)] == "running" else T0 + 1000 * i + 500,
            "status": statuses[i % len(statuses)], "params": params, "metrics": metrics, "tags": tags,
            "description": "", "inputs": inputs, "artifacts": [],
        })
    return runs


def as_mlflow(record):
    """The same run as MLflow's entity: run_id is Flowbook's client id."""
    latest = {}
    for m in record["metrics"]:
        old = latest.get(m["key"])
        if old is None or (m["step"], m["timestamp_ms"]) >= (old["step"], old["timestamp_ms"]):
            latest[m["key"]] = m
    info = RunInfo(run_id=record["client_id"], experiment_id="0", user_id=record["tags"].get("mlflow.user", ""),
                   status=record["status"].upper(), start_time=record["start_time_ms"],
                   end_time=record["end_time_ms"], lifecycle_stage="active", run_name=record["name"],
                   artifact_uri=None)
    data = RunData(metrics=[Metric(k, m["value"], m["timestamp_ms"], m["step"]) for k, m in latest.items()],
                   params=[Param(k, v) for k, v in record["params"].items()],
                   tags=[RunTag(k, v) for k, v in record["tags"].items()])
    context = {"train": "training", "validation": "validation", "other": "other"}
    inputs = RunInputs(dataset_inputs=[
        DatasetInput(Dataset(d["name"], d["digest"][:32], "local", json.dumps({"uri": d["source"]})),
                     tags=[InputTag("mlflow.data.context", context[d["role"]])])
        for d in record["inputs"]])
    return Run(info, data, inputs)


# Valid filters: every prefix, alias, comparator and value form MLflow's syntax has.
VALID = [
    "", "metrics.val_rmse < 7.5", "metrics.val_rmse <= 7.5", "metrics.val_rmse > 7.5", "metrics.val_rmse >= 7.5",
    "metrics.val_rmse = 7", "metrics.val_rmse != 7", "metric.val_rmse < 7.3", "metrics.`val_rmse` < 7.3",
    'metrics."val_rmse" < 7.3', "`metrics`.val_rmse < 7.3", "metrics.train_rmse > 5.6", "metrics.val_r2 < 0",
    "metrics.val_r2 >= -0.2", "metrics.`odd metric` > 1e299", 'metrics."odd metric" = 1e300',
    "metrics.missing < 1", "metrics.val_rmse < -1", "metrics.val_rmse > .5", "metrics.val_rmse < 1e5",
    "metrics.val_rmse < 8.", "metrics.val_rmse<7.5", "params.model = 'ridge'", 'params.model = "ridge"',
    "param.model = 'ols'", "parameter.model = 'lasso'", "parameters.model != 'ridge'", "params.model LIKE 'r%'",
    "params.model like '%net'", "params.model ILIKE 'R%'", "params.model LIKE 'ol_'", "params.model LIKE '_'",
    "params.alpha = '0.1'", "params.alpha != '10'", "params.max_depth IS NULL", "params.max_depth IS NOT NULL",
    "params.max_depth is null", "params.max_depth is not null", "params.note LIKE '%50\\%%'", "params.note LIKE '%50%'",
    "params.note = 'it''s 50% done_now'", "params.note = \"it's 50% done_now\"", "params.note LIKE 'it_s%'", "params.`max_depth` = '7'", "params.missing != 'x'", "params.model != ''",
    "params.model LIKE '%'", "tags.team = 'core'", "tags.team ILIKE 'core'", "tags.team LIKE 'c%'",
    "tag.team != 'data'", "`tags`.team = 'Core'", "tags.`mlflow.user` = 'ana'", "tags.`mlflow.user` IS NULL",
    "tags.`flowbook.kind` IS NOT NULL", "tags.`flowbook.kind` = 'search trial'", "tags.\"flowbook.kind\" LIKE 'search%'",
    "attributes.status = 'FINISHED'", "attributes.status = 'finished'", "attributes.status != 'FAILED'",
    "status = 'RUNNING'", "attribute.status LIKE 'F%'", "attr.status ILIKE 'k%'", "run.status = 'KILLED'",
    "attributes.run_name = 'ridge 1'", "run_name LIKE 'ridge%'", "attributes.run_name ILIKE 'ridge%'",
    "`run name` = 'ols 0'", "`Run Name` LIKE '%9'", "`Run name` = 'Ridge_9'", "attributes.start_time > 1700000005000",
    "attributes.start_time >= 1700000005000", "start_time < 1700000003000", "attributes.end_time <= 1700000004500",
    "end_time > 0", "created > 1700000010000", "Created <= 1700000001000", "attributes.created = 1700000000000",
    "attributes.start_time > 1700000005000.5", "attributes.run_id = 'run-03'", "run_id != 'run-03'",
    "attributes.run_id IN ('run-01', 'run-02', 'nope')", "attributes.run_id in (\"run-04\")",
    "attributes.run_id NOT IN ('run-01', 'run-02')", "metrics. val_rmse < 8", "params.  model = 'ols'", "attributes.run_id IN ('run-05',)", "run_id LIKE 'run-1%'",
    "attributes.user_id = 'ana'", "user_id LIKE 'ana%'", "attributes.user_id != 'bo'", "user_id ILIKE 'ANA'",
    "attributes.artifact_uri = 'x'", "artifact_uri != 'x'", "datasets.name = 'green_tripdata_2021-02.parquet'",
    "dataset.name LIKE '%2021-03%'", "datasets.name != 'green_tripdata_2021-01.parquet'",
    "datasets.name IN ('green_tripdata_2021-03.parquet', 'x')", "datasets.name NOT IN ('green_tripdata_2021-01.parquet')",
    "datasets.digest = 'fd43c7afa2005fb8d2d11a1b3e6b8b4e'", "datasets.digest LIKE 'b8e2%'",
    "datasets.digest IN ('0a1b2c3d4e5f60718293a4b5c6d7e8f9')", "datasets.context = 'training'",
    "datasets.context = 'validation'", "datasets.context != 'training'", "datasets.context IN ('other')",
    "datasets.context ILIKE 'VALID%'", "metrics.val_rmse < 8 AND params.model = 'ridge'",
    "metrics.val_rmse < 8 and params.model = 'ridge' AND tags.team = 'core'",
    "params.model='ols'and metrics.val_rmse>7", "params.max_depth IS NULL AND tags.`mlflow.user` IS NOT NULL",
    "datasets.context = 'validation' AND datasets.name LIKE '%02%'", "attributes.status = 'FINISHED' AND run_id IN ('run-00','run-01')",
    "metrics.val_rmse < 8 AND", "AND metrics.val_rmse < 8", "metrics.val_rmse < 8 AND AND params.model = 'ols'",
    "metrics.val_rmse < 8 params.model = 'ols'",
]

# Malformed filters: MLflow rejects each of these.
INVALID = [
    "metrics.val_rmse < '7'", "METRICS.val_rmse < 7", "Params.model = 'ols'", "metricz.val_rmse < 7",
    '"metrics".val_rmse < 7', "`metrics.val_rmse` < 7", "metrics.val_rmse LIKE 7", "metrics.val_rmse = ols",
    "metrics.val_rmse < inf", "metrics.val_rmse < +1", "metrics.val_rmse < 0x10", "metrics.val_rmse == 7",
    "metrics.val_rmse <> 7", "metrics.val_rmse IS NULL", "metrics.val_rmse IN (1, 2)", "metrics.val_rmse != NULL",
    "params.model = ridge", "params.model = `ridge`", "params.model < 'ridge'", "params.model >= 'a'",
    "params.model IN ('ols')", "params.model NOT IN ('ols')", "params.model = NULL", "params.model IS 'ols'",
    "tags.team > 'a'", "tags.team IN ('core')", "attributes.STATUS = 'FINISHED'", "attributes.rmse = 1",
    "rmse < 6", "attributes.status IN ('FINISHED')", "attributes.status < 'F'", "attributes.start_time > '5'",
    "attributes.start_time LIKE '17%'", "start_time > yesterday", "attributes.run_id IN ()",
    "attributes.run_id IN ('a', 1)", "attributes.run_id IN 'run-01 run-02'",
    "datasets.name NOT IN 'green_tripdata_2021-01.parquet'", "attributes.run_id IS NULL", "attributes.user_id IS NOT NULL",
    "datasets.size = 'x'", "datasets.name > 'a'", "datasets.name = name", "datasets.context IS NULL",
    "metrics.val_rmse < 7 OR params.model = 'ols'", "(metrics.val_rmse < 7)", "metrics.val_rmse < 7;",
    "metrics.val_rmse < 7; params.model = 'ols'", "metrics.val_rmse", "metrics.val_rmse <", "= 7", "'ols'",
    "params.model = 'ols", "metrics.val_rmse ~ 7", "metrics.val_rmse < 7 AND (params.model = 'ols')",
]

# MLflow's own cases (tests/utils/test_search_utils.py); their decisions come from MLflow, live.
MLFLOW_OWN = [
    "metric.acc >= 0.94", "metric.acc>=100", "params.m!='tf'", 'params."m"!="tf"', 'metric."legit name" >= 0.243',
    "metrics.XYZ = 3", 'params."cat dog" = "pets"', 'metrics."X-Y-Z" = 3', 'metrics."X//Y#$$@&Z" = 3',
    "params.model = 'LinearRegression'", "metrics.rmse < 1 and params.model_class = 'LR'", "`metric`.a >= 0.1",
    "`params`.model >= 'LR'", "tags.version = 'commit-hash'", "`tags`.source_name = 'a notebook'",
    'metrics."accuracy.2.0" > 5', "metrics.`spacey name` > 5", 'params."p.a.r.a.m" != "a"', 'tags."t.a.g" = "a"',
    "attribute.artifact_uri = '1/23/4'", "attribute.start_time >= 1234", "run.status = 'RUNNING'",
    "dataset.name = 'my_dataset'", "tags.version IS NULL", "tags.version IS NOT NULL", "params.lr IS NULL",
    "params.lr IS NOT NULL", "tags.a IS NULL AND params.b = 'val'", "params.m = 'LR'", 'params.m = "LR"',
    'params.m = "L\'Hosp"', "metric.acc >= 0.94; metrics.rmse < 1", "m.acc >= 0.94", "acc >= 0.94",
    "p.model >= 'LR'", "attri.x != 1", "a.x != 1", "model >= 'LR'", "metrics.A > 0.1 OR params.B = 'LR'",
    "metrics.A > 0.1 NAND params.B = 'LR'", "metrics.A > 0.1 AND (params.B = 'LR')", "`metrics.A > 0.1",
    "param`.A > 0.1", "`dummy.A > 0.1", "dummy`.A > 0.1", "attribute.start != 1", "attribute.experiment_id != 1",
    "attribute.lifecycle_stage = 'ACTIVE'", "attribute.name != 1", "attribute.time != 1",
    "attribute._status != 'RUNNING'", "attribute.status = true", "dataset.status = 'true'",
    "dataset.profile = 'num_rows: 10'", "metrics.acc IS NULL", "attribute.status IS NULL", "metric.model = 'LR'",
    "metric.model = '5'", "params.acc = 5", "tags.acc = 5", "metrics.acc != metrics.acc", "1.0 > metrics.acc",
    "attribute.status = 1", "params.acc = LR", "tags.acc = LR", "params.acc = `LR`", "params.'acc = LR",
    "params.acc = 'LR", "params.acc = LR'", "params.acc = \"LR'", "tags.acc = \"LR'", "tags.acc = = 'LR'",
    "attribute.status IS 'RUNNING'", "params.acc LR !=", "params.acc LR", "metric.acc !=", "acc != 1.0",
    "foo is null", "1=1", "1==2", "attributes.status = 'FAILED'", "metrics.key1 = 123", "metrics.key1 != 123",
    "datasets.name IN ('name1', 'name2')", "datasets.name = 'name1' AND datasets.digest = 'digest2'",
] + [f"{entity}.{key} {op} {value}" for entity, ops, key, value in [
    ("metrics", ["~", "~="], "abc", 1.0), ("params", [">", "<", ">=", "<=", "~"], "abc", "'my-param-value'"),
    ("tags", [">", "<", ">=", "<=", "~"], "abc", "'my-tag-value'"),
    ("attributes", [">", "<", ">=", "<=", "~"], "status", "'my-tag-value'"),
    ("attributes", ["LIKE", "ILIKE"], "start_time", 1234),
    ("datasets", [">", "<", ">=", "<=", "~"], "name", "'my-dataset-name'")] for op in ops]

ORDER_BYS = [
    [], ["metrics.val_rmse ASC"], ["metrics.val_rmse DESC"], ["metrics.val_r2"], ["metrics.val_r2 DESC"],
    ["params.model", "metrics.val_rmse DESC"], ["attributes.start_time ASC"], ["start_time DESC"],
    ["tags.team DESC", "metrics.val_rmse ASC"], ["attributes.run_name"], ["attributes.end_time DESC"],
    ["metrics.`odd metric` DESC", "params.model ASC"],
]


def flowbook_answers(files, args):
    out = subprocess.run([FLOWBOOK, "runs", *files, *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def mlflow_answer(runs, text):
    try:
        return sorted(r.info.run_id for r in SearchUtils.filter(runs, text))
    except Exception as error:  # MLflow rejects some only while matching (KeyError for '==').
        return f"error: {error}"


class FilterAgainstMlflow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.records = make_runs()
        cls.files = []
        for record in cls.records:
            path = os.path.join(cls.tmp.name, f"{record['client_id']}.json")
            with open(path, "w") as f:
                json.dump(record, f)
            cls.files.append(path)
        cls.runs = [as_mlflow(r) for r in cls.records]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_same_decision_and_same_runs_for_every_filter(self):
        filters = VALID + INVALID + MLFLOW_OWN
        self.assertGreaterEqual(len(filters), 250)
        args = [a for text in filters for a in ("--filter", text)]
        answers = flowbook_answers(self.files, args)
        self.assertEqual([a["filter"] for a in answers], filters)
        matched_some = 0
        for text, answer in zip(filters, answers):
            want = mlflow_answer(self.runs, text)
            got = sorted(answer["runs"]) if "runs" in answer else f"error: {answer['error']}"
            with self.subTest(filter=text):
                if isinstance(want, str):
                    self.assertIsInstance(got, str, f"MLflow rejects {text!r} ({want}); Flowbook kept {got}")
                else:
                    self.assertEqual(got, want, f"{text!r}")
                    matched_some += 0 < len(want) < len(self.runs)
        self.assertTrue(all(isinstance(mlflow_answer(self.runs, t), list) for t in VALID), "VALID holds valid filters")
        self.assertTrue(all(isinstance(mlflow_answer(self.runs, t), str) for t in INVALID), "INVALID holds rejected ones")
        # The filters discriminate: most keep some runs and drop others.
        self.assertGreater(matched_some, 80)
        rejected = sum(isinstance(mlflow_answer(self.runs, t), str) for t in filters)
        print(f"\n{len(filters)} filters ({len(MLFLOW_OWN)} from MLflow's own tests): {len(filters) - rejected}"
              f" accepted and {rejected} rejected by both; {matched_some} keep a strict subset of the"
              f" {len(self.runs)} runs, the same one in both")

    def test_same_order_for_every_order_by(self):
        for order in ORDER_BYS:
            want = [r.info.run_id for r in SearchUtils.sort(self.runs, order)]
            [answer] = flowbook_answers(self.files, ["--order-by", ", ".join(order)])
            with self.subTest(order_by=order):
                self.assertEqual(answer["runs"], want)


if __name__ == "__main__":
    unittest.main()
