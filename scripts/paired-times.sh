#!/usr/bin/env bash
# Times fep against the hand-written code on each bench message of layouts/securities.layout
# (order, customer, settlement, history: decode, decode_into, encode, a 3-field view), the
# two in turns: each round times a short batch of one and then of the other, so that both
# see the machine at the same speed, and prints the median of the per-round ratios and the
# middle half of them. On a machine whose speed drifts this gives steadier ratios than
# criterion's, which times a benchmark and its baseline apart (scripts/bench-report.sh).
#
# Usage: scripts/paired-times.sh [ROUNDS]   (default 400 rounds of about 0.4 ms each)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo build --release -q -p fep-benches --bin paired --message-format=json |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "could not find the built paired binary" >&2
  exit 1
fi
exec "$bin" "$@"
