#!/usr/bin/env bash
# Runs the criterion benchmarks and prints the figures the performance targets are stated
# in: telegrams per second, GB/s, and the ratios measured in the same run: first for the
# 300-byte transfer, then for each of the four bench messages of layouts/securities.layout
# (ASCII-only, Hangul-heavy, numeric-heavy, 20 counted rows) against its hand-written code,
# by criterion and then timed in turns (scripts/paired-times.sh); last, the Python package on
# the same messages (fep-py/bench/shapes.py), when scripts/test-python.sh has installed it.
# `scripts/bench-report.sh correlate` runs the correlator's benchmarks instead and prints
# pairs per second on 1 and 2 threads, their ratio, and the time to expire 100,000 requests.
# Extra arguments go to criterion (e.g. --measurement-time 10).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
what=codec
if [ "${1:-}" = correlate ]; then
  what=correlate
  shift
fi
if [ $what = correlate ]; then
  cargo bench -q -p fep-benches --bench correlate -- "$@" 2>&1 | tee "$out" >/dev/null
else
  cargo bench -q -p fep-benches --bench codec --bench ffi -- "$@" 2>&1 | tee "$out" >/dev/null
fi

# The middle estimate of "time:" for a benchmark, in nanoseconds.
ns() {
  awk -v name="$1" '
    $1 == name { found = 1 }
    found && /time:/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^\[/) { v = $(i + 2); u = $(i + 3); break }
      if (u == "ps") v /= 1000; else if (u == "µs" || u == "us") v *= 1000; else if (u == "ms") v *= 1e6; else if (u == "s") v *= 1e9
      print v; exit
    }' "$out"
}

if [ $what = correlate ]; then
  # ns per pair -> M pairs/s; a threaded iteration is one pair on each thread.
  pairs() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f M pairs/s", n * 1000 / t }'; }
  printf '%-44s %10s %16s\n' "correlator (1,000 pending)" "ns/iter" "rate"
  for l in transfer card remittance; do
    t=$(ns "correlate/pair/$l")
    printf '%-44s %10.0f %16s\n' "insert + complete, $l, 1 thread" "$t" "$(pairs "$t" 1)"
  done
  one=$(ns correlate_threads/transfer/1)
  two=$(ns correlate_threads/transfer/2)
  printf '%-44s %10.0f %16s\n' "transfer, threads harness, 1 thread" "$one" "$(pairs "$one" 1)"
  printf '%-44s %10.0f %16s\n' "transfer, threads harness, 2 threads" "$two" "$(pairs "$two" 2)"
  awk -v a="$one" -v b="$two" 'BEGIN { printf "%-44s %10s %16.2fx\n", "2 threads against 1", "", 2 * a / b }'
  awk -v t="$(ns correlate_expire/transfer/100000)" \
    'BEGIN { printf "%-44s %10s %13.2f ms\n", "expire 100,000 pending requests", "", t / 1e6 }'
  exit 0
fi

