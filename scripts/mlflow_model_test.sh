#!/usr/bin/env bash
# Checks Flowbook's MLflow Model export end to end: the Rust test trains models on the
# real TLC files and writes each MLflow model directory with its rows and Flowbook's
# predictions; MLflow's own loader (mlflow.pyfunc.load_model, ONNX flavor) must then
# predict the same within 1e-4 minutes. Offline: nothing is installed or fetched.
# Needs the Python venv made by scripts/setup.sh (mlflow, onnx, onnxruntime, pandas).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export PATH="$HOME/.cargo/bin:$PATH"
VENV="${FLOWBOOK_VENV:-$HOME/.cache/flowbook/venv}"
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$PWD/$TARGET" ;; esac
CASES="$TARGET/mlflow-model-test"

# MLflow must not phone home or look for a tracking server while loading local models.
export MLFLOW_DISABLE_TELEMETRY=true
export DO_NOT_TRACK=true
export MLFLOW_TRACKING_URI="file://$TARGET/mlflow-model-test-mlruns"
export PIP_NO_INDEX=1

# The same package selection as scripts/test.sh's native tests, so that cargo unifies the
# same features and reuses their build instead of compiling the engine's crates again.
echo "==> exporting models (cargo test --workspace --exclude flowbook --test export)"
rm -rf "$CASES"
cargo test --workspace --exclude flowbook --test export

echo "==> loading them with MLflow $("$VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)'), onnxruntime $("$VENV/bin/python" -c 'import onnxruntime; print(onnxruntime.__version__)')"
"$VENV/bin/python" tests/mlflow_model/check_models.py "$CASES"
