"""Loads every MLflow model Flowbook exported (crates/flowbook-core/tests/export.rs writes
<cases>/<case>/model/ and <cases>/<case>/rows.csv) with MLflow's own pyfunc loader and
checks that it predicts Flowbook's durations within 1e-4 minutes on every row.

    python tests/mlflow_model/check_models.py [CASES_DIR]

CASES_DIR defaults to $CARGO_TARGET_DIR/mlflow-model-test, else target/mlflow-model-test.
Exits non-zero on the first problem; prints the largest difference per case.
"""

import json
import logging
import os
import sys
from pathlib import Path

# Nothing here may reach the network: no telemetry, a local tracking store.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import mlflow.pyfunc  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import pandas as pd  # noqa: E402

TOLERANCE_MIN = 1e-4
EXPECTED_COLUMN = "flowbook_duration"
OUTPUT = "duration"
REQUIRED_CASES = {
    "pu_do_distance_ols", "zones_distance_ridge", "unseen_zone_time_ridge", "pu_do_distance_gbdt",
}
ID_COLUMNS = {"PULocationID", "DOLocationID", "pickup_datetime_us"}


def cases_dir() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    repo = Path(__file__).resolve().parents[2]
    target = Path(os.environ.get("CARGO_TARGET_DIR", "target"))
    return (target if target.is_absolute() else repo / target) / "mlflow-model-test"


def read_rows(path: Path) -> pd.DataFrame:
    """The CSV as a user's frame: int64 IDs and times, float64 numbers. Numbers are parsed
    with Python's float(), which is exact, so each is the double Flowbook wrote whatever
    pandas' own float parser does."""
    text = pd.read_csv(path, dtype=str)
    return pd.DataFrame({
        column: (
            text[column].astype(np.int64)
            if column in ID_COLUMNS
            else np.array([float(x) for x in text[column]], dtype=np.float64)
        )
        for column in text.columns
    })


def fail(message: str) -> None:
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check_case(case: Path) -> float:
    model_dir = case / "model"
    onnx.checker.check_model(str(model_dir / "model.onnx"), full_check=True)

    rows = read_rows(case / "rows.csv")
    expected = rows.pop(EXPECTED_COLUMN).to_numpy()

    model = mlflow.pyfunc.load_model(str(model_dir))
    schema_names = model.metadata.get_input_schema().input_names()
    if schema_names != list(rows.columns):
        fail(f"{case.name}: signature inputs {schema_names} != CSV columns {list(rows.columns)}")

    # A user's frame has the columns in any order and more of them.
    frame = rows[list(reversed(rows.columns))].copy()
    frame["VendorID"] = 2
    predicted = model.predict(frame)
    if list(predicted.columns) != [OUTPUT] or predicted[OUTPUT].dtype != np.float64:
        fail(f"{case.name}: prediction columns {dict(predicted.dtypes)}")
    got = predicted[OUTPUT].to_numpy()
    if len(got) != len(expected):
        fail(f"{case.name}: {len(got)} predictions for {len(expected)} rows")
    both_nan = np.isnan(got) & np.isnan(expected)
    diff = np.where(both_nan, 0.0, np.abs(got - expected))
    worst = float(np.max(diff))
    identical = int(np.sum((got == expected) | both_nan))
    print(
        f"{case.name}: {len(got)} rows, max |mlflow - flowbook| = {worst:.3g} min, "
        f"{identical} identical, model.onnx {(model_dir / 'model.onnx').stat().st_size} bytes"
    )
    if not worst <= TOLERANCE_MIN:
        i = int(np.argmax(diff))
        fail(f"{case.name}: row {i} {rows.iloc[i].to_dict()} gives {got[i]}, Flowbook {expected[i]}")
    check_narrow_number_types(case.name, model, rows.head(200))
    check_input_example(case.name, model_dir, model)
    return worst


def check_input_example(name: str, model_dir: Path, model) -> None:
    """The saved input example reads back as log_model's does and the model predicts it."""
    example = mlflow.models.Model.load(str(model_dir)).load_input_example(str(model_dir))
    schema_names = model.metadata.get_input_schema().input_names()
    if list(example.columns) != schema_names or len(example) != 1:
        fail(f"{name}: input example columns {list(example.columns)} != signature {schema_names}")
    predicted = model.predict(example)[OUTPUT].to_numpy()
    if not (len(predicted) == 1 and np.isfinite(predicted[0])):
        fail(f"{name}: the input example predicts {predicted}")
    serving = json.loads((model_dir / "serving_input_example.json").read_text())
    if serving["dataframe_split"]["columns"] != schema_names:
        fail(f"{name}: serving_input_example.json columns {serving['dataframe_split']['columns']}")


def check_narrow_number_types(name: str, model, rows: pd.DataFrame) -> None:
    """int32 and float32 number columns (as from a parquet file that stores them so) are
    widened to double by MLflow's signature check and must predict like those doubles.
    int64 is refused by MLflow itself ("Can not safely convert int64 to float64"), so
    whole numbers typed in by hand must be written as floats (2.0, not 2)."""
    numbers = [c for c in rows.columns if c not in ID_COLUMNS]
    if not numbers:
        return
    for narrow in (np.int32, np.float32):
        as_narrow = rows.copy()
        for column in numbers:
            values = as_narrow[column].clip(-1e6, 1e6)
            as_narrow[column] = values.round().astype(narrow) if narrow == np.int32 else values.astype(narrow)
        as_double = as_narrow.astype({column: np.float64 for column in numbers})
        a = model.predict(as_narrow)[OUTPUT].to_numpy()
        b = model.predict(as_double)[OUTPUT].to_numpy()
        if not np.array_equal(a, b):
            fail(f"{name}: {np.dtype(narrow)} number columns predict differently from doubles")


def main() -> None:
    # The frames above carry an extra column on purpose; MLflow warns once per predict.
    logging.getLogger("mlflow.models.utils").setLevel(logging.ERROR)
    root = cases_dir()
    cases = sorted(p for p in root.glob("*") if (p / "model" / "MLmodel").is_file())
    missing = REQUIRED_CASES - {p.name for p in cases}
    if missing:
        fail(f"{root} lacks the cases {sorted(missing)}; run cargo test -p flowbook-core --test export")
    for case in cases:
        check_case(case)
    print(f"{len(cases)} MLflow models predict as Flowbook within {TOLERANCE_MIN} min")


if __name__ == "__main__":
    main()
