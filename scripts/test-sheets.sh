#!/usr/bin/env bash
# Spec sheets written by the spreadsheet libraries people use (openpyxl .xlsx, xlwt .xls,
# odfpy .ods) into a temporary directory, imported with `fep import`, checked with
# `fep check`, and used to decode a telegram (scripts/spec_sheets.py).
# Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
venv="$CARGO_TARGET_DIR/sheets-venv"
log=$(mktemp)
dir=$(mktemp -d)
trap 'rm -rf "$log" "$dir"' EXIT

fail() {
  echo "$1"
  tail -n 40 "$log"
  echo "0 passed, 1 failed"
  exit 1
}

python=${PYTHON:-python3}
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "==> creating a virtual environment in $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv" >"$log" 2>&1 || fail "could not create a virtual environment with $python -m venv"
fi
echo "==> pip install openpyxl xlwt odfpy"
"$venv/bin/python" -m pip install openpyxl xlwt odfpy >"$log" 2>&1 ||
  fail "FAILED: installing openpyxl, xlwt and odfpy"

echo "==> cargo build -p fep-cli"
cargo build -q -p fep-cli >"$log" 2>&1 || fail "FAILED: building fep"

echo "==> scripts/spec_sheets.py"
"$venv/bin/python" scripts/spec_sheets.py "$CARGO_TARGET_DIR/debug/fep" "$dir"
