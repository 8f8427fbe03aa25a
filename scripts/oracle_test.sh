#!/usr/bin/env bash
# Checks the `flowbook` command against scikit-learn and pyarrow on the real TLC files.
# Needs the Python venv made by scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
VENV="${FLOWBOOK_VENV:-$HOME/.cache/flowbook/venv}"
echo "==> building the flowbook command (profile oracle: release without LTO)"
cargo build --profile oracle -p flowbook-cli
echo "==> oracle tests (scikit-learn $("$VENV/bin/python" -c 'import sklearn; print(sklearn.__version__)'), pyarrow $("$VENV/bin/python" -c 'import pyarrow; print(pyarrow.__version__)'))"
export FLOWBOOK_BIN="$CARGO_TARGET_DIR/oracle/flowbook"
echo "==> XGBoost $("$VENV/bin/python" -c 'import xgboost; print(xgboost.__version__)'): gradient-boosted trees (the course model on one month pair; FLOWBOOK_TREE_CASES=all for three)"
echo "==> mlflow $("$VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)'): the run search filter and order_by against SearchUtils (281 filters)"
echo "==> hyperopt $("$VENV/bin/python" -c 'import hyperopt; print(hyperopt.__version__)'): TPE on known functions (50 searches of 50 trials each)"
EVIDENTLY="${FLOWBOOK_EVIDENTLY_VENV:-$HOME/.cache/flowbook/venv-evidently}"
echo "==> Evidently $("$EVIDENTLY/bin/python" -c 'import evidently; print(evidently.__version__)'): monitor's drift on one later month and on small samples (FLOWBOOK_MONITOR_CASES=all for eight)"
cd tests/oracle
"$VENV/bin/python" -m unittest -v test_oracle.py test_trees.py test_search.py test_filter.py test_monitor.py
