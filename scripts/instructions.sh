#!/usr/bin/env bash
# Instructions per operation on the 300-byte transfer request, counted by callgrind: each
# operation runs N times and 0 times (the setup alone), and the difference over N is printed.
# The counts are repeatable from run to run, unlike times, so they show whether a change
# made an operation cheaper or dearer.
#
# `capture` is one read of a 4 MiB pcap through TCP reassembly and framing, `parquet` one
# conversion of 10,000 transfer telegrams to a zstd Parquet dataset: not in the default
# set (run them with a small N: `N=3 scripts/instructions.sh capture parquet`).
#
# `arrow` is one decode of the same 10,000 telegrams to Arrow record batches by
# `fep_arrow::decode` (the direct path, values revealed as `decode_arrow` does); with
# SHAPE=customer (or another bench message of layouts/securities.layout), of 10,000
# telegrams of that message: `N=3 SHAPE=customer scripts/instructions.sh arrow`.
#
# `pair` is a correlator insert + complete; `expire` counts only the one call that expires N
# pending requests (callgrind's --toggle-collect), divided by N.
#
# `scripts/instructions.sh shapes [MESSAGE...]` counts instead, on each bench message of
# layouts/securities.layout (order, customer, settlement, history; default all), fep's
# decode, decode + into_owned, decode_into, encode_into and 3-field view beside the
# hand-written code's, and prints fep's count over the hand-written one (N=10000 by default).
#
# Usage: scripts/instructions.sh [OP...]   (default: all; N=100000 by default)
#        scripts/instructions.sh shapes [MESSAGE...]
set -euo pipefail
cd "$(dirname "$0")/.."

shapes=()
if [ "${1:-}" = shapes ]; then
  shift
  shapes=("$@")
  [ ${#shapes[@]} -gt 0 ] || shapes=(order customer settlement history)
  set --
fi
n=${N:-100000}
[ ${#shapes[@]} -eq 0 ] || n=${N:-10000}
ops=("$@")
if [ ${#ops[@]} -eq 0 ]; then
  ops=(decode decode_into encode encode_into view key diff diff_equal pair expire)
fi
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
  echo "N must be a positive integer, not '$n'" >&2
  exit 2
fi

if ! command -v valgrind >/dev/null; then
  echo "==> installing valgrind" >&2
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq valgrind >/dev/null
fi

# The benches are built with the release profile (`bench` inherits it).
bin=$(cargo build --release -q -p fep-benches --bin instructions --message-format=json |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "could not find the built instructions binary" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# collected OP COUNT [VALGRIND-OPTION...]: the total instructions callgrind collected for one
# run (of the bench message $shape when it is set).
shape=${SHAPE:-}
collected() {
  local log="$tmp/$1-$2.log"
  if ! valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "${@:3}" "$bin" "$1" "$2" \
    ${shape:+"$shape"} >/dev/null 2>"$log"; then
    echo "instructions $1 $2 failed under callgrind:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  local c
  c=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log")
  if [ -z "$c" ]; then
    echo "no 'Collected' line from callgrind for $1 $2" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  echo "$c"
}

# per OP: sets `count` to the instructions per operation on $shape (each op counted once).
declare -A counted=()
per() {
  if [ -z "${counted[$shape/$1]:-}" ]; then
    local base total
    base=$(collected "$1" 0)
    total=$(collected "$1" "$n")
    counted[$shape/$1]=$(awk -v a="$total" -v b="$base" -v n="$n" 'BEGIN { printf "%.0f", (a - b) / n }')
  fi
  count=${counted[$shape/$1]}
}

if [ ${#shapes[@]} -gt 0 ]; then
  printf '%-34s %12s %12s %8s\n' "bench message (N=$n)" "hand-written" "fep" "ratio"
  for shape in "${shapes[@]}"; do
    for pair in decode:hand_decode decode_owned:hand_decode_owned decode_into:hand_decode \
      encode_into:hand_encode view:hand_view; do
      per "${pair%%:*}"
      f=$count
      per "${pair##*:}"
      h=$count
      awk -v l="$shape: ${pair%%:*}" -v h="$h" -v f="$f" \
        'BEGIN { printf "%-34s %12d %12d %7.2fx\n", l, h, f, f / h }'
    done
  done
  exit 0
fi

printf '%-12s %14s\n' "op (N=$n)" "instructions"
for op in "${ops[@]}"; do
  if [ "$op" = expire ]; then
    # The setup (filing N requests) is not counted at all, so no run without it is needed.
    base=0
    total=$(collected "$op" "$n" --collect-atstart=no '--toggle-collect=*expire_all*')
  else
    base=$(collected "$op" 0)
    total=$(collected "$op" "$n")
  fi
  awk -v op="$op" -v a="$total" -v b="$base" -v n="$n" \
    'BEGIN { printf "%-12s %14.0f\n", op, (a - b) / n }'
done