per2() { awk -v t="$1" 'BEGIN { printf "%.0f", t / 2 }'; }   # the transfer group runs 2 telegrams
rate() { awk -v t="$1" 'BEGIN { printf "%.2f M/s", 1000 / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

base_dec=$(per2 "$(ns transfer/baseline/decode)")
dec=$(per2 "$(ns transfer/fep/decode)")
dec_owned=$(per2 "$(ns transfer/fep/decode_owned)")
dec_into=$(per2 "$(ns transfer/fep/decode_into)")
view=$(per2 "$(ns transfer/fep/view_3_fields)")
base_enc=$(per2 "$(ns transfer/baseline/encode)")
enc=$(per2 "$(ns transfer/fep/encode)")
json=$(per2 "$(ns transfer/fep/json)")
frame_ns=$(ns framing/fep/100MB)
bytes=$(grep -Eo 'framing/fep/100MB' "$out" >/dev/null && echo $((100 * 1024 * 1024 / 304 * 304)))
ffi_view=$(per2 "$(ns ffi/view_3_fields)")
ffi_dec=$(per2 "$(ns ffi/decode)")
disp=$(awk -v t="$(ns dispatch/fep/32_messages)" 'BEGIN { printf "%.0f", t / 32 }')

printf '%-40s %10s %12s %s\n' "benchmark (300-byte transfer)" "ns/telegram" "rate" "vs hand-written"
printf '%-40s %10s %12s\n' "hand-written decode (owned strings)" "$base_dec" "$(rate "$base_dec")"
printf '%-40s %10s %12s %s\n' "fep decode (borrowed ASCII)" "$dec" "$(rate "$dec")" "$(ratio "$dec" "$base_dec")"
printf '%-40s %10s %12s %s\n' "fep decode + into_owned" "$dec_owned" "$(rate "$dec_owned")" "$(ratio "$dec_owned" "$base_dec")"
printf '%-40s %10s %12s %s\n' "fep decode_into (reused)" "$dec_into" "$(rate "$dec_into")" "$(ratio "$dec_into" "$base_dec")"
printf '%-40s %10s %12s %s\n' "fep view, 3 fields" "$view" "$(rate "$view")" "decode/view $(ratio "$dec" "$view")"
printf '%-40s %10s %12s\n' "hand-written encode" "$base_enc" "$(rate "$base_enc")"
printf '%-40s %10s %12s %s\n' "fep encode" "$enc" "$(rate "$enc")" "$(ratio "$enc" "$base_enc")"
printf '%-40s %10s %12s\n' "fep JSON of a decoded message" "$json" "$(rate "$json")"
printf '%-40s %10s %12s\n' "C ABI: view + 3 field reads + free" "$ffi_view" "$(rate "$ffi_view")"
printf '%-40s %10s %12s\n' "C ABI: decode + free" "$ffi_dec" "$(rate "$ffi_dec")"
printf '%-40s %10s\n' "dispatch among 32 messages" "$disp"
awk -v t="$frame_ns" -v b="$bytes" 'BEGIN { printf "%-40s %10.2f GB/s\n", "framing a 100 MB capture", b / t }'

# The bench messages: every ratio against the hand-written code with fep's semantics.
mark() { awk -v r="$1" -v t="$2" 'BEGIN { printf "%s", (r + 0 <= t + 0) ? "met" : "NOT met" }'; }
echo
printf '%-34s %10s %10s %8s  %s\n' "bench message (securities.layout)" "hand ns" "fep ns" "ratio" "target"
for m in order customer settlement history; do
  hd=$(ns "shape/$m/baseline/decode")
  ho=$(ns "shape/$m/baseline/decode_owned")
  hv=$(ns "shape/$m/baseline/view_3_fields")
  he=$(ns "shape/$m/baseline/encode")
  fd=$(ns "shape/$m/fep/decode")
  fo=$(ns "shape/$m/fep/decode_owned")
  fn_into=$(ns "shape/$m/fep/decode_into")
  fv=$(ns "shape/$m/fep/view_3_fields")
  fe=$(ns "shape/$m/fep/encode")
  row() { # LABEL HAND FEP TARGET
    local r
    r=$(awk -v a="$3" -v b="$2" 'BEGIN { printf "%.2f", a / b }')
    printf '%-34s %10.0f %10.0f %7sx  %s\n' "$1" "$2" "$3" "$r" "${4:+<= ${4}x: $(mark "$r" "$4")}"
  }
  row "$m: decode" "$hd" "$fd" 1.0
  row "$m: decode_into (vs hand decode)" "$hd" "$fn_into" 0.8
  row "$m: decode + into_owned" "$ho" "$fo" ""
  row "$m: view, 3 fields" "$hv" "$fv" 1.3
  row "$m: encode" "$he" "$fe" 1.0
done

# The same ratios with fep and the hand-written code timed in turns (steadier than the
# criterion ratios above when the machine's speed drifts: scripts/paired-times.sh).
echo
echo "the same, timed in turns (scripts/paired-times.sh, 400 rounds):"
scripts/paired-times.sh 400

# Python on the same four messages, beside pure-Python slicing, with the targets on the
# Hangul-heavy one: the package as scripts/test-python.sh last built and installed it.
echo
py="${CARGO_TARGET_DIR:-target}/python-venv/bin/python"
if [ -x "$py" ] && "$py" -c "import fep" 2>/dev/null; then
  echo "Python (fep-py/bench/shapes.py --rounds 3, the package in $py):"
  "$py" fep-py/bench/shapes.py --rounds 3
else
  echo "Python: no package to time; scripts/test-python.sh builds and installs it in" \
    "${CARGO_TARGET_DIR:-target}/python-venv, then run this again"
fi
