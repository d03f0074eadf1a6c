#!/usr/bin/env bash
# The Spark data source (fep.spark) on a real PySpark in local mode (local[2]): installs a
# JDK (17 or 21) when none is there, installs the package's wheel (built as test-python.sh and
# test-wheel.sh build it: python_wheel in python-wheel.sh) with PySpark 4 into a virtual
# environment of its own under target/, and runs fep-py/tests_spark.
# Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
venv="$CARGO_TARGET_DIR/spark-venv"

# Spark 4 runs on Java 17 or 21.
java_ok() {
  local v
  v=$("${1:-java}" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  [ "${v:-0}" -eq 17 ] || [ "${v:-0}" -eq 21 ]
}
if [ -n "${JAVA_HOME:-}" ] && java_ok "$JAVA_HOME/bin/java"; then
  :
elif java_ok java; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
else
  for j in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/java-21-openjdk-*; do
    if [ -x "$j/bin/java" ] && java_ok "$j/bin/java"; then JAVA_HOME=$j; break; fi
  done
  if [ -z "${JAVA_HOME:-}" ] || ! java_ok "$JAVA_HOME/bin/java"; then
    apt_install openjdk-17-jre-headless >"$log/out" 2>&1 || abort "FAILED: installing a JDK"
    JAVA_HOME=$(ls -d /usr/lib/jvm/java-17-openjdk-* | head -n 1)
  fi
fi
export JAVA_HOME
echo "==> Java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"

python_venv "$venv"
echo "==> maturin build --release --zig (in $CARGO_TARGET_DIR), pip install the wheel[spark]"
# shellcheck source=scripts/python-wheel.sh
. scripts/python-wheel.sh
wheel=$(python_wheel "$CARGO_TARGET_DIR/wheels-spark" 2>"$log/out") ||
  abort "FAILED: building the package"
{ "$venv/bin/python" -m pip install "$wheel[spark]" pytest &&
  "$venv/bin/python" -m pip install --force-reinstall --no-deps "$wheel"; } >"$log/out" 2>&1 ||
  abort "FAILED: installing the package with PySpark"

# The Python workers must run the environment's Python, or they find neither fep nor pyarrow.
export PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"
echo "==> pytest fep-py/tests_spark"
cd fep-py
"$venv/bin/python" -m pytest -q -s -p no:cacheprovider tests_spark 2>&1 | tee "$log/pytest"
status=${PIPESTATUS[0]}
summary=$(grep -E '[0-9]+ (passed|failed|errors?)\b.* in [0-9.]+s' "$log/pytest" | tail -n 1)
passed=$(echo "$summary" | grep -Eo '[0-9]+ passed' | awk '{print $1}')
failed=$(echo "$summary" | grep -Eo '[0-9]+ (failed|errors?)' | awk '{s+=$1} END {print s+0}')
passed=${passed:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
