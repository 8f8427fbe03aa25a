# Sourced by Flowbook's scripts. One build folder per machine, outside the clone, so that a
# fresh clone (CI's, a second checkout) reuses what earlier builds compiled and only
# recompiles Flowbook's own crates. Two checkouts building at the same time need their own
# folders: CARGO_TARGET_DIR=/elsewhere bash scripts/test.sh.
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowbook/target}"
