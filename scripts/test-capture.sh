#!/usr/bin/env bash
# Real captures: tcpdump on the loopback interface while the relay example's counterpart
# simulator answers transfer requests (dropping some, answering some twice), then
# `fep pair` on the capture must find exactly what the simulator did; `fep decode` reads
# the same capture.
# Needs root (tcpdump on lo); installs tcpdump. Ends with one line: "N passed, M failed".
# FEP_CAPTURE_KEEP=DIR keeps the captures taken (to refresh the fixtures by hand).
set -uo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

command -v tcpdump >/dev/null 2>&1 || apt_install tcpdump
cargo build -q -p fep-cli -p fep-relay --example exchange || { echo "0 passed, 1 failed"; exit 1; }
fep=target/debug/fep
exchange=target/debug/examples/exchange
layout=layouts/firmbanking.layout
work=$(mktemp -d)
trap 'rm -rf "$work" "$log"' EXIT

# take NAME REQUESTS P_DROP P_DUP [TCPDUMP OPTIONS...]: runs the exchange under tcpdump;
# leaves $work/NAME.pcap and the simulator's counts in $work/NAME.counts. A capture whose
# packets the kernel dropped (a busy machine) is taken again, up to three times: the
# comparison below needs every packet.
take() {
  local try
  for try in 1 2 3; do
    take_once "$@" || return 1
    grep -q '^0 packets dropped by kernel' "$work/$1.tcpdump" && return 0
    echo "tcpdump: $(grep 'dropped by kernel' "$work/$1.tcpdump"); taking it again"
  done
  return 1
}

take_once() {
  local name=$1 requests=$2 drop=$3 dup=$4
  shift 4
  local fifo=$work/$name.fifo
  rm -f "$fifo"
  mkfifo "$fifo"
  "$exchange" "$requests" "$drop" "$dup" <"$fifo" >"$work/$name.out" 2>"$work/$name.err" &
  local ex=$!
  exec 3>"$fifo"
  local port=
  for _ in $(seq 100); do
    port=$(awk '/^listening/{print $2}' "$work/$name.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  tcpdump -i "${IFACE:-lo}" --immediate-mode -B 32768 -U -w "$work/$name.pcap" "$@" "tcp port $port" 2>"$work/$name.tcpdump" &
  local td=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$work/$name.tcpdump" && break
    sleep 0.1
  done
  echo go >&3
  exec 3>&-
  wait "$ex"
  sleep 0.5
  kill -INT "$td"
  wait "$td"
  grep '^requests' "$work/$name.out" >"$work/$name.counts"
  [ -n "${FEP_CAPTURE_KEEP:-}" ] && cp "$work/$name.pcap" "$work/$name.tcpdump" "$work/$name.counts" "$FEP_CAPTURE_KEEP/"
  [ -s "$work/$name.counts" ]
}

# pair_agrees NAME [FEP PAIR OPTIONS...]: fep pair's summary agrees with the simulator.
pair_agrees() {
  local name=$1
  shift
  local requests dropped duplicated
  read -r _ requests _ dropped _ duplicated <"$work/$name.counts"
  "$fep" pair -l "$layout" "$@" --format jsonl "$work/$name.pcap" >"$work/$name.jsonl" 2>"$work/$name.summary"
  local status=$?
  local answered unanswered twice stray
  answered=$(grep -c '"outcome":"answered"' "$work/$name.jsonl")
  unanswered=$(grep -c '"outcome":"unanswered"' "$work/$name.jsonl")
  twice=$(grep -c '"outcome":"answered twice"' "$work/$name.jsonl")
  stray=$(grep -c '"outcome":"unmatched response"' "$work/$name.jsonl")
  echo "simulator: $requests requests, $dropped dropped, $duplicated duplicated"
  echo "fep pair:  $answered answered, $unanswered unanswered, $twice twice, $stray unmatched (exit $status)"
  cat "$work/$name.summary"
  [ $((answered + unanswered + twice)) -eq "$requests" ] &&
    [ "$unanswered" -eq "$dropped" ] && [ "$twice" -eq "$duplicated" ] && [ "$stray" -eq 0 ] &&
    if [ $((dropped + duplicated)) -gt 0 ]; then [ "$status" -eq 1 ]; else [ "$status" -eq 0 ]; fi
}

# taken NAME REQUESTS P_DROP P_DUP [TCPDUMP OPTIONS...]: take, then pair_agrees.
taken() {
  take "$@" && pair_agrees "$1"
}

check "capture: tcpdump on lo beside the counterpart simulator" take faults 300 0.05 0.05
check "capture: fep pair finds the dropped and the duplicated" pair_agrees faults
check "capture: a clean exchange pairs whole, exit 0" taken clean 100 0 0
check "capture: nanosecond timestamps" taken nano 100 0.1 0 --time-stamp-precision=nano
# -i any: Linux cooked headers (SLL2), each packet seen once on lo.
taken_any() {
  IFACE=any taken any 60 0.05 0
}
check "capture: -i any (Linux cooked headers, SLL2)" taken_any
check "capture: fep decode reads the capture, a capture object a row" \
  bash -c "'$fep' decode -l '$layout' --format jsonl '$work/faults.pcap' | head -n 1 | grep -q '\"capture\":{\"ts\":\"'"

# A capture through a pipe is told by its magic number as a file is: the same rows.
piped_pair() {
  "$fep" pair -l "$layout" --format csv "$work/faults.pcap" >"$work/file.csv" 2>/dev/null
  cat "$work/faults.pcap" | "$fep" pair -l "$layout" --format csv - >"$work/pipe.csv" 2>/dev/null
  [ -s "$work/pipe.csv" ] && cmp -s "$work/file.csv" "$work/pipe.csv"
}
check "capture: fep pair reads the capture from a pipe" piped_pair
# Parquet: as many rows as fep decode gives telegrams, each with its capture columns.
parquet_rows() {
  local want got
  want=$("$fep" decode -l "$layout" --format jsonl "$work/faults.pcap" | wc -l)
  # The summary gives each file's rows: "  1,234  DIR/message=NAME/part-00000.parquet".
  got=$("$fep" convert -l "$layout" "$work/faults.pcap" -o "$work/parquet" --to parquet 2>&1 |
    awk '/part-00000.parquet/ {gsub(",", "", $1); s += $1} END {print s + 0}')
  echo "fep decode: $want telegrams; Parquet: $got rows"
  [ "$want" -gt 0 ] && [ "$got" -eq "$want" ]
}
check "capture: fep convert --to parquet writes the capture's telegrams" parquet_rows

# The committed fixtures (fep-cli/tests/data/captures/, taken as above with
# FEP_CAPTURE_KEEP) are checked against their expected output by `cargo test`
# (fep-cli/tests/captures.rs).

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
