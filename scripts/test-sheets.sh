#!/usr/bin/env bash
# Spec sheets written by the spreadsheet libraries people use (openpyxl .xlsx, xlwt .xls,
# odfpy .ods) into a temporary directory, imported with `fep import`, checked with
# `fep check`, and used to decode a telegram (scripts/spec_sheets.py).
# Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
venv="$CARGO_TARGET_DIR/sheets-venv"
dir=$(mktemp -d)
trap 'rm -rf "$log" "$dir"' EXIT
python_venv "$venv"
echo "==> pip install openpyxl xlwt odfpy"
"$venv/bin/python" -m pip install openpyxl xlwt odfpy >"$log/out" 2>&1 ||
  abort "FAILED: installing openpyxl, xlwt and odfpy"

echo "==> cargo build -p fep-cli"
cargo build -q -p fep-cli >"$log/out" 2>&1 || abort "FAILED: building fep"

echo "==> scripts/spec_sheets.py"
"$venv/bin/python" scripts/spec_sheets.py "$CARGO_TARGET_DIR/debug/fep" "$dir"
