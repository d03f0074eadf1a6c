#!/usr/bin/env bash
# Builds the Python package (fep-py) into a virtual environment under target/, installs the
# test tools, and runs its pytest suite over the bundled layouts and samples.
# Ends with one line: "N passed, M failed". A skipped test counts as failed: here every
# test has what it needs (pyarrow, polars, duckdb).
#
# The wheel is built by maturin itself (not through pip, which builds in a fresh temporary
# directory every time), in release mode in the workspace's target directory, by the same
# command as scripts/test-wheel.sh (python_wheel in lib.sh): a rerun, or the other script,
# recompiles only what changed. The first build of Arrow takes several minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
venv="$CARGO_TARGET_DIR/python-venv"
python_venv "$venv"

echo "==> pip install pytest pyarrow polars duckdb"
"$venv/bin/python" -m pip install pytest pyarrow polars duckdb >"$log/out" 2>&1 ||
  abort "FAILED: installing the test tools"

echo "==> maturin build --release --zig (in $CARGO_TARGET_DIR)"
# shellcheck source=scripts/python-wheel.sh
. scripts/python-wheel.sh
wheel=$(python_wheel "$CARGO_TARGET_DIR/wheels" 2>"$log/out") || abort "FAILED: building the package"
"$venv/bin/python" -m pip install --force-reinstall --no-deps "$wheel" >"$log/out" 2>&1 ||
  abort "FAILED: installing the package"

echo "==> pytest fep-py/tests"
cd fep-py
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests 2>&1 | tee "$log/out"
status=${PIPESTATUS[0]}
# pytest's closing line: "163 passed, 1 skipped in 2.31s", "2 failed, 161 passed in ...".
summary=$(grep -E '[0-9]+ (passed|failed|errors?)\b.* in [0-9.]+s' "$log/out" | tail -n 1)
passed=$(echo "$summary" | grep -Eo '[0-9]+ passed' | awk '{print $1}')
failed=$(echo "$summary" | grep -Eo '[0-9]+ (failed|errors?)' | awk '{s+=$1} END {print s+0}')
skipped=$(echo "$summary" | grep -Eo '[0-9]+ skipped' | awk '{print $1}')
passed=${passed:-0}
if [ "${skipped:-0}" -gt 0 ]; then
  echo "FAILED: $skipped skipped: the test environment lacks what they need"
  failed=$((failed + skipped))
fi

case $status in
  0) ;;
  5)
    echo "FAILED: pytest collected no tests"
    failed=$((failed + 1))
    ;;
  *)
    # A failure that pytest did not count (an interrupted run, a crash) still counts.
    [ "$failed" -eq 0 ] && failed=1
    ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
