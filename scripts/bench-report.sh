#!/usr/bin/env bash
# Runs the criterion benchmarks and prints the figures the performance targets are stated
# in: telegrams per second, GB/s, and the ratios measured in the same run.
# Extra arguments go to criterion (e.g. --measurement-time 10).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo bench -q -p fep-benches --bench codec --bench ffi -- "$@" 2>&1 | tee "$out" >/dev/null

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
