#!/usr/bin/env bash
# The Python package as users get it: maturin builds the abi3 wheel (CPython 3.9 and later)
# for manylinux2014, and the sdist; the wheel goes into a new virtual environment with no
# Rust toolchain on the PATH, and the pytest suite runs against it.
# Ends with one line: "N passed, M failed" (pytest's counts and this script's checks).
#
# Why manylinux2014 (manylinux_2_17): it is the oldest glibc (2.17) that Rust's standard
# library supports, so the wheel installs on RHEL/CentOS 7 and every later enterprise Linux
# (pip 19.3 or newer). Built here, on a newer glibc, the library would take that glibc's
# symbol versions (2.34 on Debian 12); zig (the `ziglang` package) links it against glibc
# 2.17's symbols instead, and maturin checks the result against the manylinux policy.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
dist="$CARGO_TARGET_DIR/wheels-dist"
venv="$CARGO_TARGET_DIR/python-wheel-venv"
python=${PYTHON:-python3}

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/python-wheel.sh
. scripts/python-wheel.sh

version=$(awk '/^\[workspace\.package\]/ { p = 1; next } /^\[/ { p = 0 }
  p && $1 == "version" { gsub(/"/, "", $3); print $3 }' Cargo.toml)
# The wheel's tags: CPython 3.9 and later through the stable ABI, glibc 2.17 and later.
wheel_tags="cp39-abi3-manylinux2014_$(uname -m).manylinux_2_17_$(uname -m)"
wheel="$dist/fep-$version-$wheel_tags.whl"
sdist="$dist/fep-$version.tar.gz"

# ---------------------------------------------------------------- build (with Rust)

build_tools() {
  python_tools && echo "maturin and zig in $python_tools"
}
check "maturin and ziglang in a build environment" build_tools

build_wheel() {
  # The same build as scripts/test-python.sh's (python_wheel in lib.sh).
  python_wheel "$dist" >/dev/null || return 1
  [ -f "$wheel" ] || {
    ls "$dist"
    echo "expected $(basename "$wheel")"
    return 1
  }
  echo "$(basename "$wheel")"
}
check "maturin build: one abi3 wheel for CPython 3.9+, $PYTHON_WHEEL_TAG" build_wheel

build_sdist() {
  PATH="$python_tools/bin:$PATH" maturin sdist -m fep-py/Cargo.toml --out "$dist" || return 1
  # The sdist builds on its own: it carries fep-core and fep-arrow, the path dependencies,
  # and the lock file.
  local f
  tar -tzf "$sdist" >"$log/sdist" || return 1
  for f in pyproject.toml Cargo.lock fep-py/Cargo.toml python/fep/__init__.py \
    fep-core/Cargo.toml fep-core/src/lib.rs fep-arrow/Cargo.toml fep-arrow/src/lib.rs; do
    grep -qx "fep-$version/$f" "$log/sdist" || {
      echo "$(basename "$sdist") lacks $f"
      return 1
    }
  done
  echo "$(basename "$sdist"), with fep-core, fep-arrow and Cargo.lock"
}
check "maturin sdist: the source distribution" build_sdist

# ---------------------------------------------------------------- install (without Rust)

# The PATH without any directory that holds cargo, rustc or rustup.
no_rust_path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -x "$d/cargo" ] || [ -x "$d/rustc" ] || [ -x "$d/rustup" ] || no_rust_path+="${no_rust_path:+:}$d"
done

install_wheel() {
  rm -rf "$venv"
  env PATH="$no_rust_path" bash -c '
    ! command -v cargo && ! command -v rustc || { echo "Rust is still on the PATH"; exit 1; }
    "$1" -m venv "$2" && "$2/bin/python" -m pip install -q "$3[test]"' _ \
    "$python" "$venv" "$wheel" || return 1
  # Installed from the wheel (pip builds nothing): the module is in the environment.
  (cd fep-py && "$venv/bin/python" -c 'import fep, sys; f = fep._fep.__file__
assert f.startswith(sys.prefix), f; print(f)') || return 1
}
check "pip install the wheel into a new environment, no Rust on the PATH" install_wheel

# ---------------------------------------------------------------- the suite

if [ -x "$venv/bin/python" ]; then
  echo "==> pytest fep-py/tests, against the installed wheel"
  (cd fep-py && env PATH="$no_rust_path" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests) 2>&1 | tee "$log/pytest"
  status=${PIPESTATUS[0]}
  summary=$(grep -E '[0-9]+ (passed|failed|errors?)\b.* in [0-9.]+s' "$log/pytest" | tail -n 1)
  p=$(echo "$summary" | grep -Eo '[0-9]+ passed' | awk '{print $1}')
  f=$(echo "$summary" | grep -Eo '[0-9]+ (failed|errors?)' | awk '{s+=$1} END {print s+0}')
  passed=$((passed + ${p:-0}))
  # A failure pytest did not count (no tests collected, a crash) still counts.
  [ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  failed=$((failed + f))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
