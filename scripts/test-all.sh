#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust tests (unit, golden,
# property, doc), the examples, and the C, Java and Python suites.
# Ends with one line: "N passed, M failed", counting every test and check it ran.
set -uo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# A test runner whose "test result:" lines are summed.
cargo_tests() {
  local name=$1 start=$SECONDS
  shift
  echo "==> $name"
  "$@" 2>&1 | tee "$log/cargo" | grep -E '^(test result|error|failures:|---- )' || true
  local status=${PIPESTATUS[0]}
  local p f
  p=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed' "$log/cargo" | awk '{s+=$4} END {print s+0}')
  f=$(grep -Eo '[0-9]+ failed' "$log/cargo" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    failed=$((failed + 1))
    echo "FAILED: $name (exit $status)"
    tail -n 60 "$log/cargo"
  fi
  took "$start"
}

check "cargo fmt --check" cargo fmt --all -- --check
check "cargo clippy" cargo clippy --workspace --all-targets -- -D warnings
cargo_tests "cargo test" cargo test --workspace
cargo_tests "cargo test (tokio codec)" cargo test -p fep-core --features tokio --lib codec_tests
# The relay example under 100,000 requests and a faulty counterpart: release mode only.
cargo_tests "relay load test (release)" cargo test --release -p fep-relay --test load
check "cargo clippy (tokio codec)" cargo clippy -p fep-core --features tokio --all-targets -- -D warnings
# The README's first command; its output is JSON, so the step says what it checked (the
# last line of the JSON, a lone bracket, is no summary).
readme_decode() {
  local sample=layouts/firmbanking/transfer-request.bin out
  out=$(cargo run -q -p fep-cli -- decode -l layouts/firmbanking.layout "$sample") || return 1
  grep -q '^    "message": "transfer",$' <<<"$out" || {
    echo "$out"
    return 1
  }
  echo "decoded $sample: message transfer"
}
check "README: fep decode of a bundled sample" readme_decode
check "layout samples are reproducible" python3 layouts/make_samples.py --check
check "example: read a capture file" \
  cargo run -q -p fep-core --example decode -- layouts/cms-batch.layout layouts/cms-batch/batch-file.bin
check "example: route on views" \
  cargo run -q -p fep-core --example route -- layouts/firmbanking.layout layouts/firmbanking/transfer-request.bin
check "example: build a response" \
  cargo run -q -p fep-core --example respond -- layouts/firmbanking.layout \
  layouts/firmbanking/transfer-request.bin layouts/firmbanking/transfer-response.bin

# The other suites (C ABI, JVM, Python) live in scripts/test-*.sh; each sets up what it
# needs and ends with its own "N passed, M failed" line, which is added in here.
for script in scripts/test-c.sh scripts/test-java.sh scripts/test-python.sh scripts/test-capture.sh scripts/test-spark.sh scripts/test-sheets.sh; do
  [ -x "$script" ] || continue
  suite "$script" "$script"
done

# The packages as users get them: the C prefix (pkg-config, shared and static), the crates
# (cargo package), one version, rustdoc without warnings.
suite scripts/test-package.sh scripts/test-package.sh
# The Python wheel (abi3, manylinux2014) and sdist; the suite against the installed wheel.
suite scripts/test-wheel.sh scripts/test-wheel.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
