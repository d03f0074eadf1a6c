# shellcheck shell=bash
# The Python package's wheel, built one way for every script that needs it (test-python,
# test-wheel, test-spark): maturin with zig, abi3 for CPython 3.9+, manylinux2014, in release
# mode in the workspace's target directory. The same command each time, so that a second
# script finds the build done and only packs the wheel again. maturin and ziglang live in a
# virtual environment of their own under the target directory.
PYTHON_WHEEL_TAG=manylinux2014

# python_tools: that environment, made once. Sets $python_tools.
python_tools() {
  python_tools="${CARGO_TARGET_DIR:-target}/python-tools"
  [ -x "$python_tools/bin/maturin" ] && "$python_tools/bin/python" -c 'import ziglang' 2>/dev/null &&
    return 0
  rm -rf "$python_tools"
  "${PYTHON:-python3}" -m venv "$python_tools" &&
    "$python_tools/bin/python" -m pip install -q "maturin>=1.16,<2" "ziglang>=0.13"
}

# python_wheel OUTDIR: builds the wheel into OUTDIR (emptied first) and prints its path.
python_wheel() {
  local out=$1
  python_tools || return 1
  rm -rf "$out"
  PATH="$python_tools/bin:$PATH" maturin build --release --locked --zig \
    --compatibility "$PYTHON_WHEEL_TAG" -m fep-py/Cargo.toml --out "$out" >&2 || return 1
  ls "$out"/fep-*.whl
}
